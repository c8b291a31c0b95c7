"""Cheap calls that tell whether a back end answers, for `/readyz`; none of them changes anything."""

from __future__ import annotations

import os
from pathlib import Path

import anyio.to_thread
from sqlalchemy import text

from wopihost.adapters.sql.database import Database
from wopihost.errors import NotFound, StorageUnavailable
from wopihost.ports import BlobStore

# A key no blob ever has (stored keys are random ids), valid for every store.
MISSING_BLOB_KEY = "readinessprobe"


async def ping_database(db: Database) -> None:
    """One `SELECT 1`, off the event loop so that a hung SQLite file cannot stall it past the time limit."""
    await db.scan(lambda conn: conn.execute(text("SELECT 1")).scalar_one())


async def probe_local_directory(path: Path) -> None:
    """The local blob store's directory exists and this process may create files in it."""

    def check() -> None:
        if not path.is_dir() or not os.access(path, os.W_OK | os.X_OK):
            raise StorageUnavailable("blob directory missing or not writable")

    # A hung network file system must not hold the check past its time limit.
    await anyio.to_thread.run_sync(check, abandon_on_cancel=True)


async def read_missing_blob(blobs: BlobStore) -> None:
    """Ask the store for a blob that does not exist: a store that answers NotFound is reachable."""
    try:
        await blobs.open(MISSING_BLOB_KEY)
    except NotFound:
        return
