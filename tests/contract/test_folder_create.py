"""The Folders contract for creating a folder under a name that must be free (CreateChildContainer)."""

from __future__ import annotations

import anyio
import pytest

from tests.contract.conftest import World
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.domain.records import Folder
from wopihost.errors import NotFound

pytestmark = pytest.mark.anyio


async def test_create_folder_makes_a_new_child(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    root = world.owner.root_folder_id
    created = await file_store.create_folder(world.owner.id, root, "Reports", now=clock.now())

    assert created is not None
    assert created.name == "Reports"
    assert created.parent_id == root
    assert await file_store.find_folder(created.id) == created


@pytest.mark.parametrize("name", ["Reports", "REPORTS", "reports"])
async def test_create_folder_with_a_taken_name_creates_nothing(
    file_store: SqlFileStore, clock: FakeClock, world: World, name: str
) -> None:
    root = world.owner.root_folder_id
    first = await file_store.ensure_folder(world.owner.id, root, "Reports", now=clock.now())

    assert await file_store.create_folder(world.owner.id, root, name, now=clock.now()) is None
    assert (await file_store.list_folder(root))[0] == [first]


async def test_create_folder_in_a_missing_parent_is_not_found(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    with pytest.raises(NotFound):
        await file_store.create_folder(world.owner.id, "nosuchfolder", "Reports", now=clock.now())


async def test_create_folder_concurrently_creates_exactly_one(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    made: list[Folder | None] = []

    async def create() -> None:
        made.append(
            await file_store.create_folder(
                world.owner.id, world.owner.root_folder_id, "Same", now=clock.now()
            )
        )

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(create)

    assert len([f for f in made if f is not None]) == 1
    assert len((await file_store.list_folder(world.owner.root_folder_id))[0]) == 1
