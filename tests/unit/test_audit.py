"""The audit trail's values and service: client attribution, times, de-duplicated opens, batched exports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import cast

import anyio
import pytest

from wopihost.adapters.clock import FakeClock
from wopihost.domain.audit import (
    MAX_CLIENT_NAME,
    SYSTEM_CLIENT,
    AuditAction,
    AuditChannel,
    AuditClient,
    AuditEvent,
    AuditQuery,
    ItemKind,
    acting_client,
    current_client,
    parse_moment,
)
from wopihost.domain.records import FileRecord
from wopihost.errors import InvalidRequest, StorageUnavailable
from wopihost.ports import AuditLog, Catalog, UserStore
from wopihost.services import audit as audit_module
from wopihost.services.audit import AuditService

pytestmark = pytest.mark.anyio


class ListLog:
    """An audit log in a list, numbering events as a database would."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    async def append(self, event: AuditEvent) -> None:
        self.events.append(
            AuditEvent(
                at=event.at,
                action=event.action,
                item_id=event.item_id,
                item_kind=event.item_kind,
                item_name=event.item_name,
                user_id=event.user_id,
                client=event.client,
                detail=event.detail,
                id=len(self.events) + 1,
            )
        )

    async def scan(self, query: AuditQuery, *, after_id: int, limit: int) -> Sequence[AuditEvent]:
        return [e for e in self.events if (e.id or 0) > after_id][:limit]


def service(log: ListLog, clock: FakeClock) -> AuditService:
    return AuditService(
        log=cast(AuditLog, log), catalog=cast(Catalog, None), users=cast(UserStore, None), clock=clock
    )


def test_parse_moment_naive_is_utc_and_zone_is_kept() -> None:
    assert parse_moment("2026-12-06") == datetime(2026, 12, 6, tzinfo=UTC)
    assert parse_moment("2026-12-06T10:00:00+01:00").astimezone(UTC).hour == 9


@pytest.mark.parametrize("text", ["yesterday", "", "2026-13-01"])
def test_parse_moment_not_iso_raises_invalid_request(text: str) -> None:
    with pytest.raises(InvalidRequest):
        parse_moment(text)


def test_acting_client_cuts_long_names_and_restores_the_previous_client() -> None:
    long_agent = "A" * (MAX_CLIENT_NAME + 50)

    with acting_client(AuditClient(AuditChannel.WEB, long_agent, "203.0.113.1")):
        inside = current_client()

    assert inside.channel is AuditChannel.WEB
    assert len(inside.name) == MAX_CLIENT_NAME
    assert current_client() == SYSTEM_CLIENT


async def test_record_takes_client_and_time_from_context_and_clock() -> None:
    log, clock = ListLog(), FakeClock()
    client = AuditClient(AuditChannel.CLI, "wopihost-cli", "local")

    with acting_client(client):
        await service(log, clock).record(
            AuditAction.MOVED, item_id="d1", item_name="Old", by="u1", kind=ItemKind.FOLDER, detail="/"
        )

    [event] = log.events
    assert (event.at, event.client, event.item_kind, event.detail) == (
        clock.now(),
        client,
        ItemKind.FOLDER,
        "/",
    )


async def test_export_reads_every_event_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_module, "EXPORT_BATCH", 3)
    log, clock = ListLog(), FakeClock()
    audit = service(log, clock)
    for number in range(7):
        await audit.record(AuditAction.SAVED, item_id="f1", item_name="a", by="u1", detail=str(number))
        clock.advance(timedelta(seconds=1))

    exported = [event.detail async for event in audit.export(AuditQuery())]

    assert exported == [str(number) for number in range(7)]


class CountingLog(ListLog):
    """A list log that answers `has_recent` from its events and counts how often it was asked."""

    def __init__(self) -> None:
        super().__init__()
        self.lookups = 0

    async def has_recent(
        self, item_id: str, user_id: str | None, action: AuditAction, client: AuditClient, *, since: datetime
    ) -> bool:
        self.lookups += 1
        return any(
            e.item_id == item_id and e.user_id == user_id and e.action == action and e.at >= since
            for e in self.events
        )


def _file() -> FileRecord:
    return FileRecord(
        id="f", folder_id="d", owner_id="o", name="a.docx", size=1, sha256="", version=1, blob_key="b",
        created_at=datetime(2026, 1, 1, tzinfo=UTC), modified_at=datetime(2026, 1, 1, tzinfo=UTC),
        modified_by=None, lock=None,
    )  # fmt: skip


async def test_record_visit_repeated_in_one_process_reads_the_log_once_per_window() -> None:
    log, clock = CountingLog(), FakeClock()
    audit = service(log, clock)

    recorded = [await audit.record_visit(_file(), "anon-1", detail="Ann") for _ in range(50)]
    clock.advance(audit_module.OPEN_WINDOW + timedelta(seconds=1))
    recorded.append(await audit.record_visit(_file(), "anon-1", detail="Ann"))

    assert recorded == [True] + [False] * 49 + [True]
    assert log.lookups == 2
    assert len(log.events) == 2


async def test_record_visit_recorded_by_another_process_read_again_after_a_minute() -> None:
    log, clock = CountingLog(), FakeClock()
    await service(log, clock).record_visit(_file(), "anon-1", detail="Ann")
    other = service(log, clock)

    for _ in range(20):
        assert not await other.record_visit(_file(), "anon-1", detail="Ann")
    clock.advance(audit_module.SEEN_ELSEWHERE + timedelta(seconds=1))
    assert not await other.record_visit(_file(), "anon-1", detail="Ann")

    assert log.lookups == 1 + 2
    assert len(log.events) == 1


class SlowLog(CountingLog):
    """A counting log whose writes take a moment, as a durable commit does."""

    async def append(self, event: AuditEvent) -> None:
        await anyio.sleep(0.01)
        await super().append(event)


async def test_record_visit_by_co_authors_at_the_same_moment_records_one_event() -> None:
    log, clock = SlowLog(), FakeClock()
    audit = service(log, clock)
    recorded: list[bool] = []

    async def visit() -> None:
        recorded.append(await audit.record_visit(_file(), "anon-1", detail="Ann"))

    async with anyio.create_task_group() as tg:
        for _ in range(4):
            tg.start_soon(visit)

    assert sorted(recorded) == [False, False, False, True]
    assert len(log.events) == 1
    assert log.lookups == 1


class FailingLog(CountingLog):
    """A log whose first append fails, as a database that is briefly unavailable does."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    async def append(self, event: AuditEvent) -> None:
        if self.failures:
            self.failures -= 1
            raise StorageUnavailable("database write failed")
        await super().append(event)


async def test_record_visit_that_failed_to_write_is_tried_again_on_the_next_open() -> None:
    log, clock = FailingLog(), FakeClock()
    audit = service(log, clock)

    with pytest.raises(StorageUnavailable):
        await audit.record_visit(_file(), "anon-1", detail="Ann")
    assert await audit.record_visit(_file(), "anon-1", detail="Ann")
    assert len(log.events) == 1
