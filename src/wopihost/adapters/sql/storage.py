"""SqlLockedStorage: the SQL back end of LockedStorage."""

from __future__ import annotations

from dataclasses import dataclass

from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.adapters.sql.locks import SqlLockStore
from wopihost.adapters.sql.trash import SqlTrashStore


@dataclass(frozen=True, slots=True)
class SqlLockedStorage:
    """Locks, files, folders and trash on one database.

    The lock is three columns of the file's row; every guarded write is one statement or transaction whose
    condition reads those columns (guards.py), so the check and the write are one atomic step.
    """

    locks: SqlLockStore
    files: SqlFileStore
    folders: SqlFileStore
    trash: SqlTrashStore

    @classmethod
    def on(cls, db: Database, files: SqlFileStore | None = None) -> SqlLockedStorage:
        """The stores on `db`; `files`, if given, is the file store to share with the other ports."""
        files = files or SqlFileStore(db)
        return cls(locks=SqlLockStore(db), files=files, folders=files, trash=SqlTrashStore(db))
