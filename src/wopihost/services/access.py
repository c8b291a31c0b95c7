"""Who is calling and what they may do: every WOPI request starts here."""

from __future__ import annotations

from dataclasses import replace

from wopihost.domain.links import is_link_visitor, visitor
from wopihost.domain.records import FileAccess
from wopihost.errors import InvalidToken, NotFound, PermissionDenied
from wopihost.ports import AccessQueries, Clock, LinkStore
from wopihost.services.tokens import TokenClaims, TokenKind, TokenService


class AccessService:
    """Turns an access token and a file ID into the caller's view of the file, checking rights anew.

    The caller is a user, or an anonymous visitor who came through a share link: their token names the
    link, so that revoking or expiring it refuses their very next request.
    """

    def __init__(
        self,
        *,
        tokens: TokenService,
        access: AccessQueries,
        links: LinkStore | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._tokens = tokens
        self._access = access
        self._links = links
        self._clock = clock

    async def open(self, file_id: str, token: str | None, *, kind: TokenKind = "wopi") -> FileAccess:
        """Verify the token for this file, then load the file as its user sees it now."""
        if not token:
            raise InvalidToken("no access token")
        claims = self._tokens.verify(token, file_id=file_id, kind=kind)
        if claims.link_id is not None:
            access = await self._visitor_access(claims)
        else:
            access = await self._access.find_access(file_id, claims.user_id)
        if access is None:
            raise NotFound("file not found or not visible to this user")
        if kind == "fileurl":
            # A FileUrl works like a download link; a role without downloads never gets to use one.
            require_download(access)
        return access

    async def _visitor_access(self, claims: TokenClaims) -> FileAccess | None:
        """The file as a link visitor sees it now: the link must exist, be unexpired and name this file."""
        if self._links is None or self._clock is None or claims.link_id is None:
            raise InvalidToken("share links are not enabled")
        if not is_link_visitor(claims.user_id, claims.link_id):
            raise InvalidToken("the token names a visitor of another link")
        link = await self._links.find_link(claims.link_id)
        if link is None or link.file_id != claims.file_id or not link.is_active(self._clock.now()):
            raise InvalidToken("the share link was revoked or has expired")
        # The link's creator is the file's owner (only owners share): their view gives the file and names.
        owner_view = await self._access.find_access(link.file_id, link.created_by)
        if owner_view is None or owner_view.file.owner_id != link.created_by:
            return None
        name = claims.display_name or "Guest"
        return replace(owner_view, user=visitor(claims.user_id, name), role=link.role, link_id=link.id)


def require_write(access: FileAccess) -> None:
    """Refuse a change by a user who may only view the file."""
    if not access.permissions.can_write:
        raise PermissionDenied("the user may not change this file")


def require_rename(access: FileAccess) -> None:
    """Refuse a rename by a user without that right."""
    if not access.permissions.can_rename:
        raise PermissionDenied("the user may not rename this file")


def require_delete(access: FileAccess) -> None:
    """Refuse a deletion by anyone but the owner."""
    if not access.permissions.can_delete:
        raise PermissionDenied("only the owner may delete this file")


def require_download(access: FileAccess) -> None:
    """Refuse a download (web UI, FileUrl) by a user who may only view the file in the WOPI client."""
    if not access.permissions.can_download:
        raise PermissionDenied("the owner of “%(name)s” does not allow downloading it", name=access.file.name)


def require_create_relative(access: FileAccess) -> None:
    """Refuse PutRelativeFile by a user whose copies would take the content out of the owner's hands."""
    if not access.permissions.can_create_relative:
        raise PermissionDenied("the user may not save copies of this file")
