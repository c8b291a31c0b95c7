"""SqlShareStore: who else may see or edit a file."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.guards import live_file
from wopihost.adapters.sql.mapping import FILE_COLUMNS, file_from_row
from wopihost.adapters.sql.models import FileRow, ShareRow
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord, Share


class SqlShareStore:
    """Shares in the SQL database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def set_share(self, file_id: str, user_id: str, role: Role, *, now: datetime) -> None:
        try:
            await self._update_or_insert(file_id, user_id, role, now)
        except IntegrityError:
            # A concurrent writer inserted this share between the UPDATE and the INSERT (PostgreSQL's
            # writers interleave; SQLite's are serialised). The row exists now, so a second try updates it.
            await self._update_or_insert(file_id, user_id, role, now)

    async def _update_or_insert(self, file_id: str, user_id: str, role: Role, now: datetime) -> None:
        def work(conn: Connection) -> None:
            updated = conn.execute(
                update(ShareRow)
                .where(ShareRow.file_id == file_id, ShareRow.user_id == user_id)
                .values(role=role.value)
            )
            if updated.rowcount == 0:
                conn.execute(
                    insert(ShareRow).values(file_id=file_id, user_id=user_id, role=role.value, created_at=now)
                )

        await self._db.write(work)

    async def remove_share(self, file_id: str, user_id: str) -> bool:
        statement = delete(ShareRow).where(ShareRow.file_id == file_id, ShareRow.user_id == user_id)
        return await self._db.write(lambda conn: bool(conn.execute(statement).rowcount))

    async def list_shares(self, file_id: str) -> Sequence[Share]:
        statement = (
            select(ShareRow.user_id, ShareRow.role)
            .where(ShareRow.file_id == file_id)
            .order_by(ShareRow.created_at)
        )
        rows = await self._db.scan(lambda conn: conn.execute(statement).all())
        return [Share(file_id=file_id, user_id=r.user_id, role=Role(r.role)) for r in rows]

    async def list_shared_with(self, user_id: str) -> Sequence[tuple[FileRecord, Role]]:
        statement = (
            select(*FILE_COLUMNS, ShareRow.role)
            .join(ShareRow, ShareRow.file_id == FileRow.id)
            .where(ShareRow.user_id == user_id, live_file())
            .order_by(FileRow.name_key)
        )
        rows = await self._db.scan(lambda conn: conn.execute(statement).all())
        return [(file_from_row(r), Role(r.role)) for r in rows]
