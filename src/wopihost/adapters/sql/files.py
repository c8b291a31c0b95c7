"""SqlFileStore: access queries, the catalog, folders, files and versions (the ports AccessQueries,
Catalog, Folders, Files and Versions). The folders' units of work live in folders.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache, partial
from typing import Any

from sqlalchemy import Connection, bindparam, delete, false, insert, select, update
from sqlalchemy.exc import IntegrityError

from wopihost.adapters.sql import access, folders, holders
from wopihost.adapters.sql.audit import append_event
from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.guards import (
    bound_guard_condition,
    guard_condition,
    guard_parameters,
    guard_shape,
    live_file,
    live_folder,
)
from wopihost.adapters.sql.mapping import (
    FILE_COLUMNS,
    VERSION_COLUMNS,
    file_from_row,
    stored_name_key,
    version_from_row,
)
from wopihost.adapters.sql.models import FileRow, FolderRow, ShareRow, VersionRow
from wopihost.adapters.sql.prepared import Prepared, prepared_insert, run_prepared
from wopihost.domain.audit import SavedEvent
from wopihost.domain.ids import new_id
from wopihost.domain.locks import LockGuard
from wopihost.domain.permissions import Role
from wopihost.domain.records import (
    FileAccess,
    FileRecord,
    Folder,
    FolderAccess,
    SaveKind,
    StoredBlob,
    Version,
)
from wopihost.domain.timestamps import next_modified_at
from wopihost.errors import NotFound, StorageUnavailable
from wopihost.ports import FolderContents, FolderOutcome, WriteOutcome

# How often deleting a folder starts over when a concurrent writer adds to the tree it is deleting.
FOLDER_DELETE_ATTEMPTS = 3

# Files in the trash are found by none of these, nor written by any write below.
_FILE = select(*FILE_COLUMNS).where(FileRow.id == bindparam("file_id"), live_file())
_FILE_BY_NAME = select(*FILE_COLUMNS).where(
    FileRow.folder_id == bindparam("folder_id"), FileRow.name_key == bindparam("name_key"), live_file()
)
# Built once, as the statements of every save: building them anew cost more than running them, in the one
# writer thread that every save and lock change of a SQLite node queues for.
_MODIFIED_AT_FOR_UPDATE = Prepared(
    select(FileRow.modified_at).where(FileRow.id == bindparam("file_id"), live_file()).with_for_update()
)
_ADD_VERSION = prepared_insert(VersionRow.__table__)
# A file's versions past the newest `keep`, and one version's removal: run after each save.
_OLD_VERSIONS = Prepared(
    select(VersionRow.id, VersionRow.blob_key)
    .where(VersionRow.file_id == bindparam("file_id"))
    .order_by(VersionRow.number.desc())
    .offset(bindparam("keep"))
)
_DROP_VERSION = Prepared(delete(VersionRow).where(VersionRow.id == bindparam("version_id")))


@cache
def _new_version_statement(guard: LockGuard, *, expected: bool) -> Prepared:
    """The UPDATE that makes a stored blob the file's content, for guards of `guard`'s shape."""
    conditions = [FileRow.id == bindparam("file_id"), bound_guard_condition(guard)]
    if expected:
        conditions.append(FileRow.modified_at == bindparam("expected_modified_at"))
    return Prepared(
        update(FileRow)
        .where(*conditions)
        .values(
            size=bindparam("new_size"),
            sha256=bindparam("new_sha256"),
            version=FileRow.version + 1,
            blob_key=bindparam("new_blob_key"),
            modified_at=bindparam("new_modified_at"),
            modified_by=bindparam("new_modified_by"),
        )
        .returning(*FILE_COLUMNS)
    )


class SqlFileStore:
    """Files, folders and versions in the SQL database. Every method is one unit of work."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def find_access(self, file_id: str, user_id: str) -> FileAccess | None:
        rows = await self._db.fetch(access.FILE_ACCESS, {"file_id": file_id, "user_id": user_id})
        return access.file_access(rows, user_id)

    async def find_file(self, file_id: str) -> FileRecord | None:
        return await self._db.read(partial(_find_file, file_id=file_id))

    async def find_folder_access(self, folder_id: str, user_id: str) -> FolderAccess | None:
        return await self._db.read(partial(access.find_folder_access, folder_id=folder_id, user_id=user_id))

    async def find_file_by_name(self, folder_id: str, name: str) -> FileRecord | None:
        params = {"folder_id": folder_id, "name_key": stored_name_key(name)}
        row = await self._db.read(lambda conn: conn.execute(_FILE_BY_NAME, params).first())
        return file_from_row(row) if row else None

    async def find_folder(self, folder_id: str) -> Folder | None:
        return await self._db.read(partial(folders.find_folder, folder_id=folder_id))

    async def ensure_folder(self, owner_id: str, parent_id: str, name: str, *, now: datetime) -> Folder:
        try:
            return await self._db.write(
                partial(folders.ensure_child, owner_id=owner_id, parent_id=parent_id, name=name, now=now)
            )
        except IntegrityError:
            # Another writer created it between our read and insert.
            found = await self._db.read(partial(folders.find_child, parent_id=parent_id, name=name))
            if found is None:
                raise
            return found

    async def create_folder(
        self, owner_id: str, parent_id: str, name: str, *, now: datetime
    ) -> Folder | None:
        work = partial(folders.create_child, owner_id=owner_id, parent_id=parent_id, name=name, now=now)
        try:
            return await self._db.write(work)
        except IntegrityError:
            # Another writer created a folder of that name between the check and the insert.
            return None

    async def list_folder(self, folder_id: str) -> tuple[Sequence[Folder], Sequence[FileRecord]]:
        return await self._db.scan(partial(folders.list_folder, folder_id=folder_id))

    async def folder_path(self, folder_id: str) -> Sequence[Folder]:
        return await self._db.read(partial(folders.folder_path, folder_id=folder_id))

    async def rename_folder(self, folder_id: str, name: str) -> FolderOutcome | None:
        try:
            return await self._db.write(partial(folders.rename_folder, folder_id=folder_id, name=name))
        except IntegrityError:
            return FolderOutcome(folder=None, name_taken=True)

    async def move_folder(self, folder_id: str, parent_id: str, *, now: datetime) -> FolderOutcome | None:
        work = partial(folders.move_tree, folder_id=folder_id, parent_id=parent_id, now=now)
        try:
            return await self._db.write(work)
        except IntegrityError:
            return FolderOutcome(folder=None, name_taken=True)

    async def count_folder_contents(self, folder_id: str) -> FolderContents | None:
        return await self._db.scan(partial(folders.count_contents, folder_id=folder_id))

    async def delete_folder(self, folder_id: str, *, now: datetime) -> FolderOutcome | None:
        work = partial(folders.delete_tree, folder_id=folder_id, now=now)
        failure: IntegrityError | None = None
        for _attempt in range(FOLDER_DELETE_ATTEMPTS):
            try:
                return await self._db.write(work)
            except IntegrityError as exc:
                failure = exc  # A concurrent writer added to the tree (see delete_tree): start over.
        raise StorageUnavailable("the folder kept changing while it was being deleted") from failure

    async def create_file(
        self,
        *,
        folder_id: str,
        owner_id: str,
        name: str,
        blob: StoredBlob,
        author_id: str,
        source: str,
        now: datetime,
        share_with: str | None = None,
    ) -> FileRecord | None:
        file = FileRecord(
            id=new_id(),
            folder_id=folder_id,
            owner_id=owner_id,
            name=name,
            size=blob.size,
            sha256=blob.sha256,
            version=1,
            blob_key=blob.key,
            created_at=now,
            modified_at=now,
            modified_by=author_id,
            lock=None,
        )
        try:
            await self._db.write(
                partial(_create_file, file=file, blob=blob, source=source, share_with=share_with)
            )
        except IntegrityError:
            return None
        return file

    async def commit_version(
        self,
        file_id: str,
        blob: StoredBlob,
        *,
        guard: LockGuard,
        author_id: str,
        editors: str,
        source: str,
        now: datetime,
        save: SaveKind | None = None,
        expected_modified_at: datetime | None = None,
        keep_versions: int = 0,
        audit: SavedEvent | None = None,
    ) -> WriteOutcome | None:
        work = partial(
            _commit_version,
            file_id=file_id,
            blob=blob,
            guard=guard,
            author_id=author_id,
            editors=editors,
            source=source,
            save=save or SaveKind(),
            now=now,
            expected_modified_at=expected_modified_at,
            keep_versions=keep_versions,
            audit=audit,
        )
        return await self._db.write(work)

    async def rename_file(
        self, file_id: str, name: str, *, guard: LockGuard, now: datetime
    ) -> WriteOutcome | None:
        return await self._update_guarded(file_id, guard, now, name=name, name_key=stored_name_key(name))

    async def move_file(
        self, file_id: str, folder_id: str, *, guard: LockGuard, now: datetime
    ) -> WriteOutcome | None:
        return await self._update_guarded(file_id, guard, now, folder_id=folder_id)

    async def _update_guarded(
        self, file_id: str, guard: LockGuard, now: datetime, **values: Any
    ) -> WriteOutcome | None:
        try:
            return await self._db.write(
                partial(_update_guarded, file_id=file_id, guard=guard, now=now, values=values)
            )
        except IntegrityError:
            return WriteOutcome(file=None, name_taken=True)

    async def delete_file(self, file_id: str, *, guard: LockGuard, now: datetime) -> WriteOutcome | None:
        return await self._db.write(partial(_delete_file, file_id=file_id, guard=guard, now=now))

    async def list_versions(self, file_id: str) -> Sequence[Version]:
        statement = (
            select(*VERSION_COLUMNS).where(VersionRow.file_id == file_id).order_by(VersionRow.number.desc())
        )
        rows = await self._db.scan(lambda conn: conn.execute(statement).all())
        return [version_from_row(r) for r in rows]

    async def find_version(self, file_id: str, number: int) -> Version | None:
        statement = select(*VERSION_COLUMNS).where(VersionRow.file_id == file_id, VersionRow.number == number)
        row = await self._db.read(lambda conn: conn.execute(statement).first())
        return version_from_row(row) if row else None

    async def prune_versions(self, file_id: str, keep: int) -> Sequence[str]:
        return await self._db.write(partial(_prune_versions, file_id=file_id, keep=keep))


def _find_file(conn: Connection, *, file_id: str) -> FileRecord | None:
    row = conn.execute(_FILE, {"file_id": file_id}).first()
    return file_from_row(row) if row else None


def _create_file(
    conn: Connection, *, file: FileRecord, blob: StoredBlob, source: str, share_with: str | None
) -> None:
    # The folder's row is locked, so that it cannot go to the trash while a file is created inside it.
    folder = select(FolderRow.id).where(FolderRow.id == file.folder_id, live_folder()).with_for_update()
    if conn.execute(folder).first() is None:
        raise NotFound("folder not found")
    conn.execute(
        insert(FileRow).values(
            id=file.id,
            folder_id=file.folder_id,
            owner_id=file.owner_id,
            name=file.name,
            name_key=stored_name_key(file.name),
            size=blob.size,
            sha256=blob.sha256,
            version=1,
            blob_key=blob.key,
            created_at=file.created_at,
            modified_at=file.modified_at,
            modified_by=file.modified_by,
        )
    )
    _insert_version(conn, file.id, 1, blob, file.created_at, file.modified_by, "", source, SaveKind())
    if share_with is not None:
        values = {"file_id": file.id, "user_id": share_with, "created_at": file.created_at}
        conn.execute(insert(ShareRow).values(role=Role.EDIT.value, **values))


def _commit_version(
    conn: Connection,
    *,
    file_id: str,
    blob: StoredBlob,
    guard: LockGuard,
    author_id: str,
    editors: str,
    source: str,
    save: SaveKind,
    now: datetime,
    expected_modified_at: datetime | None,
    keep_versions: int,
    audit: SavedEvent | None = None,
) -> WriteOutcome | None:
    # The row is locked first (a no-op on SQLite, whose writers are serialised), so that the modification
    # time derived from the old one is still derived from the latest when the UPDATE writes it.
    current, _locked = run_prepared(conn, _MODIFIED_AT_FOR_UPDATE, {"file_id": file_id})
    if not current:
        return None
    modified_at = next_modified_at(current[0].modified_at, now)
    values = {
        "file_id": file_id,
        "new_size": blob.size,
        "new_sha256": blob.sha256,
        "new_blob_key": blob.key,
        "new_modified_at": modified_at,
        "new_modified_by": author_id,
        **guard_parameters(guard, now),
    }
    if expected_modified_at is not None:
        values["expected_modified_at"] = expected_modified_at
    statement = _new_version_statement(guard_shape(guard), expected=expected_modified_at is not None)
    rows, _count = run_prepared(conn, statement, values)
    if not rows:
        # Only an expected modification time can refuse a write that the guard lets through.
        return _refusal(conn, file_id, now, guard=guard if expected_modified_at is not None else None)
    file = file_from_row(rows[0])
    _insert_version(conn, file_id, file.version, blob, modified_at, author_id, editors, source, save)
    lock = file.active_lock(now)
    if guard.lock_id is not None and lock is not None and lock.lock_id == guard.lock_id:
        holders.record_holder(conn, file_id, author_id, guard.lock_id, now)
    if audit is not None:
        append_event(conn, audit(file))
    released = _prune_versions(conn, file_id=file_id, keep=keep_versions) if keep_versions > 0 else ()
    return WriteOutcome(file=file, released_blobs=tuple(released))


def _update_guarded(
    conn: Connection, *, file_id: str, guard: LockGuard, now: datetime, values: dict[str, Any]
) -> WriteOutcome | None:
    if "folder_id" in values:
        # The target folder's row is locked, so that it cannot go to the trash while the file moves in.
        target = select(FolderRow.id).where(FolderRow.id == values["folder_id"], live_folder())
        if conn.execute(target.with_for_update()).first() is None:
            raise NotFound("folder not found")
    statement = (
        update(FileRow)
        .where(FileRow.id == file_id, live_file(), guard_condition(guard, now))
        .values(**values)
        .returning(*FILE_COLUMNS)
    )
    row = conn.execute(statement).first()
    if row is None:
        return _refusal(conn, file_id, now)
    return WriteOutcome(file=file_from_row(row))


def _delete_file(conn: Connection, *, file_id: str, guard: LockGuard, now: datetime) -> WriteOutcome | None:
    # The versions' blob keys are read first: deleting the file row cascades to its versions and shares.
    # Locking the row (a no-op on SQLite, whose writers are serialised) keeps a concurrent save from adding
    # a version in between.
    conn.execute(select(FileRow.id).where(FileRow.id == file_id).with_for_update())
    history = set(conn.execute(select(VersionRow.blob_key).where(VersionRow.file_id == file_id)).scalars())
    row = conn.execute(
        delete(FileRow)
        .where(FileRow.id == file_id, live_file(), guard_condition(guard, now))
        .returning(*FILE_COLUMNS)
    ).first()
    if row is None:
        return _refusal(conn, file_id, now)
    file = file_from_row(row)
    return WriteOutcome(file=file, released_blobs=tuple(sorted({file.blob_key, *history})))


def _prune_versions(conn: Connection, *, file_id: str, keep: int) -> Sequence[str]:
    old, _count = run_prepared(conn, _OLD_VERSIONS, {"file_id": file_id, "keep": keep})
    for version in old:
        run_prepared(conn, _DROP_VERSION, {"version_id": version.id})
    return [version.blob_key for version in old]


def _insert_version(
    conn: Connection,
    file_id: str,
    number: int,
    blob: StoredBlob,
    now: datetime,
    author_id: str | None,
    editors: str,
    source: str,
    save: SaveKind,
) -> None:
    values = {
        "file_id": file_id,
        "number": number,
        "blob_key": blob.key,
        "size": blob.size,
        "sha256": blob.sha256,
        "created_at": now,
        "author_id": author_id,
        "editors": editors,
        "source": source,
        "modified_by_user": save.modified_by_user,
        "autosave": save.autosave,
        "exit_save": save.exit_save,
    }
    run_prepared(conn, _ADD_VERSION, values)


def _refusal(
    conn: Connection, file_id: str, now: datetime, *, guard: LockGuard | None = None
) -> WriteOutcome | None:
    """Explain why a guarded write matched no row: no such file (None), the lock that blocks it, or (when
    `guard` is given and would let the write through) a stale expected modification time."""
    admitted = guard_condition(guard, now) if guard is not None else false()
    statement = select(*FILE_COLUMNS, admitted.label("admitted")).where(FileRow.id == file_id, live_file())
    row = conn.execute(statement).first()
    if row is None:
        return None
    file = file_from_row(row)
    if row.admitted:
        return WriteOutcome(file=None, stale=True, current=file)
    return WriteOutcome(file=None, blocking_lock=file.active_lock(now))
