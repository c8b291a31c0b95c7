"""Prepared statements run on SQLite's driver write and read exactly what SQLAlchemy would. (On PostgreSQL
they run through SQLAlchemy: tests/contract/test_lock_store.py covers both.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, bindparam, create_engine, insert, select, text, update

from wopihost.adapters.sql.models import AuditEventRow, LockHolderRow
from wopihost.adapters.sql.prepared import Prepared, prepared_insert, run_prepared

SEEN = datetime(2026, 12, 6, 21, 30, 5, 123456, tzinfo=UTC)
TOUCH = Prepared(
    update(LockHolderRow)
    .where(LockHolderRow.file_id == bindparam("file"), LockHolderRow.user_id == bindparam("user"))
    .values(lock_id=bindparam("lock"), last_seen_at=bindparam("seen"))
    .returning(LockHolderRow.lock_id, LockHolderRow.last_seen_at)
)
FORGET_LOCK = Prepared(
    update(LockHolderRow).where(LockHolderRow.file_id == bindparam("file")).values(lock_id="")
)


def _holders(conn: Connection) -> None:
    LockHolderRow.__table__.create(conn)
    for user in ("u1", "u2"):
        conn.execute(
            insert(LockHolderRow).values(
                file_id="f", user_id=user, lock_id="L", last_seen_at=SEEN - timedelta(1)
            )
        )


def test_a_change_with_returning_binds_datetimes_and_reads_them_back_as_sqlalchemy_does() -> None:
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        _holders(conn)
        rows, count = run_prepared(conn, TOUCH, {"file": "f", "user": "u1", "lock": "M", "seen": SEEN})
        conn.execute(TOUCH.statement, {"file": "f", "user": "u2", "lock": "M", "seen": SEEN})
        stored = conn.execute(text("SELECT user_id, last_seen_at FROM lock_holders ORDER BY user_id")).all()

    assert count == 1
    [(lock_id, seen)] = rows
    assert (lock_id, seen) == ("M", SEEN)
    assert rows[0].last_seen_at.tzinfo is UTC
    # Byte for byte what SQLAlchemy stored for the other holder.
    assert stored[0][1] == stored[1][1]


def test_a_change_counts_its_rows_and_takes_its_own_values_without_parameters() -> None:
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        _holders(conn)
        rows, count = run_prepared(conn, FORGET_LOCK, {"file": "f"})
        _none, missing = run_prepared(conn, FORGET_LOCK, {"file": "no such file"})
        locks = conn.execute(select(LockHolderRow.lock_id)).scalars().all()

    assert (rows, count, missing) == ([], 2, 0)
    assert locks == ["", ""]


def test_a_prepared_insert_stores_a_row_as_sqlalchemy_does_and_numbers_it() -> None:
    engine = create_engine("sqlite://")
    row = {
        "at": SEEN,
        "action": "saved",
        "item_id": "f",
        "item_kind": "file",
        "item_name": "Notes.docx",
        "user_id": None,
        "client": "wopi",
        "client_name": "Word",
        "address": "",
        "detail": "version 2",
    }
    with engine.begin() as conn:
        AuditEventRow.__table__.create(conn)
        run_prepared(conn, prepared_insert(AuditEventRow.__table__), row)
        conn.execute(insert(AuditEventRow), row)
        stored = conn.execute(text("SELECT * FROM audit_events ORDER BY id")).all()

    assert [event[0] for event in stored] == [1, 2]
    # Byte for byte what SQLAlchemy stored, the time stamp included.
    assert stored[0][1:] == stored[1][1:]
