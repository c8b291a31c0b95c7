"""The WOPI client's discovery: held in memory, kept on disk as a last good copy, refreshed in the background.

With a shared cache (Redis or the database), the nodes of a cluster fetch discovery once for all: the node
holding the refresh lease fetches and publishes the result, the others adopt it, under the same refresh and
retry rules as one node.

When discovery advertises a /hosting/capabilities endpoint (Collabora Online, ONLYOFFICE), its JSON is read
with each discovery fetch and kept beside it; failing to read it never costs the discovery.

Spec: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/discovery
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import anyio
import anyio.to_thread

from wopihost.domain.capabilities import ClientCapabilities, parse_capabilities
from wopihost.domain.discovery import Discovery, parse_discovery
from wopihost.errors import DiscoveryUnavailable, StorageUnavailable
from wopihost.ports import (
    NO_METRICS,
    CapabilitiesSource,
    Clock,
    DiscoveryCache,
    DiscoverySource,
    Metrics,
    SharedDiscovery,
)

logger = logging.getLogger("wopihost.discovery")

# The docs recommend refreshing every 12 to 24 hours.
DEFAULT_REFRESH_INTERVAL = timedelta(hours=12)
# After a failed fetch, the periodic refresh tries again this much later rather than at every poll.
DEFAULT_RETRY_INTERVAL = timedelta(minutes=5)
DEFAULT_POLL_SECONDS = 60.0
# Without any copy, get() fetches again at most this often after a failure.
GET_RETRY_INTERVAL = timedelta(seconds=10)
# How long one node may hold the cluster's refresh lease; longer than a fetch can take.
DEFAULT_LEASE_TTL = timedelta(seconds=60)
# How often a node waiting for another node's fetch looks for its result.
_SHARED_POLL_SECONDS = 0.1


class DiscoveryService:
    """The current discovery, fetched at most once at a time and never lost to a failed refresh."""

    def __init__(
        self,
        source: DiscoverySource,
        *,
        cache_file: Path,
        clock: Clock,
        refresh_interval: timedelta = DEFAULT_REFRESH_INTERVAL,
        retry_interval: timedelta = DEFAULT_RETRY_INTERVAL,
        capabilities: CapabilitiesSource | None = None,
        metrics: Metrics = NO_METRICS,
        shared: DiscoveryCache | None = None,
        lease_ttl: timedelta = DEFAULT_LEASE_TTL,
    ) -> None:
        self._source = source
        self._shared = shared
        self._lease_ttl = lease_ttl
        self._holder = secrets.token_hex(16)
        # The bytes behind `_current` and `_capabilities`, which a node publishes to the shared cache.
        self._xml: bytes | None = None
        self._metrics = metrics
        self._capabilities_source = capabilities
        self._cache_file = cache_file
        self._capabilities_file = cache_file.with_name(f"{cache_file.stem}.capabilities.json")
        self._capabilities: ClientCapabilities | None = None
        self._capabilities_error: str | None = None
        self._clock = clock
        self._refresh_interval = refresh_interval
        self._retry_interval = min(retry_interval, refresh_interval)
        self._lock = anyio.Lock()
        self._current: Discovery | None = None
        self._cache_checked = False
        self._fetched_at: datetime | None = None
        self._attempted_at: datetime | None = None
        self._last_error: str | None = None
        # Counters that let a caller who waited for the lock tell whether a fetch happened meanwhile.
        self._attempts = 0
        self._loads = 0

    @property
    def fetched_at(self) -> datetime | None:
        """When discovery was last fetched successfully (by any node when shared); None for a disk copy."""
        return self._fetched_at

    @property
    def last_error(self) -> str | None:
        """Why the latest fetch failed, or None if it succeeded (or none was made)."""
        return self._last_error

    @property
    def capabilities(self) -> ClientCapabilities | None:
        """The client's capabilities as last read with discovery; None if never read or not advertised."""
        return self._capabilities

    @property
    def capabilities_error(self) -> str | None:
        """Why the latest capabilities read failed, or None."""
        return self._capabilities_error

    async def get(self) -> Discovery:
        """Return the discovery in memory; on first use load the disk copy, or fetch if there is none."""
        current = self._current
        if current is not None:
            return current
        attempts = self._attempts
        async with self._lock:
            await self._catch_up()
            if self._current is not None or self._attempts != attempts or self._failed_recently():
                return self._require_current()
            return await self._refresh_locked()

    async def refresh(self) -> Discovery:
        """Fetch discovery now; on failure keep the last good copy, raising only when there is none."""
        attempts = self._attempts
        async with self._lock:
            await self._catch_up()
            if self._attempts != attempts:
                # Another caller fetched while this one waited for the lock: a second fetch would add nothing.
                return self._require_current()
            return await self._refresh_locked()

    async def refresh_if_stale(self) -> Discovery:
        """Fetch discovery if the last fetch is older than the refresh interval, or failed a while ago."""
        if self._current is not None and not self._is_due():
            return self._current
        async with self._lock:
            await self._catch_up()
            if self._is_due():
                return await self._refresh_locked()
            return self._require_current()

    async def refresh_rate_limited(self, min_interval: timedelta) -> bool:
        """Fetch unless a fetch started within `min_interval`; tell whether a new copy loaded meanwhile."""
        # True means a proof-key check that failed is worth repeating against get(); a concurrent caller's
        # fetch counts, so that callers queued behind it do not fetch again. Failures are logged, not raised.
        loads = self._loads
        async with self._lock:
            await self._catch_up()
            now = self._clock.now()
            if self._attempted_at is None or now - self._attempted_at >= min_interval:
                with contextlib.suppress(DiscoveryUnavailable):
                    await self._refresh_locked()
        return self._loads != loads

    async def run_periodic(
        self, stop: anyio.Event | None = None, *, poll_seconds: float = DEFAULT_POLL_SECONDS
    ) -> None:
        """Refresh discovery whenever it is due, checking every `poll_seconds`, until `stop` is set."""
        while stop is None or not stop.is_set():
            try:
                await self.refresh_if_stale()
            except DiscoveryUnavailable:
                pass  # Already logged; the next poll tries again once the retry interval has passed.
            except Exception:
                # A background loop that died would leave the host with stale proof keys for good.
                logger.exception("op=discovery_refresh status=error")
            await _wait(stop, poll_seconds)

    def _is_due(self) -> bool:
        now = self._clock.now()
        if self._attempted_at is None:
            # A copy from disk may be arbitrarily old: each process fetches once at start.
            return True
        if self._last_error is not None:
            return now - self._attempted_at >= self._retry_interval
        return self._fetched_at is None or now - self._fetched_at >= self._refresh_interval

    def _failed_recently(self) -> bool:
        # While the client is down, callers fail fast instead of each waiting for a fetch of their own.
        if self._last_error is None or self._attempted_at is None:
            return False
        return self._clock.now() - self._attempted_at < min(self._retry_interval, GET_RETRY_INTERVAL)

    def _require_current(self) -> Discovery:
        if self._current is None:
            raise DiscoveryUnavailable(f"no discovery available: {self._last_error or 'never fetched'}")
        return self._current

    async def _catch_up(self) -> None:
        """Load the disk copy on first use; adopt a newer attempt of another node from the shared cache."""
        await self._load_cache_once()
        if self._shared is not None:
            await self._adopt_shared(self._shared)

    async def _adopt_shared(self, shared: DiscoveryCache) -> bool:
        """Take over the shared copy if another node tried to fetch since this one knew; tell if it did."""
        try:
            entry = await shared.read()
        except StorageUnavailable as exc:
            logger.warning('op=discovery_shared status=unavailable reason="%s"', _one_line(str(exc)))
            return False
        if entry is None or (self._attempted_at is not None and entry.attempted_at <= self._attempted_at):
            return False
        fetched = entry.fetched_at is not None and entry.fetched_at != self._fetched_at
        if entry.xml is not None and (fetched or self._current is None):
            if entry.xml != self._xml:
                try:
                    discovery = parse_discovery(entry.xml)
                    capabilities = parse_capabilities(entry.capabilities) if entry.capabilities else None
                except DiscoveryUnavailable as exc:
                    logger.warning('op=discovery_shared status=unreadable reason="%s"', _one_line(str(exc)))
                    return False
                self._current, self._xml, self._capabilities = discovery, entry.xml, capabilities
                await self._write_cache(self._cache_file, entry.xml)
            # Another node's fetch counts as this node's: a proof-key check that failed is worth repeating.
            self._loads += 1
        self._attempted_at, self._fetched_at, self._last_error = (
            entry.attempted_at,
            entry.fetched_at,
            entry.error,
        )
        self._attempts += 1
        return True

    async def _refresh_locked(self) -> Discovery:
        shared = self._shared
        if shared is None:
            return await self._fetch_locked()
        # Waiting is timed by the monotonic clock: a stuck lease must not hold a node forever.
        deadline = anyio.current_time() + self._lease_ttl.total_seconds()
        while True:
            try:
                claimed = await shared.claim(self._holder, now=self._clock.now(), ttl=self._lease_ttl)
            except StorageUnavailable as exc:
                # Without the shared cache each node fetches for itself, as a single node would.
                logger.warning('op=discovery_lease status=unavailable reason="%s"', _one_line(str(exc)))
                return await self._fetch_locked()
            if claimed:
                return await self._fetch_and_publish(shared)
            # Another node is fetching for the cluster: its result is this node's too.
            await anyio.sleep(_SHARED_POLL_SECONDS)
            if await self._adopt_shared(shared) or anyio.current_time() >= deadline:
                return self._require_current()

    async def _fetch_and_publish(self, shared: DiscoveryCache) -> Discovery:
        try:
            # A node that tried between this node's decision and its claim already did the work.
            if await self._adopt_shared(shared):
                return self._require_current()
            attempted = self._attempts
            try:
                return await self._fetch_locked()
            finally:
                if self._attempts != attempted:
                    await self._publish(shared)
        finally:
            with contextlib.suppress(StorageUnavailable):
                await shared.release(self._holder)

    async def _publish(self, shared: DiscoveryCache) -> None:
        if self._attempted_at is None:
            return
        capabilities = self._capabilities.to_json() if self._capabilities is not None else None
        entry = SharedDiscovery(
            self._xml, capabilities, self._fetched_at, self._attempted_at, self._last_error
        )
        try:
            await shared.write(entry)
        except StorageUnavailable as exc:
            logger.warning('op=discovery_shared status=write_failed reason="%s"', _one_line(str(exc)))

    async def _fetch_locked(self) -> Discovery:
        self._attempted_at = self._clock.now()
        self._attempts += 1
        try:
            xml = await self._source.fetch()
            discovery = parse_discovery(xml)
        except DiscoveryUnavailable as exc:
            self._metrics.discovery_refresh(ok=False)
            self._last_error = _one_line(str(exc)) or type(exc).__name__
            serving = "none" if self._current is None else "last_good"
            logger.warning(
                'op=discovery_refresh status=failed serving=%s reason="%s"', serving, self._last_error
            )
            return self._require_current()
        self._metrics.discovery_refresh(ok=True)
        self._current, self._xml = discovery, xml
        self._fetched_at = self._attempted_at
        self._last_error = None
        self._loads += 1
        logger.info(
            "op=discovery_refresh status=ok net_zone=%s apps=%d proof_key=%s",
            discovery.net_zone or "-",
            len(discovery.apps),
            "present" if discovery.proof_key else "absent",
        )
        await self._write_cache(self._cache_file, xml)
        await self._refresh_capabilities(discovery)
        return discovery

    async def _refresh_capabilities(self, discovery: Discovery) -> None:
        url = discovery.capabilities_url
        if url is None:
            self._capabilities = None
            self._capabilities_error = None
            return
        if self._capabilities_source is None:
            return
        try:
            capabilities = parse_capabilities(await self._capabilities_source.fetch_capabilities(url))
        except Exception as exc:  # A capabilities failure must never cost the discovery.
            self._capabilities_error = _one_line(str(exc)) or type(exc).__name__
            serving = "none" if self._capabilities is None else "last_good"
            logger.warning(
                'op=capabilities_refresh status=failed serving=%s reason="%s"',
                serving,
                self._capabilities_error,
            )
            return
        self._capabilities = capabilities
        self._capabilities_error = None
        logger.info(
            'op=capabilities_refresh status=ok product="%s" version=%s',
            _one_line(capabilities.product_name or "-"),
            _one_line(capabilities.product_version or "-"),
        )
        await self._write_cache(self._capabilities_file, capabilities.to_json())

    async def _load_cache_once(self) -> None:
        if self._cache_checked:
            return
        self._cache_checked = True
        try:
            xml = await anyio.to_thread.run_sync(self._cache_file.read_bytes)
            discovery = parse_discovery(xml)
        except FileNotFoundError:
            return
        except (OSError, DiscoveryUnavailable) as exc:
            logger.warning('op=discovery_cache status=unreadable reason="%s"', _one_line(str(exc)))
            return
        if self._current is None:
            self._current, self._xml = discovery, xml
            self._loads += 1
            logger.info("op=discovery_cache status=loaded apps=%d", len(discovery.apps))
            if discovery.capabilities_url is not None:
                await self._load_capabilities_cache()

    async def _load_capabilities_cache(self) -> None:
        try:
            data = await anyio.to_thread.run_sync(self._capabilities_file.read_bytes)
            self._capabilities = parse_capabilities(data)
        except FileNotFoundError:
            return
        except (OSError, DiscoveryUnavailable) as exc:
            logger.warning('op=capabilities_cache status=unreadable reason="%s"', _one_line(str(exc)))

    async def _write_cache(self, path: Path, data: bytes) -> None:
        try:
            await anyio.to_thread.run_sync(_write_atomically, path, data)
        except OSError as exc:
            logger.warning('op=discovery_cache status=write_failed reason="%s"', _one_line(str(exc)))


async def _wait(stop: anyio.Event | None, seconds: float) -> None:
    if stop is None:
        await anyio.sleep(seconds)
        return
    with anyio.move_on_after(seconds):
        await stop.wait()


def _write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise


def _one_line(text: str) -> str:
    return " ".join(text.split()).replace('"', "'")
