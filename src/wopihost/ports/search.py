"""Search: the index of names and words, and the extraction of document text."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from wopihost.domain.permissions import Role
from wopihost.domain.records import (
    FileRecord,
)
from wopihost.domain.search import SnippetPart


@dataclass(frozen=True, slots=True)
class NameMatch:
    """A file or folder whose name matched a search, as the searching user may see it.

    `owner_id` differs from the searcher's ID for files shared with them; `role` is None for their own.
    """

    kind: str  # "file" or "folder"
    id: str
    name: str
    folder_id: str | None
    owner_id: str
    role: Role | None
    modified_at: datetime | None


@dataclass(frozen=True, slots=True)
class TextMatch:
    """A file whose extracted text matched a full-text search, with a snippet around the match."""

    file: FileRecord
    role: Role | None
    snippet: tuple[SnippetPart, ...]


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """What the search index holds for a file: its text as of `version`, or why it has none."""

    file_id: str
    version: int
    status: str  # "ok", "unsupported", "failed", "too_large"
    text: str = ""


class SearchIndex(Protocol):
    """Names and extracted text, searched with the database's own full-text features.

    Every query filters by what the user may see at the moment of the query (their own files and folders,
    files shared with them), so a revoked share hides its file and its snippet at once. Deleting a file
    removes its entry in the same transaction.
    """

    async def search_names(self, user_id: str, query: str, *, limit: int) -> Sequence[NameMatch]:
        """Files and folders whose names contain `query` (folded), names starting with it first."""
        ...

    async def search_text(self, user_id: str, query: str, *, limit: int) -> Sequence[TextMatch]:
        """Files whose indexed text matches every word of `query`, best first, with snippets."""
        ...

    async def find_stale(self, *, limit: int) -> Sequence[FileRecord]:
        """Files whose index entry is missing or holds another version than the current one."""
        ...

    async def store(self, entry: IndexEntry) -> bool:
        """Record an entry if `entry.version` is still the file's version; False (nothing kept) if not.

        Idempotent: processes indexing the same version concurrently leave one entry.
        """
        ...

    async def clear(self) -> int:
        """Forget every entry so that everything is indexed again; return how many there were."""
        ...


class TextExtractor(Protocol):
    """Turns a document's content into plain text for the index."""

    def supports(self, extension: str) -> bool:
        """Whether files with this extension (".docx", lower case) have text to extract."""
        ...

    async def extract(self, extension: str, chunks: AsyncIterator[bytes]) -> str:
        """The document's text, cut at the configured maximum; raise UnreadableDocument if it has none."""
