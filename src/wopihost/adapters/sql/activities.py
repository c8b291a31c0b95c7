"""SqlActivityStore: comment activities and mention notifications; each activity is one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, func, select, update

from wopihost.adapters.sql.database import Database, dialect_insert
from wopihost.adapters.sql.models import CommentActivityRow, NotificationRow
from wopihost.domain.activities import CommentAction, CommentActivity, Mention, Notification, excerpt


def content_key(content_id: str) -> str:
    """The indexed stand-in of a ContentId: its SHA-256 in hex."""
    return hashlib.sha256(content_id.encode("utf-8")).hexdigest()


class SqlActivityStore:
    """Comment activities in comment_activities, mentions in notifications."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def apply_comment(
        self,
        file_id: str,
        comment: CommentActivity,
        *,
        actor_id: str,
        actor_name: str,
        mentions: Sequence[Mention],
        now: datetime,
    ) -> bool:
        key = content_key(comment.content_id)

        def work(conn: Connection) -> bool:
            insert = dialect_insert(conn)
            added = conn.execute(
                insert(CommentActivityRow)
                .values(
                    file_id=file_id,
                    activity_id=comment.key,
                    content_key=key,
                    content_id=comment.content_id,
                    navigation_id=comment.navigation_id,
                    action=comment.action.value,
                    comment_text=comment.text,
                    actor_id=actor_id,
                    actor_name=actor_name,
                    received_at=now,
                )
                .on_conflict_do_nothing(index_elements=["file_id", "activity_id"])
            ).rowcount
            if not added:
                return False
            same_comment = and_(NotificationRow.file_id == file_id, NotificationRow.content_key == key)
            if comment.action is CommentAction.DELETED:
                conn.execute(update(NotificationRow).where(same_comment).values(deleted=True, updated_at=now))
                return True
            if comment.action is CommentAction.UPDATED:
                changes: dict[str, object] = {"excerpt": excerpt(comment.text), "updated_at": now}
                if comment.navigation_id:
                    changes["navigation_id"] = comment.navigation_id
                conn.execute(
                    update(NotificationRow)
                    .where(same_comment, NotificationRow.deleted.is_(False))
                    .values(**changes)
                )
                if comment.people:
                    # The edited comment names its people anew: whoever it no longer mentions loses it.
                    keep = [m.recipient_id for m in mentions]
                    conn.execute(
                        update(NotificationRow)
                        .where(same_comment, NotificationRow.recipient_id.not_in(keep))
                        .values(deleted=True, updated_at=now)
                    )
            for mention in mentions:
                _upsert(conn, insert, mention, key, now)
            return True

        return await self._db.write(work)

    async def list_notifications(
        self, recipient_id: str, *, unread_only: bool, limit: int
    ) -> Sequence[Notification]:
        query = select(NotificationRow.__table__).where(
            NotificationRow.recipient_id == recipient_id, NotificationRow.deleted.is_(False)
        )
        if unread_only:
            query = query.where(NotificationRow.read_at.is_(None))
        query = query.order_by(NotificationRow.updated_at.desc(), NotificationRow.id.desc()).limit(limit)
        rows = await self._db.scan(lambda conn: conn.execute(query).all())
        return [_notification(row) for row in rows]

    async def count_unread(self, recipient_id: str) -> int:
        query = select(func.count()).where(
            NotificationRow.recipient_id == recipient_id,
            NotificationRow.deleted.is_(False),
            NotificationRow.read_at.is_(None),
        )
        return int(await self._db.read(lambda conn: conn.execute(query).scalar_one()))

    async def mark_read(self, recipient_id: str, notification_id: int, *, now: datetime) -> bool:
        def work(conn: Connection) -> bool:
            found = conn.execute(
                select(NotificationRow.read_at).where(
                    NotificationRow.id == notification_id,
                    NotificationRow.recipient_id == recipient_id,
                    NotificationRow.deleted.is_(False),
                )
            ).first()
            if found is None:
                return False
            if found.read_at is None:
                conn.execute(
                    update(NotificationRow).where(NotificationRow.id == notification_id).values(read_at=now)
                )
            return True

        return await self._db.write(work)

    async def mark_all_read(self, recipient_id: str, *, now: datetime) -> int:
        statement = (
            update(NotificationRow)
            .where(
                NotificationRow.recipient_id == recipient_id,
                NotificationRow.read_at.is_(None),
                NotificationRow.deleted.is_(False),
            )
            .values(read_at=now)
        )
        return int(await self._db.write(lambda conn: conn.execute(statement).rowcount))


def _upsert(conn: Connection, insert: object, mention: Mention, key: str, now: datetime) -> None:
    """Notify one person of one comment: a new row, or the existing one brought back and made unread."""
    values = {
        "navigation_id": mention.navigation_id,
        "excerpt": excerpt(mention.excerpt),
        "actor_id": mention.actor_id,
        "actor_name": mention.actor_name,
        "updated_at": now,
    }
    statement = insert(NotificationRow).values(  # type: ignore[operator]
        recipient_id=mention.recipient_id,
        file_id=mention.file_id,
        content_key=key,
        content_id=mention.content_id,
        created_at=now,
        read_at=None,
        deleted=False,
        **values,
    )
    # A person mentioned again (a retry under a new ID, or re-added in an edit) keeps one notification.
    revived = {**values, "deleted": False}
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["recipient_id", "file_id", "content_key"],
            set_=revived,
        )
    )


def _notification(row: Row[Any]) -> Notification:
    return Notification(
        id=row.id,
        recipient_id=row.recipient_id,
        file_id=row.file_id,
        content_id=row.content_id,
        navigation_id=row.navigation_id,
        excerpt=row.excerpt,
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        created_at=row.created_at,
        updated_at=row.updated_at,
        read=row.read_at is not None,
    )
