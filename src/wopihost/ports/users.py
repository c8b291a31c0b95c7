"""Users, and the sharing of files and folders with them and through links."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from wopihost.domain.links import ShareLink
from wopihost.domain.listing import ListingPreference
from wopihost.domain.permissions import Role
from wopihost.domain.records import (
    FileRecord,
    Folder,
    FolderShare,
    Share,
    User,
)


class UserStore(Protocol):
    """Users, their root folders and their UserInfo strings."""

    async def add_user(
        self,
        *,
        username: str,
        display_name: str,
        password_hash: str | None,
        is_admin: bool,
        now: datetime,
        is_business_user: bool = False,
    ) -> User:
        """Create a user and their root folder; raise AlreadyExists if the username is taken."""
        ...

    async def find_user(self, user_id: str) -> User | None: ...

    async def find_user_by_name(self, username: str) -> User | None: ...

    async def find_password_hash(self, username: str) -> tuple[User, str | None] | None: ...

    async def set_password_hash(self, user_id: str, password_hash: str | None) -> None: ...

    async def set_user_info(self, user_id: str, user_info: str) -> None: ...

    async def set_business_user(self, user_id: str, is_business_user: bool) -> bool:
        """Mark or unmark a Microsoft 365 business user; False if there is no such user."""
        ...

    async def set_locale(self, user_id: str, locale: str | None) -> bool:
        """Set (None: clear) the user's UI language; False if there is no such user."""
        ...

    async def list_users(self) -> Sequence[User]: ...

    async def search_users(self, text: str, *, limit: int, exclude: Sequence[str] = ()) -> Sequence[User]:
        """Users whose user name or display name contains `text` (any case), by display name, at most
        `limit`, leaving out the IDs in `exclude`. `text` is matched literally (no wildcards)."""
        ...


class ShareStore(Protocol):
    """Rights that owners grant other users on their files and folders."""

    async def set_share(self, file_id: str, user_id: str, role: Role, *, now: datetime) -> None:
        """Grant `role`, replacing any earlier share of this file with this user."""
        ...

    async def remove_share(self, file_id: str, user_id: str) -> bool:
        """Revoke a share; False if there was none."""
        ...

    async def list_shares(self, file_id: str) -> Sequence[Share]: ...

    async def list_shared_with(self, user_id: str) -> Sequence[tuple[FileRecord, Role]]:
        """The files other users shared with this user, with the role of each."""
        ...

    async def sharing_summary(
        self, file_ids: Sequence[str], *, now: datetime
    ) -> Mapping[str, SharingSummary]:
        """For each of these files shared with someone or by a link active at `now`: how. One query."""
        ...

    async def set_folder_share(self, folder_id: str, user_id: str, role: Role, *, now: datetime) -> None:
        """Grant `role` on a folder and everything in it, replacing any earlier share with this user."""
        ...

    async def remove_folder_share(self, folder_id: str, user_id: str) -> bool:
        """Revoke a folder share; False if there was none."""
        ...

    async def list_folder_shares(self, folder_id: str) -> Sequence[FolderShare]:
        """Who a folder is shared with, oldest share first."""
        ...

    async def list_folders_shared_with(self, user_id: str) -> Sequence[tuple[Folder, Role]]:
        """The live folders other users shared with this user, by name, with the role of each."""
        ...

    async def folder_sharing_summary(self, folder_ids: Sequence[str]) -> Mapping[str, int]:
        """For each of these folders shared with someone: with how many people."""
        ...


@dataclass(frozen=True, slots=True)
class SharingSummary:
    """How a file is shared: with how many people, and by how many links still active."""

    people: int
    links: int


class LinkStore(Protocol):
    """Share links. Revoking deletes the link, so that a lookup by ID is the whole check."""

    async def add_link(self, link: ShareLink) -> None: ...

    async def find_link(self, link_id: str) -> ShareLink | None: ...

    async def list_links(self, file_id: str) -> Sequence[ShareLink]:
        """The file's links, oldest first, expired ones included."""
        ...

    async def remove_link(self, file_id: str, link_id: str) -> bool:
        """Revoke a link of this file; False if it has no such link."""
        ...


class PreferenceStore(Protocol):
    """What each user chose for how file lists are ordered and filtered."""

    async def find_listing(self, user_id: str) -> ListingPreference | None:
        """The user's listing preference, or None if they never chose one."""
        ...

    async def save_listing(self, user_id: str, preference: ListingPreference, *, now: datetime) -> None:
        """Remember the user's listing preference, replacing any earlier one."""
        ...
