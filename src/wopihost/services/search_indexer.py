"""Keeps the search index current: extracts the text of new and changed files in the background.

The index records which version of each file its text came from, so the work to do is always "files whose
indexed version is not their current one": it survives restarts, and saves made by other processes or nodes
are found by the periodic sweep. A save in this process wakes the indexer at once. Storing is conditional on
the version still being current, so two processes indexing at the same time leave a correct index.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

import anyio
import anyio.to_thread

from wopihost.domain.records import FileRecord
from wopihost.domain.search import clean_text
from wopihost.errors import NotFound, StorageUnavailable, UnreadableDocument
from wopihost.ports import BlobStore, IndexEntry, SearchIndex, TextExtractor

log = logging.getLogger("wopihost.search")

# Rounds of `reindex` before it gives up on files that keep changing while it indexes them.
MAX_REINDEX_ROUNDS = 10_000


@dataclass(frozen=True, slots=True)
class IndexerLimits:
    """How much the indexer takes on: files larger than `max_file_size` are found by name only."""

    max_file_size: int
    batch_size: int = 20
    sweep_seconds: float = 60.0
    # After a save wakes the indexer, it waits this long first: the saves of a busy editing session (an
    # autosave every few seconds) are indexed once per pause, not once each.
    settle_seconds: float = 0.0


class SearchIndexer:
    """Extracts and stores the text of files whose index entry is missing or out of date."""

    def __init__(
        self, *, index: SearchIndex, blobs: BlobStore, extractor: TextExtractor, limits: IndexerLimits
    ) -> None:
        self._index = index
        self._blobs = blobs
        self._extractor = extractor
        self._limits = limits
        self._wakeup: anyio.Event | None = None

    def wake(self, file_id: str | None = None) -> None:
        """Ask the running indexer to look for work now (a file was created or saved)."""
        if self._wakeup is not None:
            self._wakeup.set()

    async def index_file(self, file: FileRecord) -> bool:
        """Index one version of a file; False if it changed or vanished meanwhile (nothing stored)."""
        extension = file.extension.lower()
        if not self._extractor.supports(extension):
            return await self._index.store(IndexEntry(file.id, file.version, "unsupported"))
        if file.size > self._limits.max_file_size:
            return await self._index.store(IndexEntry(file.id, file.version, "too_large"))
        if file.size == 0:
            # A new document before its first save: nothing to read, and nothing wrong.
            return await self._index.store(IndexEntry(file.id, file.version, "ok"))
        try:
            extracted = await self._extractor.extract(extension, await self._blobs.open(file.blob_key))
            # Off the event loop: cleaning a large text takes long enough to hold up every request.
            text = await anyio.to_thread.run_sync(clean_text, extracted)
        except (NotFound, UnreadableDocument) as exc:
            # NotFound: the content is gone. If a newer save replaced it, storing refuses this old version.
            log.warning("op=search_extract status=failed file_id=%s error=%s", file.id, exc)
            return await self._index.store(IndexEntry(file.id, file.version, "failed"))
        try:
            return await self._index.store(IndexEntry(file.id, file.version, "ok", text))
        except StorageUnavailable as exc:
            # E.g. a text whose tsvector would pass PostgreSQL's 1 MB limit: searchable by name only.
            log.warning("op=search_store status=failed file_id=%s error=%s", file.id, exc)
            return await self._index.store(IndexEntry(file.id, file.version, "failed"))

    async def run_once(self) -> tuple[int, int]:
        """Index one batch of out-of-date files; return how many were looked at and how many stored."""
        stale = list(await self._index.find_stale(limit=self._limits.batch_size))
        # Processes sweeping at the same time mostly pick different files.
        random.shuffle(stale)
        stored = 0
        for file in stale:
            stored += await self._index_safely(file)
        return len(stale), stored

    async def _index_safely(self, file: FileRecord) -> bool:
        try:
            return await self.index_file(file)
        except StorageUnavailable:
            raise
        except Exception:
            # A bug in a parser must not stop the indexer: the file is recorded as failed, found by name.
            log.exception("op=search_extract status=error file_id=%s", file.id)
            return await self._index.store(IndexEntry(file.id, file.version, "failed"))

    async def reindex(self, *, everything: bool = False) -> int:
        """Index every out-of-date file (with `everything`, every file) now; return how many were stored."""
        if everything:
            await self._index.clear()
        total = 0
        for _round in range(MAX_REINDEX_ROUNDS):
            looked, stored = await self.run_once()
            total += stored
            if looked < self._limits.batch_size or not stored:
                break
        return total

    async def run(self, stop: anyio.Event) -> None:
        """Index in the background until `stop` is set: on wake-ups, and every sweep interval."""
        self._wakeup = anyio.Event()
        async with anyio.create_task_group() as tasks:

            async def stop_when_told() -> None:
                await stop.wait()
                tasks.cancel_scope.cancel()

            tasks.start_soon(stop_when_told)
            await self._loop()

    async def _loop(self) -> None:
        while True:
            self._wakeup = anyio.Event()
            try:
                looked, stored = await self.run_once()
            except StorageUnavailable as exc:
                log.warning("op=search_sweep status=failed error=%s", exc)
                looked = stored = 0
            if looked >= self._limits.batch_size and stored:
                continue  # More may be waiting.
            with anyio.move_on_after(self._limits.sweep_seconds):
                await self._wakeup.wait()
                await anyio.sleep(self._limits.settle_seconds)
