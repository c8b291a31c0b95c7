"""Usage measured from the database: sessions from the audit trail, saves and bytes from the versions table.

The audit trail records each opening for viewing or editing (once per session window) and each save, so it
measures view and edit sessions; the versions table knows only saves, so it is the fallback for edit sessions
and peak editors when the trail has nothing in the window (a host upgraded recently, or the trail purged).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Connection, select

from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.models import AuditEventRow, FileRow, VersionRow
from wopihost.domain.audit import AuditAction, ItemKind
from wopihost.domain.names import split_extension
from wopihost.readiness.traffic import (
    EDIT_SESSIONS,
    PEAK_EDITORS,
    PUTFILE_BYTES,
    VIEW_SESSIONS,
    UsageFacts,
    app_of,
)

VERSIONS_SOURCE = "database: versions (PutFile saves, their authors and X-WOPI-Editors, and bytes)"
AUDIT_SOURCE = "database: audit trail (opened for viewing, opened for editing, saved)"
_SESSION_ACTIONS = (AuditAction.OPENED_VIEW, AuditAction.OPENED_EDIT, AuditAction.SAVED)


class SqlUsageSource:
    """Sessions from the audit trail when it has any in the window, else from PutFile versions.

    From versions, editing sessions are (file, editor, day) triples with a PutFile, the editors being the
    author and the co-authors Office named in X-WOPI-Editors; views are not recorded there.
    """

    name = f"{AUDIT_SOURCE}; {VERSIONS_SOURCE}"

    def __init__(self, db: Database) -> None:
        self._db = db

    async def usage(self, since: datetime, until: datetime) -> UsageFacts:
        """Measure the window: saves and bytes from versions, sessions from the trail or else versions."""
        facts = await self._db.scan(lambda conn: _from_versions(conn, since, until))
        trail = await self._db.scan(lambda conn: _from_audit(conn, since, until))
        if trail is not None:
            facts.edit_sessions_by_app, facts.views_by_app = trail.edits, trail.views
            facts.peak_hour_editors, facts.peak_hour_saves = trail.peak_editors, trail.peak_saves
            for key in (EDIT_SESSIONS, VIEW_SESSIONS, PEAK_EDITORS):
                facts.sources[key] = AUDIT_SOURCE
        return facts


class _Trail:
    """What the audit trail measured: openings by application and the busiest hour's editors."""

    def __init__(self) -> None:
        self.edits: dict[str, int] = defaultdict(int)
        self.views: dict[str, int] = defaultdict(int)
        self.editors_by_hour: dict[str, set[str]] = defaultdict(set)
        self.saves_by_hour: dict[str, int] = defaultdict(int)
        self.peak_editors = 0
        self.peak_saves = 0


def _from_audit(conn: Connection, since: datetime, until: datetime) -> _Trail | None:
    """Count openings per application and editors per hour; None when the window has no session events."""
    rows = conn.execute(
        select(AuditEventRow.action, AuditEventRow.user_id, AuditEventRow.item_name, AuditEventRow.at)
        .where(
            AuditEventRow.at >= since,
            AuditEventRow.at < until,
            AuditEventRow.item_kind == ItemKind.FILE.value,
            AuditEventRow.action.in_([a.value for a in _SESSION_ACTIONS]),
        )
        .execution_options(yield_per=1000)
    )
    trail, seen = _Trail(), False
    for action, user_id, item_name, at in rows:
        seen = True
        app = app_of(split_extension(item_name)[1])
        if action == AuditAction.OPENED_VIEW.value:
            trail.views[app] += 1
            continue
        hour = at.strftime("%Y-%m-%dT%H")
        if action == AuditAction.OPENED_EDIT.value:
            trail.edits[app] += 1
        else:
            trail.saves_by_hour[hour] += 1
        # An editor is active in every hour in which they opened a file for editing or saved one.
        trail.editors_by_hour[hour].add(user_id or "")
    if not seen:
        return None
    trail.edits, trail.views = dict(trail.edits), dict(trail.views)
    if trail.editors_by_hour:
        hours = trail.editors_by_hour
        peak = max(hours, key=lambda h: (len(hours[h]), trail.saves_by_hour[h]))
        trail.peak_editors, trail.peak_saves = len(hours[peak]), trail.saves_by_hour[peak]
    return trail


def _from_versions(conn: Connection, since: datetime, until: datetime) -> UsageFacts:
    """Aggregate the window's PutFile versions without holding them all."""
    facts = UsageFacts(VERSIONS_SOURCE, (until - since).total_seconds() / 86400)
    facts.sources[PUTFILE_BYTES] = VERSIONS_SOURCE
    sessions: set[tuple[str, str, str]] = set()
    hours: dict[str, set[str]] = defaultdict(set)
    hour_saves: dict[str, int] = defaultdict(int)
    rows = conn.execute(
        select(
            VersionRow.file_id,
            VersionRow.author_id,
            VersionRow.editors,
            VersionRow.size,
            VersionRow.created_at,
            FileRow.name,
        )
        .join(FileRow, FileRow.id == VersionRow.file_id)
        .where(
            VersionRow.source == "putfile",
            VersionRow.created_at >= since,
            VersionRow.created_at < until,
        )
        .execution_options(yield_per=1000)
    )
    by_app: dict[str, int] = defaultdict(int)
    for file_id, author, editors, size, at, name in rows:
        facts.saves += 1
        facts.putfile_bytes += size
        hour = at.strftime("%Y-%m-%dT%H")
        hour_saves[hour] += 1
        for editor in _editors(author, editors):
            key = (file_id, editor, at.date().isoformat())
            if key not in sessions:
                sessions.add(key)
                by_app[app_of(split_extension(name)[1])] += 1
            hours[hour].add(editor)
    facts.edit_sessions_by_app = dict(by_app)
    if hours:
        peak = max(hours, key=lambda h: (len(hours[h]), hour_saves[h]))
        facts.peak_hour_editors, facts.peak_hour_saves = len(hours[peak]), hour_saves[peak]
    return facts


def _editors(author: str | None, editors: str) -> set[str]:
    """The author and the comma-separated co-authors of one save."""
    named = {e.strip() for e in editors.split(",") if e.strip()}
    return named | {author or ""}
