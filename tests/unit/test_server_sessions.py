"""ServerSessionMiddleware: opaque IDs hashed in the store, saved when needed, 503 when the store fails."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from wopihost.adapters.clock import FakeClock
from wopihost.errors import StorageUnavailable
from wopihost.ports import StoredSession
from wopihost.web.server_sessions import ServerSessionMiddleware

pytestmark = pytest.mark.anyio

MAX_AGE = 3600


class MemoryStore:
    def __init__(self) -> None:
        self.records: dict[str, StoredSession] = {}
        self.saves = 0
        self.failing = False

    async def load(self, session_id: str, *, now: datetime) -> StoredSession | None:
        if self.failing:
            raise StorageUnavailable("store down")
        found = self.records.get(session_id)
        return found if found is not None and found.expires_at > now else None

    async def save(self, session_id: str, data: bytes, *, expires_at: datetime, now: datetime) -> None:
        self.saves += 1
        self.records[session_id] = StoredSession(data, expires_at)

    async def delete(self, session_id: str) -> None:
        self.records.pop(session_id, None)


async def remember(request: Request) -> Response:
    request.session["name"] = request.path_params["name"]
    return PlainTextResponse("ok")


async def show(request: Request) -> Response:
    return PlainTextResponse(request.session.get("name", "-"))


async def forget(request: Request) -> Response:
    request.session.clear()
    return PlainTextResponse("ok")


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def client(store: MemoryStore, clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    middleware = Middleware(
        ServerSessionMiddleware, store=store, clock=clock, cookie_name="s", max_age=MAX_AGE, https_only=False
    )
    routes = [Route("/set/{name}", remember), Route("/", show), Route("/clear", forget)]
    app = Starlette(routes=routes, middleware=[middleware])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        yield client


async def test_session_store_keys_are_hashes_of_cookie(client: httpx.AsyncClient, store: MemoryStore) -> None:
    await client.get("/set/ann")

    cookie = client.cookies["s"]
    assert len(cookie) == 43
    assert cookie not in store.records
    assert (await client.get("/")).text == "ann"


async def test_unchanged_session_renewed_only_after_a_twelfth_of_its_life(
    client: httpx.AsyncClient, store: MemoryStore, clock: FakeClock
) -> None:
    await client.get("/set/ann")
    for _ in range(3):
        await client.get("/")
    assert store.saves == 1

    clock.advance(timedelta(seconds=MAX_AGE // 12 - 1))
    await client.get("/")
    assert store.saves == 1
    clock.advance(timedelta(seconds=2))
    await client.get("/")
    assert store.saves == 2

    clock.advance(timedelta(seconds=MAX_AGE - 1))
    assert (await client.get("/")).text == "ann"


async def test_clear_deletes_record_and_cookie(client: httpx.AsyncClient, store: MemoryStore) -> None:
    await client.get("/set/ann")

    response = await client.get("/clear")

    assert store.records == {}
    assert "max-age=0" in response.headers["set-cookie"]
    assert (await client.get("/")).text == "-"


async def test_junk_or_unknown_cookie_starts_empty_session(client: httpx.AsyncClient) -> None:
    for value in ("x" * 43, "not a session id", "a.b.c"):
        client.cookies.set("s", value)
        assert (await client.get("/")).text == "-"


async def test_store_failure_on_load_answers_503(client: httpx.AsyncClient, store: MemoryStore) -> None:
    await client.get("/set/ann")
    store.failing = True

    response = await client.get("/")

    assert response.status_code == 503
