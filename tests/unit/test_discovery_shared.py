"""DiscoveryService on a shared cache: failures shared, a dead lease holder outwaited, a store that is down.

Fetching once for two nodes is shown on the real back ends in tests/integration/test_shared_state.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import anyio
import pytest

from tests.unit.test_discovery_service import MICROSOFT, FakeClock, FakeSource
from wopihost.errors import DiscoveryUnavailable, StorageUnavailable
from wopihost.ports import SharedDiscovery
from wopihost.services.discovery import DiscoveryService

pytestmark = pytest.mark.anyio


class MemoryCache:
    """A cluster's shared cache in one process; `down` makes every call fail like an unreachable Redis."""

    def __init__(self) -> None:
        self.entry: SharedDiscovery | None = None
        self.holder: str | None = None
        self.down = False

    async def read(self) -> SharedDiscovery | None:
        self._check()
        return self.entry

    async def write(self, entry: SharedDiscovery) -> None:
        self._check()
        self.entry = entry

    async def claim(self, holder: str, *, now: datetime, ttl: timedelta) -> bool:
        self._check()
        if self.holder in (None, holder):
            self.holder = holder
            return True
        return False

    async def release(self, holder: str) -> None:
        self._check()
        if self.holder == holder:
            self.holder = None

    def _check(self) -> None:
        if self.down:
            raise StorageUnavailable("shared store down")


def node(
    tmp_path: Path, name: str, source: FakeSource, cache: MemoryCache, clock: FakeClock
) -> DiscoveryService:
    return DiscoveryService(
        source,
        cache_file=tmp_path / name / "discovery.xml",
        clock=clock,
        shared=cache,
        lease_ttl=timedelta(seconds=0.5),
    )


async def test_failed_fetch_shared_other_node_waits_retry_interval(tmp_path: Path) -> None:
    source, cache, clock = FakeSource(DiscoveryUnavailable("refused"), MICROSOFT), MemoryCache(), FakeClock()
    one, two = node(tmp_path, "one", source, cache, clock), node(tmp_path, "two", source, cache, clock)

    with pytest.raises(DiscoveryUnavailable):
        await one.refresh_if_stale()
    with pytest.raises(DiscoveryUnavailable):
        await two.refresh_if_stale()
    assert source.calls == 1
    assert two.last_error == "refused"

    clock.advance(minutes=5)
    await two.refresh_if_stale()
    assert (await one.refresh_if_stale()).proof_key is not None
    assert source.calls == 2


async def test_lease_of_dead_holder_outwaited_then_nothing_served(tmp_path: Path) -> None:
    source, cache, clock = FakeSource(MICROSOFT), MemoryCache(), FakeClock()
    cache.holder = "a node that died while fetching"

    with anyio.fail_after(5), pytest.raises(DiscoveryUnavailable):
        await node(tmp_path, "one", source, cache, clock).refresh_if_stale()
    assert source.calls == 0


async def test_shared_store_down_each_node_fetches_for_itself(tmp_path: Path) -> None:
    source, cache, clock = FakeSource(MICROSOFT), MemoryCache(), FakeClock()
    cache.down = True

    for name in ("one", "two"):
        assert (await node(tmp_path, name, source, cache, clock).refresh_if_stale()).proof_key is not None
    assert source.calls == 2


async def test_node_started_later_adopts_shared_copy_and_keeps_it_on_disk(tmp_path: Path) -> None:
    source, cache, clock = FakeSource(MICROSOFT), MemoryCache(), FakeClock()
    await node(tmp_path, "one", source, cache, clock).refresh_if_stale()
    clock.advance(hours=1)

    later = node(tmp_path, "two", source, cache, clock)
    await later.get()

    assert source.calls == 1
    assert (tmp_path / "two" / "discovery.xml").read_bytes() == MICROSOFT
    assert later.fetched_at == clock.now() - timedelta(hours=1)
