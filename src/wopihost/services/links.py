"""Share links: the owner creates, lists and revokes them; visitors without an account open them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from wopihost.domain.audit import AuditAction
from wopihost.domain.links import (
    MAX_LINK_PASSWORD,
    ShareLink,
    is_link_visitor,
    link_role,
    looks_like_link_id,
    new_link_id,
)
from wopihost.domain.records import FileAccess
from wopihost.errors import InvalidRequest, LinkGone, PermissionDenied
from wopihost.ports import Catalog, Clock, LinkStore, LockStore
from wopihost.services.audit import AuditService
from wopihost.services.signin_throttle import SignInThrottle

MIN_LINK_PASSWORD = 4


class WrongLinkPassword(PermissionDenied):
    """The password given for a share link is not its password."""


class LinkPasswordThrottled(PermissionDenied):
    """Too many wrong passwords for a link from one place; `retry_after` seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many wrong passwords; try again in {max(1, retry_after // 60 + 1)} minutes")
        self.retry_after = retry_after


class LinkService:
    """Creating, listing, revoking and opening share links."""

    def __init__(
        self,
        *,
        links: LinkStore,
        catalog: Catalog,
        locks: LockStore,
        clock: Clock,
        throttle: SignInThrottle,
        audit: AuditService,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._links = links
        self._audit = audit
        self._catalog = catalog
        self._locks = locks
        self._clock = clock
        self._throttle = throttle
        self._hasher = hasher or PasswordHasher()

    async def create(
        self, access: FileAccess, role: str, *, expires_at: datetime | None = None, password: str = ""
    ) -> ShareLink:
        """A new link to the file; only its owner may create one."""
        _require_share(access)
        now = self._clock.now()
        if expires_at is not None and expires_at <= now:
            raise InvalidRequest("the expiry date must be in the future")
        password_hash = await self._hash(password) if password else None
        link = ShareLink(
            id=new_link_id(),
            file_id=access.file.id,
            role=link_role(role),
            created_at=now,
            created_by=access.user.id,
            expires_at=expires_at,
            password_hash=password_hash,
        )
        await self._links.add_link(link)
        # The link's ID is its secret (it is the URL): the trail names the role, never the ID.
        await self._record(AuditAction.LINK_CREATED, access, detail=link.role.value)
        return link

    async def list_links(self, access: FileAccess) -> Sequence[ShareLink]:
        """The file's links, oldest first (expired ones too, so that the owner sees and removes them)."""
        _require_share(access)
        return await self._links.list_links(access.file.id)

    async def revoke(self, access: FileAccess, link_id: str) -> bool:
        """Revoke a link; sessions opened through it are refused from their next WOPI request."""
        _require_share(access)
        removed = await self._links.remove_link(access.file.id, link_id)
        if removed:
            await self._record(AuditAction.LINK_REVOKED, access)
            await self._end_visitor_sessions(access, link_id)
        return removed

    async def record_visit(self, link: ShareLink, visitor_id: str, name: str) -> None:
        """Record that a visitor (by the name they gave) opened the link's file, once in a while."""
        file = await self._catalog.find_file(link.file_id)
        if file is not None:
            await self._audit.record_visit(file, visitor_id, detail=name)

    async def _record(self, action: AuditAction, access: FileAccess, *, detail: str = "") -> None:
        await self._audit.record(
            action, item_id=access.file.id, item_name=access.file.name, by=access.user.id, detail=detail
        )

    async def _end_visitor_sessions(self, access: FileAccess, link_id: str) -> None:
        # A visitor whose link is gone can no longer unlock, so the lock their editing session holds goes
        # with the link, as it does when a person's share is revoked (unless another editor holds it too).
        holders = await self._locks.list_holders(access.file.id)
        for user_id in {user_id for user_id, _lock, _seen in holders if is_link_visitor(user_id, link_id)}:
            await self._locks.release_holder(
                access.file.id, user_id, ended_by=access.user.id, now=self._clock.now()
            )

    async def get_active(self, link_id: str) -> ShareLink:
        """The link if it still opens its file; LinkGone if it was revoked, has expired or never existed."""
        link = await self._links.find_link(link_id) if looks_like_link_id(link_id) else None
        if link is None or not link.is_active(self._clock.now()):
            raise LinkGone("this link was removed by its owner or has expired")
        return link

    async def file_name(self, link: ShareLink) -> str:
        """The name of the file a link opens."""
        file = await self._catalog.find_file(link.file_id)
        if file is None:
            raise LinkGone("the file of this link was deleted")
        return file.name

    async def check_password(self, link: ShareLink, password: str, *, address: str) -> None:
        """Accept the link's password, or refuse it; attempts are throttled per link and address."""
        throttle_key = f"link:{link.id}"
        wait = await self._throttle.retry_after(throttle_key, address)
        if wait > 0:
            raise LinkPasswordThrottled(wait)
        if link.password_hash is None:
            return
        if await anyio.to_thread.run_sync(self._verify, link.password_hash, password[:MAX_LINK_PASSWORD]):
            await self._throttle.reset(throttle_key, address)
            return
        await self._throttle.record_failure(throttle_key, address)
        raise WrongLinkPassword("that is not the password of this link")

    async def _hash(self, password: str) -> str:
        if not MIN_LINK_PASSWORD <= len(password) <= MAX_LINK_PASSWORD:
            raise InvalidRequest(
                "a link password must have %(min)s to %(max)s characters",
                min=MIN_LINK_PASSWORD,
                max=MAX_LINK_PASSWORD,
            )
        return await anyio.to_thread.run_sync(self._hasher.hash, password)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def _require_share(access: FileAccess) -> None:
    if not access.permissions.can_share:
        raise PermissionDenied("only the owner may manage the links of this file")
