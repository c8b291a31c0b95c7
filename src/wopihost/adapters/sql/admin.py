"""The administrators' queries: open editing sessions, storage per user, and the log of WOPI errors."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select

from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.models import (
    FileRow,
    LockHolderRow,
    TrashItemRow,
    UserRow,
    VersionRow,
    WopiErrorRow,
)
from wopihost.domain.admin import (
    OpenSession,
    SessionHolder,
    UserStorage,
    WopiError,
    WopiErrorQuery,
    status_range,
)


class SqlAdminQueries:
    """Read-only aggregates over the files, versions, locks and trash tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def open_sessions(self, *, now: datetime, limit: int) -> Sequence[OpenSession]:
        """Files whose lock has not expired, soonest expiry last, with the current lock's holders."""
        files = (
            select(
                FileRow.id,
                FileRow.name,
                FileRow.owner_id,
                FileRow.lock_id,
                FileRow.lock_user_id,
                FileRow.lock_expires_at,
            )
            .where(FileRow.lock_id.is_not(None), FileRow.lock_expires_at > now, FileRow.trash_id.is_(None))
            .order_by(FileRow.lock_expires_at.desc(), FileRow.id)
            .limit(limit)
        )

        def work(conn: Connection) -> list[OpenSession]:
            rows = conn.execute(files).all()
            holders: dict[str, list[SessionHolder]] = defaultdict(list)
            if rows:
                found = conn.execute(
                    select(*LockHolderRow.__table__.columns).where(
                        LockHolderRow.file_id.in_([r.id for r in rows])
                    )
                ).all()
                locks = {r.id: r.lock_id for r in rows}
                for h in found:
                    # Holders of an older lock are no part of the current session.
                    if h.lock_id == locks[h.file_id]:
                        holders[h.file_id].append(SessionHolder(h.user_id, h.last_seen_at))
            return [
                OpenSession(r.id, r.name, r.owner_id, r.lock_user_id, r.lock_expires_at, tuple(holders[r.id]))
                for r in rows
            ]

        return await self._db.scan(work)

    async def storage_by_user(self) -> Sequence[UserStorage]:
        """Every user's storage, in one aggregate query (correlated sums, no loop over files)."""
        live = FileRow.trash_id.is_(None)
        files = select(func.count(FileRow.id)).where(FileRow.owner_id == UserRow.id, live)
        current = select(func.coalesce(func.sum(FileRow.size), 0)).where(FileRow.owner_id == UserRow.id, live)
        owned = (FileRow.owner_id == UserRow.id, live)
        on_file = FileRow.id == VersionRow.file_id
        version_bytes = (
            select(func.coalesce(func.sum(VersionRow.size), 0)).join(FileRow, on_file).where(*owned)
        )
        versions = select(func.count(VersionRow.id)).join(FileRow, on_file).where(*owned)
        trash = select(func.coalesce(func.sum(TrashItemRow.stored_bytes), 0)).where(
            TrashItemRow.owner_id == UserRow.id
        )
        statement = select(
            UserRow.id,
            files.scalar_subquery(),
            current.scalar_subquery(),
            version_bytes.scalar_subquery(),
            versions.scalar_subquery(),
            trash.scalar_subquery(),
        ).order_by(UserRow.username)
        rows = await self._db.scan(lambda conn: conn.execute(statement).all())
        return [UserStorage(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows]


class SqlWopiErrorLog:
    """WOPI error responses in one table, written in batches, searched by indexed columns, purged by age."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_many(self, errors: Sequence[WopiError]) -> None:
        """Store a batch of errors in one transaction."""
        if not errors:
            return
        values = [_values(e) for e in errors]
        await self._db.write(lambda conn: conn.execute(insert(WopiErrorRow), values))

    async def search(
        self, query: WopiErrorQuery, *, limit: int, offset: int
    ) -> tuple[Sequence[WopiError], int]:
        """One page of matching errors, newest first, and how many match in all."""
        conditions: list[Any] = []
        if query.correlation_id:
            conditions.append(WopiErrorRow.correlation_id == query.correlation_id)
        if query.session_id:
            conditions.append(WopiErrorRow.session_id == query.session_id)
        if query.user_id is not None:
            conditions.append(WopiErrorRow.user_id == query.user_id)
        if query.operation:
            conditions.append(WopiErrorRow.operation == query.operation)
        if (statuses := status_range(query.status_class)) is not None:
            conditions.extend([WopiErrorRow.status >= statuses[0], WopiErrorRow.status < statuses[1]])
        page = (
            select(*WopiErrorRow.__table__.columns)
            .where(*conditions)
            .order_by(WopiErrorRow.at.desc(), WopiErrorRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        count = select(func.count()).select_from(WopiErrorRow).where(*conditions)

        def work(conn: Connection) -> tuple[list[WopiError], int]:
            found = [_error(r) for r in conn.execute(page).all()]
            return found, int(conn.execute(count).scalar_one())

        return await self._db.scan(work)

    async def purge(self, *, before: datetime, keep_rows: int) -> int:
        """Delete errors older than `before` and the oldest beyond the newest `keep_rows`; count them."""

        def work(conn: Connection) -> int:
            deleted = conn.execute(delete(WopiErrorRow).where(WopiErrorRow.at < before)).rowcount or 0
            edge = conn.execute(
                select(WopiErrorRow.id).order_by(WopiErrorRow.id.desc()).offset(keep_rows).limit(1)
            ).scalar()
            if edge is not None:
                deleted += conn.execute(delete(WopiErrorRow).where(WopiErrorRow.id <= edge)).rowcount or 0
            return int(deleted)

        return await self._db.write(work)


def _values(e: WopiError) -> dict[str, Any]:
    return {
        "at": e.at,
        "operation": e.operation[:64],
        "status": e.status,
        "file_id": e.file_id[:64],
        "user_id": e.user_id,
        "correlation_id": e.correlation_id[:200],
        "session_id": e.session_id[:200],
        "user_agent": e.user_agent[:200],
        "reason": e.reason[:200],
    }


def _error(r: Row[Any]) -> WopiError:
    return WopiError(
        at=r.at,
        operation=r.operation,
        status=r.status,
        file_id=r.file_id,
        user_id=r.user_id,
        correlation_id=r.correlation_id,
        session_id=r.session_id,
        user_agent=r.user_agent,
        reason=r.reason,
        id=r.id,
    )
