"""Share links: a random URL that lets anyone who has it (and its password, if set) view or edit one file.

People who open a link have no account. They are anonymous visitors: a display name they chose and an ID
that is stable for their browser session, never an account's ID.
"""

from __future__ import annotations

import base64
import hashlib
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
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
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


def new_visitor_key() -> str:
    """A new random key for one browser session, the second half of its visitor IDs."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(8))


def link_tag(link_id: str) -> str:
    """Eight characters derived from a link ID (they reveal nothing of it): the first half of the IDs of
    the link's visitors, so that revoking the link can end their editing sessions."""
    digest = hashlib.sha256(link_id.encode("utf-8")).digest()
    return base64.b32encode(digest[:5]).decode("ascii").lower()


def visitor_id(link_id: str, session_key: str) -> str:
    """The visitor ID of one browser session on one link, e.g. "anon-k2j4…": stable for that session, and
    never an account's ID (those have no hyphen)."""
    return f"{VISITOR_PREFIX}{link_tag(link_id)}{session_key}"


def is_link_visitor(user_id: str, link_id: str) -> bool:
    """Whether `user_id` is the visitor ID of someone who came through this link."""
    return is_visitor_id(user_id) and user_id.startswith(VISITOR_PREFIX + link_tag(link_id))


def is_visitor_key(value: str) -> bool:
    """Whether `value` is a session key made by `new_visitor_key`."""
    return len(value) == 8 and all(ch in _ALPHABET for ch in value)


def is_visitor_id(value: str) -> bool:
    """Whether `value` is a visitor ID made by `visitor_id`."""
    return bool(_VISITOR_ID.match(value))


def visitor_name(value: str) -> str:
    """A visitor's display name, trimmed; InvalidRequest if empty, too long or made of control characters."""
    name = " ".join(value.split())
    if not name:
        raise InvalidRequest("a name is required")
    if len(name) > MAX_VISITOR_NAME:
        raise InvalidRequest("the name may have at most %(max)s characters", max=MAX_VISITOR_NAME)
    if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in name):
        raise InvalidRequest("the name has characters that cannot be shown")
    return name


def link_role(value: str) -> Role:
    """The role a link may grant, from its stored or submitted value; InvalidRequest for any other."""
    for role in LINK_ROLES:
        if role.value == value:
            return role
    raise InvalidRequest("a link can let people view or edit")


def visitor(user_id: str, name: str) -> User:
    """The anonymous user a link visitor acts as: no account, no root folder, no UserInfo."""
    return User(id=user_id, username="", display_name=name, root_folder_id="", is_anonymous=True)
