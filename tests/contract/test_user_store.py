"""The UserStore contract: stable user IDs, unique usernames, root folders, UserInfo strings."""

from __future__ import annotations

import anyio
import pytest

from tests.contract.conftest import make_user
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.adapters.sql.users import SqlUserStore
from wopihost.domain.ids import looks_like_id
from wopihost.domain.records import Folder
from wopihost.errors import AlreadyExists

pytestmark = pytest.mark.anyio


async def test_add_user_creates_user_with_stable_id_and_root_folder(
    user_store: SqlUserStore, file_store: SqlFileStore, clock: FakeClock
) -> None:
    user = await user_store.add_user(
        username="alice", display_name="Alice A.", password_hash="hash", is_admin=True, now=clock.now()
    )

    found = await user_store.find_user(user.id)
    root = await file_store.find_folder(user.root_folder_id)

    assert looks_like_id(user.id)
    assert looks_like_id(user.root_folder_id)
    assert found == user
    assert (found.username, found.display_name, found.is_admin, found.has_password) == (
        "alice",
        "Alice A.",
        True,
        True,
    )
    assert root == Folder(id=user.root_folder_id, owner_id=user.id, parent_id=None, name="")


async def test_add_user_with_taken_username_raises_already_exists(
    user_store: SqlUserStore, clock: FakeClock
) -> None:
    first = await make_user(user_store, clock, "alice")

    with pytest.raises(AlreadyExists):
        await make_user(user_store, clock, "alice")

    assert await user_store.list_users() == [first]


async def test_add_user_twice_gives_distinct_ids(user_store: SqlUserStore, clock: FakeClock) -> None:
    alice = await make_user(user_store, clock, "alice")
    bob = await make_user(user_store, clock, "bob")

    assert alice.id != bob.id
    assert alice.root_folder_id != bob.root_folder_id


@pytest.mark.parametrize("is_admin", [True, False])
async def test_find_user_by_name_round_trips_flags(
    user_store: SqlUserStore, clock: FakeClock, is_admin: bool
) -> None:
    user = await make_user(user_store, clock, "bob", is_admin=is_admin)

    found = await user_store.find_user_by_name("bob")

    assert found == user
    assert found is not None
    assert found.is_admin is is_admin
    assert found.has_password is False


async def test_find_unknown_user_returns_none(user_store: SqlUserStore) -> None:
    assert await user_store.find_user("nosuchuser") is None
    assert await user_store.find_user_by_name("nobody") is None
    assert await user_store.find_password_hash("nobody") is None


async def test_set_password_hash_then_find_password_hash_returns_it(
    user_store: SqlUserStore, clock: FakeClock
) -> None:
    user = await make_user(user_store, clock, "carol")

    await user_store.set_password_hash(user.id, "$argon2id$v=19$fake")
    with_hash = await user_store.find_password_hash("carol")
    await user_store.set_password_hash(user.id, None)
    without = await user_store.find_password_hash("carol")

    assert with_hash is not None
    assert with_hash[1] == "$argon2id$v=19$fake"
    assert with_hash[0].has_password
    assert without is not None
    assert without[1] is None
    assert not without[0].has_password


@pytest.mark.parametrize("info", ["", "plain", "\u00fcnïcode \u2603 " * 80, "x" * 1024])
async def test_set_user_info_round_trips_text(user_store: SqlUserStore, clock: FakeClock, info: str) -> None:
    user = await make_user(user_store, clock, "dave")

    await user_store.set_user_info(user.id, info)

    found = await user_store.find_user(user.id)
    assert found is not None
    assert found.user_info == info


async def test_set_business_user_round_trips_and_leaves_other_users(
    user_store: SqlUserStore, clock: FakeClock
) -> None:
    erin = await make_user(user_store, clock, "erin")
    frank = await make_user(user_store, clock, "frank")

    marked = await user_store.set_business_user(erin.id, True)
    after_mark = await user_store.find_user(erin.id)
    unmarked = await user_store.set_business_user(erin.id, False)
    after_unmark = await user_store.find_user_by_name("erin")

    assert (marked, unmarked) == (True, True)
    assert after_mark is not None
    assert after_mark.is_business_user is True
    assert after_unmark is not None
    assert after_unmark.is_business_user is False
    assert await user_store.find_user(frank.id) == frank


async def test_set_business_user_unknown_user_returns_false(user_store: SqlUserStore) -> None:
    assert await user_store.set_business_user("nosuchusernosuchusernosu", True) is False


@pytest.mark.parametrize("is_business_user", [True, False])
async def test_add_user_round_trips_business_flag(
    user_store: SqlUserStore, clock: FakeClock, is_business_user: bool
) -> None:
    user = await user_store.add_user(
        username="gina",
        display_name="Gina",
        password_hash=None,
        is_admin=False,
        now=clock.now(),
        is_business_user=is_business_user,
    )

    assert user.is_business_user is is_business_user
    assert await user_store.find_user(user.id) == user


async def test_list_users_sorts_by_username(user_store: SqlUserStore, clock: FakeClock) -> None:
    for name in ("mallory", "alice", "bob"):
        await make_user(user_store, clock, name)

    assert [u.username for u in await user_store.list_users()] == ["alice", "bob", "mallory"]


async def test_add_user_concurrently_same_username_creates_one(
    user_store: SqlUserStore, clock: FakeClock
) -> None:
    outcomes: list[str] = []

    async def add() -> None:
        try:
            await make_user(user_store, clock, "racer")
            outcomes.append("created")
        except AlreadyExists:
            outcomes.append("exists")

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(add)

    assert sorted(outcomes) == ["created"] + ["exists"] * 4
    assert [u.username for u in await user_store.list_users()] == ["racer"]


async def test_set_locale_round_trips_clears_and_leaves_other_users(
    user_store: SqlUserStore, clock: FakeClock
) -> None:
    erin = await make_user(user_store, clock, "erin")
    frank = await make_user(user_store, clock, "frank")

    assert erin.locale is None
    assert await user_store.set_locale(erin.id, "de") is True
    after_set = await user_store.find_user_by_name("erin")
    assert await user_store.set_locale(erin.id, None) is True
    after_clear = await user_store.find_user(erin.id)

    assert after_set is not None
    assert after_set.locale == "de"
    assert after_clear is not None
    assert after_clear.locale is None
    assert await user_store.find_user(frank.id) == frank


async def test_set_locale_unknown_user_returns_false(user_store: SqlUserStore) -> None:
    assert await user_store.set_locale("nosuchusernosuchusernosu", "fr") is False
