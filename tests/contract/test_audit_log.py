"""The AuditLog contract: append-only events, listed per item newest first, scanned in order for exports."""

from __future__ import annotations

from datetime import timedelta

import pytest

from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.audit import SqlAuditLog
from wopihost.adapters.sql.database import Database
from wopihost.domain.audit import AuditAction, AuditChannel, AuditClient, AuditEvent, AuditQuery, ItemKind

pytestmark = pytest.mark.anyio
WEB = AuditClient(AuditChannel.WEB, "Mozilla/5.0 Test", "203.0.113.7")
WOPI = AuditClient(AuditChannel.WOPI, "Collabora Online", "10.0.0.2")


@pytest.fixture
def audit_log(db: Database) -> SqlAuditLog:
    return SqlAuditLog(db)


def _event(clock: FakeClock, action: AuditAction, **overrides: object) -> AuditEvent:
    values: dict[str, object] = {
        "at": clock.now(),
        "action": action,
        "item_id": "f1",
        "item_kind": ItemKind.FILE,
        "item_name": "Report.docx",
        "user_id": "u1",
        "client": WEB,
        "detail": "",
    }
    values.update(overrides)
    return AuditEvent(**values)  # type: ignore[arg-type]


async def test_append_then_list_item_returns_every_field_newest_first(
    audit_log: SqlAuditLog, clock: FakeClock
) -> None:
    await audit_log.append(_event(clock, AuditAction.RENAMED, detail="Old.docx"))
    clock.advance(timedelta(seconds=5))
    await audit_log.append(_event(clock, AuditAction.SAVED, client=WOPI, detail="2"))
    await audit_log.append(_event(clock, AuditAction.SHARED, item_id="f2"))

    listed = await audit_log.list_item("f1", limit=10, offset=0)

    assert [(e.action, e.detail, e.client) for e in listed] == [
        (AuditAction.SAVED, "2", WOPI),
        (AuditAction.RENAMED, "Old.docx", WEB),
    ]
    assert listed[0].at == clock.now()
    assert listed[0].item_kind is ItemKind.FILE
    assert listed[0].id is not None
    assert await audit_log.count_item("f1") == 2


async def test_list_item_pages_with_limit_and_offset(audit_log: SqlAuditLog, clock: FakeClock) -> None:
    for number in range(5):
        await audit_log.append(_event(clock, AuditAction.SAVED, detail=str(number)))
        clock.advance(timedelta(seconds=1))

    second = await audit_log.list_item("f1", limit=2, offset=2)

    assert [e.detail for e in second] == ["2", "1"]


async def test_has_recent_matches_user_action_client_and_window(
    audit_log: SqlAuditLog, clock: FakeClock
) -> None:
    await audit_log.append(_event(clock, AuditAction.OPENED_EDIT, client=WOPI))
    since = clock.now() - timedelta(minutes=30)

    assert await audit_log.has_recent("f1", "u1", AuditAction.OPENED_EDIT, WOPI, since=since)
    assert not await audit_log.has_recent("f1", "u2", AuditAction.OPENED_EDIT, WOPI, since=since)
    assert not await audit_log.has_recent("f1", "u1", AuditAction.OPENED_VIEW, WOPI, since=since)
    assert not await audit_log.has_recent("f1", "u1", AuditAction.OPENED_EDIT, WEB, since=since)
    assert not await audit_log.has_recent(
        "f1", "u1", AuditAction.OPENED_EDIT, WOPI, since=clock.now() + timedelta(seconds=1)
    )


async def test_scan_filters_by_time_item_and_user_in_id_order(
    audit_log: SqlAuditLog, clock: FakeClock
) -> None:
    start = clock.now()
    await audit_log.append(_event(clock, AuditAction.RENAMED))
    clock.advance(timedelta(hours=1))
    await audit_log.append(_event(clock, AuditAction.MOVED, user_id="u2"))
    await audit_log.append(_event(clock, AuditAction.TRASHED, item_id="d1", item_kind=ItemKind.FOLDER))
    await audit_log.append(_event(clock, AuditAction.PURGED, user_id=None))

    everything = await audit_log.scan(AuditQuery(), after_id=0, limit=10)
    later = await audit_log.scan(AuditQuery(since=start + timedelta(minutes=1)), after_id=0, limit=10)
    earlier = await audit_log.scan(AuditQuery(until=start + timedelta(minutes=1)), after_id=0, limit=10)
    by_user = await audit_log.scan(AuditQuery(user_id="u2"), after_id=0, limit=10)
    folder = await audit_log.scan(AuditQuery(item_id="d1"), after_id=0, limit=10)
    after_first = await audit_log.scan(AuditQuery(), after_id=everything[0].id or 0, limit=2)

    assert [e.action for e in everything] == [
        AuditAction.RENAMED,
        AuditAction.MOVED,
        AuditAction.TRASHED,
        AuditAction.PURGED,
    ]
    assert [e.action for e in later] == [AuditAction.MOVED, AuditAction.TRASHED, AuditAction.PURGED]
    assert [e.action for e in earlier] == [AuditAction.RENAMED]
    assert [e.action for e in by_user] == [AuditAction.MOVED]
    assert [(e.action, e.item_kind) for e in folder] == [(AuditAction.TRASHED, ItemKind.FOLDER)]
    assert [e.action for e in after_first] == [AuditAction.MOVED, AuditAction.TRASHED]
    assert everything[3].user_id is None
