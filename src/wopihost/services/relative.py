"""PutRelativeFile: creating a file next to another one, in suggested or specific (relative) mode."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from itertools import islice

from wopihost.domain.audit import AuditAction
from wopihost.domain.locks import LockGuard
from wopihost.domain.names import numbered_names, repair_name, split_extension, validate_name
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileAccess, FileRecord, FolderAccess, StoredBlob, User
from wopihost.errors import (
    InvalidFileName,
    LockMismatch,
    NameConflict,
    PermissionDenied,
    Unsupported,
)
from wopihost.ports import AccessQueries, Catalog, Clock, Files
from wopihost.services.access import require_create_relative
from wopihost.services.audit import AuditService
from wopihost.services.content import ContentService
from wopihost.services.files import MAX_NAME_ATTEMPTS, FileService

# The stem CreateChildFile gives a file asked for by its extension alone: there is no file to name it after.
NEW_FILE_STEM = "Document"


@dataclass(frozen=True, slots=True)
class RelativeTarget:
    """What the client asked for: a suggested name or extension, or an exact (relative) name."""

    suggested: str | None = None
    relative: str | None = None
    overwrite: bool = False
    conversion: bool = False


@dataclass(frozen=True, slots=True)
class _Place:
    folder_id: str
    owner_id: str
    # Whether a creator who is not the owner gets a share of the new file. A copy saved next to a file
    # shared on its own needs one to be reachable; a file created in a shared folder is reached through the
    # folder's share, and revoking that must take it away too.
    share_with_creator: bool = True


class RelativeFileService:
    """Implements PutRelativeFile's naming, overwrite and lock rules."""

    def __init__(
        self,
        *,
        access: AccessQueries,
        catalog: Catalog,
        files: Files,
        content: ContentService,
        file_service: FileService,
        clock: Clock,
        audit: AuditService,
    ) -> None:
        self._access = access
        self._catalog = catalog
        self._files = files
        self._audit = audit
        self._content = content
        self._file_service = file_service
        self._clock = clock

    async def put_relative_file(
        self,
        access: FileAccess,
        target: RelativeTarget,
        chunks: AsyncIterable[bytes],
        *,
        declared_size: int | None = None,
    ) -> FileRecord:
        """Create (or, in relative mode with overwrite, replace) the file; return it."""
        written = await self._put_relative(access, target, chunks, declared_size)
        # A replaced file got a new version (a save); a new one was created from the open file (its detail).
        action = AuditAction.SAVED if written.version > 1 else AuditAction.CREATED
        detail = str(written.version) if action is AuditAction.SAVED else access.file.name
        await self._audit.record(
            action, item_id=written.id, item_name=written.name, by=access.user.id, detail=detail
        )
        return written

    async def create_child_file(self, folder: FolderAccess, target: RelativeTarget) -> FileRecord:
        """CreateChildFile: an empty file in `folder`, named by PutRelativeFile's rules."""
        if not folder.permissions.can_create_children:
            raise PermissionDenied("the user may not create files in this folder")
        place = _Place(folder.folder.id, folder.folder.owner_id, share_with_creator=False)
        created = await self._put(folder.user, place, NEW_FILE_STEM, target, _no_content(), 0)
        action = AuditAction.SAVED if created.version > 1 else AuditAction.CREATED
        detail = str(created.version) if action is AuditAction.SAVED else ""
        await self._audit.record(
            action, item_id=created.id, item_name=created.name, by=folder.user.id, detail=detail
        )
        return created

    async def _put_relative(
        self,
        access: FileAccess,
        target: RelativeTarget,
        chunks: AsyncIterable[bytes],
        declared_size: int | None,
    ) -> FileRecord:
        require_create_relative(access)
        place = _place_for(access)
        return await self._put(access.user, place, access.file.name, target, chunks, declared_size)

    async def _put(
        self,
        user: User,
        place: _Place,
        source_name: str,
        target: RelativeTarget,
        chunks: AsyncIterable[bytes],
        declared_size: int | None,
    ) -> FileRecord:
        source = "conversion" if target.conversion else "putrelative"
        if target.relative is not None:
            return await self._put_exact(user, place, target, chunks, declared_size, source)
        assert target.suggested is not None
        name = _suggested_name(source_name, target.suggested)
        blob = await self._content.store(chunks, declared_size=declared_size)
        async with self._content.discarding_on_failure(blob):
            for candidate in islice(numbered_names(name), MAX_NAME_ATTEMPTS):
                if await self._catalog.find_file_by_name(place.folder_id, candidate) is None:
                    created = await self._create(user, place, candidate, blob, source)
                    if created is not None:
                        return created
            raise NameConflict(name)

    async def _put_exact(
        self,
        user: User,
        place: _Place,
        target: RelativeTarget,
        chunks: AsyncIterable[bytes],
        declared_size: int | None,
        source: str,
    ) -> FileRecord:
        assert target.relative is not None
        try:
            name = validate_name(target.relative)
        except InvalidFileName as exc:
            suggestion = await self._file_service.free_name(
                place.folder_id, exc.suggestion or repair_name("")
            )
            raise InvalidFileName(exc.reason, suggestion) from exc
        existing = await self._catalog.find_file_by_name(place.folder_id, name)
        if existing is not None:
            await self._check_overwrite(user, existing, target.overwrite)
        blob = await self._content.store(chunks, declared_size=declared_size)
        if existing is not None:
            return await self._content.commit(
                existing.id, blob, guard=LockGuard(None), author_id=user.id, source=source
            )
        async with self._content.discarding_on_failure(blob):
            created = await self._create(user, place, name, blob, source)
            if created is None:
                raise NameConflict(name, await self._file_service.free_name(place.folder_id, name))
        return created

    async def _check_overwrite(self, user: User, existing: FileRecord, overwrite: bool) -> None:
        if not overwrite:
            raise NameConflict(
                existing.name, await self._file_service.free_name(existing.folder_id, existing.name)
            )
        target_access = await self._access.find_access(existing.id, user.id)
        if target_access is None or not target_access.permissions.can_write:
            raise Unsupported("the user may not overwrite the existing file")
        lock = existing.active_lock(self._clock.now())
        if lock is not None:
            raise LockMismatch(lock.lock_id, "the existing file is locked")

    async def _create(
        self, user: User, place: _Place, name: str, blob: StoredBlob, source: str
    ) -> FileRecord | None:
        # The creator's share comes with the file in one transaction: a failure leaves neither behind.
        share = place.share_with_creator and place.owner_id != user.id
        created = await self._files.create_file(
            folder_id=place.folder_id,
            owner_id=place.owner_id,
            name=name,
            blob=blob,
            author_id=user.id,
            source=source,
            now=self._clock.now(),
            share_with=user.id if share else None,
        )
        if created is not None:
            self._content.changed(created.id)
        return created


async def _no_content() -> AsyncIterator[bytes]:
    # CreateChildFile's file is empty: "the resulting file must be zero bytes in length".
    empty: tuple[bytes, ...] = ()
    for chunk in empty:
        yield chunk


def copies_folder_id(access: FileAccess) -> str:
    """The folder PutRelativeFile puts this user's new files made from this one in."""
    return _place_for(access).folder_id


def _place_for(access: FileAccess) -> _Place:
    # Owners and editors save next to the source file (it stays the owner's); viewers save to their own root.
    if access.role is Role.VIEW:
        return _Place(folder_id=access.user.root_folder_id, owner_id=access.user.id)
    return _Place(folder_id=access.file.folder_id, owner_id=access.file.owner_id)


def _suggested_name(source_name: str, suggested: str) -> str:
    if suggested.startswith("."):
        return repair_name(split_extension(source_name)[0] + suggested)
    return repair_name(suggested)
