"""Ending editing sessions: who may, and the retry when a client relocks at the same moment."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import pytest

from wopihost.adapters.clock import FakeClock
from wopihost.domain.audit import AuditAction, AuditEvent
from wopihost.domain.locks import LOCK_TTL, Lock, LockBreak, SessionEndReason
from wopihost.domain.records import FileRecord, User
from wopihost.errors import NotFound, PermissionDenied
from wopihost.ports import AccessQueries, AuditLog, Catalog, LockOutcome, LockStore, UserStore
from wopihost.services.audit import AuditService
from wopihost.services.sessions import EditingSessionService, may_end_session
from wopihost.web.errors import FileLocked, end_session_action

pytestmark = pytest.mark.anyio
CLOCK = FakeClock()
ALICE = User("u-alice", "alice", "Alice", "root-a")
BOB = User("u-bob", "bob", "Bob", "root-b")
ROOT = User("u-root", "root", "Root", "root-r", is_admin=True)
FILE = FileRecord("f1", "root-a", ALICE.id, "a.docx", 1, "x", 1, "k", CLOCK.now(), CLOCK.now(), None, None)


class RelockingLocks:
    """A lock store whose client relocks under a new ID just before each of the first `relocks` breaks."""

    def __init__(self, relocks: int) -> None:
        self.lock_id = "L0"
        self.relocks = relocks
        self.breaks: list[tuple[str, str | None]] = []

    async def get(self, file_id: str, *, now: datetime) -> LockOutcome | None:
        return LockOutcome(True, Lock(self.lock_id, now + LOCK_TTL, BOB.id) if self.lock_id else None, 1)

    async def break_lock(
        self, file_id: str, expected: str, *, ended_by: str | None, now: datetime
    ) -> LockOutcome | None:
        if self.relocks:
            self.relocks -= 1
            self.lock_id = f"L{self.relocks + 10}"
        if expected != self.lock_id:
            return LockOutcome(False, Lock(self.lock_id, now + LOCK_TTL, BOB.id), 1)
        self.breaks.append((expected, ended_by))
        self.lock_id = ""
        return LockOutcome(True, None, 1)


class Files:
    async def find_file(self, file_id: str) -> FileRecord | None:
        return FILE if file_id == FILE.id else None

    async def find_access(self, file_id: str, user_id: str) -> Any:
        return object() if user_id in (ALICE.id, BOB.id) else None


class Trail:
    """An audit log that keeps what is appended."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    async def append(self, event: AuditEvent) -> None:
        self.events.append(event)


def service(locks: RelockingLocks, trail: Trail | None = None) -> EditingSessionService:
    files, users = Files(), cast(UserStore, None)
    access, catalog = cast(AccessQueries, files), cast(Catalog, files)
    audit = AuditService(log=cast(AuditLog, trail or Trail()), catalog=catalog, users=users, clock=CLOCK)
    return EditingSessionService(
        locks=cast(LockStore, locks), access=access, catalog=catalog, users=users, clock=CLOCK, audit=audit
    )


def test_may_end_session_owner_and_admin_only() -> None:
    assert [may_end_session(FILE, u) for u in (ALICE, BOB, ROOT)] == [True, False, True]


async def test_end_session_retries_when_the_client_relocks_meanwhile() -> None:
    locks = RelockingLocks(relocks=1)

    ended = await service(locks).end_session(FILE.id, ALICE)

    assert ended == LockBreak(FILE.id, BOB.id, ALICE.id, CLOCK.now(), SessionEndReason.ENDED)
    assert locks.breaks == [("L10", ALICE.id)]


async def test_end_session_by_owner_records_one_event_naming_the_holder() -> None:
    trail = Trail()
    await service(RelockingLocks(relocks=1), trail).end_session(FILE.id, ALICE)
    assert [(e.action, e.user_id, e.detail, e.item_id) for e in trail.events] == [
        (AuditAction.SESSION_ENDED, ALICE.id, BOB.id, FILE.id)
    ]


async def test_end_session_gives_up_when_the_lock_keeps_changing() -> None:
    with pytest.raises(PermissionDenied):
        await service(RelockingLocks(relocks=5)).end_session(FILE.id, None)


async def test_end_session_refuses_editor_and_hides_file_from_stranger() -> None:
    locks = RelockingLocks(relocks=0)
    stranger = User("u-x", "x", "X", "root-x")

    with pytest.raises(PermissionDenied):
        await service(locks).end_session(FILE.id, BOB)
    with pytest.raises(NotFound):
        await service(locks).end_session(FILE.id, stranger)
    assert locks.breaks == []


def test_locked_refusal_offers_end_session_to_owner_and_admin_only() -> None:
    exc = FileLocked("a.docx", "Bob", file_id=FILE.id, owner_id=ALICE.id)

    end_url = f"/files/{FILE.id}/session/end"
    offered = [end_session_action(exc, u) for u in (ALICE, BOB, ROOT, None)]

    assert [a.url if a else None for a in offered] == [end_url, None, end_url, None]
    assert end_session_action(FileLocked("a.docx", "Bob"), ALICE) is None
