"""Who may see a file or a folder: its owner, the people it is shared with, and those of a folder above it.

Both lookups are one query each: a recursive CTE climbs `folders.parent_id` from the item's folder to the
owner's root (skipping nothing: a live item lies in live folders only), and the shares of the user on
every folder on the way come back with the item's row, so that `effective_role` sees them all.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import CTE, Connection, Select, and_, bindparam, literal, select

from wopihost.adapters.sql.guards import live_file, live_folder
from wopihost.adapters.sql.mapping import (
    FILE_COLUMNS,
    FOLDER_COLUMNS,
    USER_COLUMNS,
    file_from_row,
    folder_from_row,
    user_from_row,
)
from wopihost.adapters.sql.models import FileRow, FolderRow, FolderShareRow, ShareRow, UserRow
from wopihost.adapters.sql.prepared import Prepared, PreparedRow
from wopihost.domain.permissions import Role, effective_role
from wopihost.domain.records import FileAccess, FolderAccess

# The deepest chain of folders the climb follows, so that a damaged parent chain cannot loop forever.
MAX_DEPTH = 256

_Owner = UserRow.__table__.alias("owner")
_Parent = FolderRow.__table__.alias("parent")


def ancestors(anchor: Select[str, str | None], name: str) -> CTE:
    """The folders from `anchor` (one row: id, parent_id) up to the root, with their distance from it."""
    start = anchor.add_columns(literal(0).label("depth")).cte(name, recursive=True)
    step = (
        select(_Parent.c.id, _Parent.c.parent_id, (start.c.depth + 1).label("depth"))
        .join(start, _Parent.c.id == start.c.parent_id)
        .where(_Parent.c.trash_id.is_(None), start.c.depth < MAX_DEPTH)
    )
    return start.union_all(step)


_FILE_FOLDERS = ancestors(
    select(FolderRow.id, FolderRow.parent_id)
    .join(FileRow, FileRow.folder_id == FolderRow.id)
    .where(FileRow.id == bindparam("file_id"), live_folder()),
    "file_folders",
)
# CheckFileInfo's one query: the file, the caller, the caller's share of the file, their shares of the
# folders above it (one row each; one row with none if there are none), the owner's and the folder's names.
_FILE_ACCESS = (
    select(
        *FILE_COLUMNS,
        *USER_COLUMNS,
        ShareRow.role,
        FolderShareRow.role.label("folder_role"),
        _Owner.c.display_name.label("owner_name"),
        FolderRow.name.label("folder_name"),
    )
    .select_from(FileRow)
    .join(UserRow, UserRow.id == bindparam("user_id"))
    .join(_Owner, _Owner.c.id == FileRow.owner_id)
    .join(FolderRow, FolderRow.id == FileRow.folder_id)
    .outerjoin(ShareRow, and_(ShareRow.file_id == FileRow.id, ShareRow.user_id == bindparam("user_id")))
    .outerjoin(
        FolderShareRow,
        and_(
            FolderShareRow.user_id == bindparam("user_id"),
            FolderShareRow.folder_id.in_(select(_FILE_FOLDERS.c.id)),
        ),
    )
    .where(FileRow.id == bindparam("file_id"), live_file())
)

_UP = ancestors(
    select(FolderRow.id, FolderRow.parent_id).where(FolderRow.id == bindparam("folder_id"), live_folder()),
    "up",
)
# The folder and every folder above it, root first, each with the caller's share of it.
_FOLDER_ACCESS = (
    select(
        *FOLDER_COLUMNS,
        *USER_COLUMNS,
        _UP.c.depth,
        FolderShareRow.role,
        _Owner.c.display_name.label("owner_name"),
    )
    .select_from(_UP)
    .join(FolderRow, FolderRow.id == _UP.c.id)
    .join(UserRow, UserRow.id == bindparam("user_id"))
    .join(_Owner, _Owner.c.id == FolderRow.owner_id)
    .outerjoin(
        FolderShareRow,
        and_(FolderShareRow.folder_id == FolderRow.id, FolderShareRow.user_id == bindparam("user_id")),
    )
    .order_by(_UP.c.depth.desc())
)


# Every WOPI request of a file runs this query: it skips SQLAlchemy's per-execution work (prepared.py).
FILE_ACCESS = Prepared(_FILE_ACCESS)


def file_access(rows: Sequence[PreparedRow], user_id: str) -> FileAccess | None:
    """The FileAccess of the rows of the file access query, or None if there are none or no rights."""
    if not rows:
        return None
    first = rows[0]
    file = file_from_row(first)
    shared = [_role(first.role), *(_role(row.folder_role) for row in rows)]
    role = effective_role(user_id=user_id, owner_id=file.owner_id, shared=shared)
    if role is None:
        return None
    return FileAccess(
        file=file,
        user=user_from_row(first),
        role=role,
        owner_name=first.owner_name,
        folder_name=first.folder_name,
        via_folder_share=any(row.folder_role is not None for row in rows),
    )


def find_folder_access(conn: Connection, *, folder_id: str, user_id: str) -> FolderAccess | None:
    """The folder as this user sees it, with the path from the highest folder they may see down to it."""
    rows = conn.execute(_FOLDER_ACCESS, {"folder_id": folder_id, "user_id": user_id}).all()
    if not rows or rows[-1].depth != 0:
        return None
    chain = [folder_from_row(row) for row in rows]
    folder = chain[-1]
    role = effective_role(user_id=user_id, owner_id=folder.owner_id, shared=[_role(r.role) for r in rows])
    if role is None:
        return None
    top = 0
    if role is not Role.OWNER:
        # Someone it was shared with sees from the highest folder shared with them down.
        top = next(index for index, row in enumerate(rows) if row.role is not None)
    return FolderAccess(
        folder=folder,
        user=user_from_row(rows[-1]),
        role=role,
        owner_name=rows[-1].owner_name,
        path=tuple(chain[top:]),
    )


def _role(value: str | None) -> Role | None:
    return Role(value) if value is not None else None
