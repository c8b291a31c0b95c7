"""Sign-in throttling per user name and client address, per address across names, shared by every process.

Someone who knows a user name must not be able to lock its owner out from elsewhere, and the limit must hold
when requests are spread over several worker processes (here: two applications on one database).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from tests.integration.web_support import PASSWORD, UI, Web, csrf_of, running_web, web_settings
from wopihost.app import build_services, create_app

pytestmark = pytest.mark.anyio

WRONG = "wrong password"


@asynccontextmanager
async def browser_at(app: Starlette, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of its own (own cookies) whose requests come from `address`."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url=UI) as client:
        yield client


async def sign_in(client: httpx.AsyncClient, username: str, password: str, **headers: str) -> int:
    page = await client.get("/signin", headers=headers)
    data = {"username": username, "password": password, "csrf_token": csrf_of(page.text)}
    return (await client.post("/signin", data=data, headers=headers)).status_code


def app_of(web: Web) -> Starlette:
    return create_app(web.settings, services=web.services)


async def test_failures_from_one_address_do_not_lock_the_user_out_elsewhere(web: Web) -> None:
    app = app_of(web)
    async with browser_at(app, "203.0.113.9") as attacker, browser_at(app, "198.51.100.4") as owner:
        for _ in range(5):
            assert await sign_in(attacker, "alice", WRONG) == 401
        assert await sign_in(attacker, "alice", PASSWORD) == 429
        assert await sign_in(owner, "alice", PASSWORD) == 303


async def test_limit_holds_across_worker_processes(web: Web) -> None:
    # A second set of services on the same data directory is what another worker process builds.
    other = build_services(web.settings, clock=web.clock)
    try:
        apps = [app_of(web), create_app(web.settings, services=other)]
        async with browser_at(apps[0], "203.0.113.9") as first, browser_at(apps[1], "203.0.113.9") as second:
            for attempt in range(5):
                assert await sign_in((first, second)[attempt % 2], "alice", WRONG) == 401
            assert await sign_in(first, "alice", PASSWORD) == 429
            assert await sign_in(second, "alice", PASSWORD) == 429
    finally:
        await other.aclose()


async def test_success_resets_the_user_counter_of_that_address(web: Web) -> None:
    app = app_of(web)
    async with browser_at(app, "203.0.113.9") as browser:
        for _ in range(4):
            await sign_in(browser, "alice", WRONG)
        assert await sign_in(browser, "alice", PASSWORD) == 303
    async with browser_at(app, "203.0.113.9") as browser:
        for _ in range(4):
            assert await sign_in(browser, "alice", WRONG) == 401
        assert await sign_in(browser, "alice", PASSWORD) == 303


@pytest.fixture
async def strict_web(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Web]:
    settings = web_settings(
        tmp_path,
        server={"public_url": UI, "trusted_proxies": ["10.9.9.9"]},
        signin={"max_failures_per_address": 8},
    )
    async with running_web(tmp_path, monkeypatch, settings) as harness:
        yield harness


async def test_one_address_trying_many_user_names_throttled_others_not(strict_web: Web) -> None:
    app = app_of(strict_web)
    async with browser_at(app, "203.0.113.9") as attacker, browser_at(app, "198.51.100.4") as bob:
        for index in range(8):
            assert await sign_in(attacker, f"user{index}", WRONG) == 401
        assert await sign_in(attacker, "bob", PASSWORD) == 429
        assert await sign_in(bob, "bob", PASSWORD) == 303


async def test_trusted_proxy_forwarded_address_counted_forged_one_ignored(strict_web: Web) -> None:
    app = app_of(strict_web)
    async with browser_at(app, "10.9.9.9") as proxy, browser_at(app, "203.0.113.9") as forger:
        attacker = {"X-Forwarded-For": "203.0.113.50"}
        for _ in range(5):
            assert await sign_in(proxy, "alice", WRONG, **attacker) == 401
        assert await sign_in(proxy, "alice", PASSWORD, **attacker) == 429
        # The owner behind the same proxy has an address of their own.
        assert await sign_in(proxy, "alice", PASSWORD, **{"X-Forwarded-For": "198.51.100.4"}) == 303
        # An untrusted peer cannot pick the address it is counted under.
        for _ in range(5):
            await sign_in(forger, "bob", WRONG, **{"X-Forwarded-For": "198.51.100.77"})
        assert await sign_in(forger, "bob", PASSWORD, **{"X-Forwarded-For": "198.51.100.78"}) == 429


async def test_throttle_window_from_settings_lifts(strict_web: Web) -> None:
    app = app_of(strict_web)
    async with browser_at(app, "203.0.113.9") as browser:
        for _ in range(5):
            await sign_in(browser, "alice", WRONG)
        assert await sign_in(browser, "alice", PASSWORD) == 429
        strict_web.clock.advance(timedelta(minutes=15))
        assert await sign_in(browser, "alice", PASSWORD) == 303
