"""Sign-in throttling: after a few failed attempts for one username from one address, wait a while."""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from wopihost.ports import Clock

DEFAULT_MAX_FAILURES = 5
DEFAULT_WINDOW = timedelta(minutes=15)
# Bounds memory under a flood of made-up usernames; the oldest entries are forgotten first.
DEFAULT_MAX_ENTRIES = 10_000


@dataclass(slots=True)
class _Attempts:
    failures: int
    first_at: datetime


class LoginThrottle:
    """Counts failed sign-ins per (username, client address) in memory, within a sliding window."""

    def __init__(
        self,
        clock: Clock,
        *,
        max_failures: int = DEFAULT_MAX_FAILURES,
        window: timedelta = DEFAULT_WINDOW,
        max_entries: int = DEFAULT_MAX_ENTRIES,
    ) -> None:
        self._clock = clock
        self._max_failures = max_failures
        self._window = window
        self._max_entries = max_entries
        self._attempts: OrderedDict[tuple[str, str], _Attempts] = OrderedDict()

    def retry_after(self, username: str, address: str) -> int:
        """Seconds to wait before another attempt is allowed; 0 if one is allowed now."""
        entry = self._current(self._key(username, address))
        if entry is None or entry.failures < self._max_failures:
            return 0
        remaining = (entry.first_at + self._window - self._clock.now()).total_seconds()
        return max(1, math.ceil(remaining))

    def record_failure(self, username: str, address: str) -> None:
        """Count one failed attempt."""
        key = self._key(username, address)
        entry = self._current(key)
        if entry is None:
            entry = _Attempts(0, self._clock.now())
            self._attempts[key] = entry
        entry.failures += 1
        self._attempts.move_to_end(key)
        while len(self._attempts) > self._max_entries:
            self._attempts.popitem(last=False)

    def reset(self, username: str, address: str) -> None:
        """Forget the failures after a successful sign-in."""
        self._attempts.pop(self._key(username, address), None)

    def _current(self, key: tuple[str, str]) -> _Attempts | None:
        entry = self._attempts.get(key)
        if entry is not None and self._clock.now() - entry.first_at >= self._window:
            del self._attempts[key]
            return None
        return entry

    @staticmethod
    def _key(username: str, address: str) -> tuple[str, str]:
        return username.strip().lower()[:128], address
