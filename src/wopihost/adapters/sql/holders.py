"""The users whose WOPI sessions hold a file's lock, and the record of sessions ended from outside.

Every function here runs inside a transaction that has already written (or locked) the file's row, so that
the row lock serialises the holders of one file across PostgreSQL connections as it does the lock itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, exists, insert, select, update

from wopihost.adapters.sql.models import LockBreakRow, LockHolderRow
from wopihost.adapters.sql.prepared import Prepared, run_prepared
from wopihost.domain.locks import LOCK_TTL, LockBreak, SessionEndReason

# Built and compiled once: these run in every Lock, RefreshLock and Unlock, where building a statement, or
# running it through SQLAlchemy, cost more than the database's own work.
_TOUCH_HOLDER = Prepared(
    update(LockHolderRow)
    .where(LockHolderRow.file_id == bindparam("h_file"), LockHolderRow.user_id == bindparam("h_user"))
    .values(lock_id=bindparam("h_lock"), last_seen_at=bindparam("h_seen"))
)
_ADD_HOLDER = Prepared(
    insert(LockHolderRow).values(
        file_id=bindparam("h_file"),
        user_id=bindparam("h_user"),
        lock_id=bindparam("h_lock"),
        last_seen_at=bindparam("h_seen"),
    )
)
_FORGET_OTHER_LOCKS = Prepared(
    delete(LockHolderRow).where(
        LockHolderRow.file_id == bindparam("h_file"), LockHolderRow.lock_id != bindparam("h_lock")
    )
)
_FORGET_HOLDERS = Prepared(
    delete(LockHolderRow).where(LockHolderRow.file_id == bindparam("h_file")).returning(LockHolderRow.lock_id)
)
_FORGET_HOLDER = Prepared(
    delete(LockHolderRow)
    .where(LockHolderRow.file_id == bindparam("h_file"), LockHolderRow.user_id == bindparam("h_user"))
    .returning(LockHolderRow.lock_id)
)
_FOLLOW_RELOCK = (
    update(LockHolderRow)
    .where(LockHolderRow.file_id == bindparam("h_file"), LockHolderRow.lock_id == bindparam("h_expected"))
    .values(lock_id=bindparam("h_lock"))
)


def record_holder(conn: Connection, file_id: str, user_id: str, lock_id: str, now: datetime) -> None:
    """Note that `user_id` was seen holding lock `lock_id` at `now`.

    An UPDATE then an INSERT, not an upsert: the caller holds the file row's lock, so no concurrent
    transaction can insert the same holder in between.
    """
    holder = {"h_file": file_id, "h_user": user_id, "h_lock": lock_id, "h_seen": now}
    _rows, touched = run_prepared(conn, _TOUCH_HOLDER, holder)
    if touched == 0:
        run_prepared(conn, _ADD_HOLDER, holder)


def forget_other_locks(conn: Connection, file_id: str, lock_id: str) -> None:
    """Drop the holders of any lock but `lock_id`: they belong to sessions that are over."""
    run_prepared(conn, _FORGET_OTHER_LOCKS, {"h_file": file_id, "h_lock": lock_id})


def follow_relock(conn: Connection, file_id: str, new: str, expected: str) -> None:
    """Carry the holders of lock `expected` over to `new` (UnlockAndRelock keeps the session)."""
    conn.execute(_FOLLOW_RELOCK, {"h_file": file_id, "h_lock": new, "h_expected": expected})


def forget_holders(conn: Connection, file_id: str, user_id: str | None = None) -> list[str]:
    """Drop the file's holders (or only `user_id`); return the lock IDs the dropped rows held."""
    if user_id is None:
        rows, _count = run_prepared(conn, _FORGET_HOLDERS, {"h_file": file_id})
    else:
        rows, _count = run_prepared(conn, _FORGET_HOLDER, {"h_file": file_id, "h_user": user_id})
    return [row.lock_id for row in rows]


def other_holder_active(conn: Connection, file_id: str, lock_id: str, user_id: str, now: datetime) -> bool:
    """Whether a user other than `user_id` was seen with lock `lock_id` within the lock's lifetime."""
    others = (
        select(LockHolderRow.user_id)
        .where(
            LockHolderRow.file_id == file_id,
            LockHolderRow.lock_id == lock_id,
            LockHolderRow.user_id != user_id,
            LockHolderRow.last_seen_at > now - LOCK_TTL,
        )
        .limit(1)
    )
    return bool(conn.execute(select(exists(others))).scalar())


def list_holders(conn: Connection, file_id: str) -> list[tuple[str, str, datetime]]:
    """The file's holders as (user ID, lock ID, last seen), in the order they were last seen."""
    statement = (
        select(LockHolderRow.user_id, LockHolderRow.lock_id, LockHolderRow.last_seen_at)
        .where(LockHolderRow.file_id == file_id)
        .order_by(LockHolderRow.last_seen_at, LockHolderRow.user_id)
    )
    return [(r.user_id, r.lock_id, r.last_seen_at) for r in conn.execute(statement)]


def record_break(conn: Connection, ended: LockBreak) -> None:
    """Keep the record of a session ended from outside the WOPI client."""
    conn.execute(
        insert(LockBreakRow).values(
            file_id=ended.file_id,
            lock_user_id=ended.lock_user_id,
            ended_by=ended.ended_by,
            ended_at=ended.ended_at,
            reason=ended.reason.value,
        )
    )


def list_breaks(conn: Connection, file_id: str) -> Sequence[LockBreak]:
    """The sessions of the file ended from outside, newest first."""
    statement = (
        select(
            LockBreakRow.file_id,
            LockBreakRow.lock_user_id,
            LockBreakRow.ended_by,
            LockBreakRow.ended_at,
            LockBreakRow.reason,
        )
        .where(LockBreakRow.file_id == file_id)
        .order_by(LockBreakRow.ended_at.desc(), LockBreakRow.id.desc())
    )
    return [
        LockBreak(
            file_id=r.file_id,
            lock_user_id=r.lock_user_id,
            ended_by=r.ended_by,
            ended_at=r.ended_at,
            reason=SessionEndReason(r.reason),
        )
        for r in conn.execute(statement)
    ]
