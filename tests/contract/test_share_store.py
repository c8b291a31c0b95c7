"""The ShareStore contract: one share per file and user, replaced in place, revocable."""

from __future__ import annotations

import anyio
import pytest

from tests.contract.conftest import World, make_file
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.adapters.sql.shares import SqlShareStore
from wopihost.domain.permissions import Role
from wopihost.domain.records import Share

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("role", [Role.VIEW, Role.VIEW_NO_DOWNLOAD, Role.EDIT])
async def test_set_share_new_lists_share(
    share_store: SqlShareStore, clock: FakeClock, world: World, role: Role
) -> None:
    await share_store.set_share(world.file.id, world.other.id, role, now=clock.now())

    assert await share_store.list_shares(world.file.id) == [Share(world.file.id, world.other.id, role)]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (Role.VIEW, Role.EDIT),
        (Role.EDIT, Role.VIEW),
        (Role.VIEW, Role.VIEW),
        (Role.VIEW, Role.VIEW_NO_DOWNLOAD),
        (Role.VIEW_NO_DOWNLOAD, Role.EDIT),
    ],
)
async def test_set_share_again_replaces_role(
    share_store: SqlShareStore, clock: FakeClock, world: World, first: Role, second: Role
) -> None:
    await share_store.set_share(world.file.id, world.other.id, first, now=clock.now())

    await share_store.set_share(world.file.id, world.other.id, second, now=clock.now())

    assert await share_store.list_shares(world.file.id) == [Share(world.file.id, world.other.id, second)]


async def test_list_shares_several_users_lists_each_once(
    share_store: SqlShareStore, clock: FakeClock, world: World
) -> None:
    await share_store.set_share(world.file.id, world.other.id, Role.EDIT, now=clock.now())
    await share_store.set_share(world.file.id, world.third.id, Role.VIEW, now=clock.now())

    shares = await share_store.list_shares(world.file.id)

    assert sorted(shares, key=lambda s: s.user_id) == sorted(
        [Share(world.file.id, world.other.id, Role.EDIT), Share(world.file.id, world.third.id, Role.VIEW)],
        key=lambda s: s.user_id,
    )


async def test_remove_share_existing_returns_true_then_false(
    share_store: SqlShareStore, clock: FakeClock, world: World
) -> None:
    await share_store.set_share(world.file.id, world.other.id, Role.EDIT, now=clock.now())

    first = await share_store.remove_share(world.file.id, world.other.id)
    second = await share_store.remove_share(world.file.id, world.other.id)

    assert (first, second) == (True, False)
    assert await share_store.list_shares(world.file.id) == []


async def test_remove_share_of_other_user_keeps_share(
    share_store: SqlShareStore, clock: FakeClock, world: World
) -> None:
    await share_store.set_share(world.file.id, world.other.id, Role.EDIT, now=clock.now())

    assert await share_store.remove_share(world.file.id, world.third.id) is False
    assert len(await share_store.list_shares(world.file.id)) == 1


async def test_list_shared_with_returns_files_by_name_with_roles(
    share_store: SqlShareStore, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    later = await make_file(file_store, world.owner, clock, "B.xlsx")
    earlier = await make_file(file_store, world.third, clock, "0-first.pptx")
    await share_store.set_share(later.id, world.other.id, Role.VIEW, now=clock.now())
    await share_store.set_share(world.file.id, world.other.id, Role.EDIT, now=clock.now())
    await share_store.set_share(earlier.id, world.other.id, Role.VIEW, now=clock.now())

    shared = await share_store.list_shared_with(world.other.id)

    assert shared == [(earlier, Role.VIEW), (world.file, Role.EDIT), (later, Role.VIEW)]
    assert await share_store.list_shared_with(world.owner.id) == []


async def test_revoked_share_no_longer_grants_access(
    share_store: SqlShareStore, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    await share_store.set_share(world.file.id, world.other.id, Role.EDIT, now=clock.now())
    granted = await file_store.find_access(world.file.id, world.other.id)

    await share_store.remove_share(world.file.id, world.other.id)

    assert granted is not None
    assert granted.role is Role.EDIT
    assert await file_store.find_access(world.file.id, world.other.id) is None


async def test_list_shares_of_unknown_file_is_empty(share_store: SqlShareStore) -> None:
    assert await share_store.list_shares("nosuchfile") == []
    assert await share_store.remove_share("nosuchfile", "nosuchuser") is False


async def test_set_share_concurrently_for_same_user_keeps_one_share(
    share_store: SqlShareStore, clock: FakeClock, world: World
) -> None:
    roles = [Role.VIEW, Role.EDIT] * 4

    async with anyio.create_task_group() as tg:
        for role in roles:
            tg.start_soon(
                lambda r=role: share_store.set_share(world.file.id, world.other.id, r, now=clock.now())
            )

    shares = await share_store.list_shares(world.file.id)
    assert len(shares) == 1
    assert shares[0].role in (Role.VIEW, Role.EDIT)
