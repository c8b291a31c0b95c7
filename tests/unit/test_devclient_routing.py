"""Two development client nodes in this process over the machine's Redis and an in-memory WOPI host:
forwarding to the node that holds a session, refusing to forward twice, takeover and lease bookkeeping."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx
import pytest
import redis.asyncio as aioredis
from starlette.applications import Starlette

from tests.devclient_harness import boot_of
from tests.redis_service import REDIS_URL, delete_prefix, require_redis, unique_prefix
from tests.search_documents import word
from tests.unit.devclient_fakes import HOST, FakeHost
from wopihost.devclient.app import create_devclient_app
from wopihost.devclient.policies import Timings
from wopihost.devclient.registry import Handover, SessionRegistry
from wopihost.devclient.routing import FORWARDED_BY, Router

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
WOPI_SRC = f"{HOST}/wopi/files/f1"
KEY = WOPI_SRC
A, B = "http://node-a:8081", "http://node-b:8081"


class Network(httpx.AsyncBaseTransport):
    """What the nodes reach: the fake host, and each other by host name; a node that is down refuses."""

    def __init__(self, host: FakeHost) -> None:
        self.host = httpx.MockTransport(host.handle)
        self.apps: dict[str, Starlette] = {}
        self.down: set[str] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        name = request.url.host
        if name in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        app = self.apps.get(name)
        if app is None:
            return await self.host.handle_async_request(request)
        return await httpx.ASGITransport(app).handle_async_request(request)


@dataclass
class Cluster:
    host: FakeHost
    network: Network
    prefix: str

    def app(self, name: str) -> Starlette:
        return self.network.apps[name]

    def router(self, name: str) -> Router:
        router: Router = self.app(name).state.runtime.router
        return router

    def sessions(self, name: str) -> list[str]:
        return list(self.app(name).state.runtime.manager.sessions)

    async def launch(self, node: str, user: str, action: str = "edit") -> httpx.Response:
        target = self.host.target("f1", f"token-{user}", user)
        async with self._client(node) as client:
            return await client.post(
                f"/word/{action}",
                params={"WOPISrc": WOPI_SRC},
                data={"access_token": target.access_token, "access_token_ttl": "0"},
            )

    async def request(self, node: str, method: str, path: str, **kw: object) -> httpx.Response:
        async with self._client(node) as client:
            return await client.request(method, path, **kw)  # type: ignore[arg-type]

    def _client(self, node: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(self.app(node)), base_url=f"http://{node}:8081"
        )


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    require_redis()
    prefix = unique_prefix()
    host = FakeHost()
    host.add_file("f1", "Doc.docx", word("one"))
    network = Network(host)
    for url, lease in ((A, 0.5), (B, 30.0)):
        registry = SessionRegistry(
            aioredis.Redis.from_url(REDIS_URL),
            prefix=prefix,
            node_url=url,
            lease_seconds=lease,
            page_seconds=60,
        )
        network.apps[httpx.URL(url).host] = create_devclient_app(
            keys_file=tmp_path / "keys.json",
            public_url=url,
            transport=network,
            registry=registry,
            timings=Timings(heartbeat_timeout=1e9),
        )
    yield Cluster(host, network, prefix)
    for app in network.apps.values():
        await app.state.runtime.router.aclose()
    await delete_prefix(prefix)


async def _pid(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    boot = boot_of(response.text)
    assert boot["mode"] == "edit", boot["notice"]
    pid: str = boot["pid"]
    return pid


async def test_page_request_on_another_node_is_served_by_the_holder(cluster: Cluster) -> None:
    alice = await _pid(await cluster.launch("node-a", "Alice"))
    bob = await _pid(await cluster.launch("node-b", "Bob"))
    edited = await cluster.request(
        "node-b", "POST", f"/api/p/{alice}/edits", json={"edits": {"p0": "changed"}}
    )
    state = await cluster.request("node-b", "GET", f"/api/p/{bob}/state")

    assert edited.status_code == 200
    assert state.status_code == 200
    assert state.headers["cache-control"] == "no-cache, no-store"
    assert [block["text"] for block in state.json()["model"]["blocks"]] == ["changed"]
    assert [p["name"] for p in state.json()["participants"]] == ["Alice", "Bob"]
    assert cluster.sessions("node-a") == [KEY]
    assert cluster.sessions("node-b") == []
    assert [op for op, _ in cluster.host.operations()].count("Lock") == 1


async def test_forwarded_request_to_a_node_not_holding_the_session_is_refused(cluster: Cluster) -> None:
    alice = await _pid(await cluster.launch("node-a", "Alice"))

    response = await cluster.request("node-b", "GET", f"/api/p/{alice}/state", headers={FORWARDED_BY: A})

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"


async def test_unknown_page_is_answered_where_it_lands(cluster: Cluster) -> None:
    response = await cluster.request("node-b", "GET", "/api/p/no-such-page/state")
    assert response.status_code == 410


async def test_holder_down_answers_503_then_its_session_moves_with_its_lock(cluster: Cluster) -> None:
    alice = await _pid(await cluster.launch("node-a", "Alice"))
    await cluster.request("node-a", "POST", f"/api/p/{alice}/edits", json={"edits": {"p0": "saved"}})
    await cluster.request("node-a", "POST", f"/api/p/{alice}/save")
    await cluster.router("node-a").renew_leases()
    lock_id = cluster.host.files["f1"].lock
    await cluster.request("node-a", "POST", f"/api/p/{alice}/edits", json={"edits": {"p0": "unsaved"}})
    cluster.network.down.add("node-a")

    refused = await cluster.request("node-b", "GET", f"/api/p/{alice}/state")
    await anyio.sleep(0.7)  # node-a's lease (0.5 s) runs out: nobody renews it
    moved = await cluster.request("node-b", "GET", f"/api/p/{alice}/state")

    assert refused.status_code == 503
    assert moved.status_code == 200
    assert [block["text"] for block in moved.json()["model"]["blocks"]] == ["saved"]
    assert moved.json()["revision"] > 10_000
    assert cluster.sessions("node-b") == [KEY]
    assert cluster.host.files["f1"].lock == lock_id
    locks = [r.headers["X-WOPI-Lock"] for op, _, r in cluster.host.requests if op == "Lock"]
    assert locks == [lock_id, lock_id], "the new holder locks with the recorded lock ID"

    cluster.network.down.clear()
    requests = len(cluster.host.requests)
    await cluster.router("node-a").renew_leases()
    assert cluster.sessions("node-a") == [], "the old holder drops the session it lost"
    assert len(cluster.host.requests) == requests, "without saving or unlocking"


async def test_departed_pages_are_forgotten_and_the_lease_released(cluster: Cluster) -> None:
    alice = await _pid(await cluster.launch("node-a", "Alice"))
    registry_b = cluster.router("node-b").registry

    left = await cluster.request("node-b", "POST", f"/api/p/{alice}/leave")
    await cluster.router("node-a").renew_leases()

    assert left.status_code == 204
    assert await registry_b.find_page(alice) is None
    assert cluster.host.files["f1"].lock == ""
    assert await registry_b.claim(KEY) == B, "the lease was given up"
    gone = await cluster.request("node-a", "GET", f"/api/p/{alice}/state")
    assert gone.status_code == 410
    assert gone.json()["ended"]["reason"] == "left"


async def test_view_launch_holds_no_claim_afterwards(cluster: Cluster) -> None:
    response = await cluster.launch("node-b", "Alice", action="view")

    assert response.status_code == 200
    assert await cluster.router("node-a").registry.claim(KEY) == A


async def test_hand_over_on_shutdown_saves_and_leaves_the_lock_to_the_next_node(cluster: Cluster) -> None:
    alice = await _pid(await cluster.launch("node-a", "Alice"))
    await cluster.request("node-b", "POST", f"/api/p/{alice}/edits", json={"edits": {"p0": "kept"}})
    lock_id = cluster.host.files["f1"].lock

    await cluster.router("node-a").hand_over()
    saved = [op for op, _ in cluster.host.operations()]
    cluster.network.down.add("node-a")
    moved = await cluster.request("node-b", "GET", f"/api/p/{alice}/state")

    assert saved[-1] == "PutFile", "the unsaved edit is saved before leaving"
    assert "Unlock" not in saved
    assert cluster.sessions("node-a") == []
    assert moved.status_code == 200, "no waiting for a lease: it was given up"
    assert [block["text"] for block in moved.json()["model"]["blocks"]] == ["kept"]
    assert cluster.host.files["f1"].lock == lock_id


async def test_launch_records_the_sessions_lock_before_any_renewal(cluster: Cluster) -> None:
    await _pid(await cluster.launch("node-a", "Alice"))

    handover = await cluster.router("node-b").registry.handover(KEY)

    assert handover == Handover(cluster.host.files["f1"].lock, 0)
