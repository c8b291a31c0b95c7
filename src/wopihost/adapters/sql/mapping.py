"""Conversions between database rows and domain records."""

from __future__ import annotations

import hashlib
from operator import itemgetter
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


# The columns each record is built from, read in one call: every WOPI request maps a file and a user.
_FILE_VALUES = itemgetter(
    _F.id,
    _F.folder_id,
    _F.owner_id,
    _F.name,
    _F.size,
    _F.sha256,
    _F.version,
    _F.blob_key,
    _F.created_at,
    _F.modified_at,
    _F.modified_by,
    _F.lock_id,
    _F.lock_expires_at,
    _F.lock_user_id,
)
_USER_VALUES = itemgetter(
    _U.id,
    _U.username,
    _U.display_name,
    _U.root_folder_id,
    _U.user_info,
    _U.is_admin,
    _U.is_business_user,
    _U.password_hash,
    _U.locale,
)


def file_from_row(row: Row[Any] | Any) -> FileRecord:
    """Build a FileRecord from a row holding the files columns."""
    (
        file_id,
        folder_id,
        owner_id,
        name,
        size,
        sha256,
        version,
        blob_key,
        created_at,
        modified_at,
        modified_by,
        lock_id,
        lock_expires_at,
        lock_user_id,
    ) = _FILE_VALUES(row._mapping)
    lock = None
    if lock_id is not None and lock_expires_at is not None:
        lock = Lock(lock_id, lock_expires_at, lock_user_id)
    return FileRecord(
        id=file_id,
        folder_id=folder_id,
        owner_id=owner_id,
        name=name,
        size=size,
        sha256=sha256,
        version=version,
        blob_key=blob_key,
        created_at=created_at,
        modified_at=modified_at,
        modified_by=modified_by,
        lock=lock,
    )


def user_from_row(row: Row[Any] | Any) -> User:
    """Build a User from a row holding the users columns."""
    (
        user_id,
        username,
        display_name,
        root_folder_id,
        user_info,
        admin,
        business,
        password,
        locale,
    ) = _USER_VALUES(row._mapping)
    return User(
        id=user_id,
        username=username,
        display_name=display_name,
        root_folder_id=root_folder_id,
        user_info=user_info or "",
        is_admin=bool(admin),
        is_business_user=bool(business),
        has_password=password is not None,
        locale=locale,
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
