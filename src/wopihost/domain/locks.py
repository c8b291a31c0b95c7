"""WOPI locks: opaque client-chosen IDs of up to 1024 ASCII characters that expire after 30 minutes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from wopihost.errors import InvalidRequest

LOCK_TTL = timedelta(minutes=30)
MAX_LOCK_ID_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class Lock:
    """A lock on a file. Locks belong to no user; `user_id` only records who took it, for display."""

    lock_id: str
    expires_at: datetime
    user_id: str | None = None

    def is_active(self, now: datetime) -> bool:
        return self.expires_at > now


class WhenUnlocked(Enum):
    """What a lock-guarded write does when the file is not locked."""

    ALLOW = "allow"  # RenameFile, DeleteFile, overwrites by PutRelativeFile, web UI edits
    DENY = "deny"  # Unlock-style operations
    IF_EMPTY = "if_empty"  # PutFile: only a zero-byte file may be written unlocked (new documents)


@dataclass(frozen=True, slots=True)
class LockGuard:
    """The lock condition a write must meet, checked atomically with the write itself.

    The write proceeds when the file is locked with `lock_id`, or when it is unlocked and `when_unlocked`
    allows it. `lock_id=None` means the caller holds no lock, so any lock on the file blocks the write.
    """

    lock_id: str | None
    when_unlocked: WhenUnlocked = WhenUnlocked.ALLOW


def validate_lock_id(value: str | None, header: str = "X-WOPI-Lock") -> str:
    """Return a lock ID from a request header, or raise InvalidRequest if it is missing, empty or illegal."""
    if value is None or value == "":
        raise InvalidRequest(f"{header} was not provided or was empty")
    if len(value) > MAX_LOCK_ID_LENGTH:
        raise InvalidRequest(f"{header} is longer than {MAX_LOCK_ID_LENGTH} characters")
    if not value.isascii():
        raise InvalidRequest(f"{header} contains non-ASCII characters")
    return value


def is_representable(lock_id: str) -> bool:
    """Tell whether a lock ID can be sent to a WOPI client in X-WOPI-Lock."""
    return len(lock_id) <= MAX_LOCK_ID_LENGTH and lock_id.isascii()


class SessionEndReason(Enum):
    """Why an editing session ended without its WOPI client's Unlock."""

    ENDED = "ended"  # the owner or an administrator ended it
    REVOKED = "revoked"  # the owner took away the access of the last user editing


@dataclass(frozen=True, slots=True)
class LockBreak:
    """An editing session ended from outside the WOPI client: whose it was, who ended it, when and why.

    `ended_by` is None when an operator ended it from the command line without naming a user.
    """

    file_id: str
    lock_user_id: str | None
    ended_by: str | None
    ended_at: datetime
    reason: SessionEndReason
