"""The access query on PostgreSQL's own point-read connections: a connection the server ended, no server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import asyncpg
import pytest

from tests.contract.conftest import PG_HOST, PG_PORT, PG_USER, make_file, make_user
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.adapters.sql.users import SqlUserStore
from wopihost.domain.ids import new_id
from wopihost.errors import StorageUnavailable

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]
T = TypeVar("T")


async def _terminate_other_backends(database_name: str) -> int:
    """Close, from the server side, every other connection to the database (as a restart would)."""
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=database_name)
    try:
        ended: int = await conn.fetchval(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()) AS ended"
        )
        return ended
    finally:
        await conn.close()


def _blocking(work: Callable[[str], Coroutine[Any, Any, T]], argument: str) -> T:
    """Run `work` on an event loop of its own in another thread, then give the server 0.2 s to act on it;
    this thread waits meanwhile."""

    def run() -> T:
        result = asyncio.run(work(argument))
        time.sleep(0.2)
        return result

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


async def test_point_read_after_server_ended_its_connection_reads_on_a_new_one(postgresql_url: str) -> None:
    database = Database(postgresql_url, pool_size=2)
    try:
        files, clock = SqlFileStore(database), FakeClock()
        owner = await make_user(SqlUserStore(database), clock, f"point-{new_id()}")
        file = await make_file(files, owner, clock)
        assert await files.find_access(file.id, owner.id) is not None

        # Ended from another thread while this event loop stands still, so that the pool cannot notice before
        # the read: the read itself must find the connection dead.
        assert _blocking(_terminate_other_backends, postgresql_url.rsplit("/", 1)[1]) >= 1
        access = await files.find_access(file.id, owner.id)

        assert access is not None
        assert access.file == file
    finally:
        await database.dispose()


async def test_point_read_without_a_server_raises_storage_unavailable() -> None:
    unused_port = 1
    database = Database(f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{unused_port}/nowhere", pool_size=1)
    try:
        with pytest.raises(StorageUnavailable):
            await SqlFileStore(database).find_access("nosuchfile", "nosuchuser")
    finally:
        await database.dispose()
