"""Clocks of the development client: the session timeline (seconds) and the wall clock (UTC)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol

import anyio


class SessionClock(Protocol):
    """What editing sessions read: a timeline for intervals and the wall clock for token lifetimes."""

    def monotonic(self) -> float:
        """Return seconds on the session timeline; only differences mean anything."""
        ...

    def wall(self) -> datetime:
        """Return the current UTC time, which access_token_ttl and proof timestamps are measured against."""
        ...


class SystemClock:
    """Real time."""

    def monotonic(self) -> float:
        """Return time.monotonic()."""
        return time.monotonic()

    def wall(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)


class VirtualClock:
    """A discrete-event timeline that moves only when told, sleeping 1/factor of each step in real time.

    Work done at one instant (WOPI requests, a revoke command) takes no virtual time, so a replay
    produces the same sequence of requests however fast or slow the host answers.
    """

    def __init__(self, *, time_factor: float = 1.0, start: float = 0.0) -> None:
        if time_factor <= 0:
            raise ValueError("time_factor must be positive")
        self.time_factor = time_factor
        self._now = start

    def monotonic(self) -> float:
        """Return the current virtual second."""
        return self._now

    def wall(self) -> datetime:
        """Return the real UTC time: hosts check tokens and proof timestamps against it."""
        return datetime.now(UTC)

    async def advance_to(self, moment: float) -> None:
        """Sleep (moment - now) / time_factor real seconds, then make `moment` the current time."""
        if moment <= self._now:
            return
        await anyio.sleep((moment - self._now) / self.time_factor)
        self._now = moment


def epoch_ms(moment: datetime) -> int:
    """Return milliseconds since 1970-01-01 UTC, the unit of access_token_ttl and PostMessage SendTime."""
    return int(moment.timestamp() * 1000)
