"""The Folders contract for moving a folder: the subtree moves whole with its IDs, or nothing changes."""

from __future__ import annotations

from dataclasses import dataclass

import anyio
import pytest

from tests.contract.conftest import World, make_file
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.adapters.sql.locks import SqlLockStore
from wopihost.adapters.sql.trash import SqlTrashStore
from wopihost.domain.locks import LOCK_TTL
from wopihost.domain.records import FileRecord, Folder

pytestmark = pytest.mark.anyio


@dataclass
class Tree:
    """/Reports (top.docx, 2026/ (inner.xlsx)) beside /Archive (Reports/)."""

    top: Folder
    inner: Folder
    archive: Folder
    clash: Folder
    files: list[FileRecord]


@pytest.fixture
async def tree(file_store: SqlFileStore, clock: FakeClock, world: World) -> Tree:
    owner, root = world.owner.id, world.owner.root_folder_id
    top = await file_store.ensure_folder(owner, root, "Reports", now=clock.now())
    inner = await file_store.ensure_folder(owner, top.id, "2026", now=clock.now())
    archive = await file_store.ensure_folder(owner, root, "Archive", now=clock.now())
    clash = await file_store.ensure_folder(owner, archive.id, "reports", now=clock.now())
    files = [
        await make_file(file_store, world.owner, clock, "top.docx", folder_id=top.id),
        await make_file(file_store, world.owner, clock, "inner.xlsx", folder_id=inner.id),
    ]
    return Tree(top, inner, archive, clash, files)


async def test_move_folder_moves_subtree_keeping_every_id(
    file_store: SqlFileStore, clock: FakeClock, world: World, tree: Tree
) -> None:
    outcome = await file_store.move_folder(tree.inner.id, tree.archive.id, now=clock.now())

    assert outcome is not None
    assert outcome.folder == Folder(tree.inner.id, world.owner.id, tree.archive.id, "2026")
    assert [f.id for f in (await file_store.list_folder(tree.inner.id))[1]] == [tree.files[1].id]
    assert [f.name for f in (await file_store.list_folder(tree.archive.id))[0]] == ["2026", "reports"]
    assert [f.name for f in (await file_store.folder_path(tree.inner.id))] == ["", "Archive", "2026"]
    assert await file_store.find_file(tree.files[1].id) == tree.files[1]


async def test_move_folder_into_itself_or_descendant_refuses_as_cycle(
    file_store: SqlFileStore, clock: FakeClock, tree: Tree
) -> None:
    for target in (tree.top, tree.inner):
        outcome = await file_store.move_folder(tree.top.id, target.id, now=clock.now())

        assert outcome is not None
        assert (outcome.folder, outcome.cycle) == (None, True)
    assert (await file_store.find_folder(tree.top.id)) == tree.top
    assert (await file_store.find_folder(tree.inner.id)) == tree.inner


async def test_move_folder_with_locked_file_inside_refuses_naming_it(
    file_store: SqlFileStore, lock_store: SqlLockStore, clock: FakeClock, world: World, tree: Tree
) -> None:
    await lock_store.acquire(tree.files[1].id, "lock-A", user_id=world.other.id, now=clock.now())

    outcome = await file_store.move_folder(tree.top.id, tree.archive.id, now=clock.now())

    assert outcome is not None
    assert outcome.folder is None
    assert outcome.blocking_file is not None
    assert outcome.blocking_file.id == tree.files[1].id
    assert (await file_store.find_folder(tree.top.id)) == tree.top


async def test_move_folder_with_expired_lock_inside_succeeds(
    file_store: SqlFileStore, lock_store: SqlLockStore, clock: FakeClock, world: World, tree: Tree
) -> None:
    await lock_store.acquire(tree.files[1].id, "lock-A", user_id=world.other.id, now=clock.now())
    clock.advance(LOCK_TTL)

    outcome = await file_store.move_folder(tree.inner.id, tree.archive.id, now=clock.now())

    assert outcome is not None
    assert outcome.folder is not None


async def test_move_folder_onto_sibling_name_in_any_case_refuses_as_name_taken(
    file_store: SqlFileStore, clock: FakeClock, tree: Tree
) -> None:
    outcome = await file_store.move_folder(tree.top.id, tree.archive.id, now=clock.now())

    assert outcome is not None
    assert (outcome.folder, outcome.name_taken) == (None, True)
    assert (await file_store.find_folder(tree.top.id)) == tree.top


async def test_move_unknown_folder_or_into_unknown_folder_returns_none(
    file_store: SqlFileStore, clock: FakeClock, tree: Tree
) -> None:
    assert await file_store.move_folder("nosuchfolder", tree.archive.id, now=clock.now()) is None
    assert await file_store.move_folder(tree.top.id, "nosuchfolder", now=clock.now()) is None


async def test_concurrent_crossing_moves_never_make_a_cycle(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    owner, root = world.owner.id, world.owner.root_folder_id
    first = await file_store.ensure_folder(owner, root, "A", now=clock.now())
    second = await file_store.ensure_folder(owner, root, "B", now=clock.now())
    outcomes = []

    async def move(folder: Folder, target: Folder) -> None:
        outcomes.append(await file_store.move_folder(folder.id, target.id, now=clock.now()))

    for _round in range(5):
        outcomes.clear()
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(move, first, second)
            tasks.start_soon(move, second, first)

        assert sorted(o.cycle for o in outcomes if o is not None) == [False, True]
        # Both back under the root for the next round.
        for folder in (first, second):
            await file_store.move_folder(folder.id, root, now=clock.now())
    assert {f.name for f in (await file_store.list_folder(root))[0]} >= {"A", "B"}


async def test_move_folder_into_trashed_folder_refused_nothing_moves(
    file_store: SqlFileStore, db: Database, clock: FakeClock, world: World, tree: Tree
) -> None:
    await SqlTrashStore(db).trash_folder(tree.archive.id, deleted_by=world.owner.id, now=clock.now())

    assert await file_store.move_folder(tree.inner.id, tree.archive.id, now=clock.now()) is None
    assert [f.name for f in (await file_store.folder_path(tree.inner.id))] == ["", "Reports", "2026"]
