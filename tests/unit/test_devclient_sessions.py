"""Co-authoring sessions on a fake clock and an in-memory WOPI host: saves, tokens, checks, departures."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

import docx
import pytest

from tests.search_documents import word
from tests.unit.devclient_fakes import FakeHost, ManualClock, fake_wopi
from wopihost.devclient import file_ops
from wopihost.devclient.coauthoring import SessionManager
from wopihost.devclient.documents import blank_document
from wopihost.devclient.keys import DevClientKeys
from wopihost.devclient.policies import POLICIES, AppName, Timings
from wopihost.devclient.sessions import Departure, OpenFailure, Resume, SessionGone, new_lock_id
from wopihost.devclient.wopi_client import WopiTarget

pytestmark = pytest.mark.anyio
# Pages poll and so prove they are alive; these tests have no pages, so heartbeats never time out here.
TIMINGS = Timings(heartbeat_timeout=1e9)
KEYS = DevClientKeys.generate()


class World:
    """A manager, its clock and the fake host, with helpers to join and move time."""

    def __init__(self, timings: Timings = TIMINGS) -> None:
        self.clock = ManualClock()
        self.host = FakeHost()
        self.manager = SessionManager(
            fake_wopi(self.host, KEYS, self.clock), clock=self.clock, timings=timings
        )
        self.host.add_file("f1", "Doc.docx", word("one"))
        self.host.add_file("x1", "Book.xlsx", blank_document("Book.xlsx"))
        self.host.add_file("p1", "Deck.pptx", blank_document("Deck.pptx"))

    def target(self, name: str, file_id: str = "f1", **kw: bool) -> WopiTarget:
        return self.host.target(file_id, f"token-{name}-{file_id}", name, **kw)

    async def join(self, name: str, file_id: str = "f1", app: AppName = "Word", **kw: Any) -> str:
        pid = f"pid-{name}-{file_id}"
        await self.manager.join(pid=pid, target=self.target(name, file_id), policy=POLICIES[app], **kw)
        return pid

    async def at(self, seconds: float) -> None:
        """Move to `seconds` on the timeline and run what is due."""
        self.clock.now = seconds
        await self.manager.tick()

    def saves(self) -> list[str]:
        return [user for op, user in self.host.operations() if op == "PutFile"]


@pytest.fixture
def world() -> World:
    return World()


async def test_join_first_editor_checks_locks_and_gets_the_file(world: World) -> None:
    await world.join("Alice")

    assert world.host.operations() == [("CheckFileInfo", "Alice"), ("Lock", "Alice"), ("GetFile", "Alice")]


async def test_join_second_editor_checks_file_info_only_and_shares_the_lock(world: World) -> None:
    await world.join("Alice")
    await world.join("Bob")

    assert world.host.operations()[3:] == [("CheckFileInfo", "Bob")]
    session, _ = world.manager.find("pid-Bob-f1")
    assert [p.name for p in session.participants.values()] == ["Alice", "Bob"]


async def test_word_autosave_uses_the_token_of_the_last_change_after_30_seconds(world: World) -> None:
    alice, bob = await world.join("Alice"), await world.join("Bob")

    await world.manager.edit(alice, {"p0": "alice"})
    await world.at(10)
    await world.manager.edit(bob, {}, ["bob"])
    await world.at(29)
    assert world.saves() == []
    await world.at(30)

    assert world.saves() == ["Bob"]
    put = world.host.requests[-1][2]
    assert put.headers["X-WOPI-Lock"] == world.host.files["f1"].lock
    assert put.headers["X-WOPI-Editors"] == "id-alice,id-bob"


async def test_word_autosave_nothing_changed_saves_nothing(world: World) -> None:
    await world.join("Alice")

    await world.at(300)

    assert world.saves() == []


async def test_excel_autosave_uses_the_principal_users_token_until_they_leave(world: World) -> None:
    alice = await world.join("Alice", "x1", "Excel")
    bob = await world.join("Bob", "x1", "Excel")
    await world.manager.edit(alice, {"Sheet1!A1": "1"})
    await world.at(119)
    assert world.saves() == []

    await world.at(120)
    await world.manager.leave(bob)  # nothing unsaved, so leaving saves nothing
    await world.manager.edit(alice, {"Sheet1!A1": "2"})
    await world.at(240)

    assert world.saves() == ["Bob", "Alice"]


async def test_powerpoint_autosave_is_slower_for_a_single_editor(world: World) -> None:
    alice = await world.join("Alice", "p1", "PowerPoint")
    await world.manager.edit(alice, {}, ["alone"])
    await world.at(60)
    assert world.saves() == []
    await world.at(180)
    assert world.saves() == ["Alice"]

    await world.join("Bob", "p1", "PowerPoint")
    await world.manager.edit(alice, {}, ["together"])
    await world.at(240)

    assert world.saves() == ["Alice", "Alice"]


async def test_word_revoked_user_is_removed_at_the_check_file_info_round(world: World) -> None:
    await world.join("Alice")
    bob = await world.join("Bob")
    world.host.revoked.add("token-Bob-f1")

    await world.at(299)
    world.manager.find(bob)
    await world.at(300)

    with pytest.raises(SessionGone) as gone:
        world.manager.find(bob)
    assert gone.value.departure is Departure.PERMISSION
    world.manager.find("pid-Alice-f1")  # Alice keeps editing
    assert ("CheckFileInfo", "Bob") in world.host.operations()[-2:]


async def test_word_user_without_write_permission_any_more_is_removed(world: World) -> None:
    await world.join("Alice")
    bob = await world.join("Bob")
    world.host.users["token-Bob-f1"].can_write = False

    await world.at(300)

    with pytest.raises(SessionGone):
        world.manager.find(bob)


async def test_word_put_file_refused_for_one_token_ends_the_session_for_everyone(world: World) -> None:
    alice = await world.join("Alice")
    bob = await world.join("Bob")
    await world.manager.edit(bob, {}, ["bob"])
    world.host.revoked.add("token-Bob-f1")

    await world.at(30)

    for pid, departure in ((alice, Departure.SESSION_ENDED), (bob, Departure.PERMISSION)):
        with pytest.raises(SessionGone) as gone:
            world.manager.find(pid)
        assert gone.value.departure is departure
    assert world.host.operations()[-1] == ("Unlock", "Alice")
    assert world.host.files["f1"].lock == ""


async def test_excel_refused_saves_end_the_session_after_the_grace_period(world: World) -> None:
    alice = await world.join("Alice", "x1", "Excel")
    await world.join("Bob", "x1", "Excel")
    world.host.revoked.add("token-Bob-x1")
    await world.manager.edit(alice, {"Sheet1!A1": "x"})

    await world.at(120)
    world.manager.find(alice)
    await world.at(240)
    world.manager.find(alice)
    await world.at(300)

    with pytest.raises(SessionGone):
        world.manager.find(alice)
    assert world.saves() == ["Bob", "Bob"]


async def test_excel_permission_check_is_refresh_lock_with_each_token(world: World) -> None:
    await world.join("Alice", "x1", "Excel")
    bob = await world.join("Bob", "x1", "Excel")
    world.host.revoked.add("token-Alice-x1")

    await world.at(900)

    assert ("RefreshLock", "Alice") in world.host.operations()
    with pytest.raises(SessionGone):
        world.manager.find("pid-Alice-x1")
    world.manager.find(bob)


async def test_leave_last_editor_saves_then_unlocks(world: World) -> None:
    alice = await world.join("Alice")
    await world.manager.edit(alice, {"p0": "changed"})

    await world.manager.leave(alice)

    assert [op for op, _ in world.host.operations()][-2:] == ["PutFile", "Unlock"]
    assert docx.Document(io.BytesIO(world.host.files["f1"].content)).paragraphs[0].text == "changed"
    assert world.manager.next_deadline() is None


async def test_heartbeat_timeout_counts_as_leaving() -> None:
    world = World(replace(TIMINGS, heartbeat_timeout=30))
    alice = await world.join("Alice")

    await world.at(31)

    with pytest.raises(SessionGone) as gone:
        world.manager.find(alice)
    assert gone.value.departure is Departure.TIMEOUT
    assert world.host.operations()[-1] == ("Unlock", "Alice")


async def test_expired_access_token_ttl_removes_the_user(world: World) -> None:
    expires = int(world.clock.wall().timestamp() * 1000) + 10_000
    alice = await world.join("Alice", token_expires_ms=expires)

    await world.at(9)
    world.manager.find(alice)
    await world.at(10)

    with pytest.raises(SessionGone) as gone:
        world.manager.find(alice)
    assert gone.value.departure is Departure.EXPIRED


async def test_join_file_locked_by_another_client_fails_as_locked(world: World) -> None:
    world.host.files["f1"].lock = "another-client"

    with pytest.raises(OpenFailure) as failure:
        await world.join("Alice")

    assert failure.value.kind == "locked"
    assert failure.value.info is not None


async def test_join_file_locked_by_an_earlier_devclient_session_joins_that_lock(world: World) -> None:
    earlier = new_lock_id()
    world.host.files["f1"].lock = earlier

    pid = await world.join("Alice")

    session, _ = world.manager.find(pid)
    assert session.lock_id == earlier
    assert [op for op, _ in world.host.operations()] == ["CheckFileInfo", "Lock", "RefreshLock", "GetFile"]


async def test_join_resuming_another_nodes_session_locks_with_its_lock_and_continues_revisions(
    world: World,
) -> None:
    # A Collabora-shaped lock ID, which the client would not adopt without being told it is its own.
    world.host.files["f1"].lock = "cool-lock-of-a-dead-node"

    pid = await world.join("Alice", resume=Resume("cool-lock-of-a-dead-node", 10_041))
    revision = await world.manager.edit(pid, {"p0": "after the takeover"})
    await world.manager.flush(pid)

    session, _ = world.manager.find(pid)
    assert session.lock_id == "cool-lock-of-a-dead-node"
    assert revision == 10_042
    assert [op for op, _ in world.host.operations()] == ["CheckFileInfo", "Lock", "GetFile", "PutFile"]
    assert world.host.files["f1"].lock == "cool-lock-of-a-dead-node"
    assert (
        docx.Document(io.BytesIO(world.host.files["f1"].content)).paragraphs[0].text == "after the takeover"
    )


async def test_join_resuming_with_a_lock_someone_else_replaced_fails_as_locked(world: World) -> None:
    world.host.files["f1"].lock = "another-client"

    with pytest.raises(OpenFailure) as failure:
        await world.join("Alice", resume=Resume("cool-lock-of-a-dead-node", 3))

    assert failure.value.kind == "locked"


async def test_abandon_drops_the_session_without_saving_or_unlocking(world: World) -> None:
    pid = await world.join("Alice")
    await world.manager.edit(pid, {"p0": "unsaved"})
    requests = len(world.host.requests)

    world.manager.abandon("http://host.test/wopi/files/f1")
    world.manager.abandon("http://host.test/wopi/files/unknown")

    with pytest.raises(SessionGone):
        world.manager.find(pid)
    assert world.manager.sessions == {}
    assert len(world.host.requests) == requests
    assert world.host.files["f1"].lock != ""


async def test_join_read_only_user_fails_as_read_only(world: World) -> None:
    target = world.host.target("f1", "viewer", "Vera", can_write=False)

    with pytest.raises(OpenFailure) as failure:
        await world.manager.join(pid="v", target=target, policy=POLICIES["Word"])

    assert failure.value.kind == "read_only"
    assert "Lock" not in [op for op, _ in world.host.operations()]


async def test_editnew_zero_byte_file_is_written_blank_before_locking(world: World) -> None:
    world.host.add_file("n1", "New.docx", b"")

    await world.join("Alice", "n1", create_new=True)

    assert [op for op, _ in world.host.operations()] == ["CheckFileInfo", "PutFile", "Lock", "GetFile"]
    assert "X-WOPI-Lock" not in world.host.requests[1][2].headers
    assert world.host.files["n1"].content.startswith(b"PK")


async def test_rename_sends_the_lock_and_renames_the_session(world: World) -> None:
    alice = await world.join("Alice")

    response = await file_ops.rename(world.manager, alice, "Renamed")

    assert response.ok
    session, _ = world.manager.find(alice)
    assert session.file_name == "Renamed.docx"
    assert world.host.requests[-1][2].headers["X-WOPI-Lock"] == session.lock_id


async def test_next_deadline_is_the_earliest_timer(world: World) -> None:
    alice = await world.join("Alice")
    assert world.manager.next_deadline() == TIMINGS.check_file_info

    await world.manager.edit(alice, {"p0": "x"})

    assert world.manager.next_deadline() == TIMINGS.word_autosave
