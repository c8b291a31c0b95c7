"""Content: the blob store and the references to its blobs."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from wopihost.domain.records import (
    StoredBlob,
)


class BlobStore(Protocol):
    """Content storage. Writes are atomic and durable; reads and writes stream."""

    async def put(self, chunks: AsyncIterable[bytes], *, max_size: int) -> StoredBlob:
        """Store the chunks under a new key; raise FileTooLarge past `max_size` bytes, keeping nothing."""
        ...

    async def open(self, key: str) -> AsyncIterator[bytes]:
        """Open a blob for streaming; raise NotFound now (not while streaming) if there is no such blob."""
        ...

    async def delete(self, key: str) -> None:
        """Remove a blob; removing a missing blob is not an error."""
        ...

    async def copy(self, key: str) -> str:
        """Duplicate a blob under a new key, without streaming it through this process where the back end
        can (a server-side copy, a hard link); return the new key. Raise NotFound if there is no such blob."""
        ...

    def keys(self) -> AsyncIterator[BlobEntry]:
        """Every complete blob, streamed in ascending order of key; uploads in progress are not listed."""
        ...

    async def download_url(self, key: str) -> str | None:
        """A short-lived URL by which a client reads the blob straight from the store, without any other
        credential; None when the store offers none (or it is switched off)."""
        ...


@dataclass(frozen=True, slots=True)
class BlobEntry:
    """A blob as the store lists it: its key and when it was stored."""

    key: str
    stored_at: datetime


class BlobReferences(Protocol):
    """What the metadata says about content: every blob key a file or version points at."""

    def referenced_keys(self) -> AsyncIterator[BlobReference]:
        """Every reference, streamed in ascending order of key (a key may come more than once)."""
        ...


@dataclass(frozen=True, slots=True)
class BlobReference:
    """One pointer at content: the file and its version number (None: the file's current content)."""

    key: str
    file_id: str
    version: int | None
