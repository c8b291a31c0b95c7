"""The development client's session registry on the machine's Redis: leases, handover state and pages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest
import redis.asyncio as aioredis

from tests.redis_service import REDIS_URL, delete_prefix, require_redis, unique_prefix
from wopihost.config import Settings
from wopihost.devclient.registry import Handover, PageRecord, SessionRegistry, registry_from_settings

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
KEY = "http://host/wopi/files/f1"
NODE_A, NODE_B = "http://10.0.0.1:8081", "http://10.0.0.2:8081"
RECORD = PageRecord(KEY, KEY + "?x=1", "token-a", 0, None, "word")


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    require_redis()
    prefix = unique_prefix()
    yield prefix
    await delete_prefix(prefix)


def _node(prefix: str, url: str, lease_seconds: float = 30.0) -> SessionRegistry:
    redis = aioredis.Redis.from_url(REDIS_URL)
    return SessionRegistry(redis, prefix=prefix, node_url=url, lease_seconds=lease_seconds, page_seconds=60)


@pytest.fixture
async def nodes(prefix: str) -> AsyncIterator[tuple[SessionRegistry, SessionRegistry]]:
    a, b = _node(prefix, NODE_A), _node(prefix, NODE_B)
    yield a, b
    await a.aclose()
    await b.aclose()


async def test_claim_unheld_document_first_node_wins(nodes: tuple[SessionRegistry, SessionRegistry]) -> None:
    a, b = nodes
    assert await a.claim(KEY) == NODE_A
    assert await b.claim(KEY) == NODE_A
    assert await a.claim(KEY) == NODE_A
    assert await b.claim(KEY + "/other") == NODE_B


async def test_claim_simultaneous_claims_yield_one_holder(prefix: str) -> None:
    registries = [_node(prefix, f"http://10.0.0.{n}:8081") for n in range(8)]
    answers: list[str] = []

    async def claim(registry: SessionRegistry) -> None:
        answers.append(await registry.claim(KEY))

    async with anyio.create_task_group() as group:
        for registry in registries:
            group.start_soon(claim, registry)
    assert len(set(answers)) == 1
    for registry in registries:
        await registry.aclose()


async def test_renew_by_holder_records_lock_and_revision(
    nodes: tuple[SessionRegistry, SessionRegistry],
) -> None:
    a, b = nodes
    await a.claim(KEY)
    assert await a.renew(KEY, lock_id="lock-1", revision=7)
    assert await b.handover(KEY) == Handover("lock-1", 7)


async def test_renew_by_other_node_is_refused_and_records_nothing(
    nodes: tuple[SessionRegistry, SessionRegistry],
) -> None:
    a, b = nodes
    await a.claim(KEY)
    assert not await b.renew(KEY, lock_id="lock-b", revision=1)
    assert await a.handover(KEY) is None


async def test_renew_without_lock_keeps_lease_and_no_handover(
    nodes: tuple[SessionRegistry, SessionRegistry],
) -> None:
    a, _ = nodes
    await a.claim(KEY)
    assert await a.renew(KEY)
    assert await a.handover(KEY) is None


async def test_lease_expired_other_node_takes_over_with_recorded_lock(prefix: str) -> None:
    a, b = _node(prefix, NODE_A, lease_seconds=0.3), _node(prefix, NODE_B, lease_seconds=0.3)
    await a.claim(KEY)
    await a.renew(KEY, lock_id="lock-1", revision=3)
    await anyio.sleep(0.5)
    assert await b.claim(KEY) == NODE_B
    assert await b.handover(KEY) == Handover("lock-1", 3), "the lock record outlives the lease"
    assert not await a.renew(KEY, lock_id="lock-1", revision=4), "the old holder learns it lost the session"
    await a.aclose()
    await b.aclose()


async def test_renewed_lease_outlives_its_first_term(prefix: str) -> None:
    a, b = _node(prefix, NODE_A, lease_seconds=0.4), _node(prefix, NODE_B, lease_seconds=0.4)
    await a.claim(KEY)
    for _ in range(4):
        await anyio.sleep(0.15)
        assert await a.renew(KEY, lock_id="lock-1", revision=1)
    assert await b.claim(KEY) == NODE_A
    await a.aclose()
    await b.aclose()


async def test_release_by_other_node_is_ignored(nodes: tuple[SessionRegistry, SessionRegistry]) -> None:
    a, b = nodes
    await a.claim(KEY)
    await b.release(KEY)
    assert await b.claim(KEY) == NODE_A
    await a.release(KEY)
    assert await b.claim(KEY) == NODE_B


async def test_page_record_round_trips_and_is_forgotten(
    nodes: tuple[SessionRegistry, SessionRegistry],
) -> None:
    a, b = nodes
    await a.remember_page("pid-1", RECORD)
    assert await b.find_page("pid-1") == RECORD
    await b.forget_page("pid-1")
    assert await a.find_page("pid-1") is None


async def test_find_page_unreadable_record_is_none(
    prefix: str, nodes: tuple[SessionRegistry, SessionRegistry]
) -> None:
    a, _ = nodes
    client = aioredis.Redis.from_url(REDIS_URL)
    await client.set(f"{prefix}devclient:page:pid-2", b'{"key": 1}')
    await client.aclose()
    assert await a.find_page("pid-2") is None


def test_registry_from_settings_without_redis_is_none() -> None:
    assert registry_from_settings(Settings(), page_seconds=60) is None


async def test_registry_from_settings_uses_node_url_and_prefix(prefix: str) -> None:
    settings = Settings(
        redis={"url": REDIS_URL, "key_prefix": prefix},  # type: ignore[arg-type]
        devclient={"port": 9123, "lease_seconds": 5},  # type: ignore[arg-type]
    )
    registry = registry_from_settings(settings, page_seconds=60)
    assert registry is not None
    assert registry.node_url == "http://127.0.0.1:9123"
    assert registry.lease_seconds == 5
    assert await registry.claim(KEY) == "http://127.0.0.1:9123"
    await registry.aclose()
    named = Settings(devclient={"node_url": "http://dc-2.internal:8081/"})  # type: ignore[arg-type]
    assert named.devclient.node_base_url == "http://dc-2.internal:8081"
