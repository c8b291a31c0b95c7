"""Browsing for people: folders, breadcrumbs, the folder tree, files shared with a user, and user names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from wopihost.domain.names import name_key, validate_name
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileAccess, FileRecord, Folder, FolderAccess, User
from wopihost.errors import NotFound, PermissionDenied
from wopihost.ports import AccessQueries, Catalog, Clock, Folders, ShareStore, SharingSummary, UserStore

# The folder tree offered as move targets stops here, so that a huge tree cannot stall a page.
MAX_TREE_FOLDERS = 2000
# The share dialog's person field suggests at most this many people, and never for an empty query.
MAX_PEOPLE_SUGGESTED = 10
MAX_PEOPLE_QUERY = 64


@dataclass(frozen=True, slots=True)
class SharedFile:
    """A file another user shared with this one, with the role granted and the owner's name."""

    file: FileRecord
    role: Role
    owner_name: str


@dataclass(frozen=True, slots=True)
class SharedFolder:
    """A folder another user shared with this one, with the role granted and the owner's name."""

    folder: Folder
    role: Role
    owner_name: str


@dataclass(frozen=True, slots=True)
class FolderPath:
    """A folder and its path from the owner's root, e.g. "/Reports/2024" ("/" for the root)."""

    folder: Folder
    path: str


@dataclass(frozen=True, slots=True)
class ShareEntry:
    """Someone a file is shared with, by username and display name."""

    username: str
    display_name: str
    role: Role


class BrowseService:
    """Read models of the web UI, and folder creation."""

    def __init__(
        self,
        *,
        access: AccessQueries,
        catalog: Catalog,
        folders: Folders,
        shares: ShareStore,
        users: UserStore,
        clock: Clock,
    ) -> None:
        self._access = access
        self._catalog = catalog
        self._folders = folders
        self._shares = shares
        self._users = users
        self._clock = clock

    async def folder_access(self, user: User, folder_id: str) -> FolderAccess:
        """A folder as the user sees it (theirs, or inside a folder shared with them); NotFound for any
        other folder, so that other users' folder IDs stay secret."""
        access = await self._access.find_folder_access(folder_id, user.id)
        if access is None:
            raise NotFound("folder not found")
        return access

    async def get_folder(self, user: User, folder_id: str) -> Folder:
        """A folder the user may see; NotFound for the others (see `folder_access`)."""
        return (await self.folder_access(user, folder_id)).folder

    async def folder_as_owner(self, folder_id: str) -> FolderAccess:
        """A folder as its owner sees it (for administrative commands); NotFound if there is none."""
        folder = await self._catalog.find_folder(folder_id)
        owner = await self._users.find_user(folder.owner_id) if folder is not None else None
        if owner is None:
            raise NotFound(f"no file or folder {folder_id}")
        return await self.folder_access(owner, folder_id)

    async def folder_at(self, user: User, ref: str) -> FolderAccess:
        """The folder `ref` names for this user: a path below their root ("/Reports/2026") or a folder ID."""
        if not ref.startswith("/"):
            return await self.folder_access(user, ref)
        folder = await self.root_folder(user)
        for part in (part for part in ref.split("/") if part):
            subfolders, _files = await self._catalog.list_folder(folder.id)
            found = next((sub for sub in subfolders if name_key(sub.name) == name_key(part)), None)
            if found is None:
                raise NotFound(f"no folder {ref!r}")
            folder = found
        return await self.folder_access(user, folder.id)

    async def root_folder(self, user: User) -> Folder:
        """The user's root folder."""
        return await self.get_folder(user, user.root_folder_id)

    async def create_folder(self, user: User, parent: Folder, name: str) -> Folder:
        """Create a subfolder (the owner's, also when an editor of a shared folder creates it), or return
        the one of that name that already exists."""
        access = await self.folder_access(user, parent.id)
        if not access.permissions.can_create_children:
            raise PermissionDenied("the user may not add to this folder")
        return await self._folders.ensure_folder(
            parent.owner_id, parent.id, validate_name(name.strip()), now=self._clock.now()
        )

    async def folder_tree(self, user: User) -> Sequence[FolderPath]:
        """Every folder of the user, depth first and by name, with its path."""
        root = await self.root_folder(user)
        tree: list[FolderPath] = []
        pending: list[FolderPath] = [FolderPath(root, "/")]
        while pending and len(tree) < MAX_TREE_FOLDERS:
            current = pending.pop()
            tree.append(current)
            children, _files = await self._catalog.list_folder(current.folder.id)
            prefix = current.path.rstrip("/")
            pending.extend(FolderPath(child, f"{prefix}/{child.name}") for child in reversed(children))
        return tree

    async def shared_with(self, user: User) -> Sequence[SharedFile]:
        """The files other users shared with `user`, by name."""
        pairs = await self._shares.list_shared_with(user.id)
        owners = await self.find_users(file.owner_id for file, _role in pairs)
        return [
            SharedFile(file, role, owners[file.owner_id].display_name if file.owner_id in owners else "")
            for file, role in pairs
        ]

    async def shared_folders(self, user: User) -> Sequence[SharedFolder]:
        """The folders other users shared with `user`, by name, each with the user's role on it.

        A folder inside another one shared with the user is reached through that one and not listed again.
        """
        shared: list[SharedFolder] = []
        for folder, _role in await self._shares.list_folders_shared_with(user.id):
            access = await self._access.find_folder_access(folder.id, user.id)
            if access is not None and access.path[0].id == folder.id:
                shared.append(SharedFolder(access.folder, access.role, access.owner_name))
        return shared

    async def file_roles(
        self, user: User, access: FolderAccess, files: Sequence[FileRecord]
    ) -> dict[str, Role]:
        """The user's role on each of these files of the folder `access` shows them.

        The owner owns them all; anyone else gets each file's role from `find_access`, the one rule, since a
        file's own share may grant more than the folder's (a file the user may not see is left out).
        """
        if access.role is Role.OWNER:
            return {file.id: Role.OWNER for file in files}
        roles: dict[str, Role] = {}
        for file in files:
            seen = await self._access.find_access(file.id, user.id)
            if seen is not None:
                roles[file.id] = seen.role
        return roles

    async def folder_sharing(self, folders: Sequence[Folder]) -> Mapping[str, int]:
        """With how many people each of these folders is shared (folders shared with nobody left out)."""
        if not folders:
            return {}
        return await self._shares.folder_sharing_summary([folder.id for folder in folders])

    async def share_entries(self, file_id: str) -> Sequence[ShareEntry]:
        """Who a file is shared with, by display name."""
        shares = await self._shares.list_shares(file_id)
        users = await self.find_users(share.user_id for share in shares)
        entries = [
            ShareEntry(users[s.user_id].username, users[s.user_id].display_name, s.role)
            for s in shares
            if s.user_id in users
        ]
        return sorted(entries, key=lambda entry: entry.display_name.casefold())

    async def suggest_people(self, access: FileAccess, text: str) -> Sequence[User]:
        """People the owner may share the file with whose name or user name contains `text`.

        The owner and the people already shared with are left out; an empty query lists nobody, so that
        the list of users is never handed out whole.
        """
        if not access.permissions.can_share:
            raise PermissionDenied("only the owner may share this file")
        needle = " ".join(text.split())[:MAX_PEOPLE_QUERY]
        if not needle:
            return []
        shares = await self._shares.list_shares(access.file.id)
        exclude = [access.file.owner_id, *(share.user_id for share in shares)]
        return await self._users.search_users(needle, limit=MAX_PEOPLE_SUGGESTED, exclude=exclude)

    async def sharing_summary(self, files: Sequence[FileRecord]) -> Mapping[str, SharingSummary]:
        """How each of these files is shared (people, links still active), in one query for the listing."""
        if not files:
            return {}
        return await self._shares.sharing_summary([file.id for file in files], now=self._clock.now())

    async def find_users(self, user_ids: Iterable[str | None]) -> dict[str, User]:
        """The users with these IDs, by ID; unknown IDs are left out."""
        found: dict[str, User] = {}
        for user_id in {user_id for user_id in user_ids if user_id}:
            user = await self._users.find_user(user_id)
            if user is not None:
                found[user_id] = user
        return found

    async def find_file_named(self, folder: Folder, name: str) -> FileRecord | None:
        """The file of this name in the folder (names compare as Windows does), or None."""
        return await self._catalog.find_file_by_name(folder.id, name)
