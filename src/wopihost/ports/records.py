"""Observability and records: metrics, the audit trail, admin queries, WOPI errors and activities."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from wopihost.domain.activities import CommentActivity, Mention, Notification
from wopihost.domain.admin import OpenSession, UserStorage, WopiError, WopiErrorQuery
from wopihost.domain.audit import AuditAction, AuditClient, AuditEvent, AuditQuery


class Metrics(Protocol):
    """Where the host reports what it counts; labels are small fixed sets, never tokens, names or users."""

    def wopi_request(self, operation: str, status: int, seconds: float) -> None:
        """One WOPI request answered: `operation` is a name from wopihost.domain.operations."""

    def web_request(self, route: str, status: int, seconds: float) -> None:
        """One request of the web UI answered: `route` is the matched route's path template."""

    def put_file(self, size: int, seconds: float) -> None:
        """One PutFile stored `size` bytes in `seconds`."""

    def lock_expired(self, operation: str) -> None:
        """A lock operation found the file's lock expired (and replaced it, or refused for it)."""

    def proof_failure(self, reason: str) -> None:
        """A proof-key check failed for `reason`, one of wopihost.domain.operations.PROOF_FAILURE_REASONS."""

    def discovery_refresh(self, *, ok: bool) -> None:
        """One fetch of the WOPI client's discovery XML, successful or not."""


class NoMetrics:
    """Metrics that go nowhere: the default when no metrics endpoint is configured."""

    def wopi_request(self, operation: str, status: int, seconds: float) -> None:
        """Count nothing."""

    def web_request(self, route: str, status: int, seconds: float) -> None:
        """Count nothing."""

    def put_file(self, size: int, seconds: float) -> None:
        """Count nothing."""

    def lock_expired(self, operation: str) -> None:
        """Count nothing."""

    def proof_failure(self, reason: str) -> None:
        """Count nothing."""

    def discovery_refresh(self, *, ok: bool) -> None:
        """Count nothing."""


NO_METRICS: Metrics = NoMetrics()


class AuditLog(Protocol):
    """The audit trail: append-only; events are never changed or removed."""

    async def append(self, event: AuditEvent) -> None:
        """Store one event."""
        ...

    async def has_recent(
        self, item_id: str, user_id: str | None, action: AuditAction, client: AuditClient, *, since: datetime
    ) -> bool:
        """Whether this user already did this to this item through this client at or after `since`."""
        ...

    async def list_item(self, item_id: str, *, limit: int, offset: int) -> Sequence[AuditEvent]:
        """The events of one file or folder, newest first."""
        ...

    async def count_item(self, item_id: str) -> int:
        """How many events one file or folder has."""
        ...

    async def scan(self, query: AuditQuery, *, after_id: int, limit: int) -> Sequence[AuditEvent]:
        """Up to `limit` events matching `query` with IDs above `after_id`, oldest first (for exports)."""
        ...

    async def list_user(self, user_id: str, *, limit: int) -> Sequence[AuditEvent]:
        """The latest events done by one user, newest first."""
        ...


class AdminQueries(Protocol):
    """Aggregates for the administrators' console, each one query whatever the number of files."""

    async def open_sessions(self, *, now: datetime, limit: int) -> Sequence[OpenSession]:
        """Files with an unexpired lock, with the holders of the current lock."""
        ...

    async def storage_by_user(self) -> Sequence[UserStorage]:
        """Every user's storage: live files, their bytes, every version's bytes, and the trash's bytes."""
        ...


class WopiErrorLog(Protocol):
    """Recent WOPI error responses, kept for a while for the administrators' search."""

    async def add_many(self, errors: Sequence[WopiError]) -> None:
        """Store a batch of errors atomically."""
        ...

    async def search(
        self, query: WopiErrorQuery, *, limit: int, offset: int
    ) -> tuple[Sequence[WopiError], int]:
        """One page of matching errors, newest first, and how many match in all."""
        ...

    async def purge(self, *, before: datetime, keep_rows: int) -> int:
        """Delete errors older than `before` and all but the newest `keep_rows`; return how many went."""
        ...


class WopiErrorSink(Protocol):
    """Where the WOPI surface hands its error responses; must return at once, never wait for storage."""

    def submit(self, error: WopiError) -> None:
        """Queue one error for recording, or drop (and count) it when the queue is full."""


class ActivityStore(Protocol):
    """Comment activities of WOPI clients and the notifications of the people they mention.

    `apply_comment` is one transaction: a retried activity (same file and activity ID, in any case) changes
    nothing and answers False.
    """

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
        """Record the activity and update notifications: a creation notifies `mentions`; an update rewrites
        the comment's notifications (and, when the activity names people, notifies exactly `mentions`); a
        deletion marks them deleted. False if this activity was already applied."""
        ...

    async def list_notifications(
        self, recipient_id: str, *, unread_only: bool, limit: int
    ) -> Sequence[Notification]:
        """A person's notifications that are not deleted, most recently updated first."""
        ...

    async def count_unread(self, recipient_id: str) -> int:
        """How many of a person's notifications are unread and not deleted."""
        ...

    async def mark_read(self, recipient_id: str, notification_id: int, *, now: datetime) -> bool:
        """Mark one of a person's notifications read; False if they have no such notification."""
        ...

    async def mark_all_read(self, recipient_id: str, *, now: datetime) -> int:
        """Mark all a person's notifications read; how many were unread."""
        ...
