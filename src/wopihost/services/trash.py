"""The trash: what users deleted, restored by its owner or deleted for good, and the retention sweep."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio

from wopihost.domain.audit import AuditAction, ItemKind
from wopihost.domain.records import Folder, User
from wopihost.domain.trash import Restored, TrashItem, TrashKind
from wopihost.errors import NotFound
from wopihost.ports import Catalog, Clock, TrashStore
from wopihost.services.audit import AuditService
from wopihost.services.content import ContentService

logger = logging.getLogger("wopihost.trash")

# How many expired items one pass of the retention sweep reads at a time.
SWEEP_BATCH = 100


@dataclass(frozen=True, slots=True)
class TrashEntry:
    """A trash item as its owner sees it: where it was (the folders from the root down, empty when that
    folder is gone or in the trash, so that it restores to the root) and when it goes for good."""

    item: TrashItem
    location: Sequence[Folder]
    purge_at: datetime


class TrashService:
    """Listing, restoring and emptying a user's trash, and deleting what is past the retention period."""

    def __init__(
        self,
        *,
        trash: TrashStore,
        catalog: Catalog,
        content: ContentService,
        clock: Clock,
        retention: timedelta,
        sweep_interval: timedelta,
        audit: AuditService,
    ) -> None:
        self._trash = trash
        self._audit = audit
        self._catalog = catalog
        self._content = content
        self._clock = clock
        self.retention = retention
        self._sweep_interval = sweep_interval

    async def entries(self, user: User) -> Sequence[TrashEntry]:
        """The user's trash, most recently deleted first."""
        items = await self._trash.list_trash(user.id)
        return [
            TrashEntry(
                item, await self._catalog.folder_path(item.folder_id), item.purge_after(self.retention)
            )
            for item in items
        ]

    async def get(self, item_id: str, user: User | None = None) -> TrashItem:
        """A trash item; NotFound if there is none or, when `user` is given, it is not theirs."""
        item = await self._trash.find_item(item_id)
        if item is None or (user is not None and item.owner_id != user.id):
            raise NotFound("nothing of that ID is in the trash")
        return item

    async def restore(self, item_id: str, user: User | None = None) -> Restored:
        """Put an item back where it was (or in the root), with its versions and shares, under a free name."""
        await self.get(item_id, user)
        restored = await self._trash.restore(item_id)
        if restored is None:
            raise NotFound("nothing of that ID is in the trash")
        logger.info("op=trash_restore item_id=%s to_root=%s", item_id, restored.to_root)
        await self._record(AuditAction.RESTORED, restored.item, user, name=restored.name)
        return restored

    async def delete_permanently(self, item_id: str, user: User | None = None) -> TrashItem:
        """Delete an item for good: its rows in one transaction, then (only then) every version's content."""
        item = await self.get(item_id, user)
        if not await self._purge(item, user):
            raise NotFound("nothing of that ID is in the trash")
        return item

    async def empty(self, user: User) -> int:
        """Delete everything in the user's trash for good; return how many items went."""
        purged = 0
        for item in await self._trash.list_trash(user.id):
            purged += await self._purge(item, user)
        return purged

    async def purge_expired(self) -> int:
        """Delete for good every item that has been in the trash longer than the retention period."""
        cutoff = self._clock.now() - self.retention
        purged = 0
        while batch := await self._trash.list_expired(cutoff, limit=SWEEP_BATCH):
            results = [await self._purge(item) for item in batch]
            purged += sum(results)
            if not any(results):
                break  # Another process purged them first; its sweep will carry on.
        return purged

    async def run_periodic(self, stop: anyio.Event | None = None) -> None:
        """Run the retention sweep now and then at the sweep interval, until `stop` is set."""
        while stop is None or not stop.is_set():
            try:
                await self.purge_expired()
            except Exception:
                # A dead sweep would let the trash grow for good: log it and try again next time.
                logger.exception("op=trash_sweep status=error")
            with anyio.move_on_after(self._sweep_interval.total_seconds()):
                await (stop.wait() if stop is not None else anyio.sleep_forever())

    async def _purge(self, item: TrashItem, user: User | None = None) -> bool:
        keys = await self._trash.purge(item.id)
        if keys is None:
            return False
        # The retention sweep purges with no user: the event is the system's.
        await self._record(AuditAction.PURGED, item, user, name=item.name)
        # Only now that the rows are gone may the content go.
        await self._content.discard(keys)
        logger.info("op=trash_purge item_id=%s owner_id=%s blobs=%d", item.id, item.owner_id, len(keys))
        return True

    async def _record(self, action: AuditAction, item: TrashItem, user: User | None, *, name: str) -> None:
        kind = ItemKind.FOLDER if item.kind is TrashKind.FOLDER else ItemKind.FILE
        await self._audit.record(
            action, item_id=item.id, item_name=name, by=user.id if user else None, kind=kind
        )
