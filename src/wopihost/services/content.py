"""File content: GetFile, PutFile and versions. Blobs are durable before any metadata points at them."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import anyio

from wopihost.domain.audit import AuditAction, SavedEvent
from wopihost.domain.locks import LockGuard, WhenUnlocked
from wopihost.domain.records import FileAccess, FileRecord, SaveKind, StoredBlob, Version
from wopihost.domain.sniffing import KNOWN_EXTENSIONS, SNIFF_BYTES, Sniffed, sniff, unsafe_to_open
from wopihost.domain.timestamps import iso8601
from wopihost.errors import DocumentChanged, FileTooLarge, LargerThanExpected, LockMismatch, NotFound
from wopihost.ports import BlobStore, Catalog, Clock, Files, Versions, WriteOutcome
from wopihost.services.access import require_write
from wopihost.services.audit import AuditService

log = logging.getLogger("wopihost.content")

# GetFile's default for a missing X-WOPI-MaxExpectedSize: the largest 4-byte signed integer.
DEFAULT_MAX_EXPECTED_SIZE = 2**31 - 1
# Sniffed kinds kept per content hash; a listing of many files reads each one's prefix once.
_SNIFF_CACHE_ENTRIES = 4096


@dataclass(frozen=True, slots=True)
class OpenedContent:
    """A file's metadata and a stream of the matching bytes."""

    file: FileRecord
    chunks: AsyncIterator[bytes]


class ContentService:
    """Reads and writes file content and keeps the version history."""

    def __init__(
        self,
        *,
        catalog: Catalog,
        files: Files,
        versions: Versions,
        blobs: BlobStore,
        clock: Clock,
        audit: AuditService,
        max_file_size: int,
        retention: int = 0,
    ) -> None:
        self._catalog = catalog
        self._files = files
        self._versions = versions
        self._audit = audit
        self._blobs = blobs
        self._clock = clock
        self.max_file_size = max_file_size
        self._retention = retention
        self._sniffed: OrderedDict[str, Sniffed] = OrderedDict()
        self._listeners: list[Callable[[str], None]] = []

    def on_change(self, listener: Callable[[str], None]) -> None:
        """Call `listener` with the file's ID whenever a file gets new content in this process."""
        self._listeners.append(listener)

    def changed(self, file_id: str) -> None:
        """Tell the listeners that a file was created or got new content."""
        for listener in self._listeners:
            listener(file_id)

    async def misnamed(self, file: FileRecord) -> Sniffed | None:
        """What the content is if a client must not open it under its name (a .docx named .txt), else None."""
        if file.size == 0 or file.extension.lower() not in KNOWN_EXTENSIONS:
            return None
        try:
            found = await self.sniff(file)
        except NotFound:
            # A save replaced (and pruning removed) the content since the record was read; no verdict.
            return None
        return found if unsafe_to_open(found, file.extension) else None

    async def sniff(self, file: FileRecord) -> Sniffed:
        """What the file's current content is, judged from its first bytes only."""
        cached = self._sniffed.get(file.sha256)
        if cached is not None:
            self._sniffed.move_to_end(file.sha256)
            return cached
        head = bytearray()
        chunks = await self._blobs.open(file.blob_key)
        try:
            async for chunk in chunks:
                head += chunk[: SNIFF_BYTES - len(head)]
                if len(head) >= SNIFF_BYTES:
                    break
        finally:
            close = getattr(chunks, "aclose", None)
            if close is not None:
                await close()
        found = sniff(bytes(head), complete=file.size <= SNIFF_BYTES)
        self._sniffed[file.sha256] = found
        while len(self._sniffed) > _SNIFF_CACHE_ENTRIES:
            self._sniffed.popitem(last=False)
        return found

    async def read(self, access: FileAccess, *, max_expected_size: int | None = None) -> OpenedContent:
        """Open the current content; FileTooLarge if it exceeds what the client expects (GetFile's 412)."""
        file = access.file
        limit = DEFAULT_MAX_EXPECTED_SIZE if max_expected_size is None else max_expected_size
        if file.size > limit:
            raise LargerThanExpected(file.size, limit)
        try:
            return OpenedContent(file, await self._blobs.open(file.blob_key))
        except NotFound:
            # A save may have replaced the content (and pruning removed it) since the file was read.
            fresh = await self._catalog.find_file(file.id)
            if fresh is None or fresh.blob_key == file.blob_key:
                raise
            return OpenedContent(fresh, await self._blobs.open(fresh.blob_key))

    async def store(self, chunks: AsyncIterable[bytes], *, declared_size: int | None = None) -> StoredBlob:
        """Write content to the blob store, refusing more than the configured maximum."""
        if declared_size is not None and declared_size > self.max_file_size:
            raise FileTooLarge(declared_size, self.max_file_size)
        return await self._blobs.put(chunks, max_size=self.max_file_size)

    async def put_file(
        self,
        access: FileAccess,
        chunks: AsyncIterable[bytes],
        *,
        lock_id: str | None,
        editors: str = "",
        declared_size: int | None = None,
        save: SaveKind | None = None,
        timestamp: str | None = None,
    ) -> FileRecord:
        """PutFile: replace the content if the caller holds the lock, or if the file is unlocked and empty.

        With `timestamp` (the LastModifiedTime the client last saw), the save is also refused with
        DocumentChanged unless the file still has exactly that modification time.
        """
        require_write(access)
        _precheck_put(access.file, lock_id, self._clock)
        expected = _expected_modified_at(access.file, timestamp, self._clock)
        blob = await self.store(chunks, declared_size=declared_size)
        guard = LockGuard(lock_id, WhenUnlocked.IF_EMPTY)
        # One event per save, autosaves included: each one made a version, and the trail names it. It is
        # written with the version, in one transaction, not after it in a second.
        event = self._audit.saved(AuditAction.SAVED, by=access.user.id, detail=_version_number)
        return await self.commit(
            access.file.id,
            blob,
            guard=guard,
            author_id=access.user.id,
            editors=editors,
            source="putfile",
            save=save,
            expected_modified_at=expected,
            audit=event,
        )

    async def commit(
        self,
        file_id: str,
        blob: StoredBlob,
        *,
        guard: LockGuard,
        author_id: str,
        editors: str = "",
        source: str,
        save: SaveKind | None = None,
        expected_modified_at: datetime | None = None,
        audit: SavedEvent | None = None,
    ) -> FileRecord:
        """Make a stored blob the file's new version if the guard (and the expected modification time)
        holds, pruning old versions (and appending `audit`'s event) in the same transaction; otherwise
        discard the blob."""
        async with self.discarding_on_failure(blob):
            outcome = await self._files.commit_version(
                file_id,
                blob,
                guard=guard,
                author_id=author_id,
                editors=editors,
                source=source,
                now=self._clock.now(),
                save=save,
                expected_modified_at=expected_modified_at,
                keep_versions=max(self._retention, 0),
                audit=audit,
            )
            file = _accepted(outcome, self._clock)
        self.changed(file.id)
        # The pruned versions are gone with the commit; their content is removed after it, best effort.
        await self.discard(outcome.released_blobs if outcome is not None else ())
        return file

    @asynccontextmanager
    async def discarding_on_failure(self, blob: StoredBlob) -> AsyncIterator[None]:
        """Delete `blob` when the block fails or is cancelled, so that no content is left behind that no
        file refers to; the block is where metadata comes to point at it."""
        try:
            yield
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self.discard([blob.key])
            raise

    async def discard(self, keys: Sequence[str]) -> None:
        """Delete blobs that no file refers to any more."""
        for key in keys:
            try:
                await self._blobs.delete(key)
            except Exception:
                log.warning("op=blob_delete status=failed key=%s", key)

    async def direct_url(self, access: FileAccess) -> str | None:
        """A short-lived URL of the current content in the blob store itself, if the store offers one and
        the user may download; None otherwise (clients then use the host's own URLs)."""
        if not access.permissions.can_download:
            return None
        return await self._blobs.download_url(access.file.blob_key)

    async def list_versions(self, access: FileAccess) -> Sequence[Version]:
        """All stored versions, newest first."""
        return await self._versions.list_versions(access.file.id)

    async def open_version(self, access: FileAccess, number: int) -> tuple[Version, AsyncIterator[bytes]]:
        """Stream an old version's content."""
        version = await self._versions.find_version(access.file.id, number)
        if version is None:
            raise NotFound(f"version {number} not found")
        return version, await self._blobs.open(version.blob_key)

    async def restore_version(self, access: FileAccess, number: int) -> FileRecord:
        """Make a copy of an old version the current content; refused while another client holds a lock."""
        require_write(access)
        version = await self._versions.find_version(access.file.id, number)
        if version is None:
            raise NotFound(f"version {number} not found")
        # Versions are immutable, so the copy has the version's size and hash without reading it again.
        copied = await self._blobs.copy(version.blob_key)
        blob = StoredBlob(key=copied, size=version.size, sha256=version.sha256)
        restored = await self.commit(
            access.file.id, blob, guard=LockGuard(None), author_id=access.user.id, source="restore"
        )
        await self._audit.record(
            AuditAction.VERSION_RESTORED,
            item_id=restored.id,
            item_name=restored.name,
            by=access.user.id,
            detail=f"{number}:{restored.version}",
        )
        return restored


def _version_number(file: FileRecord) -> str:
    return str(file.version)


def _accepted(outcome: WriteOutcome | None, clock: Clock) -> FileRecord:
    # The written file, or the exception that explains a refused write.
    if outcome is None:
        raise NotFound("file not found")
    if outcome.stale and outcome.current is not None:
        raise DocumentChanged(_lock_id_of(outcome.current, clock))
    if outcome.file is None:
        raise mismatch_from(outcome)
    return outcome.file


def mismatch_from(outcome: WriteOutcome) -> LockMismatch:
    """The LockMismatch that explains a refused guarded write."""
    if outcome.blocking_lock is not None:
        return LockMismatch(outcome.blocking_lock.lock_id, "the file is locked with another lock ID")
    return LockMismatch("", "the file is not locked and not empty")


def _precheck_put(file: FileRecord, lock_id: str | None, clock: Clock) -> None:
    # Refuses early, before any byte is uploaded; the commit re-checks atomically.
    lock = file.active_lock(clock.now())
    if lock is not None and lock.lock_id != lock_id:
        raise LockMismatch(lock.lock_id, "the file is locked with another lock ID")
    if lock is None and file.size != 0:
        raise LockMismatch("", "the file is not locked and not empty")


def _expected_modified_at(file: FileRecord, timestamp: str | None, clock: Clock) -> datetime | None:
    # Collabora Online sends the LastModifiedTime it last saw and expects a stale save refused. The strings
    # are compared as sent (anything malformed differs), and the commit re-checks the time atomically.
    if timestamp is None or not timestamp.strip():
        return None
    if timestamp.strip() != iso8601(file.modified_at):
        raise DocumentChanged(_lock_id_of(file, clock))
    return file.modified_at


def _lock_id_of(file: FileRecord, clock: Clock) -> str:
    lock = file.active_lock(clock.now())
    return lock.lock_id if lock is not None else ""
