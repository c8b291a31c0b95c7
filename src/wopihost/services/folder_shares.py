"""Sharing a folder, and everything in it now and later, with another user; and taking it back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from wopihost.domain.audit import AuditAction, ItemKind
from wopihost.domain.permissions import SHARE_ROLES, Role
from wopihost.domain.records import FolderAccess, FolderShare, User
from wopihost.errors import InvalidRequest, NotFound, PermissionDenied
from wopihost.ports import AccessQueries, Catalog, Clock, LockStore, ShareStore, UserStore
from wopihost.services.audit import AuditService
from wopihost.services.browse import MAX_PEOPLE_QUERY, MAX_PEOPLE_SUGGESTED, MAX_TREE_FOLDERS, ShareEntry


@dataclass(frozen=True, slots=True)
class FolderShareChange:
    """What a share or unshare did: the user concerned, and whether anything changed."""

    user: User
    changed: bool


class FolderShareService:
    """Folder shares for the web UI and the CLI. Only the folder's owner shares it (FolderPermissions)."""

    def __init__(
        self,
        *,
        access: AccessQueries,
        catalog: Catalog,
        shares: ShareStore,
        users: UserStore,
        locks: LockStore,
        audit: AuditService,
        clock: Clock,
    ) -> None:
        self._access = access
        self._catalog = catalog
        self._shares = shares
        self._users = users
        self._locks = locks
        self._audit = audit
        self._clock = clock

    async def share(self, access: FolderAccess, username: str, role: Role) -> FolderShareChange:
        """Let another user view (with or without downloads) or edit the folder and everything in it."""
        _require_share(access)
        if access.folder.parent_id is None:
            raise PermissionDenied("the root folder cannot be shared")
        if role not in SHARE_ROLES:
            raise InvalidRequest(f"role must be one of {', '.join(r.value for r in SHARE_ROLES)}")
        user = await self._user(username)
        if user.id == access.folder.owner_id:
            raise InvalidRequest("the owner already has every right to the folder")
        before = {s.user_id: s.role for s in await self._shares.list_folder_shares(access.folder.id)}
        await self._shares.set_folder_share(access.folder.id, user.id, role, now=self._clock.now())
        changed = before.get(user.id) != role
        if changed:
            action = AuditAction.ROLE_CHANGED if user.id in before else AuditAction.SHARED
            await self._record(action, access, detail=f"{user.username}: {role.value}")
            await self._end_sessions_of(access, user)
        return FolderShareChange(user=user, changed=changed)

    async def unshare(self, access: FolderAccess, username: str) -> FolderShareChange:
        """Revoke another user's share of the folder; their next request for anything inside is refused."""
        _require_share(access)
        user = await self._user(username)
        removed = await self._shares.remove_folder_share(access.folder.id, user.id)
        if removed:
            await self._record(AuditAction.UNSHARED, access, detail=user.username)
            await self._end_sessions_of(access, user)
        return FolderShareChange(user=user, changed=removed)

    async def entries(self, access: FolderAccess) -> Sequence[ShareEntry]:
        """Who the folder is shared with, by display name; only its owner sees this."""
        _require_share(access)
        entries = []
        for share in await self._shares.list_folder_shares(access.folder.id):
            user = await self._users.find_user(share.user_id)
            if user is not None:
                entries.append(ShareEntry(user.username, user.display_name, share.role))
        return sorted(entries, key=lambda entry: entry.display_name.casefold())

    async def list_shares(self, access: FolderAccess) -> Sequence[FolderShare]:
        """The folder's shares, oldest first."""
        _require_share(access)
        return await self._shares.list_folder_shares(access.folder.id)

    async def suggest_people(self, access: FolderAccess, text: str) -> Sequence[User]:
        """People the owner may share the folder with whose names contain `text` (none for no text)."""
        _require_share(access)
        needle = " ".join(text.split())[:MAX_PEOPLE_QUERY]
        if not needle:
            return []
        shares = await self._shares.list_folder_shares(access.folder.id)
        exclude = [access.folder.owner_id, *(share.user_id for share in shares)]
        return await self._users.search_users(needle, limit=MAX_PEOPLE_SUGGESTED, exclude=exclude)

    async def _user(self, username: str) -> User:
        user = await self._users.find_user_by_name(username)
        if user is None:
            raise NotFound(f"no user {username!r}")
        return user

    async def _record(self, action: AuditAction, access: FolderAccess, *, detail: str) -> None:
        folder = access.folder
        await self._audit.record(
            action,
            item_id=folder.id,
            item_name=folder.name,
            by=access.user.id,
            kind=ItemKind.FOLDER,
            detail=detail,
        )

    async def _end_sessions_of(self, access: FolderAccess, user: User) -> None:
        # As when a file share is taken back: a user who may no longer edit a file inside loses their hold
        # on its lock. Only locked files are looked at, and only those the user may no longer change.
        now = self._clock.now()
        pending, walked = [access.folder], 0
        while pending and walked < MAX_TREE_FOLDERS:
            subfolders, files = await self._catalog.list_folder(pending.pop().id)
            pending.extend(subfolders)
            walked += 1
            for file in files:
                if file.active_lock(now) is None:
                    continue
                still = await self._access.find_access(file.id, user.id)
                if still is None or not still.permissions.can_write:
                    await self._locks.release_holder(file.id, user.id, ended_by=access.user.id, now=now)


def _require_share(access: FolderAccess) -> None:
    if not access.permissions.can_share:
        raise PermissionDenied("only the owner may share this folder")
