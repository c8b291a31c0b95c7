"""The administrators' queries and the WOPI error log, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.contract.conftest import World, commit_new_version, make_file
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.admin import SqlAdminQueries, SqlWopiErrorLog
from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.adapters.sql.locks import SqlLockStore
from wopihost.adapters.sql.trash import SqlTrashStore
from wopihost.domain.admin import WopiError, WopiErrorQuery

pytestmark = pytest.mark.anyio


async def test_storage_by_user_sums_current_versions_and_trash_exactly(
    db: Database, file_store: SqlFileStore, world: World, clock: FakeClock
) -> None:
    await commit_new_version(file_store, world.file, clock, source="upload")
    trashed = await make_file(file_store, world.owner, clock, "old.docx", size=11)
    await SqlTrashStore(db).trash_file(trashed.id, deleted_by=world.owner.id, now=clock.now())
    await make_file(file_store, world.other, clock, "b.docx", size=3)

    found = {s.user_id: s for s in await SqlAdminQueries(db).storage_by_user()}

    alice, bob, carol = found[world.owner.id], found[world.other.id], found[world.third.id]
    assert (alice.files, alice.current_bytes, alice.versions, alice.version_bytes, alice.trash_bytes) == (
        1,
        9,
        2,
        14,
        11,
    )
    assert (bob.files, bob.current_bytes, bob.versions, bob.version_bytes, bob.trash_bytes) == (1, 3, 1, 3, 0)
    assert (carol.files, carol.current_bytes, carol.version_bytes, carol.trash_bytes) == (0, 0, 0, 0)


async def test_open_sessions_lists_unexpired_locks_with_current_holders(
    db: Database, lock_store: SqlLockStore, world: World, clock: FakeClock
) -> None:
    await lock_store.acquire(world.file.id, "L1", user_id=world.other.id, now=clock.now())
    await lock_store.join(world.file.id, "L1", user_id=world.other.id, now=clock.now())

    open_now = await SqlAdminQueries(db).open_sessions(now=clock.now(), limit=10)
    later = await SqlAdminQueries(db).open_sessions(now=clock.now() + timedelta(hours=1), limit=10)

    assert [(s.file_id, s.lock_user_id) for s in open_now] == [(world.file.id, world.other.id)]
    assert [h.user_id for h in open_now[0].holders] == [world.other.id]
    assert later == []


def _error(clock: FakeClock, **overrides: object) -> WopiError:
    values: dict[str, object] = {"at": clock.now(), "operation": "Lock", "status": 409, "file_id": "f1"}
    values.update(overrides)
    return WopiError(**values)  # type: ignore[arg-type]


async def test_error_log_search_filters_and_counts(db: Database, clock: FakeClock) -> None:
    log = SqlWopiErrorLog(db)
    await log.add_many(
        [
            _error(clock, correlation_id="c1", session_id="s1", user_id="u1"),
            _error(clock, correlation_id="c2", status=500, operation="PutFile", reason="OSError"),
            _error(clock, correlation_id="c3", status=404, operation="GetFile"),
        ]
    )

    async def found(**query: str) -> list[str]:
        errors, total = await log.search(WopiErrorQuery(**query), limit=10, offset=0)  # type: ignore[arg-type]
        assert total == len(errors)
        return sorted(e.correlation_id for e in errors)

    assert await found(correlation_id="c1") == ["c1"]
    assert await found(session_id="s1") == ["c1"]
    assert await found(user_id="u1") == ["c1"]
    assert await found(status_class="5xx") == ["c2"]
    assert await found(status_class="4xx", operation="GetFile") == ["c3"]
    assert await found() == ["c1", "c2", "c3"]


async def test_error_log_purge_by_age_and_row_limit(db: Database, clock: FakeClock) -> None:
    log = SqlWopiErrorLog(db)
    await log.add_many([_error(clock, correlation_id="old")])
    clock.advance(timedelta(days=20))
    await log.add_many([_error(clock, correlation_id=f"new{n}") for n in range(3)])

    by_age = await log.purge(before=clock.now() - timedelta(days=14), keep_rows=100)
    by_rows = await log.purge(before=clock.now() - timedelta(days=14), keep_rows=2)

    errors, total = await log.search(WopiErrorQuery(), limit=10, offset=0)
    assert (by_age, by_rows, total) == (1, 1, 2)
    assert sorted(e.correlation_id for e in errors) == ["new1", "new2"]
