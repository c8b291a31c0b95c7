"""SqlLockStore: WOPI locks as compare-and-swap updates of the file row."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, or_, select, update

from wopihost.adapters.sql import holders
from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.guards import live_file, lock_held, unlocked
from wopihost.adapters.sql.models import FileRow
from wopihost.adapters.sql.prepared import Prepared, run_prepared
from wopihost.domain.locks import LOCK_TTL, Lock, LockBreak, SessionEndReason
from wopihost.ports import LockOutcome

_CURRENT = select(FileRow.lock_id, FileRow.lock_expires_at, FileRow.lock_user_id, FileRow.version).where(
    FileRow.id == bindparam("file_id"), live_file()
)
# The rest of a successful swap's transaction.
AfterSwap = Callable[[Connection], None]
# The lock `held` is on the file and unexpired at `now`; or the file has no lock that is unexpired at `now`.
_HELD = lock_held(bindparam("held"), bindparam("now"))
_FREE = unlocked(bindparam("now"))


def _swap_statement(condition: ColumnElement[bool], **values: object) -> Prepared:
    """One compare-and-swap: set `values` on the live file `file_id` if `condition` holds; return the row."""
    return Prepared(
        update(FileRow)
        .where(FileRow.id == bindparam("file_id"), live_file(), condition)
        .values(**values)
        .returning(FileRow.lock_id, FileRow.lock_expires_at, FileRow.lock_user_id, FileRow.version)
    )


# Built and compiled once, with parameters: every Lock, RefreshLock and Unlock runs one of these.
_ACQUIRE = _swap_statement(
    or_(_FREE, _HELD),
    lock_id=bindparam("held"),
    lock_expires_at=bindparam("expires"),
    lock_user_id=bindparam("user"),
)
_RELOCK = _swap_statement(_HELD, lock_id=bindparam("new"), lock_expires_at=bindparam("expires"))
_REFRESH = _swap_statement(_HELD, lock_expires_at=bindparam("expires"))
_RELEASE = _swap_statement(_HELD, lock_id=None, lock_expires_at=None, lock_user_id=None)


class SqlLockStore:
    """Locks stored on the files table. Each change is one conditional UPDATE checked by its row count."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, file_id: str, *, now: datetime) -> LockOutcome | None:
        row = await self._db.read(lambda conn: conn.execute(_CURRENT, {"file_id": file_id}).first())
        return _outcome(True, row, now) if row else None

    async def acquire(self, file_id: str, lock_id: str, *, user_id: str, now: datetime) -> LockOutcome | None:
        params = {"held": lock_id, "expires": now + LOCK_TTL, "user": user_id}

        def then(conn: Connection) -> None:
            holders.forget_other_locks(conn, file_id, lock_id)
            holders.record_holder(conn, file_id, user_id, lock_id, now)

        return await self._swap(file_id, _ACQUIRE, params, now, then)

    async def swap(
        self, file_id: str, new: str, expected: str, *, now: datetime, user_id: str | None = None
    ) -> LockOutcome | None:
        params = {"held": expected, "new": new, "expires": now + LOCK_TTL}

        def then(conn: Connection) -> None:
            holders.follow_relock(conn, file_id, new, expected)
            if user_id is not None:
                holders.record_holder(conn, file_id, user_id, new, now)

        return await self._swap(file_id, _RELOCK, params, now, then)

    async def refresh(
        self, file_id: str, lock_id: str, *, now: datetime, user_id: str | None = None
    ) -> LockOutcome | None:
        def then(conn: Connection) -> None:
            if user_id is not None:
                holders.record_holder(conn, file_id, user_id, lock_id, now)

        params = {"held": lock_id, "expires": now + LOCK_TTL}
        return await self._swap(file_id, _REFRESH, params, now, then)

    async def release(self, file_id: str, lock_id: str, *, now: datetime) -> LockOutcome | None:
        params = {"held": lock_id}
        return await self._swap(file_id, _RELEASE, params, now, lambda conn: _forget_all(conn, file_id))

    async def join(self, file_id: str, lock_id: str, *, user_id: str, now: datetime) -> None:
        def work(conn: Connection) -> None:
            row = _locked_row(conn, file_id)
            current = _outcome(False, row, now).current if row is not None else None
            if current is not None and current.lock_id == lock_id:
                holders.record_holder(conn, file_id, user_id, lock_id, now)

        await self._db.write(work)

    async def break_lock(
        self, file_id: str, expected: str, *, ended_by: str | None, now: datetime
    ) -> LockOutcome | None:
        def work(conn: Connection) -> LockOutcome | None:
            before = _locked_row(conn, file_id)
            if before is None:
                return None
            outcome = _swap_in(conn, file_id, _RELEASE, {"held": expected}, now)
            if outcome is not None and outcome.ok:
                holders.forget_holders(conn, file_id)
                ended = LockBreak(file_id, before.lock_user_id, ended_by, now, SessionEndReason.ENDED)
                holders.record_break(conn, ended)
            return outcome

        return await self._db.write(work)

    async def release_holder(
        self, file_id: str, user_id: str, *, ended_by: str | None, now: datetime
    ) -> LockOutcome | None:
        def work(conn: Connection) -> LockOutcome | None:
            # The file's row is locked first, so that an editor joining the session (which writes the row
            # before recording its holder) either is seen here or finds the lock released.
            row = _locked_row(conn, file_id)
            if row is None:
                return None
            held = set(holders.forget_holders(conn, file_id, user_id))
            current = _outcome(False, row, now).current
            if current is None:
                return LockOutcome(ok=False, current=None, version=row.version)
            was_holder = current.lock_id in held or current.user_id == user_id
            if not was_holder or holders.other_holder_active(conn, file_id, current.lock_id, user_id, now):
                return LockOutcome(ok=False, current=current, version=row.version)
            outcome = _swap_in(conn, file_id, _RELEASE, {"held": current.lock_id}, now)
            if outcome is not None and outcome.ok:
                holders.forget_holders(conn, file_id)
                holders.record_break(
                    conn, LockBreak(file_id, current.user_id, ended_by, now, SessionEndReason.REVOKED)
                )
            return outcome

        return await self._db.write(work)

    async def list_holders(self, file_id: str) -> Sequence[tuple[str, str, datetime]]:
        return await self._db.read(lambda conn: holders.list_holders(conn, file_id))

    async def list_breaks(self, file_id: str) -> Sequence[LockBreak]:
        return await self._db.scan(lambda conn: holders.list_breaks(conn, file_id))

    async def _swap(
        self,
        file_id: str,
        statement: Prepared,
        params: Mapping[str, object],
        now: datetime,
        then: AfterSwap | None = None,
    ) -> LockOutcome | None:
        def work(conn: Connection) -> LockOutcome | None:
            outcome = _swap_in(conn, file_id, statement, params, now)
            if then is not None and outcome is not None and outcome.ok:
                then(conn)
            return outcome

        return await self._db.write(work)


def _swap_in(
    conn: Connection, file_id: str, statement: Prepared, params: Mapping[str, object], now: datetime
) -> LockOutcome | None:
    rows, _count = run_prepared(conn, statement, {**params, "file_id": file_id, "now": now})
    if rows:
        return _outcome(True, rows[0], now)
    current = conn.execute(_CURRENT, {"file_id": file_id}).first()
    return _outcome(False, current, now) if current else None


def _locked_row(conn: Connection, file_id: str) -> Any:
    # FOR UPDATE is left out on SQLite, whose writers are serialised anyway.
    return conn.execute(_CURRENT.with_for_update(), {"file_id": file_id}).first()


def _forget_all(conn: Connection, file_id: str) -> None:
    holders.forget_holders(conn, file_id)


def _outcome(ok: bool, row: Any, now: datetime) -> LockOutcome:
    lock_id, expires_at, user_id, version = row
    lock = Lock(lock_id, expires_at, user_id) if lock_id is not None and expires_at is not None else None
    return LockOutcome(ok=ok, current=lock if lock and lock.is_active(now) else None, version=version)
