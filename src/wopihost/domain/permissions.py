"""What a user may do to a file, derived from their role on it."""

from __future__ import annotations

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
