"""Previews: thumbnails and page images of documents, rendered from their current version in the background.

Requests only read what is ready; rendering happens in `PreviewWorker` (services/preview_worker.py), which
claims one file at a time through the PreviewStore so that any number of processes can share the work.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import timedelta

from wopihost.domain.previews import (
    THUMBNAIL,
    PreviewState,
    ShownPreview,
    page_name,
    retry_time,
    shown_of,
)
from wopihost.domain.records import FileAccess, FileRecord
from wopihost.errors import NotFound, RenderFailed
from wopihost.ports import BlobStore, Clock, DocumentRenderer, PreviewImages, PreviewStore

log = logging.getLogger("wopihost.previews")


class PreviewService:
    """Reads rendered previews for the UI, and renders the next one that is due."""

    def __init__(
        self,
        *,
        store: PreviewStore,
        images: PreviewImages,
        blobs: BlobStore,
        renderer: DocumentRenderer | None,
        clock: Clock,
        max_pages: int,
        lease: timedelta,
        settle: timedelta = timedelta(0),
        notice: str = "",
    ) -> None:
        self._store = store
        self._images = images
        self._blobs = blobs
        self._renderer = renderer
        self._clock = clock
        self._max_pages = max_pages
        self._lease = lease
        self._settle = settle
        # Why previews are off, or what kinds of file go without them (no LibreOffice: PDFs only).
        self.notice = notice

    @property
    def extensions(self) -> frozenset[str]:
        """The extensions that get previews; none when previews are off."""
        return self._renderer.extensions if self._renderer is not None else frozenset()

    @property
    def enabled(self) -> bool:
        return self._renderer is not None

    async def states(self, files: Sequence[FileRecord]) -> Mapping[str, ShownPreview]:
        """What to show of each file's preview, for a listing (one query for all)."""
        extensions = self.extensions
        wanted = [
            file.id for file in files if shown_of(file, None, extensions).state is not PreviewState.NONE
        ]
        previews = await self._store.find_previews(wanted) if wanted else {}
        return {file.id: shown_of(file, previews.get(file.id), extensions) for file in files}

    async def find(self, access: FileAccess) -> ShownPreview:
        """What to show of the preview of a file the user may see."""
        return (await self.states([access.file]))[access.file.id]

    async def open_image(self, access: FileAccess, name: str) -> tuple[int, AsyncIterator[bytes]]:
        """Stream the thumbnail ("thumb") or a page image ("page-3") of the images shown for the file, with
        the version they were rendered from."""
        shown = await self.find(access)
        if shown.image_version is None:
            raise NotFound("no preview of this file yet")
        names = {THUMBNAIL, *(page_name(number) for number in range(1, shown.pages + 1))}
        if name not in names:
            raise NotFound(f"the preview has no image {name!r}")
        return shown.image_version, await self._images.open(access.file.id, shown.image_version, name)

    async def render_next(self, worker: str) -> bool:
        """Claim and render one file whose preview is due; False when there was nothing to do."""
        if self._renderer is None:
            return False
        extensions = sorted(self._renderer.extensions)
        claimed = await self._store.claim_next(
            extensions=extensions,
            worker=worker,
            now=self._clock.now(),
            lease=self._lease,
            settle=self._settle,
        )
        if claimed is None:
            return False
        await self._render(claimed, worker, self._renderer)
        return True

    async def remove_orphans(self) -> int:
        """Delete the images of files that no longer exist (their record went with them)."""
        known = set(await self._store.list_file_ids())
        orphans = [file_id for file_id in await self._images.list_file_ids() if file_id not in known]
        for file_id in orphans:
            await self._images.keep_only(file_id, None)
        return len(orphans)

    async def _render(self, file: FileRecord, worker: str, renderer: DocumentRenderer) -> None:
        started = time.monotonic()
        try:
            chunks = await self._blobs.open(file.blob_key)
            rendered = await renderer.render(chunks, extension=file.extension, max_pages=self._max_pages)
        except (RenderFailed, NotFound) as exc:
            # NotFound: a save replaced the content (and pruning removed it) since the claim; that save's
            # version is rendered next.
            await self._record_failure(file, worker, str(exc))
            return
        for number, page in enumerate(rendered.pages, start=1):
            await self._images.put(file.id, file.version, page_name(number), page)
        await self._images.put(file.id, file.version, THUMBNAIL, rendered.thumbnail)
        pages = len(rendered.pages)
        if await self._store.finish(file.id, file.version, worker=worker, pages=pages, now=self._clock.now()):
            await self._images.keep_only(file.id, file.version)
            seconds = time.monotonic() - started
            log.info(
                "op=preview_render status=ok file_id=%s version=%d pages=%d seconds=%.1f",
                file.id,
                file.version,
                pages,
                seconds,
            )
        elif file.id not in await self._store.find_previews([file.id]):
            await self._images.keep_only(file.id, None)  # The file was deleted while it was rendered.

    async def _record_failure(self, file: FileRecord, worker: str, error: str) -> None:
        before = (await self._store.find_previews([file.id])).get(file.id)
        attempts = (before.attempts if before is not None and before.version == file.version else 0) + 1
        now = self._clock.now()
        retry_at = retry_time(attempts, now)
        failed = await self._store.fail(
            file.id, file.version, worker=worker, error=error, retry_at=retry_at, now=now
        )
        if failed and retry_at is None:
            # Given up: the file shows its generic icon, and an older version's images would only mislead.
            await self._images.keep_only(file.id, None)
        log.warning(
            "op=preview_render status=failed file_id=%s version=%d attempt=%d error=%s",
            file.id,
            file.version,
            attempts,
            error,
        )
