"""The FailureCounter contract: atomic counts shared by every connection, windows that restart, clearing.

Run against SQLite, PostgreSQL and Redis; separate adapters stand for separate nodes.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import anyio
import pytest

from tests.contract.conftest import SharedState
from wopihost.adapters.clock import FakeClock

pytestmark = pytest.mark.anyio

WINDOW = timedelta(minutes=15)


def fresh_key() -> str:
    # Keys of one test never meet another's, so the table needs no emptying between tests.
    return secrets.token_hex(32)


async def test_add_failure_counts_each_key_from_its_first_failure(
    shared: SharedState, clock: FakeClock
) -> None:
    counter, one, two = shared.failure_counter(), fresh_key(), fresh_key()
    started = clock.now()

    await counter.add_failure([one, two], now=started, window=WINDOW)
    clock.advance(timedelta(minutes=1))
    await counter.add_failure([one], now=clock.now(), window=WINDOW)

    found = await counter.failures([one, two, fresh_key()], now=clock.now(), window=WINDOW)
    assert {key: (f.count, f.first_at) for key, f in found.items()} == {one: (2, started), two: (1, started)}


async def test_add_failure_after_window_restarts_at_one(shared: SharedState, clock: FakeClock) -> None:
    counter, key = shared.failure_counter(), fresh_key()
    for _ in range(3):
        await counter.add_failure([key], now=clock.now(), window=WINDOW)
    clock.advance(WINDOW)

    assert await counter.failures([key], now=clock.now(), window=WINDOW) == {}
    await counter.add_failure([key], now=clock.now(), window=WINDOW)
    found = await counter.failures([key], now=clock.now(), window=WINDOW)
    assert (found[key].count, found[key].first_at) == (1, clock.now())


async def test_add_failure_concurrent_from_many_connections_all_counted(
    shared: SharedState, clock: FakeClock
) -> None:
    counters = [shared.failure_counter() for _ in range(3)]
    key = fresh_key()
    async with anyio.create_task_group() as tasks:
        for index in range(24):
            counter = counters[index % 3]
            tasks.start_soon(lambda c=counter: c.add_failure([key], now=clock.now(), window=WINDOW))
    found = await counters[0].failures([key], now=clock.now(), window=WINDOW)
    assert found[key].count == 24


async def test_clear_forgets_one_key_only(shared: SharedState, clock: FakeClock) -> None:
    counter, one, two = shared.failure_counter(), fresh_key(), fresh_key()
    await counter.add_failure([one, two], now=clock.now(), window=WINDOW)

    await counter.clear(one)

    assert set(await counter.failures([one, two], now=clock.now(), window=WINDOW)) == {two}
