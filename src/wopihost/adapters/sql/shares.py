"""SqlShareStore: who else may see or edit a file or a folder (and everything in it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial

from sqlalchemy import Connection, Row, Select, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.guards import live_file, live_folder
from wopihost.adapters.sql.mapping import FILE_COLUMNS, FOLDER_COLUMNS, file_from_row, folder_from_row
from wopihost.adapters.sql.models import FileRow, FolderRow, FolderShareRow, ShareLinkRow, ShareRow
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord, Folder, FolderShare, Share
from wopihost.errors import NotFound
from wopihost.ports import SharingSummary

# The most files one summary query names; a listing is cut into chunks of this size.
_SUMMARY_CHUNK = 500


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

    async def set_folder_share(self, folder_id: str, user_id: str, role: Role, *, now: datetime) -> None:
        work = partial(_upsert_folder_share, folder_id=folder_id, user_id=user_id, role=role, now=now)
        try:
            await self._db.write(work)
        except IntegrityError:
            # As for files: a concurrent writer inserted it between the UPDATE and the INSERT. A second
            # failure is the folder's (or the user's) foreign key: it was deleted for good meanwhile.
            try:
                await self._db.write(work)
            except IntegrityError as exc:
                raise NotFound("folder not found") from exc

    async def remove_folder_share(self, folder_id: str, user_id: str) -> bool:
        statement = delete(FolderShareRow).where(
            FolderShareRow.folder_id == folder_id, FolderShareRow.user_id == user_id
        )
        return await self._db.write(lambda conn: bool(conn.execute(statement).rowcount))

    async def list_folder_shares(self, folder_id: str) -> Sequence[FolderShare]:
        statement = (
            select(FolderShareRow.user_id, FolderShareRow.role)
            .where(FolderShareRow.folder_id == folder_id)
            .order_by(FolderShareRow.created_at, FolderShareRow.user_id)
        )
        rows = await self._db.scan(lambda conn: conn.execute(statement).all())
        return [FolderShare(folder_id=folder_id, user_id=r.user_id, role=Role(r.role)) for r in rows]

    async def list_folders_shared_with(self, user_id: str) -> Sequence[tuple[Folder, Role]]:
        statement = (
            select(*FOLDER_COLUMNS, FolderShareRow.role)
            .join(FolderShareRow, FolderShareRow.folder_id == FolderRow.id)
            .where(FolderShareRow.user_id == user_id, live_folder())
            .order_by(FolderRow.name_key, FolderRow.id)
        )
        rows = await self._db.scan(lambda conn: conn.execute(statement).all())
        return [(folder_from_row(r), Role(r.role)) for r in rows]

    async def folder_sharing_summary(self, folder_ids: Sequence[str]) -> Mapping[str, int]:
        counts: dict[str, int] = {}
        ids = list(dict.fromkeys(folder_ids))
        for start in range(0, len(ids), _SUMMARY_CHUNK):
            statement = (
                select(FolderShareRow.folder_id, func.count().label("people"))
                .where(FolderShareRow.folder_id.in_(ids[start : start + _SUMMARY_CHUNK]))
                .group_by(FolderShareRow.folder_id)
            )
            rows = await self._db.scan(partial(_all_rows, statement=statement))
            counts.update({row.folder_id: row.people for row in rows})
        return counts

    async def sharing_summary(
        self, file_ids: Sequence[str], *, now: datetime
    ) -> Mapping[str, SharingSummary]:
        summary: dict[str, SharingSummary] = {}
        ids = list(dict.fromkeys(file_ids))
        for start in range(0, len(ids), _SUMMARY_CHUNK):
            chunk = ids[start : start + _SUMMARY_CHUNK]
            rows = await self._db.scan(partial(_read_summary, file_ids=chunk, now=now))
            for row in rows:
                if row.people or row.links:
                    summary[row.id] = SharingSummary(people=row.people, links=row.links)
        return summary


def _upsert_folder_share(
    conn: Connection, *, folder_id: str, user_id: str, role: Role, now: datetime
) -> None:
    updated = conn.execute(
        update(FolderShareRow)
        .where(FolderShareRow.folder_id == folder_id, FolderShareRow.user_id == user_id)
        .values(role=role.value)
    )
    if updated.rowcount == 0:
        values = {"folder_id": folder_id, "user_id": user_id, "role": role.value, "created_at": now}
        conn.execute(insert(FolderShareRow).values(**values))


def _all_rows(conn: Connection, *, statement: Select[str, int]) -> Sequence[Row[str, int]]:
    return conn.execute(statement).all()


def _read_summary(
    conn: Connection, *, file_ids: list[str], now: datetime
) -> Sequence[Row[tuple[str, int, int]]]:
    return conn.execute(_summary(file_ids, now)).all()


def _summary(file_ids: list[str], now: datetime) -> Select[tuple[str, int, int]]:
    """One query: per file, its shares and its links still active at `now`."""
    people = (
        select(func.count()).select_from(ShareRow).where(ShareRow.file_id == FileRow.id).scalar_subquery()
    )
    links = (
        select(func.count())
        .select_from(ShareLinkRow)
        .where(
            ShareLinkRow.file_id == FileRow.id,
            or_(ShareLinkRow.expires_at.is_(None), ShareLinkRow.expires_at > now),
        )
        .scalar_subquery()
    )
    return select(FileRow.id, people.label("people"), links.label("links")).where(FileRow.id.in_(file_ids))
