"""SQL conditions that express lock guards, so that a write and its lock check are one statement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, false, or_

from wopihost.adapters.sql.models import FileRow, FolderRow
from wopihost.domain.locks import LockGuard, WhenUnlocked


def live_file() -> ColumnElement[bool]:
    """The file is not in the trash, on its own or inside a trashed folder."""
    return FileRow.trash_id.is_(None)


def live_folder() -> ColumnElement[bool]:
    """The folder is not in the trash, on its own or inside a trashed folder."""
    return FolderRow.trash_id.is_(None)


# The bound parameters of a guard condition in a statement built once (see bound_guard_condition).
GUARD_LOCK_ID = "guard_lock_id"
GUARD_NOW = "guard_now"


def lock_held(lock_id: str | ColumnElement[Any], now: datetime | ColumnElement[Any]) -> ColumnElement[bool]:
    """The file carries the unexpired lock `lock_id`."""
    return and_(FileRow.lock_id == lock_id, FileRow.lock_expires_at > now)


def unlocked(now: datetime | ColumnElement[Any]) -> ColumnElement[bool]:
    """The file carries no lock, or only an expired one."""
    return or_(FileRow.lock_id.is_(None), FileRow.lock_expires_at <= now)


def guard_condition(guard: LockGuard, now: datetime) -> ColumnElement[bool]:
    """The condition under which `guard` lets a write through."""
    return _guard(guard.lock_id or None, now, guard.when_unlocked)


def bound_guard_condition(guard: LockGuard) -> ColumnElement[bool]:
    """`guard_condition` with the lock ID and the time as bound parameters, for statements built once;
    the result is the same for guards of one shape (see guard_parameters)."""
    lock_id: ColumnElement[Any] | None = bindparam(GUARD_LOCK_ID) if guard.lock_id else None
    return _guard(lock_id, bindparam(GUARD_NOW), guard.when_unlocked)


def guard_shape(guard: LockGuard) -> LockGuard:
    """The guard's shape: what decides the SQL of its condition, whatever its lock ID."""
    return LockGuard("lock" if guard.lock_id else None, guard.when_unlocked)


def guard_parameters(guard: LockGuard, now: datetime) -> dict[str, Any]:
    """The values of `bound_guard_condition(guard_shape(guard))`'s parameters."""
    if guard.lock_id:
        return {GUARD_LOCK_ID: guard.lock_id, GUARD_NOW: now}
    return {GUARD_NOW: now}


def _guard(
    lock_id: str | ColumnElement[Any] | None, now: datetime | ColumnElement[Any], when: WhenUnlocked
) -> ColumnElement[bool]:
    held = lock_held(lock_id, now) if lock_id is not None else false()
    if when is WhenUnlocked.DENY:
        return held
    if when is WhenUnlocked.IF_EMPTY:
        return or_(held, and_(unlocked(now), FileRow.size == 0))
    return or_(held, unlocked(now))
