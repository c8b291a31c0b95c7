"""State every node shares: sign-in failures, web sessions and the discovery cache."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from wopihost.domain.throttling import Failures


class FailureCounter(Protocol):
    """Counters of failed sign-ins, shared by every process of the host, each within a time window."""

    async def add_failure(self, keys: Sequence[str], *, now: datetime, window: timedelta) -> None:
        """Count one failure on each key atomically; a counter whose window has passed starts again at 1."""
        ...

    async def failures(
        self, keys: Sequence[str], *, now: datetime, window: timedelta
    ) -> Mapping[str, Failures]:
        """The counters of these keys whose window is still running at `now`."""
        ...

    async def clear(self, key: str) -> None:
        """Forget a counter (after a successful sign-in)."""
        ...


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A web session's data (JSON) and when it ends."""

    data: bytes
    expires_at: datetime


class SessionStore(Protocol):
    """Web UI sessions kept by the server and shared by every node; the browser holds only an opaque ID.

    IDs reach the store already hashed. Deleting a session ends it on every node at once.
    """

    async def load(self, session_id: str, *, now: datetime) -> StoredSession | None:
        """The session, or None if there is none or it ended before `now`."""
        ...

    async def save(self, session_id: str, data: bytes, *, expires_at: datetime, now: datetime) -> None:
        """Create or replace the session, to end at `expires_at`."""
        ...

    async def delete(self, session_id: str) -> None:
        """End the session; nothing happens if there is none."""
        ...


@dataclass(frozen=True, slots=True)
class SharedDiscovery:
    """The cluster's copy of discovery: the last good XML and when any node last tried to fetch it."""

    xml: bytes | None
    capabilities: bytes | None
    fetched_at: datetime | None
    attempted_at: datetime
    error: str | None


class DiscoveryCache(Protocol):
    """Discovery shared by every node, and a lease so that one node at a time fetches it for all."""

    async def read(self) -> SharedDiscovery | None:
        """The shared copy, or None if no node has tried to fetch yet."""
        ...

    async def write(self, entry: SharedDiscovery) -> None:
        """Replace the shared copy."""
        ...

    async def claim(self, holder: str, *, now: datetime, ttl: timedelta) -> bool:
        """Take the refresh lease for `ttl` unless another holder has it; True if `holder` has it now."""
        ...

    async def release(self, holder: str) -> None:
        """Give the lease up, if `holder` still has it."""
        ...
