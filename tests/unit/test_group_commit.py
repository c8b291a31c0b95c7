"""Group commit on SQLite: units of work queued together share one transaction, each behaves as its own."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from wopihost.adapters.sql.database import Database
from wopihost.errors import StorageUnavailable

pytestmark = pytest.mark.anyio


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    await db.write(lambda conn: conn.execute(text("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)")))
    yield db
    await db.dispose()


def _insert(key: str, value: int) -> Callable[[Connection], int]:
    def work(conn: Connection) -> int:
        conn.execute(text("INSERT INTO t (k, v) VALUES (:k, :v)"), {"k": key, "v": value})
        return value

    return work


def _rows(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT k, v FROM t").fetchall())


async def test_concurrent_units_all_commit_with_their_own_results(database: Database, tmp_path: Path) -> None:
    results = await asyncio.gather(*(database.write(_insert(f"k{n}", n)) for n in range(200)))
    assert results == list(range(200))
    # Durable and visible to another connection once acknowledged.
    assert _rows(tmp_path / "db.sqlite") == {f"k{n}": n for n in range(200)}


async def test_a_failing_unit_is_rolled_back_alone(database: Database, tmp_path: Path) -> None:
    def half_then_fail(conn: Connection) -> None:
        conn.execute(text("INSERT INTO t (k, v) VALUES ('half', 1)"))
        raise LookupError("the unit of work gave up")

    outcomes = await asyncio.gather(
        database.write(_insert("before", 1)),
        database.write(half_then_fail),
        database.write(_insert("before", 2)),  # a constraint violation
        database.write(_insert("after", 3)),
        return_exceptions=True,
    )
    assert [outcomes[0], outcomes[3]] == [1, 3]
    assert isinstance(outcomes[1], LookupError)
    assert isinstance(outcomes[2], IntegrityError)
    assert _rows(tmp_path / "db.sqlite") == {"before": 1, "after": 3}


async def test_a_failing_unit_alone_in_its_batch_leaves_nothing(database: Database, tmp_path: Path) -> None:
    def half_then_fail(conn: Connection) -> None:
        conn.execute(text("INSERT INTO t (k, v) VALUES ('half', 1)"))
        raise LookupError("the unit of work gave up")

    with pytest.raises(LookupError):
        await database.write(half_then_fail)
    assert await database.write(_insert("next", 2)) == 2
    assert _rows(tmp_path / "db.sqlite") == {"next": 2}


async def test_later_units_see_earlier_ones_in_the_same_batch(database: Database) -> None:
    def read_back(conn: Connection) -> int | None:
        return conn.execute(text("SELECT v FROM t WHERE k = 'x'")).scalar()

    first: int
    seen: int | None
    first, seen = await asyncio.gather(database.write(_insert("x", 7)), database.write(read_back))
    assert (first, seen) == (7, 7)


async def test_a_failed_commit_fails_every_unit_of_its_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another connection holds the write lock past the busy timeout: the batch's transaction cannot start.
    monkeypatch.setattr("wopihost.adapters.sql.database._SQLITE_BUSY_TIMEOUT_MS", 50)
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    await database.write(lambda conn: conn.execute(text("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)")))
    blocker = sqlite3.connect(tmp_path / "db.sqlite", isolation_level=None, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        outcomes = await asyncio.gather(
            *(database.write(_insert(f"k{n}", n)) for n in range(5)),
            return_exceptions=True,
        )
    finally:
        blocker.rollback()
        blocker.close()
        await database.dispose()
    assert all(isinstance(outcome, StorageUnavailable) for outcome in outcomes)
    assert _rows(tmp_path / "db.sqlite") == {}


async def test_the_writer_keeps_its_connection_and_replaces_it_after_a_failed_commit(
    database: Database, tmp_path: Path
) -> None:
    def driver_of(conn: Connection) -> object:
        return conn.connection.driver_connection

    first = await database.write(driver_of)
    assert await database.write(driver_of) is first

    def break_the_connection(conn: Connection) -> None:
        conn.execute(text("INSERT INTO t (k, v) VALUES ('lost', 1)"))
        driver = conn.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        driver.close()  # the commit that follows fails

    with pytest.raises(StorageUnavailable):
        await database.write(break_the_connection)

    assert await database.write(_insert("after", 2)) == 2
    assert await database.write(driver_of) is not first
    assert _rows(tmp_path / "db.sqlite") == {"after": 2}
