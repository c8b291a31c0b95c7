"""The SessionStore contract: a session saved by one node is read by another, ends on time, and on delete.

Run against SQLite, PostgreSQL and Redis; separate adapters stand for separate nodes.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from tests.contract.conftest import SharedState
from wopihost.adapters.clock import FakeClock

pytestmark = pytest.mark.anyio

LIFETIME = timedelta(hours=12)


def fresh_id() -> str:
    return secrets.token_hex(32)


async def test_save_on_one_node_loads_on_another(shared: SharedState, clock: FakeClock) -> None:
    one, two, session_id = shared.session_store(), shared.session_store(), fresh_id()
    expires_at = clock.now() + LIFETIME

    await one.save(session_id, b'{"user": "u1"}', expires_at=expires_at, now=clock.now())

    found = await two.load(session_id, now=clock.now())
    assert found is not None
    assert (found.data, found.expires_at) == (b'{"user": "u1"}', expires_at)
    assert await two.load(fresh_id(), now=clock.now()) is None


async def test_save_again_replaces_data_and_end(shared: SharedState, clock: FakeClock) -> None:
    store, session_id = shared.session_store(), fresh_id()
    await store.save(session_id, b"{}", expires_at=clock.now() + LIFETIME, now=clock.now())
    clock.advance(timedelta(hours=1))

    await store.save(session_id, b'{"a": 1}', expires_at=clock.now() + LIFETIME, now=clock.now())

    found = await store.load(session_id, now=clock.now())
    assert found is not None
    assert (found.data, found.expires_at) == (b'{"a": 1}', clock.now() + LIFETIME)


async def test_load_after_end_finds_nothing(shared: SharedState, clock: FakeClock) -> None:
    store, session_id = shared.session_store(), fresh_id()
    await store.save(session_id, b"{}", expires_at=clock.now() + LIFETIME, now=clock.now())

    clock.advance(LIFETIME)

    assert await store.load(session_id, now=clock.now()) is None


async def test_delete_on_one_node_ends_session_on_every_node(shared: SharedState, clock: FakeClock) -> None:
    one, two, session_id, other = shared.session_store(), shared.session_store(), fresh_id(), fresh_id()
    for name in (session_id, other):
        await one.save(name, b"{}", expires_at=clock.now() + LIFETIME, now=clock.now())

    await two.delete(session_id)
    await two.delete(fresh_id())

    assert await one.load(session_id, now=clock.now()) is None
    assert await one.load(other, now=clock.now()) is not None
