"""The LinkStore contract, the sharing summary of the ShareStore, and the UserStore's people search."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.contract.conftest import World, make_file, make_user
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.adapters.sql.links import SqlLinkStore
from wopihost.adapters.sql.shares import SqlShareStore
from wopihost.adapters.sql.users import SqlUserStore
from wopihost.domain.links import ShareLink, new_link_id
from wopihost.domain.locks import LockGuard
from wopihost.domain.permissions import Role
from wopihost.ports import SharingSummary

pytestmark = pytest.mark.anyio


def _link(world: World, clock: FakeClock, **overrides: object) -> ShareLink:
    values: dict[str, object] = {
        "id": new_link_id(),
        "file_id": world.file.id,
        "role": Role.VIEW,
        "created_at": clock.now(),
        "created_by": world.owner.id,
    }
    values.update(overrides)
    return ShareLink(**values)  # type: ignore[arg-type]


async def test_add_link_found_by_id_with_every_field(
    link_store: SqlLinkStore, clock: FakeClock, world: World
) -> None:
    link = _link(
        world, clock, role=Role.EDIT, expires_at=clock.now() + timedelta(days=2), password_hash="$argon2id$x"
    )
    await link_store.add_link(link)

    assert await link_store.find_link(link.id) == link
    assert await link_store.find_link(new_link_id()) is None


async def test_list_links_oldest_first_only_this_file(
    link_store: SqlLinkStore, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    other = await make_file(file_store, world.owner, clock, "b.docx")
    first = _link(world, clock)
    clock.advance(timedelta(seconds=1))
    second = _link(world, clock, role=Role.EDIT)
    await link_store.add_link(second)
    await link_store.add_link(first)
    await link_store.add_link(_link(world, clock, file_id=other.id))

    assert [link.id for link in await link_store.list_links(world.file.id)] == [first.id, second.id]


async def test_remove_link_only_from_its_own_file(
    link_store: SqlLinkStore, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    other = await make_file(file_store, world.owner, clock, "b.docx")
    link = _link(world, clock)
    await link_store.add_link(link)

    assert await link_store.remove_link(other.id, link.id) is False
    assert await link_store.remove_link(world.file.id, link.id) is True
    assert await link_store.remove_link(world.file.id, link.id) is False
    assert await link_store.find_link(link.id) is None


async def test_sharing_summary_counts_people_and_active_links(
    share_store: SqlShareStore,
    link_store: SqlLinkStore,
    file_store: SqlFileStore,
    clock: FakeClock,
    world: World,
) -> None:
    lonely = await make_file(file_store, world.owner, clock, "lonely.docx")
    linked = await make_file(file_store, world.owner, clock, "linked.docx")
    await share_store.set_share(world.file.id, world.other.id, Role.VIEW, now=clock.now())
    await share_store.set_share(world.file.id, world.third.id, Role.EDIT, now=clock.now())
    await link_store.add_link(_link(world, clock, file_id=linked.id))
    await link_store.add_link(
        _link(world, clock, file_id=linked.id, expires_at=clock.now() + timedelta(hours=1))
    )

    ids = [world.file.id, lonely.id, linked.id]
    assert await share_store.sharing_summary(ids, now=clock.now()) == {
        world.file.id: SharingSummary(people=2, links=0),
        linked.id: SharingSummary(people=0, links=2),
    }
    later = clock.now() + timedelta(hours=2)
    assert await share_store.sharing_summary(ids, now=later) == {
        world.file.id: SharingSummary(people=2, links=0),
        linked.id: SharingSummary(people=0, links=1),
    }
    assert await share_store.sharing_summary([], now=later) == {}


async def test_search_users_matches_names_any_case_literally(
    user_store: SqlUserStore, clock: FakeClock, world: World
) -> None:
    await make_user(user_store, clock, "bobby_tables")
    await make_user(user_store, clock, "robert")

    found = await user_store.search_users("BOB", limit=10)
    assert [user.username for user in found] == ["bob", "bobby_tables"]
    assert [u.username for u in await user_store.search_users("_", limit=10)] == ["bobby_tables"]
    assert await user_store.search_users("%", limit=10) == []


async def test_search_users_excludes_and_limits(
    user_store: SqlUserStore, clock: FakeClock, world: World
) -> None:
    found = await user_store.search_users("", limit=2, exclude=[world.owner.id])

    assert [user.username for user in found] == ["bob", "carol"]
    assert len(await user_store.search_users("", limit=1)) == 1


async def test_delete_file_removes_its_links(
    link_store: SqlLinkStore, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    link = _link(world, clock)
    await link_store.add_link(link)

    deleted = await file_store.delete_file(world.file.id, guard=LockGuard(None), now=clock.now())

    assert deleted is not None
    assert deleted.file is not None
    assert await link_store.find_link(link.id) is None
