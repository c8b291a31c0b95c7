"""Prepared point reads on PostgreSQL: one round trip each, on asyncpg connections of their own.

Through SQLAlchemy's pool a point read took four round trips: the pre-ping (BEGIN and SELECT 1), the read,
and the ROLLBACK that resets the connection when it is checked in. These connections run nothing but
single autocommit SELECTs, so they carry no session state to reset, and a connection that died (a restarted
server) is found by the read itself, which is then run once more on a new one: a read can be repeated.

Imported only for PostgreSQL (asyncpg is not loaded on SQLite).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from wopihost.errors import StorageUnavailable

# What the driver raises: a lost or refused connection, a server error, or a protocol in a state it cannot
# recover from (asyncpg's InternalClientError, seen on a connection the server had ended).
_DRIVER_ERRORS = (OSError, asyncpg.InterfaceError, asyncpg.PostgresError, asyncpg.InternalClientError)
# SQLAlchemy's asyncpg dialect's own connect arguments, which asyncpg.connect does not take.
_DIALECT_ONLY = ("prepared_statement_cache_size", "prepared_statement_name_func", "async_creator_fn")


async def _no_reset(_connection: asyncpg.Connection) -> None:
    """Nothing to reset: the connections run single autocommit SELECTs only."""


class PointReads:
    """A small asyncpg pool for prepared point reads, made on first use; like SQLAlchemy's async engine, it
    serves one event loop."""

    def __init__(self, connect_args: Mapping[str, Any], *, max_size: int) -> None:
        self._connect_args = {k: v for k, v in connect_args.items() if k not in _DIALECT_ONLY}
        cache_size = connect_args.get("prepared_statement_cache_size")
        if cache_size is not None:
            self._connect_args["statement_cache_size"] = cache_size
        self._max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def fetch(self, sql: str, arguments: Sequence[Any]) -> list[asyncpg.Record]:
        """The rows of one SELECT; StorageUnavailable if the database cannot be reached."""
        for attempt in (1, 2):
            pool = await self._current_pool()
            try:
                async with pool.acquire() as connection:
                    rows: list[asyncpg.Record] = await connection.fetch(sql, *arguments)
                    return rows
            except _DRIVER_ERRORS as exc:
                # A connection the server ended while it sat in the pool fails its next query, in one of
                # several ways (depending on when asyncpg noticed); a read can be repeated on another.
                if attempt == 2:
                    raise StorageUnavailable(f"database read failed: {type(exc).__name__}") from exc
        raise AssertionError("unreachable")

    async def close(self) -> None:
        """Close the pool's connections."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def _current_pool(self) -> asyncpg.Pool:
        if self._pool is not None:
            return self._pool
        async with self._opening:
            if self._pool is None:
                try:
                    self._pool = await asyncpg.create_pool(
                        min_size=1, max_size=self._max_size, reset=_no_reset, **self._connect_args
                    )
                except _DRIVER_ERRORS as exc:
                    raise StorageUnavailable(f"database read failed: {type(exc).__name__}") from exc
        return self._pool
