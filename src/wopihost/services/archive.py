"""Downloads of several files and folders as one ZIP, streamed as it is made.

The ZIP comes from stream-zip (PyPI `stream-zip`, maintained by the UK Department for Business and Trade):
it writes each member as its chunks arrive, with data descriptors after the data, so that neither the
archive nor any member is ever held whole in memory or on disk, and it writes ZIP64 records for members
and archives past 4 GiB. zipstream-ng streams as well, but only from synchronous iterables; stream-zip
takes the blob store's asynchronous chunks as they are. It is imported with the first ZIP (with it comes
pycryptodome, for encrypted members that are never written here), not by every server at start-up.
"""

from __future__ import annotations

import stat
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from wopihost.domain.names import numbered_names
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord, Folder, User
from wopihost.errors import ArchiveTooLarge, InvalidRequest, NotFound
from wopihost.ports import AccessQueries, BlobStore, Catalog, Clock
from wopihost.services.browse import BrowseService

if TYPE_CHECKING:
    from stream_zip import AsyncMemberFile

# Office files are ZIPs already: a fast level saves CPU for next to no loss in size.
_COMPRESSION_LEVEL = 1
_ZIP_CHUNK = 64 * 1024
_FILE_MODE = stat.S_IFREG | 0o644
_DIR_MODE = stat.S_IFDIR | 0o755


@dataclass(frozen=True, slots=True)
class ArchiveEntry:
    """One member of the ZIP: a file, or (when `file` is None) a folder, by its path inside the ZIP."""

    path: str
    file: FileRecord | None
    modified_at: datetime


@dataclass(slots=True)
class ArchivePlan:
    """What a ZIP download will hold, and the files left out with the reason."""

    entries: list[ArchiveEntry] = field(default_factory=list)
    excluded: list[tuple[str, str]] = field(default_factory=list)
    files: int = 0
    size: int = 0
    # The member listing `excluded`, named so as not to clash with a selected item.
    note_name: str = "Not included.txt"


class ArchiveService:
    """Plans ZIP downloads with the caller's rights checked, and streams them."""

    def __init__(
        self,
        *,
        access: AccessQueries,
        catalog: Catalog,
        blobs: BlobStore,
        browse: BrowseService,
        clock: Clock,
        max_files: int,
        max_bytes: int,
    ) -> None:
        self._access = access
        self._catalog = catalog
        self._blobs = blobs
        self._browse = browse
        self._clock = clock
        self.max_files = max_files
        self.max_bytes = max_bytes

    async def plan(self, user: User, file_ids: Sequence[str], folder_ids: Sequence[str]) -> ArchivePlan:
        """The members of a ZIP of these files and (recursively) folders, named as the UI shows them.

        Files the user may not download (shared view-only without download) are left out and listed in
        `excluded`; ArchiveTooLarge past the configured limits; InvalidRequest when nothing is left.
        """
        plan = ArchivePlan()
        taken: set[str] = set()
        for folder_id in dict.fromkeys(folder_ids):
            seen = await self._browse.folder_access(user, folder_id)
            viewer = None if seen.role is Role.OWNER else user
            await self._add_folder(plan, seen.folder, _free(taken, seen.folder.name or "My files"), viewer)
        for file_id in dict.fromkeys(file_ids):
            access = await self._access.find_access(file_id, user.id)
            if access is None:
                raise NotFound("file not found or not visible to this user")
            if not access.permissions.can_download:
                plan.excluded.append((access.file.name, "shared with you without the right to download"))
                continue
            self._add_file(plan, _free(taken, access.file.name), access.file)
        if not plan.files and not plan.entries:
            raise InvalidRequest("none of the selected files may be downloaded")
        if plan.excluded:
            plan.note_name = _free(taken, plan.note_name)
        return plan

    async def _add_folder(self, plan: ArchivePlan, folder: Folder, path: str, viewer: User | None) -> None:
        """Add a folder's tree; for a `viewer` other than the owner, only what they may download."""
        created = self._clock.now()
        plan.entries.append(ArchiveEntry(f"{path}/", None, created))
        subfolders, files = await self._catalog.list_folder(folder.id)
        for file in files:
            if viewer is not None and not await self._may_download(file, viewer):
                plan.excluded.append((f"{path}/{file.name}", "shared with you without the right to download"))
                continue
            self._add_file(plan, f"{path}/{file.name}", file)
        names = {file.name.casefold() for file in files}
        for sub in subfolders:
            # A folder and a file may share a name in the store, never inside a ZIP.
            name = sub.name if sub.name.casefold() not in names else f"{sub.name} (folder)"
            await self._add_folder(plan, sub, f"{path}/{name}", viewer)

    async def _may_download(self, file: FileRecord, viewer: User) -> bool:
        access = await self._access.find_access(file.id, viewer.id)
        return access is not None and access.permissions.can_download

    def _add_file(self, plan: ArchivePlan, path: str, file: FileRecord) -> None:
        plan.files += 1
        plan.size += file.size
        if plan.files > self.max_files:
            raise ArchiveTooLarge(f"a ZIP download holds at most {self.max_files} files")
        if plan.size > self.max_bytes:
            raise ArchiveTooLarge(f"a ZIP download holds at most {self.max_bytes} bytes")
        plan.entries.append(ArchiveEntry(path, file, file.modified_at))

    def stream(self, plan: ArchivePlan) -> AsyncIterable[bytes]:
        """The ZIP's bytes, made as they are sent; each file's blob is opened only when its turn comes."""
        from stream_zip import async_stream_zip

        return async_stream_zip(
            self._members(plan),
            chunk_size=_ZIP_CHUNK,
            get_compressobj=lambda: zlib.compressobj(wbits=-zlib.MAX_WBITS, level=_COMPRESSION_LEVEL),
        )

    async def _members(self, plan: ArchivePlan) -> AsyncIterator[AsyncMemberFile]:
        from stream_zip import ZIP_64, ZIP_AUTO

        for entry in plan.entries:
            if entry.file is None:
                yield entry.path, _naive(entry.modified_at), _DIR_MODE, ZIP_64, _no_bytes()
            else:
                # ZIP_AUTO picks ZIP64 records for members that need them, plain ones (readable by the
                # oldest unzippers) for the rest.
                method = ZIP_AUTO(entry.file.size, level=_COMPRESSION_LEVEL)
                yield entry.path, _naive(entry.modified_at), _FILE_MODE, method, self._chunks(entry.file)
        if plan.excluded:
            yield plan.note_name, _naive(self._clock.now()), _FILE_MODE, ZIP_64, _listing(plan.excluded)

    async def _chunks(self, file: FileRecord) -> AsyncIterator[bytes]:
        async for chunk in await self._blobs.open(file.blob_key):
            yield chunk


def _free(taken: set[str], name: str) -> str:
    """`name`, or the first "name (2)" … not yet taken at the top of the ZIP (case aside, as Windows)."""
    for candidate in numbered_names(name):
        if candidate.casefold() not in taken:
            taken.add(candidate.casefold())
            return candidate
    raise InvalidRequest("too many items of the same name")  # pragma: no cover - numbered_names never ends


def _naive(moment: datetime) -> datetime:
    # ZIP times have no time zone; they are written in UTC.
    return moment.replace(tzinfo=None)


async def _no_bytes() -> AsyncIterator[bytes]:
    empty: tuple[bytes, ...] = ()
    for chunk in empty:
        yield chunk


async def _listing(excluded: Sequence[tuple[str, str]]) -> AsyncIterator[bytes]:
    lines = ["These selected files are not in this ZIP:", ""]
    lines += [f"{name}: {reason}" for name, reason in excluded]
    yield ("\r\n".join(lines) + "\r\n").encode("utf-8")
