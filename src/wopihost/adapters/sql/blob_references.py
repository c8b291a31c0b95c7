"""SqlBlobReferences: the blob keys that files and versions point at, read in pages in key order."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator

from sqlalchemy import Connection, literal, select, union_all

from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.models import FileRow, VersionRow
from wopihost.ports import BlobReference

_PAGE = 1000


class SqlBlobReferences:
    """References from the files and versions tables (live and trashed files alike)."""

    def __init__(self, db: Database, *, page_size: int = _PAGE) -> None:
        self._db = db
        self._page_size = page_size

    async def referenced_keys(self) -> AsyncIterator[BlobReference]:
        # Keyset pages, each a short read: no cursor is held open while the caller works between pages.
        after: tuple[str, str, int] | None = None
        while True:
            page = await self._db.scan(functools.partial(_page, after=after, limit=self._page_size))
            for key, file_id, version in page:
                yield BlobReference(key, file_id, version if version >= 0 else None)
            if len(page) < self._page_size:
                return
            after = page[-1]


def _page(conn: Connection, *, after: tuple[str, str, int] | None, limit: int) -> list[tuple[str, str, int]]:
    # Keys compare byte by byte ("C"), as blob stores list them, whatever the database's collation.
    binary = "C" if conn.dialect.name == "postgresql" else "BINARY"
    refs = union_all(
        select(FileRow.blob_key.label("key"), FileRow.id.label("file_id"), literal(-1).label("version")),
        select(VersionRow.blob_key, VersionRow.file_id, VersionRow.number),
    ).subquery()
    key = refs.c.key.collate(binary)
    query = select(refs.c.key, refs.c.file_id, refs.c.version).order_by(key, refs.c.file_id, refs.c.version)
    if after is not None:
        a_key, a_file, a_version = after
        query = query.where(
            (key > a_key)
            | ((refs.c.key == a_key) & (refs.c.file_id > a_file))
            | ((refs.c.key == a_key) & (refs.c.file_id == a_file) & (refs.c.version > a_version))
        )
    return [(str(k), str(f), int(v)) for k, f, v in conn.execute(query.limit(limit))]
