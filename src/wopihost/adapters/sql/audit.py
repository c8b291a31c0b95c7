"""SqlAuditLog: the audit trail in one append-only table, indexed by item, by user and by time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select

from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.models import AuditEventRow
from wopihost.adapters.sql.prepared import prepared_insert, run_prepared
from wopihost.domain.audit import (
    AuditAction,
    AuditChannel,
    AuditClient,
    AuditEvent,
    AuditQuery,
    ItemKind,
)

_COLUMNS = tuple(AuditEventRow.__table__.columns)
# Built once: every save appends an event, in the one writer thread that saves queue for on SQLite.
_APPEND = prepared_insert(AuditEventRow.__table__)


def append_event(conn: Connection, event: AuditEvent) -> None:
    """Append `event` in the caller's transaction (a store's write that the event records)."""
    values = {
        "at": event.at,
        "action": event.action.value,
        "item_id": event.item_id,
        "item_kind": event.item_kind.value,
        "item_name": event.item_name[:255],
        "user_id": event.user_id,
        "client": event.client.channel.value,
        "client_name": event.client.name,
        "address": event.client.address,
        "detail": event.detail,
    }
    run_prepared(conn, _APPEND, values)


class SqlAuditLog:
    """Audit events in the SQL database; this class only ever inserts and reads."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def append(self, event: AuditEvent) -> None:
        await self._db.write(lambda conn: append_event(conn, event))

    async def has_recent(
        self, item_id: str, user_id: str | None, action: AuditAction, client: AuditClient, *, since: datetime
    ) -> bool:
        statement = (
            select(AuditEventRow.id)
            .where(
                AuditEventRow.item_id == item_id,
                AuditEventRow.at >= since,
                AuditEventRow.action == action.value,
                AuditEventRow.user_id.is_(None) if user_id is None else AuditEventRow.user_id == user_id,
                AuditEventRow.client == client.channel.value,
                AuditEventRow.client_name == client.name,
            )
            .limit(1)
        )
        return await self._db.read(lambda conn: conn.execute(statement).first() is not None)

    async def list_item(self, item_id: str, *, limit: int, offset: int) -> Sequence[AuditEvent]:
        statement = (
            select(*_COLUMNS)
            .where(AuditEventRow.item_id == item_id)
            .order_by(AuditEventRow.at.desc(), AuditEventRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        rows = await self._db.scan(lambda conn: conn.execute(statement).all())
        return [_event(row) for row in rows]

    async def count_item(self, item_id: str) -> int:
        statement = select(func.count()).select_from(AuditEventRow).where(AuditEventRow.item_id == item_id)
        return await self._db.scan(lambda conn: int(conn.execute(statement).scalar_one()))

    async def scan(self, query: AuditQuery, *, after_id: int, limit: int) -> Sequence[AuditEvent]:
        statement = select(*_COLUMNS).where(AuditEventRow.id > after_id)
        if query.since is not None:
            statement = statement.where(AuditEventRow.at >= query.since)
        if query.until is not None:
            statement = statement.where(AuditEventRow.at < query.until)
        if query.item_id is not None:
            statement = statement.where(AuditEventRow.item_id == query.item_id)
        if query.user_id is not None:
            statement = statement.where(AuditEventRow.user_id == query.user_id)
        statement = statement.order_by(AuditEventRow.id).limit(limit)
        rows = await self._db.scan(lambda conn: conn.execute(statement).all())
        return [_event(row) for row in rows]

    async def list_user(self, user_id: str, *, limit: int) -> Sequence[AuditEvent]:
        statement = (
            select(*_COLUMNS)
            .where(AuditEventRow.user_id == user_id)
            .order_by(AuditEventRow.at.desc(), AuditEventRow.id.desc())
            .limit(limit)
        )
        rows = await self._db.scan(lambda conn: conn.execute(statement).all())
        return [_event(row) for row in rows]


def _event(row: Row[Any]) -> AuditEvent:
    return AuditEvent(
        id=row.id,
        at=row.at,
        action=AuditAction(row.action),
        item_id=row.item_id,
        item_kind=ItemKind(row.item_kind),
        item_name=row.item_name,
        user_id=row.user_id,
        client=AuditClient(AuditChannel(row.client), row.client_name, row.address),
        detail=row.detail,
    )
