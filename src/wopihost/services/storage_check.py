"""The storage check: content that nothing refers to (orphans), and references whose content is missing.

Both sides are streamed in key order and merged, so that a check of millions of blobs holds one page of
each at a time. A blob stored less than `min_age` ago is never called removable: an upload completes
before the version that refers to it is committed, so a young unreferenced blob may be a save in flight.
A reference that seems to lack its content is confirmed by opening the blob before it is reported, since
a save may have stored and committed it after the listing went past its key.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from wopihost.errors import NotFound
from wopihost.ports import BlobEntry, BlobReference, BlobReferences, BlobStore, Clock


class FindingKind(enum.Enum):
    ORPHAN = "orphan"
    # Unreferenced but younger than the grace period: reported, never removed.
    RECENT = "recent"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: a blob (orphans) or a key with the references that point at it (missing content)."""

    kind: FindingKind
    key: str
    references: tuple[BlobReference, ...] = ()
    repaired: bool = False


@dataclass(slots=True)
class CheckTally:
    """What a check saw and did, filled in as it streams."""

    blobs: int = 0
    references: int = 0
    counts: dict[FindingKind, int] = field(default_factory=lambda: dict.fromkeys(FindingKind, 0))
    removed: int = 0


class StorageCheck:
    """Compares the blob store with the metadata; with `repair`, removes orphans older than `min_age`."""

    def __init__(self, *, blobs: BlobStore, references: BlobReferences, clock: Clock) -> None:
        self._blobs = blobs
        self._references = references
        self._clock = clock

    async def run(
        self, tally: CheckTally, *, repair: bool = False, min_age: timedelta = timedelta(hours=1)
    ) -> AsyncIterator[Finding]:
        """Stream the findings in key order, counting into `tally`."""
        blobs, refs = aiter(self._blobs.keys()), aiter(self._references.referenced_keys())
        blob: BlobEntry | None = await anext(blobs, None)
        ref: BlobReference | None = await anext(refs, None)
        cutoff = self._clock.now() - min_age
        while blob is not None or ref is not None:
            if ref is None or (blob is not None and blob.key < ref.key):
                assert blob is not None
                tally.blobs += 1
                yield await self._orphan(blob, tally, repair=repair, cutoff=cutoff)
                blob = await anext(blobs, None)
                continue
            key, group = ref.key, []
            while ref is not None and ref.key == key:
                group.append(ref)
                ref = await anext(refs, None)
            tally.references += len(group)
            if blob is not None and blob.key == key:
                tally.blobs += 1
                blob = await anext(blobs, None)
            elif await self._missing(key):
                tally.counts[FindingKind.MISSING] += 1
                yield Finding(FindingKind.MISSING, key, tuple(group))

    async def _orphan(self, blob: BlobEntry, tally: CheckTally, *, repair: bool, cutoff: datetime) -> Finding:
        if blob.stored_at > cutoff:
            tally.counts[FindingKind.RECENT] += 1
            return Finding(FindingKind.RECENT, blob.key)
        tally.counts[FindingKind.ORPHAN] += 1
        if not repair:
            return Finding(FindingKind.ORPHAN, blob.key)
        await self._blobs.delete(blob.key)
        tally.removed += 1
        return Finding(FindingKind.ORPHAN, blob.key, repaired=True)

    async def _missing(self, key: str) -> bool:
        try:
            chunks = await self._blobs.open(key)
        except NotFound:
            return True
        close = getattr(chunks, "aclose", None)
        if close is not None:
            await close()
        return False
