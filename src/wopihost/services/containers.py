"""WOPI containers and the ecosystem: folders as a WOPI client sees them, rights re-checked on every call.

Every rights check goes through `AccessQueries.find_folder_access`, so that whatever gives a user a folder
(their own, or a share of it or of a folder above it) gives it here too, and taking it away refuses the next
call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice

from wopihost.domain.names import name_key, numbered_names, repair_name, validate_name
from wopihost.domain.records import FileAccess, FileRecord, Folder, FolderAccess, User
from wopihost.errors import (
    InvalidContainerName,
    InvalidFileName,
    InvalidToken,
    NameConflict,
    NotFound,
    PermissionDenied,
)
from wopihost.ports import AccessQueries, Catalog, Clock, Folders, UserStore
from wopihost.services.files import MAX_NAME_ATTEMPTS, FileService
from wopihost.services.tokens import ECOSYSTEM_ITEM, TokenService

# The name a folder asked for in suggested mode gets when nothing legal is left of it.
NEW_FOLDER_NAME = "New folder"


@dataclass(frozen=True, slots=True)
class Children:
    """What EnumerateChildren lists: the subfolders and the files (filtered by extension) of a folder."""

    folders: Sequence[Folder]
    files: Sequence[FileRecord]


def is_root(access: FolderAccess) -> bool:
    """Whether the folder is its owner's root, which is never renamed nor deleted."""
    return access.folder.parent_id is None


class ContainerService:
    """Opens containers by token and carries out the container operations of WOPI."""

    def __init__(
        self,
        *,
        tokens: TokenService,
        access: AccessQueries,
        catalog: Catalog,
        folders: Folders,
        users: UserStore,
        file_service: FileService,
        clock: Clock,
    ) -> None:
        self._tokens = tokens
        self._access = access
        self._catalog = catalog
        self._folders = folders
        self._users = users
        self._file_service = file_service
        self._clock = clock

    async def open(self, folder_id: str, token: str | None) -> FolderAccess:
        """Verify a container token for this folder, then load the folder as its user sees it now."""
        if not token:
            raise InvalidToken("no access token")
        claims = self._tokens.verify(token, file_id=folder_id, kind="container")
        return await self.folder_access(folder_id, claims.user_id)

    async def open_ecosystem(self, token: str | None) -> User:
        """Verify an ecosystem token and return its user."""
        if not token:
            raise InvalidToken("no access token")
        claims = self._tokens.verify(token, file_id=ECOSYSTEM_ITEM, kind="ecosystem")
        user = await self._users.find_user(claims.user_id)
        if user is None:
            raise NotFound("the user no longer exists")
        return user

    async def folder_access(self, folder_id: str, user_id: str) -> FolderAccess:
        """The folder as this user sees it; NotFound when it does not exist or they may not see it."""
        access = await self._access.find_folder_access(folder_id, user_id)
        if access is None:
            raise NotFound("container not found or not visible to this user")
        return access

    async def root(self, user: User) -> FolderAccess:
        """The user's root container."""
        return await self.folder_access(user.root_folder_id, user.id)

    async def file_ancestors(self, access: FileAccess) -> Sequence[Folder]:
        """The folders above a file that its user may see, from the highest down to the file's own.

        Someone who was given the file alone sees none of them (an empty list).
        """
        if access.link_id is not None:
            return ()
        folder = await self._access.find_folder_access(access.file.folder_id, access.user.id)
        return folder.path if folder is not None else ()

    async def children(self, access: FolderAccess, extensions: frozenset[str] | None) -> Children:
        """The subfolders and files of a folder; with `extensions` (".docx", lower case), only such files."""
        folders, files = await self._catalog.list_folder(access.folder.id)
        if extensions is not None:
            files = [file for file in files if file.extension.lower() in extensions]
        return Children(folders=folders, files=files)

    async def create_child_container(self, access: FolderAccess, name: str, *, exact: bool) -> Folder:
        """CreateChildContainer: the exact name or NameConflict (specific mode), or a free legal one."""
        if not access.permissions.can_create_children:
            raise PermissionDenied("the user may not create folders here")
        wanted = _container_name(name) if exact else repair_name(name, fallback=NEW_FOLDER_NAME)
        candidates = islice(numbered_names(wanted), 1 if exact else MAX_NAME_ATTEMPTS)
        for candidate in candidates:
            # The folder belongs to the owner of the parent, as everything inside a shared folder does.
            created = await self._folders.create_folder(
                access.folder.owner_id, access.folder.id, candidate, now=self._clock.now()
            )
            if created is not None:
                return created
        taken = {name_key(folder.name) for folder in (await self._catalog.list_folder(access.folder.id))[0]}
        raise NameConflict(wanted, _free(wanted, taken) if exact else None, kind="folder")

    async def rename_container(self, access: FolderAccess, name: str) -> Folder:
        """RenameContainer: rename a folder, keeping its ID; the name is used as it is or refused."""
        if not access.permissions.can_rename or is_root(access):
            raise PermissionDenied("the user may not rename this folder")
        return await self._file_service.rename_folder(access.user, access.folder, _container_name(name))

    async def delete_container(self, access: FolderAccess) -> None:
        """DeleteContainer: move an empty folder to the trash; FolderNotEmpty while anything is inside."""
        if not access.permissions.can_delete or is_root(access):
            raise PermissionDenied("the user may not delete this folder")
        # The emptiness check and the move to the trash are one transaction: nothing added meanwhile goes too.
        await self._file_service.delete_folder(access.user, access.folder, only_if_empty=True)


def _container_name(name: str) -> str:
    try:
        return validate_name(name)
    except InvalidFileName as exc:
        raise InvalidContainerName(exc.reason, exc.suggestion) from exc


def _free(name: str, taken: set[str]) -> str | None:
    for candidate in islice(numbered_names(name), MAX_NAME_ATTEMPTS):
        if name_key(candidate) not in taken:
            return candidate
    return None
