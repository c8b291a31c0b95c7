"""Previews: their records, their images, and the renderer that makes them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from wopihost.domain.previews import Preview
from wopihost.domain.records import (
    FileRecord,
)


class PreviewStore(Protocol):
    """Which version of each file has its preview rendered, and the workers' claims on renderings.

    Every method is atomic; claims are compare-and-swaps, so that any number of processes may render.
    """

    async def find_previews(self, file_ids: Sequence[str]) -> Mapping[str, Preview]:
        """The recorded previews of these files (those that have one)."""
        ...

    async def claim_next(
        self, *, extensions: Sequence[str], worker: str, now: datetime, lease: timedelta, settle: timedelta
    ) -> FileRecord | None:
        """Claim a non-empty file with one of `extensions` whose preview is missing, failed and due for a
        retry, or of an older version while the file has not changed for `settle` (a document being edited
        is rendered once its saves pause); or whose claim expired (its worker died). The claim records the
        file's version as rendering by `worker` until `now + lease`, keeping the last complete images.
        None when there is nothing to do."""
        ...

    async def finish(self, file_id: str, version: int, *, worker: str, pages: int, now: datetime) -> bool:
        """Record the rendering as ready, its images as the ones to show, if `worker` still holds the claim;
        False otherwise."""
        ...

    async def fail(
        self, file_id: str, version: int, *, worker: str, error: str, retry_at: datetime | None, now: datetime
    ) -> bool:
        """Record a failed attempt (counted) if `worker` still holds the claim; False otherwise."""
        ...

    async def list_file_ids(self) -> Sequence[str]:
        """The files that have a preview record."""
        ...


class PreviewImages(Protocol):
    """Rendered images, by file, version and name. Images of one version never change once written."""

    async def put(self, file_id: str, version: int, name: str, data: bytes) -> None:
        """Store an image atomically, replacing one of the same name."""
        ...

    async def open(self, file_id: str, version: int, name: str) -> AsyncIterator[bytes]:
        """Stream an image; raise NotFound now if there is none."""
        ...

    async def keep_only(self, file_id: str, version: int | None) -> None:
        """Remove the file's images of every version but `version` (all of them when None)."""
        ...

    async def list_file_ids(self) -> Sequence[str]:
        """The files that have images stored."""
        ...


@dataclass(frozen=True, slots=True)
class RenderedPreview:
    """PNG images of a document: a small one of the first page, and larger ones of the first pages."""

    thumbnail: bytes
    pages: Sequence[bytes]


class DocumentRenderer(Protocol):
    """Renders documents to images; raises RenderFailed (bad or unsupported content, a timeout)."""

    @property
    def extensions(self) -> frozenset[str]:
        """The extensions (".docx") it renders."""
        ...

    async def render(
        self, chunks: AsyncIterator[bytes], *, extension: str, max_pages: int
    ) -> RenderedPreview:
        """Render the content (streamed), which has this extension, to at most `max_pages` page images."""
        ...
