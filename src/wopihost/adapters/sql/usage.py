"""Usage measured from the database: WOPI saves in the versions table, streamed and aggregated."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Connection, select

from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.models import FileRow, VersionRow
from wopihost.domain.names import split_extension
from wopihost.readiness.traffic import UsageFacts, app_of


class SqlUsageSource:
    """Editing sessions are (file, editor, day) triples with a PutFile, the editors being the author and the
    co-authors Office named in X-WOPI-Editors; views are not recorded here."""

    name = "database: versions (PutFile saves, their authors and X-WOPI-Editors, and bytes)"

    def __init__(self, db: Database) -> None:
        self._db = db

    async def usage(self, since: datetime, until: datetime) -> UsageFacts:
        """Aggregate the window's PutFile versions without holding them all."""

        def work(conn: Connection) -> UsageFacts:
            facts = UsageFacts(self.name, (until - since).total_seconds() / 86400)
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

        return await self._db.read(work)


def _editors(author: str | None, editors: str) -> set[str]:
    """The author and the comma-separated co-authors of one save."""
    named = {e.strip() for e in editors.split(",") if e.strip()}
    return named | {author or ""}
