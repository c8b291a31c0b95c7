"""One cluster for the whole session: a fresh PostgreSQL database, a bucket on moto's server, a Redis key
prefix, shared signing keys, and two running nodes. Everything is removed at the end of the session."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import asyncpg
import httpx
import pytest

from tests.multinode.cluster import Cluster
from tests.redis_service import REDIS_URL, delete_prefix, require_redis, unique_prefix
from tests.s3server import ACCESS_KEY, SECRET_KEY
from tests.services import require_tcp_service, service_unavailable
from wopihost.config import S3Settings

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
USERS = {"alice": "Alice Adams", "bob": "Bob Brown", "carol": "Carol Cole", "dave": "Dave Dunn"}


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres", timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def cluster_database() -> Iterator[str]:
    """The name of a database created for this session and dropped at its end."""
    require_tcp_service("PostgreSQL", PG_HOST, PG_PORT)
    name = f"wopihost_multinode_{secrets.token_hex(6)}"
    try:
        anyio.run(_admin, f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError) as exc:
        service_unavailable(f"PostgreSQL at {PG_HOST}:{PG_PORT} refused to create a database: {exc}")
    try:
        yield name
    finally:
        anyio.run(_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def cluster_redis_prefix() -> Iterator[str]:
    require_redis()
    prefix = unique_prefix()
    try:
        yield prefix
    finally:
        anyio.run(delete_prefix, prefix)


def _env(database: str, s3: S3Settings, redis_prefix: str, keys_file: Path) -> dict[str, str]:
    return {
        "WOPIHOST_DATABASE__URL": f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}",
        "WOPIHOST_STORAGE__BACKEND": "s3",
        "WOPIHOST_STORAGE__S3__ENDPOINT_URL": s3.endpoint_url or "",
        "WOPIHOST_STORAGE__S3__BUCKET": s3.bucket,
        "WOPIHOST_STORAGE__S3__ACCESS_KEY_ID": ACCESS_KEY,
        "WOPIHOST_STORAGE__S3__SECRET_ACCESS_KEY": SECRET_KEY,
        "WOPIHOST_STORAGE__S3__PART_SIZE": str(s3.part_size),
        "WOPIHOST_STORAGE__S3__HEARTBEAT_SECONDS": str(s3.heartbeat_seconds),
        "WOPIHOST_REDIS__URL": REDIS_URL,
        "WOPIHOST_REDIS__KEY_PREFIX": redis_prefix,
        "WOPIHOST_TOKENS__KEYS_FILE": str(keys_file),
        "WOPIHOST_PROOF_KEYS__MODE": "off",
        "WOPIHOST_DEVCLIENT__ENABLED": "false",
        # What the tests do not look at stays off, so that the nodes leave the CPU to the requests.
        "WOPIHOST_SEARCH__INDEXER_ENABLED": "false",
        "WOPIHOST_PREVIEWS__ENABLED": "false",
    }


@pytest.fixture(scope="session")
def cluster(
    tmp_path_factory: pytest.TempPathFactory,
    cluster_database: str,
    cluster_redis_prefix: str,
    moto_endpoint: str | None,
) -> Iterator[Cluster]:
    """Two nodes ready on /readyz, over back ends that `wopihost init` set up, with the users of USERS."""
    if moto_endpoint is None:
        service_unavailable("moto's S3 server (pip install 'moto[server]') did not start")
    root = tmp_path_factory.mktemp("cluster")
    s3 = S3Settings(
        endpoint_url=moto_endpoint,
        bucket=f"multinode-{secrets.token_hex(6)}",
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,  # type: ignore[arg-type]
        part_size=5 * 1024 * 1024,
        heartbeat_seconds=0.5,
    )
    env = _env(cluster_database, s3, cluster_redis_prefix, root / "shared" / "signing-keys.json")
    dsn = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{cluster_database}"
    cluster = Cluster(root=root, env=env, s3=s3, database_dsn=dsn)
    cluster.cli("init")
    for username, name in USERS.items():
        cluster.add_user(username, name)
    with cluster.started(2) as nodes:
        cluster.nodes = nodes
        yield cluster


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client with room for many requests at once and generous, bounded timeouts."""
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(timeout=30.0, limits=limits) as client:
        yield client
