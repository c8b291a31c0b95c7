"""Recording and reading the audit trail: every use case that changes or opens a file records here."""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from wopihost.domain.audit import (
    AuditAction,
    AuditEvent,
    AuditQuery,
    ItemKind,
    SavedEvent,
    current_client,
)
from wopihost.domain.records import FileAccess, FileRecord, Folder, User
from wopihost.errors import NotFound, PermissionDenied
from wopihost.ports import AuditLog, Catalog, Clock, UserStore

logger = logging.getLogger("wopihost.audit")

# One "opened" event per user, file and client in this window: a client calls CheckFileInfo again and again
# during one session (reconnects, co-authoring refreshes), and the trail should show sessions, not requests.
OPEN_WINDOW = timedelta(minutes=30)
# An open another process recorded is looked up again after this long, so that CheckFileInfo does not read
# the trail on every call; the window may stretch by as much.
SEEN_ELSEWHERE = timedelta(minutes=1)
# Opens this process remembers; the oldest are forgotten first.
MEMO_SIZE = 10_000
EXPORT_BATCH = 500
PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class AuditPage:
    """One page of a file's activity, newest first."""

    events: Sequence[AuditEvent]
    page: int
    pages: int


class AuditService:
    """The audit trail: what services record after an action commits, the Activity page, the export."""

    def __init__(self, *, log: AuditLog, catalog: Catalog, users: UserStore, clock: Clock) -> None:
        self._log = log
        self._users = users
        self._catalog = catalog
        self._clock = clock
        # (item, user, action, channel, client name) -> until when an open needs no recording.
        self._opens: OrderedDict[tuple[str, str | None, str, str, str], datetime] = OrderedDict()

    async def record(
        self,
        action: AuditAction,
        *,
        item_id: str,
        item_name: str,
        by: str | None,
        kind: ItemKind = ItemKind.FILE,
        detail: str = "",
    ) -> None:
        """Record an action that has just taken effect, attributed to the current client."""
        event = AuditEvent(
            at=self._clock.now(),
            action=action,
            item_id=item_id,
            item_kind=kind,
            item_name=item_name,
            user_id=by,
            client=current_client(),
            detail=detail[:500],
        )
        await self._log.append(event)
        # The database row is the record; the log line is for tracing a request at debug level only.
        logger.debug(
            "op=audit action=%s item_id=%s user_id=%s client=%s",
            action.value,
            item_id,
            by,
            event.client.channel.value,
        )

    def saved(
        self, action: AuditAction, *, by: str | None, detail: Callable[[FileRecord], str]
    ) -> SavedEvent:
        """The event recording `action` on the file a save produces, for the store to append in the save's
        transaction; its time and client are taken now, in the request's context."""
        at, client = self._clock.now(), current_client()

        def event(file: FileRecord) -> AuditEvent:
            return AuditEvent(
                at=at,
                action=action,
                item_id=file.id,
                item_kind=ItemKind.FILE,
                item_name=file.name,
                user_id=by,
                client=client,
                detail=detail(file)[:500],
            )

        return event

    async def record_open(self, access: FileAccess) -> bool:
        """Record that a client opened the file for viewing or editing, once per session window."""
        action = AuditAction.OPENED_EDIT if access.permissions.can_write else AuditAction.OPENED_VIEW
        return await self._record_once(action, access.file, access.user.id)

    async def record_visit(self, file: FileRecord, visitor_id: str, *, detail: str) -> bool:
        """Record that a share-link visitor opened the file, once per session window."""
        return await self._record_once(AuditAction.LINK_OPENED, file, visitor_id, detail=detail)

    async def _record_once(
        self, action: AuditAction, file: FileRecord, by: str | None, *, detail: str = ""
    ) -> bool:
        now, client = self._clock.now(), current_client()
        key = (file.id, by, action.value, client.channel.value, client.name)
        until = self._opens.get(key)
        if until is not None and now < until:
            return False
        # Claimed before the first await: the co-authors of a document often open it at the same moment, and
        # each would otherwise find no record yet and write one.
        self._remember(key, now + OPEN_WINDOW)
        try:
            if await self._log.has_recent(file.id, by, action, client, since=now - OPEN_WINDOW):
                self._remember(key, now + SEEN_ELSEWHERE)
                return False
            await self.record(action, item_id=file.id, item_name=file.name, by=by, detail=detail)
        except BaseException:
            self._opens.pop(key, None)
            raise
        return True

    def _remember(self, key: tuple[str, str | None, str, str, str], until: datetime) -> None:
        self._opens[key] = until
        self._opens.move_to_end(key)
        while len(self._opens) > MEMO_SIZE:
            self._opens.popitem(last=False)

    async def file_activity(self, user: User, file_id: str, page: int = 1) -> tuple[FileRecord, AuditPage]:
        """A page of a file's activity; only its owner and administrators may see it."""
        file = await self._catalog.find_file(file_id)
        if file is None or not may_view_audit(file.owner_id, user):
            raise NotFound("file not found or its activity not visible to this user")
        return file, await self._page(file.id, page)

    async def folder_activity(self, user: User, folder_id: str, page: int = 1) -> tuple[Folder, AuditPage]:
        """A page of a folder's own activity (not that of the files in it); owner and administrators only."""
        folder = await self._catalog.find_folder(folder_id)
        if folder is None or folder.parent_id is None or not may_view_audit(folder.owner_id, user):
            raise NotFound("folder not found or its activity not visible to this user")
        return folder, await self._page(folder.id, page)

    async def _page(self, item_id: str, page: int) -> AuditPage:
        total = await self._log.count_item(item_id)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, page), pages)
        events = await self._log.list_item(item_id, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        return AuditPage(events=events, page=page, pages=pages)

    async def export(self, query: AuditQuery) -> AsyncIterator[AuditEvent]:
        """Every event matching `query`, oldest first, read in batches so that any size streams."""
        after = 0
        while batch := await self._log.scan(query, after_id=after, limit=EXPORT_BATCH):
            for event in batch:
                yield event
            last = batch[-1].id
            if last is None or len(batch) < EXPORT_BATCH:
                return
            after = last

    async def export_lines(self, query: AuditQuery) -> AsyncIterator[str]:
        """The export as JSON lines (each ending in a newline), with each actor's username where known."""
        names: dict[str, str] = {}
        async for event in self.export(query):
            record = event.as_json()
            record["username"] = await self._username(event.user_id, names)
            yield json.dumps(record, ensure_ascii=False) + "\n"

    async def names(self, user_ids: Sequence[str | None]) -> dict[str, str]:
        """Display names of the users among `user_ids` that still exist."""
        found: dict[str, str] = {}
        for user_id in {u for u in user_ids if u}:
            user = await self._users.find_user(user_id)
            if user is not None:
                found[user_id] = user.display_name
        return found

    async def _username(self, user_id: str | None, cache: dict[str, str]) -> str | None:
        if user_id is None:
            return None
        if user_id not in cache:
            user = await self._users.find_user(user_id)
            cache[user_id] = user.username if user is not None else ""
        return cache[user_id] or None


def may_view_audit(owner_id: str, user: User) -> bool:
    """Whether this person may see the activity of what `owner_id` owns: the owner or an administrator."""
    return user.id == owner_id or user.is_admin


def require_audit_export(user: User) -> None:
    """PermissionDenied unless the user is an administrator."""
    if not user.is_admin:
        raise PermissionDenied("only administrators may export the audit trail")
