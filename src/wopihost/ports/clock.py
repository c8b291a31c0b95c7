"""The clock every service reads the time from (a fake one in tests)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """The current time, in UTC. Tests use a fake one to expire locks without sleeping."""

    def now(self) -> datetime: ...
