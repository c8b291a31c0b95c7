"""The database usage source of the readiness traffic estimate, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.contract.conftest import World, make_blob, make_file
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.audit import SqlAuditLog
from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.adapters.sql.usage import AUDIT_SOURCE, VERSIONS_SOURCE, SqlUsageSource
from wopihost.domain.audit import AuditAction, AuditChannel, AuditClient, AuditEvent, ItemKind
from wopihost.domain.locks import LockGuard
from wopihost.readiness.traffic import EDIT_SESSIONS, PEAK_EDITORS, PUTFILE_BYTES, VIEW_SESSIONS

pytestmark = pytest.mark.anyio


async def _save(
    files: SqlFileStore, file_id: str, author: str, size: int, clock: FakeClock, editors: str = ""
) -> None:
    outcome = await files.commit_version(
        file_id,
        make_blob(size),
        guard=LockGuard(None),
        author_id=author,
        editors=editors,
        source="putfile",
        now=clock.now(),
    )
    assert outcome is not None


async def test_usage_putfile_saves_counts_sessions_bytes_and_peak(
    db: Database, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    start = clock.now()
    sheet = await make_file(file_store, world.owner, clock, "b.xlsx")
    await _save(file_store, world.file.id, world.owner.id, 100, clock)
    await _save(file_store, world.file.id, world.owner.id, 200, clock)
    await _save(file_store, world.file.id, world.other.id, 300, clock)
    await _save(file_store, sheet.id, world.third.id, 400, clock)
    clock.advance(timedelta(days=1))
    await _save(file_store, sheet.id, world.third.id, 50, clock)

    facts = await SqlUsageSource(db).usage(start - timedelta(minutes=1), clock.now() + timedelta(minutes=1))

    assert facts.saves == 5
    assert facts.putfile_bytes == 1050
    # Uploads are not saves: only PutFile versions count; a session is a (file, editor, day).
    assert facts.edit_sessions_by_app == {"Word": 2, "Excel": 2}
    assert (facts.peak_hour_editors, facts.peak_hour_saves) == (3, 4)
    # An empty audit trail: every number comes from the versions, and views are not known.
    assert facts.views_by_app is None
    assert {facts.source_of(k) for k in (EDIT_SESSIONS, PEAK_EDITORS, PUTFILE_BYTES)} == {VERSIONS_SOURCE}


async def test_usage_outside_window_is_not_counted(
    db: Database, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    await _save(file_store, world.file.id, world.owner.id, 100, clock)

    facts = await SqlUsageSource(db).usage(clock.now() + timedelta(hours=1), clock.now() + timedelta(days=1))

    assert (facts.saves, facts.putfile_bytes, facts.peak_hour_editors) == (0, 0, 0)


async def test_usage_coauthors_in_editors_count_as_sessions_and_peak_editors(
    db: Database, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    start = clock.now()
    await _save(
        file_store, world.file.id, world.owner.id, 10, clock, editors=f"{world.other.id},{world.third.id}"
    )

    facts = await SqlUsageSource(db).usage(start - timedelta(minutes=1), clock.now() + timedelta(minutes=1))

    assert facts.edit_sessions_by_app == {"Word": 3}
    assert facts.peak_hour_editors == 3


async def _event(
    log: SqlAuditLog,
    clock: FakeClock,
    action: AuditAction,
    user: str,
    name: str,
    *,
    kind: ItemKind = ItemKind.FILE,
) -> None:
    client = AuditClient(AuditChannel.WOPI, "Office", "127.0.0.1")
    await log.append(AuditEvent(clock.now(), action, f"id-{name}", kind, name, user, client))


async def test_usage_audit_trail_counts_view_and_edit_sessions_by_app_and_peak(
    db: Database, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    log, start = SqlAuditLog(db), clock.now()
    await _save(file_store, world.file.id, world.owner.id, 100, clock)
    await _event(log, clock, AuditAction.OPENED_EDIT, "ann", "a.docx")
    await _event(log, clock, AuditAction.OPENED_EDIT, "bob", "b.XLSX")
    await _event(log, clock, AuditAction.SAVED, "bob", "b.XLSX")
    await _event(log, clock, AuditAction.SAVED, "cy", "c.pptx")
    await _event(log, clock, AuditAction.OPENED_VIEW, "dee", "d.pptx")
    await _event(log, clock, AuditAction.OPENED_VIEW, "dee", "e.pdf")
    # Other actions and folders are not sessions.
    await _event(log, clock, AuditAction.RENAMED, "eve", "f.docx")
    await _event(log, clock, AuditAction.OPENED_EDIT, "eve", "folder", kind=ItemKind.FOLDER)
    clock.advance(timedelta(days=1))
    await _event(log, clock, AuditAction.OPENED_EDIT, "ann", "a.docx")

    facts = await SqlUsageSource(db).usage(start - timedelta(minutes=1), clock.now() + timedelta(minutes=1))

    assert facts.edit_sessions_by_app == {"Word": 2, "Excel": 1}
    assert facts.views_by_app == {"PowerPoint": 1, "Other": 1}
    # ann, bob and cy were active editors in the first hour; dee only viewed.
    assert (facts.peak_hour_editors, facts.peak_hour_saves) == (3, 2)
    assert {facts.source_of(k) for k in (EDIT_SESSIONS, VIEW_SESSIONS, PEAK_EDITORS)} == {AUDIT_SOURCE}
    # Bytes are in the versions only.
    assert (facts.saves, facts.putfile_bytes) == (1, 100)
    assert facts.source_of(PUTFILE_BYTES) == VERSIONS_SOURCE


async def test_usage_audit_events_outside_window_fall_back_to_versions(
    db: Database, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    await _event(SqlAuditLog(db), clock, AuditAction.OPENED_VIEW, "ann", "a.docx")
    clock.advance(timedelta(days=2))
    start = clock.now()
    await _save(file_store, world.file.id, world.owner.id, 10, clock)

    facts = await SqlUsageSource(db).usage(start - timedelta(minutes=1), clock.now() + timedelta(minutes=1))

    assert facts.views_by_app is None
    assert facts.edit_sessions_by_app == {"Word": 1}
    assert facts.source_of(EDIT_SESSIONS) == VERSIONS_SOURCE
