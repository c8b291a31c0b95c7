"""The database engine: connections for reads, and write transactions that serialise correctly.

SQLite allows one writer at a time. Write transactions start with BEGIN IMMEDIATE so that a writer waits
for the database lock up front (busy_timeout) instead of failing when it upgrades from reader to writer;
reads use plain deferred transactions and, in WAL mode, never block or wait for writers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from wopihost.errors import StorageUnavailable

_SQLITE_BUSY_TIMEOUT_MS = 30_000


class Database:
    """An async engine with `read()` and `write()` transaction scopes."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        options: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            _ensure_sqlite_dir(url)
        else:
            options.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **options)
        if self.is_sqlite:
            _configure_sqlite(self.engine)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads; its transaction is rolled back at the end."""
        try:
            async with self.engine.connect() as conn:
                yield conn
        except (OperationalError, DBAPIError) as exc:
            raise StorageUnavailable(f"database read failed: {type(exc.orig).__name__}") from exc

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction, committed at the end unless an exception escapes."""
        try:
            async with self.engine.connect() as conn:
                if self.is_sqlite:
                    await conn.execution_options(wopihost_begin="BEGIN IMMEDIATE")
                async with conn.begin():
                    yield conn
        except IntegrityError:
            # A constraint violation is an expected outcome (a taken name); the stores turn it into a result.
            raise
        except (OperationalError, DBAPIError) as exc:
            raise StorageUnavailable(f"database write failed: {type(exc.orig).__name__}") from exc

    async def dispose(self) -> None:
        await self.engine.dispose()


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Transactions are issued explicitly (BEGIN IMMEDIATE for writes); the driver must not add its own.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Reads get a deferred transaction; `Database.write()` asks for BEGIN IMMEDIATE.
        conn.exec_driver_sql(conn.get_execution_options().get("wopihost_begin", "BEGIN"))
