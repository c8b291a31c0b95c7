"""`/healthz` and `/readyz` through the ASGI app: ready, each back end failing, time limits, no secrets."""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from tests.redis_service import REDIS_URL, delete_prefix, require_redis, unique_prefix
from tests.servers import free_port
from wopihost.adapters.sql.migrate import SchemaOutdated
from wopihost.app import create_app, initialise
from wopihost.config import S3Settings, Settings
from wopihost.health import check_all

pytestmark = pytest.mark.anyio

SECRET = "pg-secret-Xy7"


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "server": {"public_url": "https://wopihost.test"},
        "proof_keys": {"mode": "off"},
        "search": {"indexer_enabled": False},
    }
    return Settings(**(values | overrides))


async def client_for(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://wopihost.test"
    ) as client:
        try:
            yield client
        finally:
            await app.state.services.aclose()


@pytest.fixture
async def ready(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(tmp_path)
    await initialise(settings)
    async for client in client_for(settings):
        yield client


async def test_healthz_and_readyz_answer_ok_when_every_back_end_answers(ready: httpx.AsyncClient) -> None:
    health = await ready.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert health.headers["cache-control"] == "no-store"
    assert (await ready.head("/healthz")).status_code == 200

    readiness = await ready.get("/readyz")
    assert readiness.status_code == 200
    assert readiness.json() == {"status": "ready", "checks": {"database": "ok", "blob_store": "ok"}}


async def test_healthz_does_no_io_and_readyz_names_an_unreachable_postgresql_without_secrets(
    tmp_path: Path,
) -> None:
    url = f"postgresql+asyncpg://wopi:{SECRET}@127.0.0.1:{free_port()}/wopihost"
    settings = make_settings(tmp_path, database={"url": url})
    (settings.blob_dir / "tmp").mkdir(parents=True)
    async for client in client_for(settings):
        assert (await client.get("/healthz")).status_code == 200
        response = await client.get("/readyz")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable"
        assert body["failed"] == ["database"]
        assert body["checks"]["blob_store"] == "ok"
        assert body["checks"]["database"].startswith("failed: "), body
        for secret in (SECRET, "wopi:", "127.0.0.1", "postgresql"):
            assert secret not in response.text


async def test_readyz_fails_when_the_sqlite_file_cannot_be_opened(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await initialise(settings)
    database = settings.data_dir / "wopihost.db"
    database.unlink()
    database.mkdir()
    async for client in client_for(settings):
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["failed"] == ["database"]
        assert str(settings.data_dir) not in response.text


async def test_readyz_fails_when_the_blob_directory_is_gone(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await initialise(settings)
    async for client in client_for(settings):
        shutil.rmtree(settings.blob_dir)
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["failed"] == ["blob_store"]
        assert response.json()["checks"]["database"] == "ok"


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word, like a hung database server."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield int(listener.getsockname()[1])


async def test_readyz_gives_up_on_a_hung_database_within_the_time_limit(
    tmp_path: Path, silent_server: int
) -> None:
    url = f"postgresql+asyncpg://wopi@127.0.0.1:{silent_server}/wopihost"
    settings = make_settings(
        tmp_path,
        database={"url": url},
        server={"public_url": "https://wopihost.test", "readiness_timeout_seconds": 0.5},
    )
    (settings.blob_dir / "tmp").mkdir(parents=True)
    async for client in client_for(settings):
        started = time.monotonic()
        response = await client.get("/readyz")
        assert time.monotonic() - started < 3
        assert response.status_code == 503
        assert response.json()["checks"] == {"database": "timed out after 0.5 s", "blob_store": "ok"}


async def test_check_all_runs_probes_at_once_each_within_its_limit() -> None:
    async def hangs() -> None:
        await anyio.sleep(60)

    async def answers() -> None:
        await anyio.sleep(0.05)

    async def breaks() -> None:
        raise ConnectionRefusedError("secret detail")

    started = time.monotonic()
    outcomes = await check_all({"a": hangs, "b": answers, "c": breaks, "d": hangs}, limit_seconds=0.3)
    assert time.monotonic() - started < 1.5
    assert outcomes == {
        "a": "timed out after 0.3 s",
        "b": "ok",
        "c": "failed: ConnectionRefusedError",
        "d": "timed out after 0.3 s",
    }


async def test_health_answers_on_every_hostname_with_a_dedicated_wopi_hostname(tmp_path: Path) -> None:
    server = {"public_url": "https://ui.example", "wopi_url": "https://wopi.example"}
    settings = make_settings(tmp_path, server=server)
    await initialise(settings)
    async for client in client_for(settings):
        for base in ("https://ui.example", "https://wopi.example", "http://10.0.0.7:8080"):
            assert (await client.get(f"{base}/healthz")).status_code == 200
            assert (await client.get(f"{base}/readyz")).status_code == 200


async def test_app_lifespan_refuses_a_schema_it_was_not_written_for(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    settings.data_dir.mkdir(parents=True)
    app = create_app(settings)
    try:
        with pytest.raises(SchemaOutdated, match="wopihost db upgrade"):
            async with app.router.lifespan_context(app):
                pytest.fail("the app started on a database without a schema")
    finally:
        await app.state.services.aclose()


async def test_readyz_checks_redis_when_configured_and_names_it_when_unreachable(tmp_path: Path) -> None:
    require_redis()
    prefix = unique_prefix()
    reachable = make_settings(tmp_path / "a", redis={"url": REDIS_URL, "key_prefix": prefix})
    unreachable = make_settings(
        tmp_path / "b",
        redis={"url": f"redis://127.0.0.1:{free_port()}/0", "connect_timeout_seconds": 0.5},
    )
    try:
        for settings in (reachable, unreachable):
            await initialise(settings)
        async for client in client_for(reachable):
            response = await client.get("/readyz")
            assert response.status_code == 200
            assert response.json()["checks"] == {"database": "ok", "blob_store": "ok", "redis": "ok"}
        async for client in client_for(unreachable):
            response = await client.get("/readyz")
            assert response.status_code == 503
            assert response.json()["failed"] == ["redis"]
            assert "127.0.0.1" not in response.text
    finally:
        await delete_prefix(prefix)


async def test_readyz_asks_the_s3_bucket_and_names_it_when_missing(
    tmp_path: Path, s3_settings: S3Settings
) -> None:
    storage = {"backend": "s3", "s3": s3_settings.model_dump(mode="python")}
    settings = make_settings(tmp_path, storage=storage)
    await initialise(settings)  # creates the bucket
    async for client in client_for(settings):
        assert (await client.get("/readyz")).json()["checks"]["blob_store"] == "ok"
    gone = make_settings(tmp_path, storage={**storage, "s3": {**storage["s3"], "bucket": "no-such-bucket"}})
    async for client in client_for(gone):
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["failed"] == ["blob_store"]
