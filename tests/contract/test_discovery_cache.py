"""The DiscoveryCache contract: one shared copy per name, and a refresh lease that one holder has at a time.

Run against SQLite, PostgreSQL and Redis; separate adapters stand for separate nodes.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import anyio
import pytest

from tests.contract.conftest import SharedState
from wopihost.adapters.clock import FakeClock
from wopihost.ports import SharedDiscovery

pytestmark = pytest.mark.anyio

TTL = timedelta(seconds=30)


def fresh_name() -> str:
    return secrets.token_hex(16)


async def test_write_on_one_node_reads_on_another(shared: SharedState, clock: FakeClock) -> None:
    name = fresh_name()
    one, two = shared.discovery_cache(name), shared.discovery_cache(name)
    assert await two.read() is None
    entry = SharedDiscovery(b"<wopi-discovery/>", b'{"a": 1}', clock.now(), clock.now(), None)

    await one.write(entry)

    assert await two.read() == entry
    assert await shared.discovery_cache(fresh_name()).read() is None


async def test_write_failure_keeps_what_writer_gives(shared: SharedState, clock: FakeClock) -> None:
    cache = shared.discovery_cache(fresh_name())
    fetched = clock.now()
    await cache.write(SharedDiscovery(b"<x/>", None, fetched, fetched, None))
    clock.advance(timedelta(minutes=5))

    failed = SharedDiscovery(b"<x/>", None, fetched, clock.now(), "connection refused")
    await cache.write(failed)

    assert await cache.read() == failed


async def test_write_without_any_copy_reads_back_empty(shared: SharedState, clock: FakeClock) -> None:
    cache = shared.discovery_cache(fresh_name())
    entry = SharedDiscovery(None, None, None, clock.now(), "timed out")

    await cache.write(entry)

    assert await cache.read() == entry


async def test_claim_one_holder_at_a_time_until_release(shared: SharedState, clock: FakeClock) -> None:
    name = fresh_name()
    one, two = shared.discovery_cache(name), shared.discovery_cache(name)

    assert await one.claim("node-1", now=clock.now(), ttl=TTL)
    assert not await two.claim("node-2", now=clock.now(), ttl=TTL)
    assert await one.claim("node-1", now=clock.now(), ttl=TTL)
    await two.release("node-2")
    assert not await two.claim("node-2", now=clock.now(), ttl=TTL)

    await one.release("node-1")

    assert await two.claim("node-2", now=clock.now(), ttl=TTL)


async def test_claim_after_lease_ran_out_succeeds(shared: SharedState, clock: FakeClock) -> None:
    name, short = fresh_name(), timedelta(milliseconds=50)
    one, two = shared.discovery_cache(name), shared.discovery_cache(name)
    assert await one.claim("node-1", now=clock.now(), ttl=short)

    # Redis times leases itself, the database by the time it is given: both run out here.
    clock.advance(short)
    await anyio.sleep(0.1)

    assert await two.claim("node-2", now=clock.now(), ttl=TTL)
    await one.release("node-1")
    assert not await one.claim("node-1", now=clock.now(), ttl=TTL)


async def test_claim_concurrent_exactly_one_wins(shared: SharedState, clock: FakeClock) -> None:
    name = fresh_name()
    caches = [shared.discovery_cache(name) for _ in range(4)]
    won: list[str] = []

    async def claim(index: int) -> None:
        if await caches[index].claim(f"node-{index}", now=clock.now(), ttl=TTL):
            won.append(f"node-{index}")

    async with anyio.create_task_group() as tasks:
        for index in range(4):
            tasks.start_soon(claim, index)

    assert len(won) == 1
