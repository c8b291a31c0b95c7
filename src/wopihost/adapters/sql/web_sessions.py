"""SqlSessionStore: web UI sessions in the web_sessions table, shared by every node on the database.

Ended sessions are deleted after a save, in a transaction of their own: concurrent purges may collide on
the same rows, and a collision must never cost the save itself.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from sqlalchemy import Connection, delete, select

from wopihost.adapters.sql.database import Database, dialect_insert
from wopihost.adapters.sql.models import WebSessionRow
from wopihost.errors import StorageUnavailable
from wopihost.ports import StoredSession


class SqlSessionStore:
    """Sessions as rows; ended ones are deleted whenever a session is saved."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def load(self, session_id: str, *, now: datetime) -> StoredSession | None:
        query = select(WebSessionRow.data, WebSessionRow.expires_at).where(
            WebSessionRow.id == session_id, WebSessionRow.expires_at > now
        )
        row = await self._db.read(lambda conn: conn.execute(query).first())
        return None if row is None else StoredSession(row.data.encode(), row.expires_at)

    async def save(self, session_id: str, data: bytes, *, expires_at: datetime, now: datetime) -> None:
        def work(conn: Connection) -> None:
            insert = dialect_insert(conn)
            statement = insert(WebSessionRow).values(id=session_id, data=data.decode(), expires_at=expires_at)
            conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[WebSessionRow.id],
                    set_={"data": statement.excluded.data, "expires_at": statement.excluded.expires_at},
                )
            )

        await self._db.write(work)
        with contextlib.suppress(StorageUnavailable):
            await self._db.write(
                lambda conn: conn.execute(delete(WebSessionRow).where(WebSessionRow.expires_at <= now))
            )

    async def delete(self, session_id: str) -> None:
        await self._db.write(
            lambda conn: conn.execute(delete(WebSessionRow).where(WebSessionRow.id == session_id))
        )
