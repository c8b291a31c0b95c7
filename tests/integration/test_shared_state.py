"""Two nodes on one database (and, when configured, one Redis) share sign-in throttling, web sessions and
discovery: what one node does holds on the other.

Each node is `create_app` on its own services, as in a separate process; one browser (one cookie jar)
sends each request to whichever node the test names, as a load balancer would.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import anyio
import asyncpg
import httpx
import pytest

from tests.e2e.standin_client import discovery_xml
from tests.integration.web_support import CLIENT, PASSWORD, Web, csrf_of, start_web, web_settings
from tests.redis_service import REDIS_URL, delete_prefix, require_redis, unique_prefix
from tests.services import require_tcp_service
from wopihost.app import Services, build_services, create_app
from wopihost.services.discovery import DiscoveryService

pytestmark = pytest.mark.anyio


class Balancer(httpx.AsyncBaseTransport):
    """Sends each request to the node chosen last, like a load balancer without sticky sessions."""

    def __init__(self, *nodes: httpx.AsyncBaseTransport) -> None:
        self.nodes = nodes
        self.node = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.nodes[self.node].handle_async_request(request)


@dataclass
class Cluster:
    web: Web
    second: Services
    balancer: Balancer

    def to(self, node: int) -> httpx.AsyncClient:
        """The browser, with its next requests going to `node`."""
        self.balancer.node = node
        return self.web.client


async def _postgres(statement: str) -> None:
    conn = await asyncpg.connect(host="127.0.0.1", port=5432, user="postgres", database="postgres", timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    require_tcp_service("PostgreSQL", "127.0.0.1", 5432)
    name = f"wopihost_test_{secrets.token_hex(6)}"
    anyio.run(_postgres, f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        anyio.run(_postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgres),
    pytest.param("redis", marks=pytest.mark.redis),
]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> dict[str, object]:
    """Settings of the shared state: SQLite or PostgreSQL alone, or SQLite with Redis."""
    if request.param == "postgresql":
        return {"database": {"url": request.getfixturevalue("postgresql_url")}}
    if request.param == "redis":
        require_redis()
        return {"redis": {"url": REDIS_URL, "key_prefix": unique_prefix()}}
    return {}


@pytest.fixture
async def cluster(
    backend: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Cluster]:
    overrides = dict(backend)
    settings = web_settings(tmp_path, **overrides)
    web, first = await start_web(settings, monkeypatch)
    second = build_services(settings, clock=web.clock)
    balancer = Balancer(
        httpx.ASGITransport(app=create_app(settings, services=first)),
        httpx.ASGITransport(app=create_app(settings, services=second)),
    )
    await web.client.aclose()
    web.client = httpx.AsyncClient(transport=balancer, base_url=settings.server.base_url)
    try:
        yield Cluster(web, second, balancer)
    finally:
        await web.client.aclose()
        await second.aclose()
        await first.aclose()
        if settings.redis.url is not None:
            await delete_prefix(settings.redis.key_prefix)


async def sign_in(client: httpx.AsyncClient, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/signin")
    data = {"username": "alice", "password": password, "csrf_token": csrf_of(page.text)}
    return await client.post("/signin", data=data)


async def test_signin_failures_on_both_nodes_throttle_on_both(cluster: Cluster) -> None:
    limit = cluster.web.services.throttle.limits.per_user_address
    for attempt in range(limit):
        response = await sign_in(cluster.to(attempt % 2), password="wrong")
        assert response.status_code == 401

    for node in (0, 1):
        throttled = await sign_in(cluster.to(node))
        assert throttled.status_code == 429
        assert int(throttled.headers["retry-after"]) > 0


async def test_signin_on_one_node_session_valid_on_other(cluster: Cluster) -> None:
    assert (await sign_in(cluster.to(0))).status_code == 303

    home = await cluster.to(1).get("/")

    assert home.status_code == 200
    assert "Alice Adams" in home.text


async def test_signout_on_one_node_ends_session_on_both_even_for_copied_cookie(cluster: Cluster) -> None:
    assert (await sign_in(cluster.to(0))).status_code == 303
    stolen = dict(cluster.web.client.cookies.items())
    token = csrf_of((await cluster.to(1).get("/")).text)

    assert (await cluster.to(1).post("/signout", data={"csrf_token": token})).status_code == 303

    for node in (0, 1):
        assert (await cluster.to(node).get("/")).status_code == 303
        cluster.balancer.node = node
        async with httpx.AsyncClient(
            transport=cluster.balancer, base_url=cluster.web.settings.server.base_url, cookies=stolen
        ) as thief:
            assert (await thief.get("/")).status_code == 303


class CountingSource:
    """A discovery source that counts its fetches and takes a moment, as a real client does."""

    def __init__(self) -> None:
        self.fetches = 0

    async def fetch(self) -> bytes:
        self.fetches += 1
        await anyio.sleep(0.05)
        return discovery_xml(CLIENT)


def node_discovery(services: Services, source: CountingSource, tmp_path: Path, name: str) -> DiscoveryService:
    return DiscoveryService(
        source,
        cache_file=tmp_path / name / "discovery.xml",
        clock=services.clock,
        refresh_interval=timedelta(hours=12),
        shared=services.shared.discovery,
    )


async def test_discovery_fetched_once_for_both_nodes(cluster: Cluster, tmp_path: Path) -> None:
    source = CountingSource()
    nodes = [
        node_discovery(cluster.web.services, source, tmp_path, "one"),
        node_discovery(cluster.second, source, tmp_path, "two"),
    ]

    async with anyio.create_task_group() as tasks:
        for node in nodes:
            tasks.start_soon(node.refresh_if_stale)
    assert source.fetches == 1
    assert nodes[0].fetched_at == nodes[1].fetched_at is not None

    cluster.web.clock.advance(timedelta(hours=12))
    for node in nodes:
        await node.refresh_if_stale()
    assert source.fetches == 2

    # A proof-key failure on both nodes rediscovers once for the cluster, and both retry on the new copy.
    cluster.web.clock.advance(timedelta(minutes=10))
    results = [await node.refresh_rate_limited(timedelta(minutes=5)) for node in nodes]
    assert source.fetches == 3
    assert results == [True, True]


async def test_signin_gives_new_session_id_and_ends_the_one_before(cluster: Cluster) -> None:
    client = cluster.to(0)
    await client.get("/signin")
    before = client.cookies.get("wopihost_session")
    assert before is not None

    assert (await sign_in(cluster.to(1))).status_code == 303

    after = client.cookies.get("wopihost_session")
    assert after not in (None, before)
    async with httpx.AsyncClient(
        transport=cluster.balancer,
        base_url=cluster.web.settings.server.base_url,
        cookies={"wopihost_session": before},
    ) as planted:
        assert (await planted.get("/")).status_code == 303


async def test_ping_answers_when_shared_state_reachable(cluster: Cluster) -> None:
    await cluster.web.services.shared.ping()
    await cluster.second.shared.ping()
