"""What the administrators' console shows: open editing sessions, WOPI errors, storage and versions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

# The status classes the error search offers ("4xx", "5xx") and the longest text kept per field.
STATUS_CLASSES = ("4xx", "5xx")
MAX_HEADER_CHARS = 200


@dataclass(frozen=True, slots=True)
class SessionHolder:
    """A user seen in a file's current editing session, and when they were last seen."""

    user_id: str
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class OpenSession:
    """A file with an unexpired lock: whose file it is, who holds the lock, and until when."""

    file_id: str
    file_name: str
    owner_id: str
    lock_user_id: str | None
    expires_at: datetime
    holders: Sequence[SessionHolder]

    @property
    def since(self) -> datetime | None:
        """The earliest time a holder of the current lock was seen; None when no holder was recorded."""
        return min((h.last_seen_at for h in self.holders), default=None)


@dataclass(frozen=True, slots=True)
class WopiError:
    """One WOPI response with status 400 or more. Never holds a token or a query string."""

    at: datetime
    operation: str
    status: int
    file_id: str = ""
    user_id: str | None = None
    correlation_id: str = ""
    session_id: str = ""
    user_agent: str = ""
    reason: str = ""  # X-WOPI-ServerError, X-WOPI-LockFailureReason, or the error class of a 5xx
    id: int | None = None


@dataclass(frozen=True, slots=True)
class WopiErrorQuery:
    """A search of recorded WOPI errors; empty fields match everything."""

    correlation_id: str = ""
    session_id: str = ""
    user_id: str | None = None
    operation: str = ""
    status_class: str = ""  # "", "4xx" or "5xx"


@dataclass(frozen=True, slots=True)
class UserStorage:
    """One user's storage: current bytes, every version's bytes, the trash's bytes, and live file count."""

    user_id: str
    files: int
    current_bytes: int
    version_bytes: int
    versions: int
    trash_bytes: int


def status_range(status_class: str) -> tuple[int, int] | None:
    """The statuses [low, high) of a status class; None for "" (all of them)."""
    if not status_class:
        return None
    if status_class not in STATUS_CLASSES:
        raise ValueError(f"unknown status class {status_class!r}")
    low = int(status_class[0]) * 100
    return low, low + 100
