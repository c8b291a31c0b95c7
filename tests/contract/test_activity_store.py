"""The ActivityStore contract, on SQLite and PostgreSQL: idempotent activities, mentions, edits, deletions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.contract.conftest import World
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.activities import SqlActivityStore
from wopihost.adapters.sql.database import Database
from wopihost.domain.activities import CommentAction, CommentActivity, Mention, Person
from wopihost.domain.records import User

pytestmark = pytest.mark.anyio


@pytest.fixture
def store(db: Database) -> SqlActivityStore:
    return SqlActivityStore(db)


def comment(
    n: int, action: CommentAction = CommentAction.CREATED, text: str = "hello", *, content: str = "c1",
    nav: str = "n1", people: tuple[Person, ...] = (),
) -> CommentActivity:  # fmt: skip
    return CommentActivity(
        activity_id=f"0000000{n}-ABCD-0000-0000-000000000000",
        content_id=content,
        action=action,
        text=text,
        navigation_id=nav,
        is_reply=False,
        people=people,
    )


def mention(world: World, user: User, text: str = "hello", content: str = "c1", nav: str = "n1") -> Mention:
    return Mention(user.id, world.file.id, content, nav, text, world.owner.id, world.owner.display_name)


async def apply(
    store: SqlActivityStore, world: World, clock: FakeClock, activity: CommentActivity, *mentions: Mention
) -> bool:
    clock.advance(timedelta(seconds=1))
    return await store.apply_comment(
        world.file.id,
        activity,
        actor_id=world.owner.id,
        actor_name="Alice",
        mentions=mentions,
        now=clock.now(),
    )


async def texts(store: SqlActivityStore, user: User, *, unread_only: bool = False) -> list[str]:
    return [n.excerpt for n in await store.list_notifications(user.id, unread_only=unread_only, limit=50)]


async def test_created_comment_notifies_each_mention_once(
    store: SqlActivityStore, world: World, clock: FakeClock
) -> None:
    assert await apply(
        store, world, clock, comment(1), mention(world, world.other), mention(world, world.third)
    )
    [note] = await store.list_notifications(world.other.id, unread_only=False, limit=10)
    assert (note.file_id, note.content_id, note.navigation_id, note.excerpt) == (
        world.file.id,
        "c1",
        "n1",
        "hello",
    )
    assert (note.actor_id, note.actor_name, note.read) == (world.owner.id, "Alice", False)
    assert await store.count_unread(world.third.id) == 1
    assert await store.count_unread(world.owner.id) == 0


async def test_retried_activity_id_in_any_case_changes_nothing(
    store: SqlActivityStore, world: World, clock: FakeClock
) -> None:
    assert await apply(store, world, clock, comment(1), mention(world, world.other))
    await apply(store, world, clock, comment(2, CommentAction.DELETED))
    retried = comment(1, text="again")
    lower = CommentActivity(
        retried.activity_id.lower(), "c1", CommentAction.CREATED, "again", "n1", is_reply=False, people=()
    )
    assert not await apply(store, world, clock, retried, mention(world, world.other))
    assert not await apply(store, world, clock, lower, mention(world, world.other))
    assert await texts(store, world.other) == []


async def test_update_rewrites_text_and_navigation_and_keeps_read_state(
    store: SqlActivityStore, world: World, clock: FakeClock
) -> None:
    await apply(store, world, clock, comment(1), mention(world, world.other))
    [note] = await store.list_notifications(world.other.id, unread_only=False, limit=10)
    assert await store.mark_read(world.other.id, note.id, now=clock.now())
    await apply(store, world, clock, comment(2, CommentAction.UPDATED, "  edited\n text ", nav="n2"))
    [edited] = await store.list_notifications(world.other.id, unread_only=False, limit=10)
    assert (edited.id, edited.excerpt, edited.navigation_id, edited.read) == (
        note.id,
        "edited text",
        "n2",
        True,
    )
    assert edited.updated_at > note.updated_at


async def test_update_naming_people_moves_the_notification(
    store: SqlActivityStore, world: World, clock: FakeClock
) -> None:
    await apply(store, world, clock, comment(1), mention(world, world.other))
    someone = Person("Carol", world.third.id, "wopi", "", True)
    await apply(
        store,
        world,
        clock,
        comment(2, CommentAction.UPDATED, "x", people=(someone,)),
        mention(world, world.third, "x"),
    )
    assert await texts(store, world.other) == []
    assert await texts(store, world.third) == ["x"]


async def test_delete_hides_the_comment_and_a_new_mention_brings_it_back(
    store: SqlActivityStore, world: World, clock: FakeClock
) -> None:
    await apply(store, world, clock, comment(1), mention(world, world.other))
    await apply(store, world, clock, comment(2, CommentAction.DELETED))
    assert await texts(store, world.other) == []
    assert await store.count_unread(world.other.id) == 0
    await apply(store, world, clock, comment(3, text="back"), mention(world, world.other, "back"))
    assert await texts(store, world.other) == ["back"]


async def test_comments_are_told_apart_by_content_id_even_when_long(
    store: SqlActivityStore, world: World, clock: FakeClock
) -> None:
    long_a, long_b = "é" * 1024, "é" * 1023 + "f"
    await apply(
        store, world, clock, comment(1, text="a", content=long_a), mention(world, world.other, "a", long_a)
    )
    await apply(
        store, world, clock, comment(2, text="b", content=long_b), mention(world, world.other, "b", long_b)
    )
    await apply(store, world, clock, comment(3, CommentAction.DELETED, content=long_a))
    assert await texts(store, world.other) == ["b"]


async def test_mark_read_and_mark_all_read_touch_only_the_recipient(
    store: SqlActivityStore, world: World, clock: FakeClock
) -> None:
    await apply(
        store,
        world,
        clock,
        comment(1, text="one"),
        mention(world, world.other, "one"),
        mention(world, world.third, "one"),
    )
    await apply(
        store, world, clock, comment(2, text="two", content="c2"), mention(world, world.other, "two", "c2")
    )
    notes = await store.list_notifications(world.other.id, unread_only=False, limit=10)
    assert [n.excerpt for n in notes] == ["two", "one"]
    assert not await store.mark_read(world.third.id, notes[0].id, now=clock.now())
    assert await store.mark_read(world.other.id, notes[0].id, now=clock.now())
    assert await texts(store, world.other, unread_only=True) == ["one"]
    assert await store.mark_all_read(world.other.id, now=clock.now()) == 1
    assert await store.count_unread(world.other.id) == 0
    assert await store.count_unread(world.third.id) == 1
    assert await store.mark_all_read(world.other.id, now=clock.now()) == 0
