"""WOPI lock operations: Lock, Unlock, RefreshLock, UnlockAndRelock, GetLock."""

from __future__ import annotations

from datetime import datetime, timedelta

from wopihost.domain.records import FileAccess
from wopihost.errors import LockMismatch, NotFound
from wopihost.ports import NO_METRICS, Clock, LockOutcome, LockStore, Metrics
from wopihost.services.access import require_write

# A co-author seen in a session is recorded again at most this often by one process; holders count as
# active for a whole lock lifetime, so this costs revocation nothing and keeps CheckFileInfo a read.
JOIN_RECORD_INTERVAL = timedelta(minutes=1)
_MAX_REMEMBERED_JOINS = 10_000


class LockService:
    """Lock operations. Each returns the file version for X-WOPI-ItemVersion or raises LockMismatch."""

    def __init__(self, *, locks: LockStore, clock: Clock, metrics: Metrics = NO_METRICS) -> None:
        self._locks = locks
        self._clock = clock
        self._metrics = metrics
        self._joined: dict[tuple[str, str, str], datetime] = {}

    async def note_participant(self, access: FileAccess) -> None:
        """Record a writer opening a locked file as taking part in the session that holds the lock."""
        now = self._clock.now()
        lock = access.file.active_lock(now)
        if lock is None or not access.permissions.can_write:
            return
        key = (access.file.id, access.user.id, lock.lock_id)
        seen = self._joined.get(key)
        if seen is not None and now - seen < JOIN_RECORD_INTERVAL:
            return
        if len(self._joined) >= _MAX_REMEMBERED_JOINS:
            self._joined.clear()
        self._joined[key] = now
        await self._locks.join(access.file.id, lock.lock_id, user_id=access.user.id, now=now)

    async def lock(self, access: FileAccess, lock_id: str) -> int:
        """Lock the file, or refresh the lock if it already carries this lock ID."""
        require_write(access)
        now = self._clock.now()
        outcome = await self._locks.acquire(access.file.id, lock_id, user_id=access.user.id, now=now)
        self._note_expiry("Lock", access, now, outcome)
        return _checked(outcome, "the file is locked with another lock ID")

    async def unlock(self, access: FileAccess, lock_id: str) -> int:
        """Release the lock if it matches."""
        require_write(access)
        now = self._clock.now()
        outcome = await self._locks.release(access.file.id, lock_id, now=now)
        self._note_expiry("Unlock", access, now, outcome)
        return _checked(outcome)

    async def refresh_lock(self, access: FileAccess, lock_id: str) -> int:
        """Reset the lock's 30-minute timer if it matches."""
        require_write(access)
        now = self._clock.now()
        outcome = await self._locks.refresh(access.file.id, lock_id, now=now, user_id=access.user.id)
        self._note_expiry("RefreshLock", access, now, outcome)
        return _checked(outcome)

    async def unlock_and_relock(self, access: FileAccess, new_lock_id: str, old_lock_id: str) -> int:
        """Replace the lock `old_lock_id` with `new_lock_id` atomically."""
        require_write(access)
        now = self._clock.now()
        outcome = await self._locks.swap(
            access.file.id, new_lock_id, old_lock_id, now=now, user_id=access.user.id
        )
        self._note_expiry("UnlockAndRelock", access, now, outcome)
        return _checked(outcome)

    def _note_expiry(
        self, operation: str, access: FileAccess, now: datetime, outcome: LockOutcome | None
    ) -> None:
        """Count a lock that had expired when this operation met it: replaced by a new one, or refused for.

        The lock read with the file is the one the store saw unless another request changed it in between;
        a lock still held (by anyone) after the operation was not expired, which rules most such races out.
        """
        seen = access.file.lock
        if seen is None or seen.is_active(now) or outcome is None:
            return
        if outcome.ok or outcome.current is None:
            self._metrics.lock_expired(operation)

    def get_lock(self, access: FileAccess) -> tuple[str, int]:
        """Return the current lock ID ("" when unlocked) and the file version.

        Both come from the file's row as this request's access check read it: a second read would tell
        nothing more, since the lock may change the moment either answer leaves.
        """
        lock = access.file.active_lock(self._clock.now())
        return (lock.lock_id if lock else ""), access.file.version


def _checked(outcome: LockOutcome | None, locked_reason: str = "the lock ID does not match") -> int:
    if outcome is None:
        raise NotFound("file not found")
    if not outcome.ok:
        if outcome.current is None:
            raise LockMismatch("", "the file is not locked")
        raise LockMismatch(outcome.current.lock_id, locked_reason)
    return outcome.version
