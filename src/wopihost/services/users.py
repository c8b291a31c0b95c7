"""Users: creation, passwords and the UserInfo string that WOPI clients store."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from wopihost.domain.locales import check_locale_setting
from wopihost.domain.records import User
from wopihost.errors import InvalidRequest, NotFound, Unsupported
from wopihost.ports import Clock, UserStore

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MAX_USER_INFO = 1024
MIN_PASSWORD = 8


class UserService:
    """User accounts."""

    def __init__(self, *, users: UserStore, clock: Clock, hasher: PasswordHasher | None = None) -> None:
        self._users = users
        self._clock = clock
        self._hasher = hasher or PasswordHasher()
        # Verified against when a username is unknown, so that timing does not reveal which names exist.
        self._dummy_hash = self._hasher.hash("not a password of anyone")

    async def add_user(
        self,
        username: str,
        display_name: str,
        *,
        password: str | None = None,
        is_admin: bool = False,
        is_business_user: bool = False,
    ) -> User:
        """Create a user with a stable, never-reused UserId."""
        username = username.strip().lower()
        if not _USERNAME.match(username):
            raise InvalidRequest("a username is 1-64 characters: lower-case letters, digits, '.', '_', '-'")
        display_name = display_name.strip() or username
        password_hash = await anyio.to_thread.run_sync(self._hash, password) if password is not None else None
        return await self._users.add_user(
            username=username,
            display_name=display_name,
            password_hash=password_hash,
            is_admin=is_admin,
            now=self._clock.now(),
            is_business_user=is_business_user,
        )

    async def get_user(self, user_id: str) -> User:
        """A user by ID."""
        user = await self._users.find_user(user_id)
        if user is None:
            raise NotFound("no such user")
        return user

    async def get_user_by_name(self, username: str) -> User:
        """A user by username."""
        user = await self._users.find_user_by_name(username.strip().lower())
        if user is None:
            raise NotFound(f"no user {username!r}")
        return user

    async def list_users(self) -> Sequence[User]:
        """Every user, by username."""
        return await self._users.list_users()

    async def set_password(self, user: User, password: str | None) -> None:
        """Set or clear (None) a user's password."""
        password_hash = await anyio.to_thread.run_sync(self._hash, password) if password is not None else None
        await self._users.set_password_hash(user.id, password_hash)

    async def set_business_user(self, user: User, is_business_user: bool) -> User:
        """Mark or unmark a Microsoft 365 business user (scenarios/business.rst); return the user as now."""
        if not await self._users.set_business_user(user.id, is_business_user):
            raise NotFound("no such user")
        return replace(user, is_business_user=is_business_user)

    async def set_locale(self, user: User, locale: str | None) -> User:
        """Set the user's UI language ("de"), or "auto"/None to follow the browser; return the user as now."""
        chosen = check_locale_setting(locale)
        if not await self._users.set_locale(user.id, chosen):
            raise NotFound("no such user")
        return replace(user, locale=chosen)

    async def authenticate(self, username: str, password: str) -> User | None:
        """The user if the password is theirs, else None."""
        found = await self._users.find_password_hash(username.strip().lower())
        stored = found[1] if found else None
        # Argon2 is deliberately slow; it runs in a worker thread so that it does not hold up other requests.
        if not await anyio.to_thread.run_sync(self._verify, stored or self._dummy_hash, password):
            return None
        return found[0] if found and stored else None

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def put_user_info(self, user: User, user_info: str) -> None:
        """Store the UserInfo string a WOPI client sent (PutUserInfo); link visitors have no account."""
        if user.is_anonymous:
            raise Unsupported("anonymous link visitors have no UserInfo")
        if len(user_info) > MAX_USER_INFO:
            raise InvalidRequest(f"UserInfo is longer than {MAX_USER_INFO} characters")
        await self._users.set_user_info(user.id, user_info)

    def _hash(self, password: str) -> str:
        if len(password) < MIN_PASSWORD:
            raise InvalidRequest("a password has at least %(min)s characters", min=MIN_PASSWORD)
        return self._hasher.hash(password)
