"""The records that services pass around: users, folders, files, versions, shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wopihost.domain.locks import Lock
from wopihost.domain.names import split_extension
from wopihost.domain.permissions import (
    FolderPermissions,
    Permissions,
    Role,
    folder_permissions_for,
    permissions_for,
)


@dataclass(frozen=True, slots=True)
class User:
    """A person who signs in. `id` is the stable UserId sent to WOPI clients; it is never reused."""

    id: str
    username: str
    display_name: str
    root_folder_id: str
    user_info: str = ""
    is_admin: bool = False
    has_password: bool = False
    # Microsoft 365 business users get BUSINESS_USER=1 in action URLs (scenarios/business.rst).
    is_business_user: bool = False
    # The UI language the user chose ("de"); None follows the browser's Accept-Language.
    locale: str | None = None
    # A visitor who came through a share link: no account, no UserInfo, never a business user.
    is_anonymous: bool = False


@dataclass(frozen=True, slots=True)
class Folder:
    """A folder. A user's root folder has no parent and an empty name."""

    id: str
    owner_id: str
    parent_id: str | None
    name: str


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A file and its current version. `version` is a per-file counter bumped by every content change."""

    id: str
    folder_id: str
    owner_id: str
    name: str
    size: int
    sha256: str  # base64 of the SHA-256 of the content, as CheckFileInfo sends it
    version: int
    blob_key: str
    created_at: datetime
    modified_at: datetime
    modified_by: str | None
    lock: Lock | None

    @property
    def extension(self) -> str:
        return split_extension(self.name)[1]

    @property
    def stem(self) -> str:
        return split_extension(self.name)[0]

    @property
    def version_string(self) -> str:
        return str(self.version)

    def active_lock(self, now: datetime) -> Lock | None:
        return self.lock if self.lock is not None and self.lock.is_active(now) else None


@dataclass(frozen=True, slots=True)
class FileAccess:
    """A file as one user sees it: the file, the user, and the user's role on it."""

    file: FileRecord
    user: User
    role: Role
    owner_name: str
    folder_name: str
    # The share link an anonymous visitor came through; None for people with an account.
    link_id: str | None = None
    # Whether a folder holding the file (at any depth) is shared with the user.
    via_folder_share: bool = False

    @property
    def permissions(self) -> Permissions:
        return permissions_for(self.role, anonymous=self.link_id is not None)

    @property
    def sees_folder(self) -> bool:
        """Whether the user may open the file's folder: theirs, or inside a folder shared with them."""
        return self.link_id is None and (self.role is Role.OWNER or self.via_folder_share)


@dataclass(frozen=True, slots=True)
class FolderAccess:
    """A folder as one user sees it: the folder, the user, their role on it, and the path they can see.

    `path` runs from the highest folder the user may see (their root for an owner, the shared folder for
    someone it was shared with) down to this folder, both included.
    """

    folder: Folder
    user: User
    role: Role
    owner_name: str
    path: tuple[Folder, ...]

    @property
    def permissions(self) -> FolderPermissions:
        return folder_permissions_for(self.role)


@dataclass(frozen=True, slots=True)
class SaveKind:
    """What the WOPI client said of a save: by a person or not, an autosave, the save on closing.

    Collabora Online and ONLYOFFICE send these as X-COOL-WOPI-IsModifiedByUser, -IsAutosave and
    -IsExitSave (or their X-LOOL-WOPI- forms); None where the client said nothing.
    """

    modified_by_user: bool | None = None
    autosave: bool | None = None
    exit_save: bool | None = None

    @property
    def label(self) -> str:
        """ "exit save", "autosave", "user save", or "" when the client said nothing."""
        if self.exit_save:
            return "exit save"
        if self.autosave:
            return "autosave"
        if self.modified_by_user is not None or self.autosave is False:
            return "user save"
        return ""


@dataclass(frozen=True, slots=True)
class Version:
    """One stored version of a file's content."""

    file_id: str
    number: int
    blob_key: str
    size: int
    sha256: str
    created_at: datetime
    author_id: str | None
    editors: str = ""
    source: str = ""  # how it came to be: upload, putfile, putrelative, conversion, restore
    save: SaveKind = SaveKind()


@dataclass(frozen=True, slots=True)
class Share:
    """A user's right to a file that another user owns."""

    file_id: str
    user_id: str
    role: Role


@dataclass(frozen=True, slots=True)
class FolderShare:
    """A user's right to a folder that another user owns, and to everything inside it."""

    folder_id: str
    user_id: str
    role: Role


@dataclass(frozen=True, slots=True)
class StoredBlob:
    """Content written to the blob store and made durable, not yet referenced by any file."""

    key: str
    size: int
    sha256: str
