"""Metrics through the whole application: WOPI requests are made, then /metrics is scraped on its own port.

Proof keys are enforced against a discovery served over real HTTP, as in test_wopi_proof, so that a bad
signature and the discovery fetch are counted as they are in production.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import anyio.to_thread
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from prometheus_client import values
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.conftest import MACHINE_NAME, MAX_FILE_SIZE, Host
from tests.integration.test_wopi_proof import (
    INTERNAL_URL,
    UI_URL,
    WOPI_HOST,
    WOPI_URL,
    DiscoveryServer,
    discovery_xml,
    files,
    send,
)
from tests.servers import free_port
from wopihost.adapters.metrics_endpoint import MetricsEndpoint
from wopihost.app import create_app
from wopihost.config import Settings
from wopihost.errors import StartupError
from wopihost.serving import run_server

pytestmark = pytest.mark.anyio

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
Signer = tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]


@pytest.fixture(scope="module")
def signers() -> dict[str, Signer]:
    """The WOPI client's keys (in discovery) and a forger's (not)."""
    make = lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)  # noqa: E731
    return {"client": (make(), make()), "forger": (make(), make())}


@pytest.fixture
def discovery(signers: dict[str, Signer]) -> Iterator[DiscoveryServer]:
    with DiscoveryServer(discovery_xml(*signers["client"])) as server:
        yield server


@pytest.fixture
def metrics_port() -> int:
    return free_port()


@pytest.fixture
def settings(tmp_path: Path, discovery: DiscoveryServer, metrics_port: int) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        storage={"max_file_size": MAX_FILE_SIZE},  # type: ignore[arg-type]
        server={"machine_name": MACHINE_NAME, "public_url": UI_URL, "wopi_url": WOPI_URL},  # type: ignore[arg-type]
        discovery={"url": discovery.url},  # type: ignore[arg-type]
        metrics={"port": metrics_port},  # type: ignore[arg-type]
    )


@pytest.fixture
async def endpoint(host: Host) -> AsyncIterator[MetricsEndpoint]:
    """The endpoint the app's lifespan starts (ASGITransport runs no lifespan)."""
    endpoint = host.services.metrics_endpoint()
    assert endpoint is not None
    endpoint.start()
    try:
        yield endpoint
    finally:
        await anyio.to_thread.run_sync(endpoint.stop)


@pytest.fixture
async def wopi(host: Host) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=host.app), base_url=INTERNAL_URL, headers={"Host": WOPI_HOST}
    ) as client:
        yield client


async def scrape(port: int) -> Samples:
    """Every sample the endpoint serves, by name and labels."""
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{port}/metrics")
    assert response.status_code == 200
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def test_wopi_requests_counted_exactly_on_the_metrics_port(
    host: Host, wopi: httpx.AsyncClient, endpoint: MetricsEndpoint, signers: dict[str, Signer]
) -> None:
    client = signers["client"]
    assert (await send(host, wopi, client, files(host))).status_code == 200
    assert (
        await send(host, wopi, client, files(host), override="LOCK", headers={"X-WOPI-Lock": "A"})
    ).status_code == 200
    assert (
        await send(host, wopi, client, files(host), override="LOCK", headers={"X-WOPI-Lock": "B"})
    ).status_code == 409
    put = await send(
        host, wopi, client, files(host, True), override="PUT", headers={"X-WOPI-Lock": "A"}, body=b"x" * 1234
    )
    assert put.status_code == 200
    assert (await send(host, wopi, signers["forger"], files(host))).status_code == 500
    assert (await send(host, wopi, client, files(host), override="FROBNICATE")).status_code == 501

    samples = await scrape(endpoint.port)

    requests = "wopihost_wopi_requests_total"
    assert value(samples, requests, operation="CheckFileInfo", status="200") == 1
    assert value(samples, requests, operation="CheckFileInfo", status="500") == 1
    assert value(samples, requests, operation="Lock", status="200") == 1
    assert value(samples, requests, operation="Lock", status="409") == 1
    assert value(samples, requests, operation="PutFile", status="200") == 1
    assert value(samples, requests, operation="unknown", status="501") == 1
    assert sum(v for (name, _), v in samples.items() if name == requests) == 6
    assert value(samples, "wopihost_wopi_lock_conflicts_total", operation="Lock") == 1
    assert value(samples, "wopihost_wopi_request_duration_seconds_count", operation="Lock") == 2
    assert value(samples, "wopihost_putfile_bytes_total") == 1234
    assert value(samples, "wopihost_putfile_duration_seconds_count") == 1
    assert value(samples, "wopihost_proof_failures_total", reason="signature_mismatch") == 1
    assert value(samples, "wopihost_discovery_refreshes_total", outcome="ok") == 1
    assert value(samples, "wopihost_open_editing_sessions") == 1
    assert value(samples, "wopihost_lock_breaks_total", reason="ended_by_operator") == 0


async def test_lock_expiry_and_session_end_counted(
    host: Host, wopi: httpx.AsyncClient, endpoint: MetricsEndpoint, signers: dict[str, Signer]
) -> None:
    client = signers["client"]
    lock = {"X-WOPI-Lock": "A"}
    assert (await send(host, wopi, client, files(host), override="LOCK", headers=lock)).status_code == 200
    host.clock.advance(timedelta(minutes=31))
    assert (
        await send(host, wopi, client, files(host), override="LOCK", headers={"X-WOPI-Lock": "B"})
    ).status_code == 200
    assert (await send(host, wopi, client, files(host), override="UNLOCK", headers=lock)).status_code == 409
    await host.services.sessions.end_session(host.doc.id, None)

    samples = await scrape(endpoint.port)

    # Lock B replaced the expired A; the later Unlock with A met B, which had not expired.
    assert value(samples, "wopihost_lock_expiries_total", operation="Lock") == 1
    assert value(samples, "wopihost_lock_expiries_total", operation="Unlock") is None
    assert value(samples, "wopihost_lock_breaks_total", reason="ended_by_operator") == 1
    assert value(samples, "wopihost_open_editing_sessions") == 0


async def test_metrics_port_serves_nothing_but_metrics_and_wopi_port_no_metrics(
    host: Host, wopi: httpx.AsyncClient, endpoint: MetricsEndpoint
) -> None:
    async with httpx.AsyncClient() as client:
        other = await client.get(f"http://127.0.0.1:{endpoint.port}/wopi/files/x")
    assert other.status_code == 404
    assert (await wopi.get("/metrics")).status_code != 200


async def test_lifespan_starts_and_stops_endpoint(settings: Settings, host: Host, metrics_port: int) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        samples = await scrape(metrics_port)
        assert value(samples, "wopihost_open_editing_sessions") == 0
    with pytest.raises(httpx.ConnectError):
        await scrape(metrics_port)


def test_metrics_off_without_port(tmp_path: Path) -> None:
    from wopihost.app import build_services

    services = build_services(Settings(data_dir=tmp_path / "data"))
    assert services.metrics_endpoint() is None


@pytest.fixture
def isolated_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """`run_server` exports settings for its workers; keep them (and the metrics value store) to this test."""
    monkeypatch.setattr(os, "environ", os.environ.copy())
    monkeypatch.setattr(values, "ValueClass", values.ValueClass)


def test_serve_metrics_port_same_as_server_port_refused(tmp_path: Path, isolated_environ: None) -> None:
    port = free_port()
    settings = Settings(data_dir=tmp_path / "data", server={"port": port}, metrics={"port": port})  # type: ignore[arg-type]
    with pytest.raises(StartupError, match="must differ"):
        run_server(settings)


def test_serve_metrics_port_taken_refused_with_reason(tmp_path: Path, isolated_environ: None) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = Settings(data_dir=tmp_path / "data", metrics={"port": port})  # type: ignore[arg-type]
        with pytest.raises(StartupError, match=f"metrics endpoint cannot listen on 127.0.0.1:{port}"):
            run_server(settings)
