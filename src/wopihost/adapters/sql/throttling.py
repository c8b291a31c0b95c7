"""SqlFailureCounter: sign-in failure counters as single-statement upserts, shared by every worker process.

`INSERT … ON CONFLICT DO UPDATE` is one atomic statement on both SQLite and PostgreSQL, so that concurrent
failures from several processes each count, and a counter whose window has passed restarts in the same
statement instead of in a read-then-write race.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, case, delete, select

from wopihost.adapters.sql.database import Database, dialect_insert
from wopihost.adapters.sql.models import SignInFailureRow
from wopihost.domain.throttling import Failures


class SqlFailureCounter:
    """Failure counters in the sign_in_failures table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_failure(self, keys: Sequence[str], *, now: datetime, window: timedelta) -> None:
        cutoff = now - window

        def work(conn: Connection) -> None:
            insert = dialect_insert(conn)
            passed = SignInFailureRow.first_at <= cutoff
            for key in keys:
                statement = insert(SignInFailureRow).values(key=key, failures=1, first_at=now)
                conn.execute(
                    statement.on_conflict_do_update(
                        index_elements=[SignInFailureRow.key],
                        set_={
                            "failures": case((passed, 1), else_=SignInFailureRow.failures + 1),
                            "first_at": case(
                                (passed, statement.excluded.first_at), else_=SignInFailureRow.first_at
                            ),
                        },
                    )
                )
            # Counters whose window has passed mean nothing any more; made-up user names leave no trace.
            conn.execute(delete(SignInFailureRow).where(SignInFailureRow.first_at <= cutoff))

        await self._db.write(work)

    async def failures(
        self, keys: Sequence[str], *, now: datetime, window: timedelta
    ) -> Mapping[str, Failures]:
        query = select(SignInFailureRow.key, SignInFailureRow.failures, SignInFailureRow.first_at).where(
            SignInFailureRow.key.in_(list(keys)), SignInFailureRow.first_at > now - window
        )
        rows = await self._db.read(lambda conn: conn.execute(query).all())
        return {row.key: Failures(row.failures, row.first_at) for row in rows}

    async def clear(self, key: str) -> None:
        await self._db.write(
            lambda conn: conn.execute(delete(SignInFailureRow).where(SignInFailureRow.key == key))
        )
