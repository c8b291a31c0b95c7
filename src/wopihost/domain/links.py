"""Share links: a random URL that lets anyone who has it (and its password, if set) view or edit one file.

People who open a link have no account. They are anonymous visitors: a display name they chose and an ID
that is stable for their browser session, never an account's ID.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from wopihost.domain.permissions import Role
from wopihost.domain.records import User
from wopihost.errors import InvalidRequest

# What a link may grant: viewing (with downloads) or editing. Links never grant ownership.
LINK_ROLES = (Role.VIEW, Role.EDIT)
# A link ID carries 192 random bits; people only ever copy it whole.
_LINK_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")
# Visitor IDs must fit the 32-character user-ID columns that record lock holders and version authors.
VISITOR_PREFIX = "anon-"
_VISITOR_ID = re.compile(r"^anon-[a-z0-9]{16}$")
MAX_VISITOR_NAME = 64
MAX_LINK_PASSWORD = 256


@dataclass(frozen=True, slots=True)
class ShareLink:
    """A link to one file, with the role it grants, an optional expiry and an optional password."""

    id: str
    file_id: str
    role: Role
    created_at: datetime
    created_by: str
    expires_at: datetime | None = None
    password_hash: str | None = None

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def is_active(self, now: datetime) -> bool:
        """Whether the link still opens its file at `now`."""
        return self.expires_at is None or now < self.expires_at


def new_link_id() -> str:
    """A new unguessable link ID (URL-safe)."""
    return secrets.token_urlsafe(24)


def looks_like_link_id(value: str) -> bool:
    """Whether `value` has the shape of a link ID (checked before any database query)."""
    return bool(_LINK_ID.match(value))


def new_visitor_id() -> str:
    """A new anonymous visitor ID, e.g. "anon-3k9x…": never an account's ID (those have no hyphen)."""
    return VISITOR_PREFIX + "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(16))


def is_visitor_id(value: str) -> bool:
    """Whether `value` is a visitor ID made by `new_visitor_id`."""
    return bool(_VISITOR_ID.match(value))


def visitor_name(value: str) -> str:
    """A visitor's display name, trimmed; InvalidRequest if empty, too long or made of control characters."""
    name = " ".join(value.split())
    if not name:
        raise InvalidRequest("a name is required")
    if len(name) > MAX_VISITOR_NAME:
        raise InvalidRequest(f"the name may have at most {MAX_VISITOR_NAME} characters")
    if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in name):
        raise InvalidRequest("the name has characters that cannot be shown")
    return name


def link_role(value: str) -> Role:
    """The role a link may grant, from its stored or submitted value; InvalidRequest for any other."""
    for role in LINK_ROLES:
        if role.value == value:
            return role
    raise InvalidRequest("a link can let people view or edit")


def visitor(visitor_id: str, name: str) -> User:
    """The anonymous user a link visitor acts as: no account, no root folder, no UserInfo."""
    return User(id=visitor_id, username="", display_name=name, root_folder_id="", is_anonymous=True)
