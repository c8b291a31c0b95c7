"""Sharing a folder, with everything in it, with another user (view, view without downloads, edit)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wopihost.domain.permissions import SHARE_ROLES, Role
from wopihost.domain.records import FolderAccess
from wopihost.errors import InvalidRequest, NotFound
from wopihost.web.context import WebContext, done, read_form, required, wants_json
from wopihost.web.routes.browse import folder_url, parent_url
from wopihost.web.routes.share import SHARE_CHOICES, sharing_json
from wopihost.web.views import ROLE_LABELS


class FolderSharePages:
    """The folder share page and its JSON twin, used by the browser's share dialog."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def _access(self, request: Request) -> FolderAccess:
        user = await self.ctx.user(request)
        return await self.ctx.services.browse.folder_access(user, request.path_params["folder_id"])

    @staticmethod
    def _page_url(access: FolderAccess) -> str:
        return f"/folders/{access.folder.id}/share"

    async def show(self, request: Request) -> Response:
        """Who the folder is shared with, and forms to change it; only its owner may see and change this."""
        access = await self._access(request)
        can_share = access.permissions.can_share
        shares = self.ctx.services.folder_shares
        entries = await shares.entries(access) if can_share else []
        i18n = self.ctx.localizer(request)
        if wants_json(request):
            body = {"folder": {"id": access.folder.id, "name": access.folder.name}, "can_share": can_share}
            return JSONResponse({**body, "owner": access.owner_name, **sharing_json(entries, i18n)})
        back = parent_url(access.user, access.folder) if can_share else folder_url(access.folder)
        context = {"access": access, "folder": access.folder, "entries": entries, "can_share": can_share}
        return self.ctx.render(
            request, "folder_share.html", {**context, "roles": SHARE_CHOICES, "back": back}
        )

    async def share(self, request: Request) -> Response:
        """Grant another user one of the share roles on the folder and everything in it."""
        access = await self._access(request)
        i18n = self.ctx.localizer(request)
        form = await read_form(request)
        username = required(form, "username", "A username").lower()
        role = next((r for r in SHARE_ROLES if r.value == form.get("role", Role.VIEW.value)), None)
        if role is None:
            roles = ", ".join(i18n.gettext(label) for _v, label in SHARE_CHOICES)
            raise InvalidRequest(i18n.gettext("the role must be one of %(roles)s", roles=roles))
        try:
            await self.ctx.services.folder_shares.share(access, username, role)
        except NotFound as exc:
            raise InvalidRequest(i18n.gettext("there is no user called “%(name)s”", name=username)) from exc
        label = i18n.gettext(ROLE_LABELS[role]).lower()
        if form.get("change"):
            message = i18n.gettext("Changed %(name)s to “%(role)s”.", name=username, role=label)
        else:
            message = i18n.gettext("Shared with %(name)s (%(role)s).", name=username, role=label)
        return done(request, self._page_url(access), message)

    async def people(self, request: Request) -> Response:
        """People to share with whose names contain what the owner typed (the person field's suggestions)."""
        access = await self._access(request)
        text = request.query_params.get("q", "")
        found = await self.ctx.services.folder_shares.suggest_people(access, text)
        people = [{"username": user.username, "display_name": user.display_name} for user in found]
        return JSONResponse({"people": people})

    async def revoke(self, request: Request) -> Response:
        """Take a folder share away; the user's next request for anything inside is refused."""
        access = await self._access(request)
        i18n = self.ctx.localizer(request)
        form = await read_form(request)
        username = required(form, "username", "A username").lower()
        try:
            change = await self.ctx.services.folder_shares.unshare(access, username)
        except NotFound as exc:
            raise InvalidRequest(i18n.gettext("there is no user called “%(name)s”", name=username)) from exc
        if change.changed:
            message = i18n.gettext("Stopped sharing with %(name)s.", name=username)
        else:
            message = i18n.gettext("It was not shared with %(name)s.", name=username)
        return done(request, self._page_url(access), message)

    def routes(self) -> list[Route]:
        """The routes of this module."""
        return [
            Route("/folders/{folder_id}/share", self.show, methods=["GET"]),
            Route("/folders/{folder_id}/share/people", self.people, methods=["GET"]),
            Route("/folders/{folder_id}/share", self.share, methods=["POST"]),
            Route("/folders/{folder_id}/share/revoke", self.revoke, methods=["POST"]),
        ]
