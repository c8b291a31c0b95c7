"""Units of work on folders: lookups, creation, paths, renaming, and deleting whole trees."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import CTE, Connection, bindparam, delete, func, insert, select, update

from wopihost.adapters.sql.guards import live_file, live_folder, unlocked
from wopihost.adapters.sql.mapping import (
    FILE_COLUMNS,
    FOLDER_COLUMNS,
    file_from_row,
    folder_from_row,
    stored_name_key,
)
from wopihost.adapters.sql.models import FileRow, FolderRow, VersionRow
from wopihost.domain.ids import new_id
from wopihost.domain.records import FileRecord, Folder
from wopihost.errors import NotFound
from wopihost.ports import FolderContents, FolderOutcome

# The deepest path that folder_path follows, so that a damaged parent chain cannot loop forever.
MAX_DEPTH = 256

_FOLDER = select(*FOLDER_COLUMNS).where(FolderRow.id == bindparam("folder_id"), live_folder())
_CHILD_FOLDER = select(*FOLDER_COLUMNS).where(
    FolderRow.parent_id == bindparam("parent_id"), FolderRow.name_key == bindparam("name_key"), live_folder()
)


def find_folder(conn: Connection, *, folder_id: str) -> Folder | None:
    """The folder with this ID, or None (also while it is in the trash)."""
    row = conn.execute(_FOLDER, {"folder_id": folder_id}).first()
    return folder_from_row(row) if row else None


def find_child(conn: Connection, *, parent_id: str, name: str) -> Folder | None:
    """The subfolder of `parent_id` whose name collides with `name`, or None."""
    row = conn.execute(_CHILD_FOLDER, {"parent_id": parent_id, "name_key": stored_name_key(name)}).first()
    return folder_from_row(row) if row else None


def ensure_child(conn: Connection, *, owner_id: str, parent_id: str, name: str, now: datetime) -> Folder:
    """The subfolder of `parent_id` with this name, inserted if there is none."""
    existing = find_child(conn, parent_id=parent_id, name=name)
    if existing is not None:
        return existing
    return insert_child(conn, owner_id=owner_id, parent_id=parent_id, name=name, now=now)


def create_child(
    conn: Connection, *, owner_id: str, parent_id: str, name: str, now: datetime
) -> Folder | None:
    """A new subfolder of `parent_id`, or None if one with a colliding name exists."""
    if find_child(conn, parent_id=parent_id, name=name) is not None:
        return None
    return insert_child(conn, owner_id=owner_id, parent_id=parent_id, name=name, now=now)


def insert_child(conn: Connection, *, owner_id: str, parent_id: str, name: str, now: datetime) -> Folder:
    """Insert a subfolder; a concurrent sibling of the same name makes the statement raise IntegrityError."""
    # The parent's row is locked, so that it cannot go to the trash while a folder is created inside it.
    if conn.execute(_FOLDER.with_for_update(), {"folder_id": parent_id}).first() is None:
        raise NotFound("folder not found")
    folder = Folder(id=new_id(), owner_id=owner_id, parent_id=parent_id, name=name)
    conn.execute(
        insert(FolderRow).values(
            id=folder.id,
            owner_id=owner_id,
            parent_id=parent_id,
            name=name,
            name_key=stored_name_key(name),
            created_at=now,
        )
    )
    return folder


def list_folder(conn: Connection, *, folder_id: str) -> tuple[Sequence[Folder], Sequence[FileRecord]]:
    """The subfolders and files directly in a folder, each by name."""
    folders = conn.execute(
        select(*FOLDER_COLUMNS)
        .where(FolderRow.parent_id == folder_id, live_folder())
        .order_by(FolderRow.name_key)
    ).all()
    files = conn.execute(
        select(*FILE_COLUMNS).where(FileRow.folder_id == folder_id, live_file()).order_by(FileRow.name_key)
    ).all()
    return [folder_from_row(r) for r in folders], [file_from_row(r) for r in files]


def folder_path(conn: Connection, *, folder_id: str) -> Sequence[Folder]:
    """The folders from the root down to this one, both included."""
    path: list[Folder] = []
    current: str | None = folder_id
    while current is not None and len(path) < MAX_DEPTH:
        folder = find_folder(conn, folder_id=current)
        if folder is None:
            break
        path.append(folder)
        current = folder.parent_id
    return path[::-1]


def rename_folder(conn: Connection, *, folder_id: str, name: str) -> FolderOutcome | None:
    """Rename a folder; a sibling with a colliding name makes the statement raise IntegrityError."""
    row = conn.execute(
        update(FolderRow)
        .where(FolderRow.id == folder_id, live_folder())
        .values(name=name, name_key=stored_name_key(name))
        .returning(*FOLDER_COLUMNS)
    ).first()
    return FolderOutcome(folder=folder_from_row(row)) if row else None


def count_contents(conn: Connection, *, folder_id: str) -> FolderContents | None:
    """How many files and folders lie below a folder, at any depth."""
    if find_folder(conn, folder_id=folder_id) is None:
        return None
    tree = folder_tree(folder_id, live_only=True)
    folders = conn.execute(select(func.count()).select_from(tree)).scalar_one()
    files = conn.execute(
        select(func.count()).select_from(FileRow).where(FileRow.folder_id.in_(select(tree.c.id)), live_file())
    ).scalar_one()
    return FolderContents(files=files, folders=folders - 1)


def delete_tree(conn: Connection, *, folder_id: str, now: datetime) -> FolderOutcome | None:
    """Delete a folder and everything below it, unless a file inside holds a lock unexpired at `now`.

    The folder rows are locked first, so that no folder or file can be added inside meanwhile, then the
    file rows, so that no WOPI Lock, save or rename can slip in between the lock check and the deletion
    (on SQLite, whose writers are serialised, FOR UPDATE is a no-op and not needed). The versions' blob keys
    are read before the file rows go: deleting those cascades to versions and shares.
    """
    folder = find_folder(conn, folder_id=folder_id)
    if folder is None:
        return None
    in_tree = select(folder_tree(folder_id).c.id)
    folder_ids = conn.execute(select(FolderRow.id).where(FolderRow.id.in_(in_tree)).with_for_update()).all()
    rows = conn.execute(
        select(*FILE_COLUMNS)
        .where(FileRow.folder_id.in_(in_tree))
        .order_by(FileRow.name_key, FileRow.id)
        .with_for_update()
    ).all()
    files = [file_from_row(r) for r in rows]
    blocking = next((file for file in files if file.active_lock(now) is not None), None)
    if blocking is not None:
        return FolderOutcome(folder=None, blocking_file=blocking)
    file_ids = select(FileRow.id).where(FileRow.folder_id.in_(in_tree))
    history = conn.execute(select(VersionRow.blob_key).where(VersionRow.file_id.in_(file_ids))).scalars()
    released = {file.blob_key for file in files} | set(history)
    # The lock condition is repeated here so that a file that entered the tree unchecked (through a
    # subfolder a concurrent writer was creating) and got locked stays; deleting its folder then fails
    # on the foreign key, and the caller starts over.
    conn.execute(delete(FileRow).where(FileRow.folder_id.in_(in_tree), unlocked(now)))
    # One statement for the whole tree: the parent_id foreign key is checked at its end.
    conn.execute(delete(FolderRow).where(FolderRow.id.in_(in_tree)))
    deleted = FolderContents(files=len(files), folders=len(folder_ids) - 1)
    return FolderOutcome(folder=folder, deleted=deleted, released_blobs=tuple(sorted(released)))


def folder_tree(folder_id: str, *, live_only: bool = False) -> CTE:
    """The IDs of a folder and of every folder below it (with `live_only`, below it and not in the trash)."""
    tree = select(FolderRow.id).where(FolderRow.id == folder_id).cte("tree", recursive=True)
    below = select(FolderRow.id).join(tree, FolderRow.parent_id == tree.c.id)
    if live_only:
        below = below.where(live_folder())
    # UNION, not UNION ALL: a damaged parent chain that loops ends the recursion instead of running on.
    return tree.union(below)


def move_tree(conn: Connection, *, folder_id: str, parent_id: str, now: datetime) -> FolderOutcome | None:
    """Move a folder with its subtree under `parent_id`, unless that makes a cycle or a file inside is locked.

    The owner's root folder row is locked first: folder moves of one owner take turns, so that two moves
    that are each fine alone (A into B, B into A) cannot together make a cycle. The tree's folder and file
    rows are then locked as in `delete_tree`, so that no file inside gets locked between check and move.
    The target folder's row is locked as well. A sibling with the same name makes the UPDATE raise
    IntegrityError.
    """
    folder = find_folder(conn, folder_id=folder_id)
    if folder is None:
        return None
    conn.execute(
        select(FolderRow.id)
        .where(FolderRow.owner_id == folder.owner_id, FolderRow.parent_id.is_(None))
        .with_for_update()
    ).all()
    # The target is locked too, so that it cannot be deleted between this check and the UPDATE.
    target_row = select(FolderRow.id).where(FolderRow.id == parent_id, live_folder()).with_for_update()
    if conn.execute(target_row).first() is None:
        return None
    in_tree = select(folder_tree(folder_id).c.id)
    tree_ids = set(
        conn.execute(select(FolderRow.id).where(FolderRow.id.in_(in_tree)).with_for_update()).scalars()
    )
    if parent_id in tree_ids:
        return FolderOutcome(folder=None, cycle=True)
    rows = conn.execute(
        select(*FILE_COLUMNS)
        .where(FileRow.folder_id.in_(list(tree_ids)))
        .order_by(FileRow.name_key, FileRow.id)
        .with_for_update()
    ).all()
    blocking = next((f for f in map(file_from_row, rows) if f.active_lock(now) is not None), None)
    if blocking is not None:
        return FolderOutcome(folder=None, blocking_file=blocking)
    row = conn.execute(
        update(FolderRow)
        .where(FolderRow.id == folder_id)
        .values(parent_id=parent_id)
        .returning(*FOLDER_COLUMNS)
    ).first()
    return FolderOutcome(folder=folder_from_row(row)) if row else None
