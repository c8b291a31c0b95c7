"""The TrashStore contract for trashing a folder only if it is empty (DeleteContainer): one transaction."""

from __future__ import annotations

import pytest

from tests.contract.conftest import World, make_file
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.adapters.sql.trash import SqlTrashStore

pytestmark = pytest.mark.anyio


@pytest.fixture
def trash_store(db: Database) -> SqlTrashStore:
    return SqlTrashStore(db)


async def test_trash_empty_folder_only_if_empty_trashes_it(
    trash_store: SqlTrashStore, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    folder = await file_store.ensure_folder(world.owner.id, world.owner.root_folder_id, "E", now=clock.now())

    outcome = await trash_store.trash_folder(folder.id, deleted_by=None, now=clock.now(), only_if_empty=True)

    assert outcome is not None
    assert outcome.item is not None
    assert not outcome.not_empty
    assert await file_store.find_folder(folder.id) is None


@pytest.mark.parametrize("inside", ["file", "folder", "file-deeper"])
async def test_trash_folder_only_if_empty_refuses_and_keeps_everything(
    trash_store: SqlTrashStore, file_store: SqlFileStore, clock: FakeClock, world: World, inside: str
) -> None:
    folder = await file_store.ensure_folder(world.owner.id, world.owner.root_folder_id, "F", now=clock.now())
    child = await file_store.ensure_folder(world.owner.id, folder.id, "G", now=clock.now())
    if inside == "file":
        await make_file(file_store, world.owner, clock, "a.docx", folder_id=folder.id)
    elif inside == "file-deeper":
        await make_file(file_store, world.owner, clock, "a.docx", folder_id=child.id)
    target = child if inside == "file-deeper" else folder

    outcome = await trash_store.trash_folder(target.id, deleted_by=None, now=clock.now(), only_if_empty=True)

    assert outcome is not None
    assert outcome.item is None
    assert outcome.not_empty
    assert await file_store.find_folder(target.id) == target
    assert await trash_store.list_trash(world.owner.id) == []
