"""SQL conditions that express lock guards, so that a write and its lock check are one statement."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, or_

from wopihost.adapters.sql.models import FileRow, FolderRow
from wopihost.domain.locks import LockGuard, WhenUnlocked


def live_file() -> ColumnElement[bool]:
    """The file is not in the trash, on its own or inside a trashed folder."""
    return FileRow.trash_id.is_(None)


def live_folder() -> ColumnElement[bool]:
    """The folder is not in the trash, on its own or inside a trashed folder."""
    return FolderRow.trash_id.is_(None)


def lock_held(lock_id: str, now: datetime) -> ColumnElement[bool]:
    """The file carries the unexpired lock `lock_id`."""
    return and_(FileRow.lock_id == lock_id, FileRow.lock_expires_at > now)


def unlocked(now: datetime) -> ColumnElement[bool]:
    """The file carries no lock, or only an expired one."""
    return or_(FileRow.lock_id.is_(None), FileRow.lock_expires_at <= now)


def guard_condition(guard: LockGuard, now: datetime) -> ColumnElement[bool]:
    """The condition under which `guard` lets a write through."""
    held = lock_held(guard.lock_id, now) if guard.lock_id else false()
    if guard.when_unlocked is WhenUnlocked.DENY:
        return held
    if guard.when_unlocked is WhenUnlocked.IF_EMPTY:
        return or_(held, and_(unlocked(now), FileRow.size == 0))
    return or_(held, unlocked(now))
