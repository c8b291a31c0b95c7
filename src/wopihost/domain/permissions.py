"""What a user may do to a file, derived from their role on it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum


class Role(StrEnum):
    """A user's relation to a file. Owners have every right; shares grant one of the other roles."""

    # The stored value fits the shares.role column (16 characters).
    VIEW_NO_DOWNLOAD = "view-no-download"
    VIEW = "view"
    EDIT = "edit"
    OWNER = "owner"


SHARE_ROLES = (Role.VIEW, Role.VIEW_NO_DOWNLOAD, Role.EDIT)

# Weakest first: where a user holds several roles on one item (a file share and shares of folders above
# it), the strongest one counts.
_STRENGTH = {Role.VIEW_NO_DOWNLOAD: 0, Role.VIEW: 1, Role.EDIT: 2, Role.OWNER: 3}


def strongest_role(roles: Iterable[Role | None]) -> Role | None:
    """The strongest of these roles (None among them counts as no role); None if there is none."""
    held = [role for role in roles if role is not None]
    return max(held, key=_STRENGTH.__getitem__) if held else None


def effective_role(*, user_id: str, owner_id: str, shared: Iterable[Role | None]) -> Role | None:
    """A user's role on a file or folder: the owner's, else the strongest share on it or on a folder above.

    This is the one rule of access; every store computes `shared` (the item's own share and those of its
    ancestor folders with this user) and calls it, so that WOPI, the web UI and the CLI agree.
    """
    if user_id == owner_id:
        return Role.OWNER
    return strongest_role(shared)


@dataclass(frozen=True, slots=True)
class Permissions:
    """The rights that CheckFileInfo reports and every operation enforces."""

    can_read: bool
    can_write: bool
    can_rename: bool
    can_delete: bool
    can_share: bool
    # Whether the user may create files next to this one (PutRelativeFile); viewers save copies elsewhere.
    can_create_relative: bool
    # Whether the content may leave the host with the user: downloads, FileUrl, printing, export, copying
    # out. Without it the WOPI client still reads the file (GetFile) to show it.
    can_download: bool

    @property
    def always_watermarked(self) -> bool:
        """Whether the client must watermark the document whatever the settings say."""
        return not self.can_download


_BY_ROLE = {
    Role.OWNER: Permissions(
        can_read=True,
        can_write=True,
        can_rename=True,
        can_delete=True,
        can_share=True,
        can_create_relative=True,
        can_download=True,
    ),
    Role.EDIT: Permissions(
        can_read=True,
        can_write=True,
        can_rename=True,
        can_delete=False,
        can_share=False,
        can_create_relative=True,
        can_download=True,
    ),
    Role.VIEW: Permissions(
        can_read=True,
        can_write=False,
        can_rename=False,
        can_delete=False,
        can_share=False,
        can_create_relative=True,
        can_download=True,
    ),
    # A copy saved next to the file (PutRelativeFile) would be a download by another name.
    Role.VIEW_NO_DOWNLOAD: Permissions(
        can_read=True,
        can_write=False,
        can_rename=False,
        can_delete=False,
        can_share=False,
        can_create_relative=False,
        can_download=False,
    ),
}


def permissions_for(role: Role, *, anonymous: bool = False) -> Permissions:
    """Return the permissions that `role` grants; to an anonymous link visitor, never more than content.

    A visitor may not rename, delete or share the owner's file, nor create files in the owner's space
    (PutRelativeFile): the owner could not tell who did it, and the link would be a way to fill it.
    """
    rights = _BY_ROLE[role]
    if not anonymous:
        return rights
    return replace(rights, can_rename=False, can_delete=False, can_share=False, can_create_relative=False)


@dataclass(frozen=True, slots=True)
class FolderPermissions:
    """What a user may do with a folder (CheckContainerInfo reports these; every operation enforces them).

    Editors of a shared folder add to it and change what is inside; removing, moving and sharing stay with
    the owner, so that nothing an owner shared disappears or leaves their hands by someone else's doing.
    """

    can_read: bool
    can_create_children: bool
    can_rename: bool
    can_delete: bool
    can_share: bool


def folder_permissions_for(role: Role) -> FolderPermissions:
    """The rights that `role` grants on a folder."""
    owner = role is Role.OWNER
    return FolderPermissions(
        can_read=True,
        can_create_children=role in (Role.OWNER, Role.EDIT),
        can_rename=owner,
        can_delete=owner,
        can_share=owner,
    )
