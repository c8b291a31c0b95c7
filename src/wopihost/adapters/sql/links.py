"""SqlLinkStore: share links, looked up by their random ID on every request made through them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, insert, select

from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.models import ShareLinkRow
from wopihost.domain.links import ShareLink, link_role

_COLUMNS = tuple(ShareLinkRow.__table__.columns)


class SqlLinkStore:
    """Share links in the SQL database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_link(self, link: ShareLink) -> None:
        statement = insert(ShareLinkRow).values(
            id=link.id,
            file_id=link.file_id,
            role=link.role.value,
            password_hash=link.password_hash,
            expires_at=link.expires_at,
            created_at=link.created_at,
            created_by=link.created_by,
        )
        await self._db.write(lambda conn: conn.execute(statement))

    async def find_link(self, link_id: str) -> ShareLink | None:
        statement = select(*_COLUMNS).where(ShareLinkRow.id == link_id)
        row = await self._db.read(lambda conn: conn.execute(statement).first())
        return _link(row) if row is not None else None

    async def list_links(self, file_id: str) -> Sequence[ShareLink]:
        statement = (
            select(*_COLUMNS)
            .where(ShareLinkRow.file_id == file_id)
            .order_by(ShareLinkRow.created_at, ShareLinkRow.id)
        )
        rows = await self._db.scan(lambda conn: conn.execute(statement).all())
        return [_link(row) for row in rows]

    async def remove_link(self, file_id: str, link_id: str) -> bool:
        statement = delete(ShareLinkRow).where(ShareLinkRow.id == link_id, ShareLinkRow.file_id == file_id)
        return await self._db.write(lambda conn: bool(conn.execute(statement).rowcount))


def _link(row: Row[Any]) -> ShareLink:
    return ShareLink(
        id=row.id,
        file_id=row.file_id,
        role=link_role(row.role),
        created_at=row.created_at,
        created_by=row.created_by,
        expires_at=row.expires_at,
        password_hash=row.password_hash,
    )
