"""What a user may do to a file, derived from their role on it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """A user's relation to a file. Owners have every right; shares grant view or edit."""

    VIEW = "view"
    EDIT = "edit"
    OWNER = "owner"


SHARE_ROLES = (Role.VIEW, Role.EDIT)


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


_BY_ROLE = {
    Role.OWNER: Permissions(True, True, True, True, True, True),
    Role.EDIT: Permissions(True, True, True, False, False, True),
    Role.VIEW: Permissions(True, False, False, False, False, True),
}


def permissions_for(role: Role) -> Permissions:
    """Return the permissions that `role` grants."""
    return _BY_ROLE[role]
