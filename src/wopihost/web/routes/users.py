"""User pages: the generated avatar every WOPI client may show, and the administrators' list of users."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wopihost.domain.records import User
from wopihost.errors import InvalidRequest, PermissionDenied
from wopihost.web.avatars import avatar_svg
from wopihost.web.context import WebContext, done, read_form

ADMIN_USERS_PATH = "/admin/users"
# Collabora Online shows avatars from its own origin, to every user in the session; they must load there.
AVATAR_HEADERS = {
    "Cache-Control": "public, max-age=3600",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}


class UserPages:
    """/users/{id}/avatar.svg, and /admin/users for administrators."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def avatar(self, request: Request) -> Response:
        """The user's avatar: public, with no token, so that it can be cached and shown to others."""
        user = await self.ctx.services.users.get_user(request.path_params["user_id"])
        return Response(
            avatar_svg(user.id, user.display_name), media_type="image/svg+xml", headers=AVATAR_HEADERS
        )

    async def _admin(self, request: Request) -> User:
        user = await self.ctx.user(request)
        if not user.is_admin:
            raise PermissionDenied("only administrators may manage users")
        return user

    async def list_users(self, request: Request) -> Response:
        """Every user, with their flags and a form to mark or unmark business users."""
        await self._admin(request)
        users = await self.ctx.services.users.list_users()
        return self.ctx.render(request, "admin_users.html", {"users": users, "section": "admin"})

    async def set_business(self, request: Request) -> Response:
        """Mark or unmark a Microsoft 365 business user (scenarios/business.rst)."""
        await self._admin(request)
        form = await read_form(request)
        value = form.get("business", "")
        if value not in ("0", "1"):
            raise InvalidRequest("business must be 0 or 1")
        users = self.ctx.services.users
        target = await users.set_business_user(
            await users.get_user(request.path_params["user_id"]), value == "1"
        )
        _ = self.ctx.localizer(request).gettext
        if target.is_business_user:
            message = _("%(name)s is now a business user.", name=target.display_name)
        else:
            message = _("%(name)s is no longer a business user.", name=target.display_name)
        return done(request, ADMIN_USERS_PATH, message)

    def routes(self) -> list[Route]:
        """The routes of this module."""
        return [
            Route("/users/{user_id}/avatar.svg", self.avatar, methods=["GET"]),
            Route(ADMIN_USERS_PATH, self.list_users, methods=["GET"]),
            Route(ADMIN_USERS_PATH + "/{user_id}/business", self.set_business, methods=["POST"]),
        ]
