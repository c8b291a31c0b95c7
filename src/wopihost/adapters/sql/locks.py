"""SqlLockStore: WOPI locks as compare-and-swap updates of the file row."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, or_, select, update

from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.guards import lock_held, unlocked
from wopihost.adapters.sql.models import FileRow
from wopihost.domain.locks import LOCK_TTL, Lock
from wopihost.ports import LockOutcome

_CURRENT = select(FileRow.lock_id, FileRow.lock_expires_at, FileRow.lock_user_id, FileRow.version).where(
    FileRow.id == bindparam("file_id")
)


class SqlLockStore:
    """Locks stored on the files table. Each change is one conditional UPDATE checked by its row count."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, file_id: str, *, now: datetime) -> LockOutcome | None:
        row = await self._db.read(lambda conn: conn.execute(_CURRENT, {"file_id": file_id}).first())
        return _outcome(True, row, now) if row else None

    async def acquire(self, file_id: str, lock_id: str, *, user_id: str, now: datetime) -> LockOutcome | None:
        condition = or_(unlocked(now), lock_held(lock_id, now))
        values = {"lock_id": lock_id, "lock_expires_at": now + LOCK_TTL, "lock_user_id": user_id}
        return await self._swap(file_id, condition, values, now)

    async def swap(self, file_id: str, new: str, expected: str, *, now: datetime) -> LockOutcome | None:
        values = {"lock_id": new, "lock_expires_at": now + LOCK_TTL}
        return await self._swap(file_id, lock_held(expected, now), values, now)

    async def refresh(self, file_id: str, lock_id: str, *, now: datetime) -> LockOutcome | None:
        return await self._swap(file_id, lock_held(lock_id, now), {"lock_expires_at": now + LOCK_TTL}, now)

    async def release(self, file_id: str, lock_id: str, *, now: datetime) -> LockOutcome | None:
        values = {"lock_id": None, "lock_expires_at": None, "lock_user_id": None}
        return await self._swap(file_id, lock_held(lock_id, now), values, now)

    async def _swap(
        self, file_id: str, condition: ColumnElement[bool], values: Mapping[str, object], now: datetime
    ) -> LockOutcome | None:
        statement = (
            update(FileRow)
            .where(FileRow.id == file_id, condition)
            .values(**values)
            .returning(FileRow.lock_id, FileRow.lock_expires_at, FileRow.lock_user_id, FileRow.version)
        )

        def work(conn: Connection) -> LockOutcome | None:
            row = conn.execute(statement).first()
            if row is not None:
                return _outcome(True, row, now)
            current = conn.execute(_CURRENT, {"file_id": file_id}).first()
            return _outcome(False, current, now) if current else None

        return await self._db.write(work)


def _outcome(ok: bool, row: Any, now: datetime) -> LockOutcome:
    lock_id, expires_at, user_id, version = row
    lock = Lock(lock_id, expires_at, user_id) if lock_id is not None and expires_at is not None else None
    return LockOutcome(ok=ok, current=lock if lock and lock.is_active(now) else None, version=version)
