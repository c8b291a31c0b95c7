"""SqlPreviewStore: preview records and workers' claims on renderings, as conditional writes.

A claim is `INSERT … ON CONFLICT DO NOTHING` for a file without a record, and for one with a record an
`UPDATE` whose WHERE repeats what the worker saw (version, status, attempts) and that no live claim exists.
The row count says whether the claim was won: two processes never render the same version at once, and a
claim whose worker died expires with its lease.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, and_, func, or_, select, update

from wopihost.adapters.sql.database import Database, dialect_insert
from wopihost.adapters.sql.guards import live_file
from wopihost.adapters.sql.mapping import FILE_COLUMNS, file_from_row
from wopihost.adapters.sql.models import FileRow, PreviewRow
from wopihost.domain.previews import MAX_ATTEMPTS, Preview, PreviewStatus
from wopihost.domain.records import FileRecord

# Candidates looked at per claim; more than one, so that a lost race can move on to the next file.
_CANDIDATES = 8
_P = PreviewRow.__table__.c


class SqlPreviewStore:
    """Preview records in the previews table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def find_previews(self, file_ids: Sequence[str]) -> Mapping[str, Preview]:
        if not file_ids:
            return {}
        query = select(PreviewRow.__table__).where(_P.file_id.in_(list(file_ids)))
        rows = await self._db.read(lambda conn: conn.execute(query).all())
        return {row.file_id: _preview(row) for row in rows}

    async def claim_next(
        self, *, extensions: Sequence[str], worker: str, now: datetime, lease: timedelta, settle: timedelta
    ) -> FileRecord | None:
        query = _candidates(extensions, now, settle)
        # Most polls find nothing: a read first keeps them from taking SQLite's write lock.
        if not await self._db.scan(lambda conn: conn.execute(query.limit(1)).first()):
            return None

        def work(conn: Connection) -> FileRecord | None:
            for row in conn.execute(query).all():
                file = file_from_row(row)
                if _claim(conn, file, row, worker=worker, until=now + lease, now=now):
                    return file
            return None

        return await self._db.write(work)

    async def finish(self, file_id: str, version: int, *, worker: str, pages: int, now: datetime) -> bool:
        values = {
            "status": PreviewStatus.READY.value,
            "ready_version": version,
            "pages": pages,
            "error": "",
            "retry_at": None,
        }
        return await self._settle(file_id, version, worker, now, values)

    async def fail(
        self, file_id: str, version: int, *, worker: str, error: str, retry_at: datetime | None, now: datetime
    ) -> bool:
        values = {
            "status": PreviewStatus.FAILED.value,
            "error": error[:2000],
            "attempts": _P.attempts + 1,
            "retry_at": retry_at,
        }
        return await self._settle(file_id, version, worker, now, values)

    async def list_file_ids(self) -> Sequence[str]:
        rows = await self._db.scan(lambda conn: conn.execute(select(_P.file_id)).all())
        return [row.file_id for row in rows]

    async def _settle(
        self, file_id: str, version: int, worker: str, now: datetime, values: dict[str, Any]
    ) -> bool:
        statement = (
            update(PreviewRow)
            .where(
                _P.file_id == file_id,
                _P.version == version,
                _P.worker == worker,
                _P.status == PreviewStatus.RENDERING.value,
            )
            .values(**values, worker=None, claimed_until=None, updated_at=now)
        )
        count = await self._db.write(lambda conn: conn.execute(statement).rowcount)
        return bool(count)


def _candidates(extensions: Sequence[str], now: datetime, settle: timedelta) -> Any:
    """Files whose preview needs work, newest changes first; a changed file once it has settled."""
    lowered = func.lower(FileRow.name)
    kinds = or_(*(lowered.like(f"%{ext.lower()}") for ext in extensions))
    unclaimed = or_(_P.claimed_until.is_(None), _P.claimed_until < now)
    due = or_(
        _P.file_id.is_(None),
        and_(_P.version != FileRow.version, unclaimed, FileRow.modified_at <= now - settle),
        and_(_P.status == PreviewStatus.RENDERING.value, unclaimed),
        and_(
            _P.status == PreviewStatus.FAILED.value,
            _P.attempts < MAX_ATTEMPTS,
            _P.retry_at.is_not(None),
            _P.retry_at <= now,
        ),
    )
    return (
        select(*FILE_COLUMNS, _P.version.label("p_version"), _P.status.label("p_status"))
        .select_from(FileRow.__table__.outerjoin(PreviewRow.__table__, _P.file_id == FileRow.id))
        .where(FileRow.size > 0, live_file(), kinds, due)
        .order_by(FileRow.modified_at.desc())
        .limit(_CANDIDATES)
    )


def _claim(
    conn: Connection, file: FileRecord, seen: Row[Any], *, worker: str, until: datetime, now: datetime
) -> bool:
    claim = {
        "version": file.version,
        "status": PreviewStatus.RENDERING.value,
        "worker": worker,
        "claimed_until": until,
        "updated_at": now,
    }
    if seen.p_version is None:
        insert = dialect_insert(conn)
        statement = insert(PreviewRow).values(file_id=file.id, pages=0, attempts=0, error="", **claim)
        return bool(conn.execute(statement.on_conflict_do_nothing(index_elements=[_P.file_id])).rowcount)
    # A new version starts its count of failed attempts afresh.
    attempts: Any = _P.attempts if seen.p_version == file.version else 0
    change = (
        update(PreviewRow)
        .where(
            _P.file_id == file.id,
            _P.version == seen.p_version,
            _P.status == seen.p_status,
            or_(_P.claimed_until.is_(None), _P.claimed_until < now),
        )
        .values(**claim, attempts=attempts)
    )
    return bool(conn.execute(change).rowcount)


def _preview(row: Row[Any]) -> Preview:
    return Preview(
        file_id=row.file_id,
        version=row.version,
        status=PreviewStatus(row.status),
        pages=row.pages,
        attempts=row.attempts,
        error=row.error,
        retry_at=row.retry_at,
        ready_version=row.ready_version,
    )
