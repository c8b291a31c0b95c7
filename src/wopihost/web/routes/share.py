"""Sharing a file with another user (view, view without downloads, edit) and revoking it: FileSharingUrl."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wopihost.domain.permissions import SHARE_ROLES, Role
from wopihost.domain.records import FileAccess
from wopihost.errors import InvalidRequest, NotFound
from wopihost.services.browse import ShareEntry
from wopihost.web.context import WebContext, done, read_form, required, wants_json
from wopihost.web.i18n import Localizer
from wopihost.web.routes.files import back_url
from wopihost.web.routes.links import LINK_CHOICES, describe_link
from wopihost.web.views import ROLE_LABELS

# What the share forms offer, in order: (value, label).
SHARE_CHOICES = [(role.value, ROLE_LABELS[role]) for role in SHARE_ROLES]


def sharing_json(entries: Sequence[ShareEntry], i18n: Localizer) -> dict[str, Any]:
    """The people a file or folder is shared with, and the roles it may be shared with, for the dialog."""
    shares = [
        {
            "username": e.username,
            "display_name": e.display_name,
            "role": e.role.value,
            "role_label": i18n.gettext(ROLE_LABELS[e.role]),
        }
        for e in entries
    ]
    roles = [{"value": value, "label": i18n.gettext(label)} for value, label in SHARE_CHOICES]
    return {"shares": shares, "roles": roles}


def _no_user(i18n: Localizer, username: str) -> str:
    return i18n.gettext("there is no user called “%(name)s”", name=username)


class SharePages:
    """The share page and its JSON twin, used by the share dialogs of the browser and the host page."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def _access(self, request: Request) -> FileAccess:
        user = await self.ctx.user(request)
        return await self.ctx.services.files.find_access(request.path_params["file_id"], user)

    def _page_url(self, access: FileAccess) -> str:
        return f"/files/{access.file.id}/share"

    async def show(self, request: Request) -> Response:
        """Who the file is shared with, and (for the owner) forms to change it."""
        access = await self._access(request)
        can_share = access.permissions.can_share
        entries = await self.ctx.services.browse.share_entries(access.file.id) if can_share else []
        i18n = self.ctx.localizer(request)
        if wants_json(request):
            body = {"file": {"id": access.file.id, "name": access.file.name}, "can_share": can_share}
            return JSONResponse({**body, "owner": access.owner_name, **sharing_json(entries, i18n)})
        links = await self.ctx.services.links.list_links(access) if can_share else []
        now = self.ctx.services.clock.now()
        context = {
            "access": access,
            "entries": entries,
            "links": [describe_link(link, self.ctx.services.urls, now, i18n) for link in links],
            "link_roles": LINK_CHOICES,
            "can_share": can_share,
            "roles": SHARE_CHOICES,
            "role_labels": {role.value: label for role, label in ROLE_LABELS.items()},
            "back": back_url(access),
        }
        return self.ctx.render(request, "share.html", context)

    async def share(self, request: Request) -> Response:
        """Grant another user one of the share roles."""
        access = await self._access(request)
        i18n = self.ctx.localizer(request)
        form = await read_form(request)
        # Usernames are stored in lower case; people type them any way.
        username = required(form, "username", "A username").lower()
        role = next((r for r in SHARE_ROLES if r.value == form.get("role", Role.VIEW.value)), None)
        if role is None:
            roles = ", ".join(i18n.gettext(label) for _v, label in SHARE_CHOICES)
            raise InvalidRequest(i18n.gettext("the role must be one of %(roles)s", roles=roles))
        try:
            await self.ctx.services.files.share(access, username, role)
        except NotFound as exc:
            raise InvalidRequest(_no_user(i18n, username)) from exc
        label = i18n.gettext(ROLE_LABELS[role]).lower()
        if form.get("change"):
            # A role changed in place: the share dialog's select in the person's row.
            message = i18n.gettext("Changed %(name)s to “%(role)s”.", name=username, role=label)
            return done(request, self._page_url(access), message)
        message = i18n.gettext("Shared with %(name)s (%(role)s).", name=username, role=label)
        return done(request, self._page_url(access), message)

    async def people(self, request: Request) -> Response:
        """People to share with whose names contain what the owner typed (the person field's suggestions)."""
        access = await self._access(request)
        found = await self.ctx.services.browse.suggest_people(access, request.query_params.get("q", ""))
        people = [{"username": user.username, "display_name": user.display_name} for user in found]
        return JSONResponse({"people": people})

    async def revoke(self, request: Request) -> Response:
        """Take a share away; the user's next WOPI request is refused."""
        access = await self._access(request)
        i18n = self.ctx.localizer(request)
        form = await read_form(request)
        username = required(form, "username", "A username").lower()
        try:
            removed = await self.ctx.services.files.unshare(access, username)
        except NotFound as exc:
            raise InvalidRequest(_no_user(i18n, username)) from exc
        if removed:
            message = i18n.gettext("Stopped sharing with %(name)s.", name=username)
        else:
            message = i18n.gettext("It was not shared with %(name)s.", name=username)
        return done(request, self._page_url(access), message)

    def routes(self) -> list[Route]:
        """The routes of this module."""
        return [
            Route("/files/{file_id}/share", self.show, methods=["GET"]),
            Route("/files/{file_id}/share/people", self.people, methods=["GET"]),
            Route("/files/{file_id}/share", self.share, methods=["POST"]),
            Route("/files/{file_id}/share/revoke", self.revoke, methods=["POST"]),
        ]
