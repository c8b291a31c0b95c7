"""The PreviewStore contract: claims on renderings as compare-and-swaps, leases, retries, stale versions."""

from __future__ import annotations

from datetime import timedelta

import anyio
import pytest

from tests.contract.conftest import World, commit_new_version, make_file
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.adapters.sql.previews import SqlPreviewStore
from wopihost.adapters.sql.trash import SqlTrashStore
from wopihost.domain.locks import LockGuard
from wopihost.domain.previews import PreviewStatus
from wopihost.domain.records import FileRecord

pytestmark = pytest.mark.anyio

LEASE = timedelta(minutes=5)
SETTLE = timedelta(seconds=30)
KINDS = [".docx", ".pdf"]


@pytest.fixture
def store(db: Database) -> SqlPreviewStore:
    return SqlPreviewStore(db)


async def claim(store: SqlPreviewStore, clock: FakeClock, worker: str = "w1") -> FileRecord | None:
    return await store.claim_next(
        extensions=KINDS, worker=worker, now=clock.now(), lease=LEASE, settle=SETTLE
    )


async def test_claim_next_file_without_preview_claimed_once(
    store: SqlPreviewStore, world: World, clock: FakeClock
) -> None:
    claimed = await claim(store, clock)
    assert claimed is not None
    assert claimed.id == world.file.id
    assert await claim(store, clock, "w2") is None
    preview = (await store.find_previews([world.file.id]))[world.file.id]
    assert (preview.status, preview.version) == (PreviewStatus.RENDERING, 1)


async def test_claim_next_concurrent_workers_each_file_claimed_by_one(
    store: SqlPreviewStore, world: World, file_store: SqlFileStore, clock: FakeClock
) -> None:
    for number in range(4):
        await make_file(file_store, world.owner, clock, f"doc{number}.pdf")
    won: list[str] = []

    async def worker(name: str) -> None:
        while (file := await claim(store, clock, name)) is not None:
            won.append(file.id)

    async with anyio.create_task_group() as tasks:
        for number in range(3):
            tasks.start_soon(worker, f"w{number}")
    assert len(won) == 5
    assert len(set(won)) == 5


async def test_claim_next_skips_other_kinds_and_empty_files(
    store: SqlPreviewStore, world: World, file_store: SqlFileStore, clock: FakeClock
) -> None:
    await claim(store, clock)
    await store.finish(world.file.id, 1, worker="w1", pages=1, now=clock.now())
    await make_file(file_store, world.owner, clock, "notes.txt")
    await make_file(file_store, world.owner, clock, "new.docx", size=0)
    await make_file(file_store, world.owner, clock, "SCAN.PDF")
    claimed = await claim(store, clock)
    assert claimed is not None
    assert claimed.name == "SCAN.PDF"
    assert await claim(store, clock) is None


async def test_finish_by_claiming_worker_ready_and_not_claimed_again(
    store: SqlPreviewStore, world: World, clock: FakeClock
) -> None:
    await claim(store, clock)
    assert not await store.finish(world.file.id, 1, worker="intruder", pages=3, now=clock.now())
    assert await store.finish(world.file.id, 1, worker="w1", pages=3, now=clock.now())
    preview = (await store.find_previews([world.file.id]))[world.file.id]
    assert (preview.status, preview.pages) == (PreviewStatus.READY, 3)
    assert await claim(store, clock) is None


async def test_claim_next_new_version_claimed_once_settled_keeping_last_images(
    store: SqlPreviewStore, world: World, file_store: SqlFileStore, clock: FakeClock
) -> None:
    await claim(store, clock)
    await store.finish(world.file.id, 1, worker="w1", pages=4, now=clock.now())
    updated = await commit_new_version(file_store, world.file, clock)
    clock.advance(SETTLE - timedelta(seconds=1))
    assert await claim(store, clock) is None  # still changing, perhaps: autosaves come in bursts
    clock.advance(timedelta(seconds=2))
    claimed = await claim(store, clock)
    assert claimed is not None
    assert claimed.version == updated.version == 2
    preview = (await store.find_previews([world.file.id]))[world.file.id]
    assert (preview.version, preview.status) == (2, PreviewStatus.RENDERING)
    assert (preview.ready_version, preview.pages) == (1, 4)
    assert await store.finish(world.file.id, 2, worker="w1", pages=2, now=clock.now())
    preview = (await store.find_previews([world.file.id]))[world.file.id]
    assert (preview.ready_version, preview.pages) == (2, 2)


async def test_claim_next_expired_claim_taken_over_and_old_worker_cannot_finish(
    store: SqlPreviewStore, world: World, clock: FakeClock
) -> None:
    await claim(store, clock, "dead")
    clock.advance(LEASE - timedelta(seconds=1))
    assert await claim(store, clock, "w2") is None
    clock.advance(timedelta(seconds=2))
    assert await claim(store, clock, "w2") is not None
    assert not await store.finish(world.file.id, 1, worker="dead", pages=1, now=clock.now())
    assert await store.finish(world.file.id, 1, worker="w2", pages=1, now=clock.now())


async def test_fail_counts_attempts_and_waits_for_retry_time(
    store: SqlPreviewStore, world: World, file_store: SqlFileStore, clock: FakeClock
) -> None:
    for attempt in (1, 2):
        assert await claim(store, clock) is not None
        retry_at = clock.now() + timedelta(minutes=10)
        assert await store.fail(
            world.file.id, 1, worker="w1", error="bad", retry_at=retry_at, now=clock.now()
        )
        preview = (await store.find_previews([world.file.id]))[world.file.id]
        assert (preview.status, preview.attempts, preview.error) == (PreviewStatus.FAILED, attempt, "bad")
        assert await claim(store, clock) is None
        clock.advance(timedelta(minutes=10))
    await claim(store, clock)
    await store.fail(world.file.id, 1, worker="w1", error="bad", retry_at=None, now=clock.now())
    clock.advance(timedelta(days=30))
    assert await claim(store, clock) is None  # given up on this version
    await commit_new_version(file_store, world.file, clock)
    clock.advance(SETTLE)
    assert await claim(store, clock) is not None
    preview = (await store.find_previews([world.file.id]))[world.file.id]
    assert (preview.version, preview.attempts) == (2, 0)


async def test_file_deleted_preview_record_goes_with_it(
    store: SqlPreviewStore, world: World, file_store: SqlFileStore, clock: FakeClock
) -> None:
    await claim(store, clock)
    await file_store.delete_file(world.file.id, guard=LockGuard(None), now=clock.now())
    assert await store.find_previews([world.file.id]) == {}
    assert await store.list_file_ids() == []
    assert not await store.finish(world.file.id, 1, worker="w1", pages=1, now=clock.now())


async def test_claim_next_trashed_file_never_claimed_until_restored(
    store: SqlPreviewStore, world: World, db: Database, clock: FakeClock
) -> None:
    trash = SqlTrashStore(db)
    await trash.trash_file(world.file.id, deleted_by=world.owner.id, now=clock.now())

    assert await claim(store, clock) is None
    await trash.restore(world.file.id)
    claimed = await claim(store, clock)
    assert claimed is not None
    assert claimed.id == world.file.id
