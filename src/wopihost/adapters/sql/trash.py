"""SqlTrashStore: moving files and folders to the trash, restoring them, and deleting them for good.

A trashed item's row and the rows of everything inside it carry the item's ID in `trash_id`, which every
other store's queries exclude. The item itself also leaves its folder's namespace: its `name_key` becomes
"/" and its ID, which no legal name can collide with (names never hold "/").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Select, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.folders import folder_tree
from wopihost.adapters.sql.guards import live_file, live_folder
from wopihost.adapters.sql.mapping import (
    FILE_COLUMNS,
    FOLDER_COLUMNS,
    file_from_row,
    folder_from_row,
    stored_name_key,
)
from wopihost.adapters.sql.models import FileRow, FolderRow, TrashItemRow, UserRow, VersionRow
from wopihost.domain.names import numbered_names
from wopihost.domain.trash import Restored, TrashItem, TrashKind
from wopihost.errors import NameConflict, StorageUnavailable
from wopihost.ports import TrashOutcome

ITEM_COLUMNS = tuple(TrashItemRow.__table__.columns)
# How many numbered names ("a (2).docx", ...) a restore tries before giving up on a free one.
MAX_NAME_ATTEMPTS = 1000
# How often a restore starts over when a concurrent writer takes the free name it found.
RESTORE_ATTEMPTS = 3


def trashed_name_key(item_id: str) -> str:
    """The name_key of a trashed file or folder: unique, and equal to no legal name's key."""
    return f"/{item_id}"


class SqlTrashStore:
    """The trash in the SQL database. Every method is one unit of work."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def trash_file(self, file_id: str, *, deleted_by: str | None, now: datetime) -> TrashOutcome | None:
        return await self._db.write(partial(_trash_file, file_id=file_id, deleted_by=deleted_by, now=now))

    async def trash_folder(
        self, folder_id: str, *, deleted_by: str | None, now: datetime, only_if_empty: bool = False
    ) -> TrashOutcome | None:
        work = partial(
            _trash_folder, folder_id=folder_id, deleted_by=deleted_by, now=now, only_if_empty=only_if_empty
        )
        return await self._db.write(work)

    async def list_trash(self, owner_id: str) -> Sequence[TrashItem]:
        statement = (
            select(*ITEM_COLUMNS)
            .where(TrashItemRow.owner_id == owner_id)
            .order_by(TrashItemRow.deleted_at.desc(), TrashItemRow.id)
        )
        rows = await self._db.scan(lambda conn: conn.execute(statement).all())
        return [item_from_row(row) for row in rows]

    async def find_item(self, item_id: str) -> TrashItem | None:
        statement = select(*ITEM_COLUMNS).where(TrashItemRow.id == item_id)
        row = await self._db.read(lambda conn: conn.execute(statement).first())
        return item_from_row(row) if row else None

    async def restore(self, item_id: str) -> Restored | None:
        failure: IntegrityError | None = None
        for _attempt in range(RESTORE_ATTEMPTS):
            try:
                return await self._db.write(partial(_restore, item_id=item_id))
            except IntegrityError as exc:
                failure = exc  # A concurrent writer took the name found free: look again.
        raise StorageUnavailable("the folder kept changing while the item was being restored") from failure

    async def purge(self, item_id: str) -> Sequence[str] | None:
        return await self._db.write(partial(_purge, item_id=item_id))

    async def list_expired(self, cutoff: datetime, *, limit: int) -> Sequence[TrashItem]:
        statement = (
            select(*ITEM_COLUMNS)
            .where(TrashItemRow.deleted_at <= cutoff)
            .order_by(TrashItemRow.deleted_at, TrashItemRow.id)
            .limit(limit)
        )
        rows = await self._db.scan(lambda conn: conn.execute(statement).all())
        return [item_from_row(row) for row in rows]


def item_from_row(row: Any) -> TrashItem:
    """Build a TrashItem from a row holding the trash_items columns."""
    m = row._mapping
    return TrashItem(
        id=m["id"],
        owner_id=m["owner_id"],
        kind=TrashKind(m["kind"]),
        name=m["name"],
        folder_id=m["folder_id"],
        deleted_at=m["deleted_at"],
        deleted_by=m["deleted_by"],
        files=m["files"],
        folders=m["folders"],
        size=m["size"],
        stored_bytes=m["stored_bytes"],
    )


def _trash_file(
    conn: Connection, *, file_id: str, deleted_by: str | None, now: datetime
) -> TrashOutcome | None:
    # The row is locked first (a no-op on SQLite, whose writers are serialised), so that no WOPI Lock or
    # save slips in between the lock check and the move.
    row = conn.execute(
        select(*FILE_COLUMNS).where(FileRow.id == file_id, live_file()).with_for_update()
    ).first()
    if row is None:
        return None
    file = file_from_row(row)
    if file.active_lock(now) is not None:
        return TrashOutcome(item=None, blocking_file=file)
    conn.execute(
        update(FileRow)
        .where(FileRow.id == file_id)
        .values(trash_id=file_id, name_key=trashed_name_key(file_id))
    )
    item = TrashItem(
        id=file.id,
        owner_id=file.owner_id,
        kind=TrashKind.FILE,
        name=file.name,
        folder_id=file.folder_id,
        deleted_at=now,
        deleted_by=deleted_by,
        files=1,
        folders=0,
        size=file.size,
        stored_bytes=_stored_bytes(conn, select(FileRow.id).where(FileRow.id == file_id)),
    )
    _insert_item(conn, item)
    return TrashOutcome(item=item)


def _trash_folder(
    conn: Connection, *, folder_id: str, deleted_by: str | None, now: datetime, only_if_empty: bool = False
) -> TrashOutcome | None:
    """Trash a folder and everything live below it, unless a file inside holds an unexpired lock.

    The folder rows are locked first, so that nothing can be created or moved into the tree meanwhile
    (creating and moving lock the target folder's row too), then the file rows, so that no WOPI Lock or
    save slips in between the lock check and the move.
    """
    top = select(*FOLDER_COLUMNS).where(
        FolderRow.id == folder_id, live_folder(), FolderRow.parent_id.is_not(None)
    )
    row = conn.execute(top.with_for_update()).first()
    if row is None:
        return None
    folder = folder_from_row(row)
    in_tree = select(folder_tree(folder_id, live_only=True).c.id)
    folder_ids = conn.execute(select(FolderRow.id).where(FolderRow.id.in_(in_tree)).with_for_update()).all()
    in_files = FileRow.folder_id.in_(in_tree), live_file()
    rows = conn.execute(select(*FILE_COLUMNS).where(*in_files).order_by(FileRow.id).with_for_update()).all()
    files = [file_from_row(r) for r in rows]
    if only_if_empty and (files or len(folder_ids) > 1):
        return TrashOutcome(item=None, not_empty=True)
    blocking = next((file for file in files if file.active_lock(now) is not None), None)
    if blocking is not None:
        return TrashOutcome(item=None, blocking_file=blocking)
    stored = _stored_bytes(conn, select(FileRow.id).where(*in_files))
    # Files first: marking the folders takes them out of the live tree that selects the files.
    conn.execute(update(FileRow).where(*in_files).values(trash_id=folder_id))
    conn.execute(update(FolderRow).where(FolderRow.id.in_(in_tree)).values(trash_id=folder_id))
    conn.execute(
        update(FolderRow).where(FolderRow.id == folder_id).values(name_key=trashed_name_key(folder_id))
    )
    item = TrashItem(
        id=folder_id,
        owner_id=folder.owner_id,
        kind=TrashKind.FOLDER,
        name=folder.name,
        folder_id=folder.parent_id or "",
        deleted_at=now,
        deleted_by=deleted_by,
        files=len(files),
        folders=len(folder_ids) - 1,
        size=sum(file.size for file in files),
        stored_bytes=stored,
    )
    _insert_item(conn, item)
    return TrashOutcome(item=item)


def _stored_bytes(conn: Connection, file_ids: Select[Any]) -> int:
    """The bytes of every version of these files, the current ones included."""
    total = select(func.coalesce(func.sum(VersionRow.size), 0)).where(VersionRow.file_id.in_(file_ids))
    return int(conn.execute(total).scalar_one())


def _insert_item(conn: Connection, item: TrashItem) -> None:
    conn.execute(
        insert(TrashItemRow).values(
            id=item.id,
            owner_id=item.owner_id,
            kind=item.kind.value,
            name=item.name,
            folder_id=item.folder_id,
            deleted_at=item.deleted_at,
            deleted_by=item.deleted_by,
            files=item.files,
            folders=item.folders,
            size=item.size,
            stored_bytes=item.stored_bytes,
        )
    )


def _locked_item(conn: Connection, item_id: str) -> TrashItem | None:
    row = conn.execute(select(*ITEM_COLUMNS).where(TrashItemRow.id == item_id).with_for_update()).first()
    return item_from_row(row) if row else None


def _restore(conn: Connection, *, item_id: str) -> Restored | None:
    item = _locked_item(conn, item_id)
    if item is None:
        return None
    # The target folder's row is locked, so that it cannot go to the trash while the item comes back.
    target = select(FolderRow.id).where(FolderRow.id == item.folder_id, live_folder()).with_for_update()
    to_root = conn.execute(target).first() is None
    folder_id = item.folder_id
    if to_root:
        folder_id = conn.execute(
            select(UserRow.root_folder_id).where(UserRow.id == item.owner_id)
        ).scalar_one()
    name = _free_name(conn, item, folder_id)
    values = {"name": name, "name_key": stored_name_key(name), "trash_id": None}
    if item.kind is TrashKind.FILE:
        conn.execute(update(FileRow).where(FileRow.id == item.id).values(folder_id=folder_id, **values))
    else:
        conn.execute(update(FolderRow).where(FolderRow.id == item.id).values(parent_id=folder_id, **values))
        conn.execute(update(FolderRow).where(FolderRow.trash_id == item.id).values(trash_id=None))
        conn.execute(update(FileRow).where(FileRow.trash_id == item.id).values(trash_id=None))
    conn.execute(delete(TrashItemRow).where(TrashItemRow.id == item.id))
    return Restored(item=item, name=name, folder_id=folder_id, to_root=to_root)


def _free_name(conn: Connection, item: TrashItem, folder_id: str) -> str:
    """The item's name, or the first numbered variant of it, that no live sibling of its kind holds."""
    if item.kind is TrashKind.FILE:
        siblings = select(FileRow.name_key).where(FileRow.folder_id == folder_id)
    else:
        siblings = select(FolderRow.name_key).where(FolderRow.parent_id == folder_id)
    for candidate in islice(numbered_names(item.name), MAX_NAME_ATTEMPTS):
        key = stored_name_key(candidate)
        column = siblings.selected_columns[0]
        if conn.execute(siblings.where(column == key).limit(1)).first() is None:
            return candidate
    raise NameConflict(item.name, kind=item.kind.value)


def _purge(conn: Connection, *, item_id: str) -> Sequence[str] | None:
    """Delete an item's rows for good; the versions, shares and lock records go with the files' rows."""
    item = _locked_item(conn, item_id)
    if item is None:
        return None
    doomed_folders = select(FolderRow.id).where(FolderRow.trash_id == item_id)
    # Items trashed on their own before their folder was lie inside it still: they move to the root, out
    # of every namespace there, and their own trash items restore them (to the root) later.
    root = select(UserRow.root_folder_id).where(UserRow.id == item.owner_id).scalar_subquery()
    earlier_file = FileRow.trash_id.is_not(None) & (FileRow.trash_id != item_id)
    conn.execute(
        update(FileRow).where(FileRow.folder_id.in_(doomed_folders), earlier_file).values(folder_id=root)
    )
    earlier_folder = FolderRow.trash_id.is_not(None) & (FolderRow.trash_id != item_id)
    conn.execute(
        update(FolderRow)
        .where(FolderRow.parent_id.in_(doomed_folders), earlier_folder)
        .values(parent_id=root)
    )
    doomed_files = select(FileRow.id).where(FileRow.trash_id == item_id)
    keys = set(conn.execute(select(FileRow.blob_key).where(FileRow.trash_id == item_id)).scalars())
    keys |= set(
        conn.execute(select(VersionRow.blob_key).where(VersionRow.file_id.in_(doomed_files))).scalars()
    )
    conn.execute(delete(FileRow).where(FileRow.trash_id == item_id))
    # One statement for the whole tree: the parent_id foreign key is checked at its end.
    conn.execute(delete(FolderRow).where(FolderRow.trash_id == item_id))
    conn.execute(delete(TrashItemRow).where(TrashItemRow.id == item_id))
    return sorted(keys)
