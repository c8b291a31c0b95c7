"""Managing files: upload, rename, move, delete, folders and shares."""

from __future__ import annotations

from collections.abc import AsyncIterable, Sequence
from itertools import islice

from wopihost.domain.audit import AuditAction, ItemKind
from wopihost.domain.locks import LockGuard
from wopihost.domain.names import numbered_names, repair_name, split_extension, validate_name
from wopihost.domain.permissions import SHARE_ROLES, Role, permissions_for
from wopihost.domain.records import FileAccess, FileRecord, Folder, Share, User
from wopihost.domain.trash import TrashItem
from wopihost.errors import (
    ExtensionChangeUnconfirmed,
    ExtensionMismatch,
    FolderCycle,
    FolderLocked,
    FolderNotEmpty,
    InvalidFileName,
    InvalidRequest,
    LockMismatch,
    NameConflict,
    NotFound,
    PermissionDenied,
)
from wopihost.ports import (
    AccessQueries,
    Catalog,
    Clock,
    Files,
    FolderContents,
    Folders,
    LockStore,
    ShareStore,
    TrashOutcome,
    TrashStore,
    UserStore,
    WriteOutcome,
)
from wopihost.services.access import require_delete, require_rename, require_write
from wopihost.services.audit import AuditService
from wopihost.services.content import ContentService, mismatch_from

# How many numbered variants ("a (2).docx", ...) are tried before giving up on a free name.
MAX_NAME_ATTEMPTS = 1000


class FileService:
    """File and folder management for the CLI, the web UI and the WOPI RenameFile/DeleteFile operations."""

    def __init__(
        self,
        *,
        access: AccessQueries,
        catalog: Catalog,
        folders: Folders,
        files: Files,
        shares: ShareStore,
        users: UserStore,
        content: ContentService,
        clock: Clock,
        locks: LockStore,
        trash: TrashStore,
        audit: AuditService,
    ) -> None:
        self._access = access
        self._catalog = catalog
        self._folders = folders
        self._files = files
        self._audit = audit
        self._trash = trash
        self._locks = locks
        self._shares = shares
        self._users = users
        self._content = content
        self._clock = clock

    async def access_as_owner(self, file_id: str) -> FileAccess:
        """The file as its owner sees it (for administrative commands)."""
        file = await self._catalog.find_file(file_id)
        access = await self._access.find_access(file_id, file.owner_id) if file else None
        if access is None:
            raise NotFound(f"no file {file_id}")
        return access

    async def find_access(self, file_id: str, user: User) -> FileAccess:
        """The file as `user` sees it; NotFound if they may not see it."""
        access = await self._access.find_access(file_id, user.id)
        if access is None:
            raise NotFound("file not found or not visible to this user")
        return access

    async def get_named(self, folder_id: str, name: str, user: User) -> FileAccess:
        """The file of this name in the folder as `user` sees it; NotFound if none or not visible."""
        file = await self._catalog.find_file_by_name(folder_id, name)
        if file is None:
            raise NotFound("file not found or not visible to this user")
        return await self.find_access(file.id, user)

    async def ensure_folder_path(self, owner: User, parts: Sequence[str]) -> Folder:
        """Return the folder at `parts` below the owner's root, creating missing folders."""
        folder = await self._catalog.find_folder(owner.root_folder_id)
        if folder is None:
            raise NotFound("root folder missing")
        for part in parts:
            folder = await self._folders.ensure_folder(
                owner.id, folder.id, validate_name(part), now=self._clock.now()
            )
        return folder

    async def upload(
        self,
        user: User,
        folder: Folder,
        name: str,
        chunks: AsyncIterable[bytes],
        *,
        declared_size: int | None = None,
        replace: bool = False,
    ) -> FileRecord:
        """Store a new file (or, with `replace`, a new version of the file of that name).

        The user is the folder's owner or an editor of a folder shared with them; the file belongs to the
        folder's owner either way, the user being its author.
        """
        await self._require_create_in(user, folder)
        name = validate_name(name)
        existing = await self._catalog.find_file_by_name(folder.id, name)
        if existing is not None and not replace:
            raise NameConflict(name, await self.free_name(folder.id, name))
        if existing is not None:
            require_write(await self.find_access(existing.id, user))
        blob = await self._content.store(chunks, declared_size=declared_size)
        if existing is not None:
            replaced = await self._content.commit(
                existing.id, blob, guard=LockGuard(None), author_id=user.id, source="upload"
            )
            await self._audit.record(
                AuditAction.SAVED,
                item_id=replaced.id,
                item_name=replaced.name,
                by=user.id,
                detail=str(replaced.version),
            )
            return replaced
        # A folder gone to the trash while the content was arriving (NotFound) or a name taken meanwhile
        # leaves no content behind.
        async with self._content.discarding_on_failure(blob):
            created = await self._files.create_file(
                folder_id=folder.id,
                owner_id=folder.owner_id,
                name=name,
                blob=blob,
                author_id=user.id,
                source="upload",
                now=self._clock.now(),
            )
            if created is None:
                raise NameConflict(name, await self.free_name(folder.id, name))
        self._content.changed(created.id)
        await self._audit.record(AuditAction.CREATED, item_id=created.id, item_name=created.name, by=user.id)
        return created

    async def _require_create_in(self, user: User, folder: Folder) -> None:
        access = await self._access.find_folder_access(folder.id, user.id)
        if access is None:
            raise NotFound("folder not found")
        if not access.permissions.can_create_children:
            raise PermissionDenied("the user may not add files to this folder")

    async def free_name(self, folder_id: str, name: str) -> str:
        """The first of `name`, "stem (2).ext", ... that no file in the folder has."""
        for candidate in islice(numbered_names(name), MAX_NAME_ATTEMPTS):
            if await self._catalog.find_file_by_name(folder_id, candidate) is None:
                return candidate
        raise NameConflict(name)

    async def rename(
        self,
        access: FileAccess,
        name: str,
        *,
        lock_id: str | None = None,
        renumber: bool = False,
        repair: bool = False,
        change_extension: bool = False,
    ) -> FileRecord:
        """Rename a file, keeping its ID. With `renumber`, a taken name becomes "stem (2).ext" and so on;
        with `repair`, an illegal name becomes the closest legal one, if any is made of the name asked for.

        A new extension needs `change_extension`, and is refused if it would misdescribe the content.
        """
        require_rename(access)
        name = repaired_name(name) if repair else validate_name(name)
        await self._check_extension(access.file, split_extension(name)[1], confirmed=change_extension)
        lock = access.file.active_lock(self._clock.now())
        if lock is not None and lock.lock_id != lock_id:
            raise LockMismatch(lock.lock_id, "the file is locked with another lock ID")
        candidates = islice(numbered_names(name), MAX_NAME_ATTEMPTS if renumber else 1)
        for candidate in candidates:
            outcome = await self._files.rename_file(
                access.file.id, candidate, guard=LockGuard(lock_id), now=self._clock.now()
            )
            if outcome is not None and outcome.name_taken:
                continue
            renamed = _written(outcome)
            await self._record(AuditAction.RENAMED, access, renamed.name, detail=access.file.name)
            return renamed
        raise NameConflict(name, await self.free_name(access.file.folder_id, name))

    async def _check_extension(self, file: FileRecord, extension: str, *, confirmed: bool) -> None:
        if extension.lower() == file.extension.lower():
            return
        if not confirmed:
            raise ExtensionChangeUnconfirmed(file.extension, extension)
        sniffed = await self._content.sniff(file)
        if not sniffed.matches(extension):
            raise ExtensionMismatch(extension, sniffed.label)

    async def move(self, access: FileAccess, folder: Folder) -> FileRecord:
        """Move a file to another of its owner's folders, keeping its ID."""
        require_delete(access)
        if folder.owner_id != access.file.owner_id:
            raise PermissionDenied("files can only move between their owner's folders")
        outcome = await self._files.move_file(
            access.file.id, folder.id, guard=LockGuard(None), now=self._clock.now()
        )
        if outcome is not None and outcome.name_taken:
            raise NameConflict(access.file.name, await self.free_name(folder.id, access.file.name))
        moved = _written(outcome)
        await self._record(AuditAction.MOVED, access, moved.name, detail=folder.name or "/")
        return moved

    async def delete(self, access: FileAccess) -> TrashItem:
        """Move a file to its owner's trash with its versions and shares; refused while it is locked."""
        require_delete(access)
        outcome = await self._trash.trash_file(
            access.file.id, deleted_by=access.user.id, now=self._clock.now()
        )
        if outcome is None:
            raise NotFound("file not found")
        if outcome.item is None:
            lock = outcome.blocking_file.lock if outcome.blocking_file else None
            raise mismatch_from(WriteOutcome(file=None, blocking_lock=lock))
        await self._record(AuditAction.TRASHED, access, access.file.name)
        return outcome.item

    async def list_folder(self, folder: Folder) -> tuple[Sequence[Folder], Sequence[FileRecord]]:
        """The subfolders and files of a folder."""
        return await self._catalog.list_folder(folder.id)

    async def rename_folder(self, user: User, folder: Folder, name: str) -> Folder:
        """Rename one of the user's folders, keeping its ID; NameConflict if a sibling folder has the name."""
        _require_own_subfolder(user, folder, "renamed")
        name = validate_name(name.strip())
        outcome = await self._folders.rename_folder(folder.id, name)
        if outcome is None:
            raise NotFound("folder not found")
        if outcome.folder is None:
            raise NameConflict(name, kind="folder")
        await self._record_folder(AuditAction.RENAMED, user, outcome.folder, detail=folder.name)
        return outcome.folder

    async def move_folder(self, user: User, folder: Folder, target: Folder) -> Folder:
        """Move one of the user's folders, with everything in it, into another of their folders.

        Every ID stays. Refused as a whole into itself or a folder inside it (FolderCycle), onto a sibling's
        name (NameConflict), or while a file inside is being edited (FolderLocked).
        """
        _require_own_subfolder(user, folder, "moved")
        if target.owner_id != user.id:
            raise PermissionDenied("folders can only move between their owner's folders")
        if target.id == folder.parent_id:
            return folder
        outcome = await self._folders.move_folder(folder.id, target.id, now=self._clock.now())
        if outcome is None:
            raise NotFound("folder not found")
        if outcome.cycle:
            raise FolderCycle(folder.name)
        if outcome.name_taken:
            raise NameConflict(folder.name, kind="folder")
        if outcome.folder is None:
            raise await self._folder_locked(outcome.blocking_file)
        await self._record_folder(AuditAction.MOVED, user, outcome.folder, detail=target.name or "/")
        return outcome.folder

    async def count_folder_contents(self, folder: Folder) -> FolderContents:
        """How many files and folders deleting `folder` would delete along with it."""
        contents = await self._folders.count_folder_contents(folder.id)
        if contents is None:
            raise NotFound("folder not found")
        return contents

    async def delete_folder(
        self, user: User, folder: Folder, *, only_if_empty: bool = False
    ) -> FolderContents:
        """Move a folder with everything in it to the trash (the trash item has the folder's ID); refused
        as a whole while a file inside is being edited, and with `only_if_empty` while anything is inside."""
        _require_own_subfolder(user, folder, "deleted")
        now = self._clock.now()
        outcome = await self._trash.trash_folder(
            folder.id, deleted_by=user.id, now=now, only_if_empty=only_if_empty
        )
        if outcome is not None and outcome.not_empty:
            raise FolderNotEmpty(folder.name)
        item = await self._trashed(outcome)
        await self._record_folder(AuditAction.TRASHED, user, folder)
        return FolderContents(files=item.files, folders=item.folders)

    async def _trashed(self, outcome: TrashOutcome | None) -> TrashItem:
        if outcome is None:
            raise NotFound("folder not found")
        if outcome.item is None:
            raise await self._folder_locked(outcome.blocking_file)
        return outcome.item

    async def _folder_locked(self, file: FileRecord | None) -> FolderLocked:
        lock = file.lock if file is not None else None
        holder = await self._users.find_user(lock.user_id) if lock and lock.user_id else None
        return FolderLocked(file.name if file else "A file", holder.display_name if holder else "")

    async def share(self, access: FileAccess, username: str, role: Role) -> Share:
        """Let another user view or edit the file."""
        if not access.permissions.can_share:
            raise PermissionDenied("only the owner may share this file")
        if role not in SHARE_ROLES:
            raise InvalidRequest(f"role must be one of {', '.join(r.value for r in SHARE_ROLES)}")
        user = await self._users.find_user_by_name(username)
        if user is None:
            raise NotFound(f"no user {username!r}")
        if user.id == access.file.owner_id:
            raise InvalidRequest("the owner already has every right to the file")
        before = {share.user_id: share.role for share in await self._shares.list_shares(access.file.id)}
        await self._shares.set_share(access.file.id, user.id, role, now=self._clock.now())
        if before.get(user.id) != role:
            action = AuditAction.ROLE_CHANGED if user.id in before else AuditAction.SHARED
            await self._record(action, access, access.file.name, detail=f"{user.username}: {role.value}")
        if not permissions_for(role).can_write:
            # Editing taken away: a session the user's client holds ends as it does on revocation.
            await self._end_sessions_of(access, user)
        return Share(file_id=access.file.id, user_id=user.id, role=role)

    async def unshare(self, access: FileAccess, username: str) -> bool:
        """Revoke another user's share; their next WOPI call is refused."""
        if not access.permissions.can_share:
            raise PermissionDenied("only the owner may change who can see this file")
        user = await self._users.find_user_by_name(username)
        if user is None:
            raise NotFound(f"no user {username!r}")
        removed = await self._shares.remove_share(access.file.id, user.id)
        if removed:
            await self._record(AuditAction.UNSHARED, access, access.file.name, detail=user.username)
        await self._end_sessions_of(access, user)
        return removed

    async def _record(self, action: AuditAction, access: FileAccess, name: str, *, detail: str = "") -> None:
        await self._audit.record(
            action, item_id=access.file.id, item_name=name, by=access.user.id, detail=detail
        )

    async def _record_folder(
        self, action: AuditAction, user: User, folder: Folder, *, detail: str = ""
    ) -> None:
        await self._audit.record(
            action, item_id=folder.id, item_name=folder.name, by=user.id, kind=ItemKind.FOLDER, detail=detail
        )

    async def _end_sessions_of(self, access: FileAccess, user: User) -> None:
        # A user who lost the right to edit can no longer unlock (their client gets 404 or 401), so the lock
        # their session holds goes with the right, unless another editor's session holds it too.
        await self._locks.release_holder(
            access.file.id, user.id, ended_by=access.user.id, now=self._clock.now()
        )

    async def list_shares(self, access: FileAccess) -> Sequence[Share]:
        """Who else may see or edit the file."""
        return await self._shares.list_shares(access.file.id)


def repaired_name(name: str) -> str:
    """`name` if it is legal, else the closest legal name made of it; InvalidFileName if none is."""
    try:
        return validate_name(name)
    except InvalidFileName as exc:
        candidate = repair_name(name, fallback="")
        # With nothing of the stem left (only illegal characters or spaces), no name is based on the request.
        if not candidate.strip() or candidate.startswith("."):
            raise
        try:
            return validate_name(candidate)
        except InvalidFileName:
            raise exc from None


def _require_own_subfolder(user: User, folder: Folder, change: str) -> None:
    if folder.owner_id != user.id:
        raise PermissionDenied("the folder belongs to another user")
    if folder.parent_id is None:
        raise PermissionDenied(f"the root folder cannot be {change}")


def _written(outcome: WriteOutcome | None) -> FileRecord:
    if outcome is None:
        raise NotFound("file not found")
    if outcome.file is None:
        raise mismatch_from(outcome)
    return outcome.file
