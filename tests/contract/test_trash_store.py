"""The TrashStore contract: trashed files and folders vanish from every other store, keep their versions
and shares, come back under a free name (in the root if their folder is gone), and go for good in one
transaction that names every blob to delete."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from functools import partial

import anyio
import pytest

from tests.contract.conftest import World, commit_new_version, make_file
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.adapters.sql.locks import SqlLockStore
from wopihost.adapters.sql.shares import SqlShareStore
from wopihost.adapters.sql.trash import SqlTrashStore
from wopihost.domain.locks import LockGuard
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord
from wopihost.domain.trash import TrashKind
from wopihost.errors import NotFound

pytestmark = pytest.mark.anyio


@pytest.fixture
def trash_store(db: Database) -> SqlTrashStore:
    return SqlTrashStore(db)


async def _invisible(
    files: SqlFileStore, locks: SqlLockStore, shares: SqlShareStore, file: FileRecord, world: World
) -> None:
    """Assert that no other store sees the file any more."""
    now = FakeClock().now()
    assert await files.find_file(file.id) is None
    assert await files.find_access(file.id, file.owner_id) is None
    assert await files.find_file_by_name(file.folder_id, file.name) is None
    assert file.id not in [f.id for f in (await files.list_folder(file.folder_id))[1]]
    assert await shares.list_shared_with(world.other.id) == []
    assert await locks.get(file.id, now=now) is None
    assert await locks.acquire(file.id, "L", user_id=world.owner.id, now=now) is None
    guard = LockGuard(None)
    assert await files.rename_file(file.id, "x.docx", guard=guard, now=now) is None
    assert await files.delete_file(file.id, guard=guard, now=now) is None


async def test_trash_file_hides_it_everywhere_and_frees_its_name(
    trash_store: SqlTrashStore,
    file_store: SqlFileStore,
    lock_store: SqlLockStore,
    share_store: SqlShareStore,
    clock: FakeClock,
    world: World,
) -> None:
    await share_store.set_share(world.file.id, world.other.id, Role.EDIT, now=clock.now())

    outcome = await trash_store.trash_file(world.file.id, deleted_by=world.owner.id, now=clock.now())

    assert outcome is not None
    assert outcome.item is not None
    item = outcome.item
    assert (item.id, item.kind, item.name, item.folder_id) == (
        world.file.id,
        TrashKind.FILE,
        "a.docx",
        world.owner.root_folder_id,
    )
    assert (item.files, item.folders, item.size, item.stored_bytes) == (1, 0, 5, 5)
    await _invisible(file_store, lock_store, share_store, world.file, world)
    assert await make_file(file_store, world.owner, clock, "a.docx")  # The name is free again.
    assert await trash_store.trash_file(world.file.id, deleted_by=None, now=clock.now()) is None
    assert [i.id for i in await trash_store.list_trash(world.owner.id)] == [world.file.id]
    assert await trash_store.list_trash(world.other.id) == []


async def test_trash_file_locked_refused_and_kept(
    trash_store: SqlTrashStore,
    file_store: SqlFileStore,
    lock_store: SqlLockStore,
    clock: FakeClock,
    world: World,
) -> None:
    await lock_store.acquire(world.file.id, "L", user_id=world.other.id, now=clock.now())

    outcome = await trash_store.trash_file(world.file.id, deleted_by=world.owner.id, now=clock.now())

    assert outcome is not None
    assert outcome.item is None
    assert outcome.blocking_file is not None
    assert outcome.blocking_file.id == world.file.id
    assert await file_store.find_file(world.file.id) is not None
    assert await trash_store.list_trash(world.owner.id) == []


async def test_restore_file_brings_back_versions_shares_and_name(
    trash_store: SqlTrashStore,
    file_store: SqlFileStore,
    share_store: SqlShareStore,
    clock: FakeClock,
    world: World,
) -> None:
    await commit_new_version(file_store, world.file, clock, source="upload")
    await share_store.set_share(world.file.id, world.other.id, Role.EDIT, now=clock.now())
    versions = await file_store.list_versions(world.file.id)
    await trash_store.trash_file(world.file.id, deleted_by=world.owner.id, now=clock.now())

    restored = await trash_store.restore(world.file.id)

    assert restored is not None
    assert (restored.name, restored.folder_id, restored.to_root, restored.renamed) == (
        "a.docx",
        world.owner.root_folder_id,
        False,
        False,
    )
    assert await file_store.list_versions(world.file.id) == versions
    assert [(f.id, r) for f, r in await share_store.list_shared_with(world.other.id)] == [
        (world.file.id, Role.EDIT)
    ]
    assert (await file_store.find_file_by_name(world.owner.root_folder_id, "A.DOCX")) is not None
    assert await trash_store.list_trash(world.owner.id) == []
    assert await trash_store.restore(world.file.id) is None


async def test_restore_file_name_taken_meanwhile_numbered(
    trash_store: SqlTrashStore, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    await trash_store.trash_file(world.file.id, deleted_by=None, now=clock.now())
    await make_file(file_store, world.owner, clock, "A.docx")
    await make_file(file_store, world.owner, clock, "a (2).docx")

    restored = await trash_store.restore(world.file.id)

    assert restored is not None
    assert restored.renamed
    assert restored.name == "a (3).docx"
    found = await file_store.find_file_by_name(world.owner.root_folder_id, "a (3).docx")
    assert found is not None
    assert found.id == world.file.id


async def test_trash_folder_hides_everything_inside_and_restore_brings_it_back(
    trash_store: SqlTrashStore,
    file_store: SqlFileStore,
    lock_store: SqlLockStore,
    share_store: SqlShareStore,
    clock: FakeClock,
    world: World,
) -> None:
    root = world.owner.root_folder_id
    reports = await file_store.ensure_folder(world.owner.id, root, "Reports", now=clock.now())
    inner = await file_store.ensure_folder(world.owner.id, reports.id, "2026", now=clock.now())
    deep = await make_file(file_store, world.owner, clock, "deep.docx", size=7, folder_id=inner.id)
    await share_store.set_share(deep.id, world.other.id, Role.VIEW, now=clock.now())

    outcome = await trash_store.trash_folder(reports.id, deleted_by=world.owner.id, now=clock.now())

    assert outcome is not None
    assert outcome.item is not None
    assert (outcome.item.kind, outcome.item.files, outcome.item.folders, outcome.item.size) == (
        TrashKind.FOLDER,
        1,
        1,
        7,
    )
    await _invisible(file_store, lock_store, share_store, deep, world)
    assert await file_store.find_folder(reports.id) is None
    assert await file_store.find_folder(inner.id) is None
    assert [f.name for f in (await file_store.list_folder(root))[0]] == []
    assert await file_store.rename_folder(reports.id, "Other") is None
    await file_store.ensure_folder(world.owner.id, root, "Reports", now=clock.now())  # The name is free.

    restored = await trash_store.restore(reports.id)

    assert restored is not None
    assert restored.name == "Reports (2)"
    assert await file_store.find_folder(inner.id) == inner
    assert (await file_store.find_file(deep.id)) == deep
    assert [f.id for f, _r in await share_store.list_shared_with(world.other.id)] == [deep.id]


async def test_trash_folder_with_locked_file_inside_refused_and_kept(
    trash_store: SqlTrashStore,
    file_store: SqlFileStore,
    lock_store: SqlLockStore,
    clock: FakeClock,
    world: World,
) -> None:
    folder = await file_store.ensure_folder(world.owner.id, world.owner.root_folder_id, "R", now=clock.now())
    inside = await make_file(file_store, world.owner, clock, "in.docx", folder_id=folder.id)
    await lock_store.acquire(inside.id, "L", user_id=world.other.id, now=clock.now())

    outcome = await trash_store.trash_folder(folder.id, deleted_by=world.owner.id, now=clock.now())

    assert outcome is not None
    assert outcome.item is None
    assert outcome.blocking_file is not None
    assert outcome.blocking_file.id == inside.id
    assert await file_store.find_folder(folder.id) == folder
    assert await file_store.find_file(inside.id) is not None


async def test_trash_root_folder_not_found(
    trash_store: SqlTrashStore, clock: FakeClock, world: World
) -> None:
    assert (
        await trash_store.trash_folder(world.owner.root_folder_id, deleted_by=None, now=clock.now()) is None
    )


async def test_trashed_folder_accepts_no_new_file_folder_or_move(
    trash_store: SqlTrashStore, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    folder = await file_store.ensure_folder(world.owner.id, world.owner.root_folder_id, "R", now=clock.now())
    await trash_store.trash_folder(folder.id, deleted_by=None, now=clock.now())

    with pytest.raises(NotFound):
        await make_file(file_store, world.owner, clock, "new.docx", folder_id=folder.id)
    with pytest.raises(NotFound):
        await file_store.ensure_folder(world.owner.id, folder.id, "Sub", now=clock.now())
    with pytest.raises(NotFound):
        await file_store.move_file(world.file.id, folder.id, guard=LockGuard(None), now=clock.now())
    assert (await file_store.find_file(world.file.id)) == world.file


async def test_restore_file_whose_folder_is_in_trash_goes_to_root(
    trash_store: SqlTrashStore, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    folder = await file_store.ensure_folder(world.owner.id, world.owner.root_folder_id, "R", now=clock.now())
    inside = await make_file(file_store, world.owner, clock, "in.docx", folder_id=folder.id)
    await trash_store.trash_file(inside.id, deleted_by=None, now=clock.now())
    await trash_store.trash_folder(folder.id, deleted_by=None, now=clock.now())

    restored = await trash_store.restore(inside.id)

    assert restored is not None
    assert restored.to_root
    assert restored.folder_id == world.owner.root_folder_id
    file = await file_store.find_file(inside.id)
    assert file is not None
    assert file.folder_id == world.owner.root_folder_id
    # The folder's own trash item is untouched, and restoring it no longer brings the file.
    assert [i.id for i in await trash_store.list_trash(world.owner.id)] == [folder.id]


async def test_purge_folder_deletes_rows_names_every_blob_and_moves_earlier_items_to_root(
    trash_store: SqlTrashStore,
    file_store: SqlFileStore,
    share_store: SqlShareStore,
    clock: FakeClock,
    world: World,
) -> None:
    folder = await file_store.ensure_folder(world.owner.id, world.owner.root_folder_id, "R", now=clock.now())
    sub = await file_store.ensure_folder(world.owner.id, folder.id, "Sub", now=clock.now())
    gone = await make_file(file_store, world.owner, clock, "gone.docx", folder_id=folder.id)
    await commit_new_version(file_store, gone, clock, source="upload")
    await share_store.set_share(gone.id, world.other.id, Role.EDIT, now=clock.now())
    earlier = await make_file(file_store, world.owner, clock, "earlier.docx", folder_id=sub.id)
    keys = {v.blob_key for v in await file_store.list_versions(gone.id)}
    await trash_store.trash_file(earlier.id, deleted_by=None, now=clock.now())
    await trash_store.trash_folder(folder.id, deleted_by=None, now=clock.now())

    released = await trash_store.purge(folder.id)

    assert released is not None
    assert set(released) == keys
    assert await file_store.list_versions(gone.id) == []
    assert await share_store.list_shares(gone.id) == []
    assert await trash_store.find_item(folder.id) is None
    assert await trash_store.purge(folder.id) is None
    restored = await trash_store.restore(earlier.id)
    assert restored is not None
    assert restored.to_root
    assert restored.name == "earlier.docx"
    assert (await file_store.list_folder(world.owner.root_folder_id))[1][-1].id == earlier.id


async def test_list_expired_oldest_first_up_to_limit(
    trash_store: SqlTrashStore, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    files = [world.file, *[await make_file(file_store, world.owner, clock, f"{n}.docx") for n in range(2)]]
    for file in files:
        await trash_store.trash_file(file.id, deleted_by=None, now=clock.now())
        clock.advance(timedelta(days=1))

    expired = await trash_store.list_expired(clock.now() - timedelta(days=1, hours=12), limit=5)
    limited = await trash_store.list_expired(clock.now(), limit=2)

    assert [i.id for i in expired] == [files[0].id, files[1].id]
    assert [i.id for i in limited] == [files[0].id, files[1].id]


async def test_trash_file_racing_lock_one_wins_and_never_both(
    trash_store: SqlTrashStore,
    file_store: SqlFileStore,
    lock_store: SqlLockStore,
    clock: FakeClock,
    world: World,
) -> None:
    for n in range(8):
        file = await make_file(file_store, world.owner, clock, f"race {n}.docx")

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(partial(trash_store.trash_file, file.id, deleted_by=None, now=clock.now()))
            tasks.start_soon(
                partial(lock_store.acquire, file.id, "L", user_id=world.other.id, now=clock.now())
            )

        trashed = await trash_store.find_item(file.id) is not None
        live = await file_store.find_file(file.id)
        assert trashed != (live is not None)
        if live is not None:
            assert live.active_lock(clock.now()) is not None


async def _create_unless_gone(
    files: SqlFileStore, world: World, clock: FakeClock, folder_id: str, created: list[FileRecord]
) -> None:
    with contextlib.suppress(NotFound):
        created.append(await make_file(files, world.owner, clock, "x.docx", folder_id=folder_id))


async def test_create_file_racing_trash_folder_leaves_no_live_file_inside(
    trash_store: SqlTrashStore, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    for n in range(8):
        root = world.owner.root_folder_id
        folder = await file_store.ensure_folder(world.owner.id, root, f"F{n}", now=clock.now())
        created: list[FileRecord] = []

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_create_unless_gone, file_store, world, clock, folder.id, created)
            tasks.start_soon(partial(trash_store.trash_folder, folder.id, deleted_by=None, now=clock.now()))

        item = await trash_store.find_item(folder.id)
        assert item is not None
        assert item.files == len(created)  # A file that got in went to the trash with the folder.
        for file in created:
            assert await file_store.find_file(file.id) is None
        assert await trash_store.restore(folder.id) is not None
        assert [f.id for f in (await file_store.list_folder(folder.id))[1]] == [f.id for f in created]
