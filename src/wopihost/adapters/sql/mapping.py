"""Conversions between database rows and domain records."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Row

from wopihost.adapters.sql.models import FileRow, FolderRow, UserRow, VersionRow
from wopihost.domain.locks import Lock
from wopihost.domain.names import name_key
from wopihost.domain.records import FileRecord, Folder, SaveKind, User, Version

FILE_COLUMNS = tuple(FileRow.__table__.columns)
USER_COLUMNS = tuple(UserRow.__table__.columns)
FOLDER_COLUMNS = tuple(FolderRow.__table__.columns)
VERSION_COLUMNS = tuple(VersionRow.__table__.columns)
# The width of the name_key columns of files and folders (String(255) in models.py).
NAME_KEY_LENGTH = 255
# Rows are read by Column objects, which stay unambiguous when a query joins tables with same-named columns.
_F, _U, _D, _V = (FileRow.__table__.c, UserRow.__table__.c, FolderRow.__table__.c, VersionRow.__table__.c)


def file_from_row(row: Row[Any] | Any) -> FileRecord:
    """Build a FileRecord from a row holding the files columns."""
    m = row._mapping
    lock = None
    if m[_F.lock_id] is not None and m[_F.lock_expires_at] is not None:
        lock = Lock(m[_F.lock_id], m[_F.lock_expires_at], m[_F.lock_user_id])
    return FileRecord(
        id=m[_F.id],
        folder_id=m[_F.folder_id],
        owner_id=m[_F.owner_id],
        name=m[_F.name],
        size=m[_F.size],
        sha256=m[_F.sha256],
        version=m[_F.version],
        blob_key=m[_F.blob_key],
        created_at=m[_F.created_at],
        modified_at=m[_F.modified_at],
        modified_by=m[_F.modified_by],
        lock=lock,
    )


def user_from_row(row: Row[Any] | Any) -> User:
    """Build a User from a row holding the users columns."""
    m = row._mapping
    return User(
        id=m[_U.id],
        username=m[_U.username],
        display_name=m[_U.display_name],
        root_folder_id=m[_U.root_folder_id],
        user_info=m[_U.user_info] or "",
        is_admin=bool(m[_U.is_admin]),
        is_business_user=bool(m[_U.is_business_user]),
        has_password=m[_U.password_hash] is not None,
        locale=m[_U.locale],
    )


def folder_from_row(row: Row[Any] | Any) -> Folder:
    """Build a Folder from a row holding the folders columns."""
    m = row._mapping
    return Folder(
        id=m[_D.id],
        owner_id=m[_D.owner_id],
        parent_id=m[_D.parent_id],
        name=m[_D.name],
    )


def version_from_row(row: Row[Any] | Any) -> Version:
    """Build a Version from a row holding the versions columns."""
    m = row._mapping
    return Version(
        file_id=m[_V.file_id],
        number=m[_V.number],
        blob_key=m[_V.blob_key],
        size=m[_V.size],
        sha256=m[_V.sha256],
        created_at=m[_V.created_at],
        author_id=m[_V.author_id],
        editors=m[_V.editors] or "",
        source=m[_V.source] or "",
        save=SaveKind(m[_V.modified_by_user], m[_V.autosave], m[_V.exit_save]),
    )


def stored_name_key(name: str) -> str:
    """The collision key of a name as stored in a name_key column.

    Case folding can make a legal name longer than the column ("\u00df" folds to "ss", a ligature to three
    letters), which PostgreSQL refuses. Such a key keeps a prefix and a digest of the whole key, so that keys
    stay equal exactly when the names collide.
    """
    key = name_key(name)
    if len(key) <= NAME_KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{key[: NAME_KEY_LENGTH - len(digest) - 1]}#{digest}"
