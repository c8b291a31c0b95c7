"""The database: runs a store's unit of work (a function of a Connection) as one read or one transaction.

Stores are written once, as synchronous SQLAlchemy Core functions, and run two ways:

- PostgreSQL: on the async engine (asyncpg) through `run_sync`, which bridges the I/O with greenlets;
  prepared point reads (`fetch`) on asyncpg connections of their own, one round trip each (pg_reads.py).
- SQLite: on a synchronous engine. Write transactions run in one writer thread that commits the units of
  work queued together at once (group_commit.py), each in its own savepoint; the transaction starts with
  BEGIN IMMEDIATE, so that the writer waits for the database lock up front (busy_timeout; other processes
  write too) instead of failing when it upgrades from reader to writer. Point reads run on the event loop
  itself: in WAL mode they never wait for writers, and an indexed lookup takes less time than handing it to
  a thread would; the hottest are prepared once (`fetch`, prepared.py). Reads that may scan many rows use
  `scan`, which runs in a worker thread.

asyncpg, SQLAlchemy's asyncio extension and its PostgreSQL dialect are imported only for PostgreSQL, so a host
on SQLite does not hold them in memory.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import anyio.to_thread
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from wopihost.adapters.sql.group_commit import GroupCommitter
from wopihost.adapters.sql.prepared import Prepared, PreparedRow
from wopihost.domain.search import fold
from wopihost.errors import StorageUnavailable

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
    from sqlalchemy.ext.asyncio import AsyncEngine

    from wopihost.adapters.sql.pg_reads import PointReads

T = TypeVar("T")
Work = Callable[[Connection], T]

_SQLITE_BUSY_TIMEOUT_MS = 30_000
# The SQL function that folds names for search on SQLite (see adapters/sql/search_index.py).
SQLITE_FOLD_FUNCTION = "wopihost_fold"


class Database:
    """Runs units of work on SQLite or PostgreSQL with the right transaction semantics."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._sync: Engine | None = None
        self._async: AsyncEngine | None = None
        self._readers = threading.local()
        self._reader_connections: list[sqlite3.Connection] = []
        self._sqlite_file = ""
        self._committer: GroupCommitter | None = None
        self._point_reads: PointReads | None = None
        if self.is_sqlite:
            path = self._sqlite_file = _sqlite_path(url)
            if path:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._sync = create_engine(
                f"sqlite:///{path}", echo=echo, pool_size=pool_size, max_overflow=pool_size
            )
            _configure_sqlite(self._sync)
            self._committer = GroupCommitter(self._sync, functools.partial(storage_error, "write"))
        else:
            from sqlalchemy.ext.asyncio import create_async_engine

            from wopihost.adapters.sql.pg_reads import PointReads

            self._async = create_async_engine(
                url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
            )
            _args, connect_args = self._async.dialect.create_connect_args(self._async.url)
            self._point_reads = PointReads(connect_args, max_size=max(2, pool_size // 2))

    async def read(self, work: Work[T]) -> T:
        """Run a short read (indexed lookups) and return its result."""
        if self._sync is not None:
            return _guard("read", self._read_sync, work)
        return await self._read_async(work)

    async def fetch(self, query: Prepared, params: Mapping[str, str | int]) -> list[PreparedRow]:
        """Run a prepared point read on the driver's connection (see prepared.py) and return its rows."""
        if self._sync is not None:
            compiled = query.compiled(self._sync.dialect)
            try:
                rows = self._point_reader().execute(compiled.sql, compiled.arguments(params)).fetchall()
            except sqlite3.Error as exc:
                raise StorageUnavailable(f"database read failed: {type(exc).__name__}") from exc
            return compiled.rows(rows)
        assert self._async is not None
        assert self._point_reads is not None
        compiled = query.compiled(self._async.dialect)
        return compiled.rows(await self._point_reads.fetch(compiled.sql, compiled.arguments(params)))

    def _point_reader(self) -> sqlite3.Connection:
        """This thread's own SQLite connection for prepared point reads (in autocommit: one statement, one
        snapshot), kept open instead of checked out of the pool for each read."""
        reader: sqlite3.Connection | None = getattr(self._readers, "connection", None)
        if reader is None:
            reader = sqlite3.connect(self._sqlite_file, isolation_level=None, check_same_thread=False)
            prepare_sqlite_connection(reader)
            self._readers.connection = reader
            self._reader_connections.append(reader)
        return reader

    async def scan(self, work: Work[T]) -> T:
        """Run a read that may touch many rows, without holding up the event loop."""
        if self._sync is not None:
            return await anyio.to_thread.run_sync(_guard, "read", self._read_sync, work)
        return await self._read_async(work)

    async def write(self, work: Work[T]) -> T:
        """Run a unit of work in one transaction, committed unless it raises."""
        if self._committer is not None:
            return await self._committer.run(work)
        assert self._async is not None
        try:
            async with self._async.begin() as conn:
                return await conn.run_sync(work)
        except IntegrityError:
            raise
        except (OperationalError, DBAPIError) as exc:
            raise StorageUnavailable(f"database write failed: {type(exc.orig).__name__}") from exc

    async def dispose(self) -> None:
        """Close every pooled connection."""
        if self._committer is not None:
            self._committer.stop()
        if self._sync is not None:
            self._sync.dispose()
            for reader in self._reader_connections:
                reader.close()
            self._reader_connections.clear()
            self._readers = threading.local()
        if self._point_reads is not None:
            await self._point_reads.close()
        if self._async is not None:
            await self._async.dispose()

    def _read_sync(self, work: Work[T]) -> T:
        assert self._sync is not None
        with self._sync.connect() as conn:
            return work(conn)

    async def _read_async(self, work: Work[T]) -> T:
        assert self._async is not None
        try:
            async with self._async.connect() as conn:
                return await conn.run_sync(work)
        except (OperationalError, DBAPIError) as exc:
            raise StorageUnavailable(f"database read failed: {type(exc.orig).__name__}") from exc


def _guard(kind: str, run: Callable[[Work[T]], T], work: Work[T]) -> T:
    try:
        return run(work)
    except (OperationalError, DBAPIError) as exc:
        translated = storage_error(kind, exc)
        if translated is exc:
            raise
        raise translated from exc


def dialect_insert(conn: Connection) -> Callable[[Any], SqliteInsert | PostgresInsert]:
    """The connection's dialect's INSERT, which can say ON CONFLICT … on SQLite and PostgreSQL alike."""
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert
    from sqlalchemy.dialects import postgresql

    return postgresql.insert


def storage_error(kind: str, exc: BaseException) -> BaseException:
    """What callers see of a failed database `kind` ("read", "write"): StorageUnavailable for a driver error.

    A constraint violation is an expected outcome (a taken name) and stays as it is: the stores turn it
    into a result; so does any other exception of the unit of work.
    """
    if isinstance(exc, (OperationalError, DBAPIError)) and not isinstance(exc, IntegrityError):
        return StorageUnavailable(f"database {kind} failed: {type(exc.orig).__name__}")
    return exc


def _sqlite_path(url: str) -> str:
    return url.split("///", 1)[1] if "///" in url else ""


def _fold_or_none(value: str | None) -> str | None:
    return fold(value) if value is not None else None


def prepare_sqlite_connection(dbapi_conn: sqlite3.Connection) -> None:
    """Set up a new SQLite connection: WAL, durable commits, foreign keys, waiting for locks, name folding."""
    # Transactions are issued explicitly (see _on_begin); the driver must not add its own.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()
    # Name search folds names in SQL exactly as in Python (PostgreSQL uses translate(); see search_index).
    dbapi_conn.create_function(SQLITE_FOLD_FUNCTION, 1, _fold_or_none, deterministic=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        prepare_sqlite_connection(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Reads get a deferred transaction; `Database.write` asks for BEGIN IMMEDIATE.
        conn.exec_driver_sql(conn.get_execution_options().get("wopihost_begin", "BEGIN"))
