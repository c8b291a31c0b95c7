"""Share links: the owner's list of links (JSON for the share dialog), and the pages visitors open them on.

A visitor has no account. Their browser session remembers the links whose password they gave, and the
name and visitor ID they use; the host page then opens the file with a token that names the link, so that
revoking it refuses the visitor's next WOPI request.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from wopihost.domain.links import (
    LINK_ROLES,
    ShareLink,
    is_visitor_key,
    new_visitor_key,
    visitor_id,
    visitor_name,
)
from wopihost.domain.records import FileAccess
from wopihost.errors import InvalidRequest, LinkGone, NotFound
from wopihost.services.links import LinkPasswordThrottled, WrongLinkPassword
from wopihost.urls import PublicUrls
from wopihost.web.context import WebContext, client_address, done, read_form
from wopihost.web.errors import service_message
from wopihost.web.i18n import ENGLISH, Localizer
from wopihost.web.routes.host import open_for_visitor
from wopihost.web.views import ROLE_LABELS, short_time

SESSION_VISITOR = "visitor"
SESSION_UNLOCKED = "links"
# The links whose password one browser session remembers; older ones must be unlocked again.
MAX_UNLOCKED = 20
LINK_CHOICES = [(role.value, ROLE_LABELS[role]) for role in LINK_ROLES]


class LinkPages:
    """/files/{id}/links for the owner; /s/{link} and its steps for visitors."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def _owned(self, request: Request) -> FileAccess:
        user = await self.ctx.user(request)
        return await self.ctx.services.files.find_access(request.path_params["file_id"], user)

    async def list_links(self, request: Request) -> Response:
        """The file's links, for the share dialog."""
        access = await self._owned(request)
        links = await self.ctx.services.links.list_links(access)
        now = self.ctx.services.clock.now()
        i18n = self.ctx.localizer(request)
        roles = [{"value": value, "label": i18n.gettext(label)} for value, label in LINK_CHOICES]
        described = [describe_link(link, self.ctx.services.urls, now, i18n) for link in links]
        return JSONResponse({"links": described, "roles": roles})

    async def create_link(self, request: Request) -> Response:
        """Create a link; the answer carries its URL for the copy button."""
        access = await self._owned(request)
        form = await read_form(request)
        link = await self.ctx.services.links.create(
            access,
            form.get("role", "view"),
            expires_at=expiry_of(form.get("expires", "")),
            password=form.get("password", ""),
        )
        i18n = self.ctx.localizer(request)
        described = describe_link(link, self.ctx.services.urls, self.ctx.services.clock.now(), i18n)
        return done(request, f"/files/{access.file.id}/share", i18n.gettext("Link created."), link=described)

    async def revoke_link(self, request: Request) -> Response:
        """Revoke a link; sessions opened through it are refused from their next request."""
        access = await self._owned(request)
        removed = await self.ctx.services.links.revoke(access, request.path_params["link_id"])
        i18n = self.ctx.localizer(request)
        if removed:
            message = i18n.gettext("Link removed. It no longer opens the file.")
        else:
            message = i18n.gettext("That link was already removed.")
        return done(request, f"/files/{access.file.id}/share", message)

    async def landing(self, request: Request) -> Response:
        """The link's page: its password first if it has one, then the visitor's name."""
        link_id = request.path_params["link_id"]
        try:
            link = await self.ctx.services.links.get_active(link_id)
        except LinkGone:
            return self._gone(request)
        step = "password" if link.has_password and not _unlocked(request, link) else "name"
        return await self._step(request, link, step)

    async def password(self, request: Request) -> Response:
        """Check the link's password; wrong passwords are throttled per link and address."""
        try:
            link = await self.ctx.services.links.get_active(request.path_params["link_id"])
        except LinkGone:
            return self._gone(request)
        form = await read_form(request)
        try:
            await self.ctx.services.links.check_password(
                link, form.get("password", ""), address=client_address(request)
            )
        except LinkPasswordThrottled as exc:
            headers = {"Retry-After": str(exc.retry_after)}
            minutes = max(1, exc.retry_after // 60 + 1)
            message = self.ctx.localizer(request).ngettext(
                "Too many wrong passwords; try again in %(num)s minute.",
                "Too many wrong passwords; try again in %(num)s minutes.",
                minutes,
            )
            return await self._step(request, link, "password", message, 429, headers)
        except WrongLinkPassword:
            message = self.ctx.localizer(request).gettext("That password is not right.")
            return await self._step(request, link, "password", message, 403)
        unlocked = [i for i in request.session.get(SESSION_UNLOCKED, []) if i != link.id]
        request.session[SESSION_UNLOCKED] = [*unlocked[-(MAX_UNLOCKED - 1) :], link.id]
        return RedirectResponse(f"/s/{link.id}", status_code=303)

    async def choose_name(self, request: Request) -> Response:
        """Remember the visitor's name (and give them a visitor ID), then open the document."""
        try:
            link = await self.ctx.services.links.get_active(request.path_params["link_id"])
        except LinkGone:
            return self._gone(request)
        if link.has_password and not _unlocked(request, link):
            return RedirectResponse(f"/s/{link.id}", status_code=303)
        form = await read_form(request)
        try:
            name = visitor_name(form.get("name", ""))
        except InvalidRequest as exc:
            # The domain's messages are extracted for translation (locale/tool.py's keywords).
            text = service_message(exc, self.ctx.localizer(request))
            return await self._step(request, link, "name", text[:1].upper() + text[1:] + ".", 400)
        request.session[SESSION_VISITOR] = {"key": _visitor_key(request), "name": name}
        return RedirectResponse(f"/s/{link.id}/open", status_code=303)

    async def open_document(self, request: Request) -> Response:
        """The host page, as the anonymous visitor the session names."""
        services = self.ctx.services
        try:
            link = await services.links.get_active(request.path_params["link_id"])
        except LinkGone:
            return self._gone(request)
        remembered = request.session.get(SESSION_VISITOR)
        if (link.has_password and not _unlocked(request, link)) or not isinstance(remembered, dict):
            return RedirectResponse(f"/s/{link.id}", status_code=303)
        try:
            name = visitor_name(str(remembered.get("name", "")))
        except InvalidRequest:
            return RedirectResponse(f"/s/{link.id}", status_code=303)
        user_id = visitor_id(link.id, _visitor_key(request))
        token = services.tokens.issue(user_id, link.file_id, link_id=link.id, display_name=name)
        # The same check every WOPI request makes, so that the page never opens what the client cannot.
        access = await services.access.open(link.file_id, token.token)
        await services.links.record_visit(link, user_id, name)
        return await open_for_visitor(self.ctx, request, access, token, f"/s/{link.id}")

    async def _step(
        self,
        request: Request,
        link: ShareLink,
        step: str,
        error: str = "",
        status_code: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Response:
        try:
            file_name = await self.ctx.services.links.file_name(link)
        except NotFound:
            return self._gone(request)
        remembered = request.session.get(SESSION_VISITOR)
        context = {
            "step": step,
            "link_id": link.id,
            "file_name": file_name,
            "role_label": self.ctx.localizer(request).gettext(ROLE_LABELS[link.role]),
            "error": error,
            "visitor_name": remembered.get("name", "") if isinstance(remembered, dict) else "",
        }
        return self.ctx.render(request, "link.html", context, status_code=status_code, headers=headers)

    def _gone(self, request: Request) -> Response:
        context = {"step": "gone", "link_id": "", "file_name": "", "role_label": "", "error": ""}
        return self.ctx.render(request, "link.html", {**context, "visitor_name": ""}, status_code=410)

    def routes(self) -> list[Route]:
        """The routes of this module."""
        return [
            Route("/files/{file_id}/links", self.list_links, methods=["GET"]),
            Route("/files/{file_id}/links", self.create_link, methods=["POST"]),
            Route("/files/{file_id}/links/{link_id}/revoke", self.revoke_link, methods=["POST"]),
            Route("/s/{link_id}", self.landing, methods=["GET"]),
            Route("/s/{link_id}/password", self.password, methods=["POST"]),
            Route("/s/{link_id}/open", self.choose_name, methods=["POST"]),
            Route("/s/{link_id}/open", self.open_document, methods=["GET"]),
        ]


def describe_link(
    link: ShareLink, urls: PublicUrls, now: datetime, i18n: Localizer = ENGLISH
) -> dict[str, Any]:
    """A link as the share dialog and the share page show it, in the page's language."""
    return {
        "id": link.id,
        "url": urls.share_link(link.id),
        "role": link.role.value,
        "role_label": i18n.gettext(ROLE_LABELS[link.role]),
        "has_password": link.has_password,
        "expires": expiry_label(link.expires_at, i18n),
        "expired": not link.is_active(now),
        "created": short_time(link.created_at, i18n),
    }


def expiry_of(value: str) -> datetime | None:
    """The end of the chosen day (UTC) from a form's YYYY-MM-DD date; None when no date was chosen."""
    value = value.strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidRequest("the expiry date must be a date such as 2030-01-31") from exc
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def expiry_label(expires_at: datetime | None, i18n: Localizer = ENGLISH) -> str:
    """ "Expires after 31 Jan 2030 (UTC)", or "" for a link that never expires."""
    if expires_at is None:
        return ""
    last_day = (expires_at.astimezone(UTC) - timedelta(microseconds=1)).date()
    return i18n.gettext("Expires after %(day)s (UTC)", day=i18n.format_date(last_day))


def _unlocked(request: Request, link: ShareLink) -> bool:
    return link.id in request.session.get(SESSION_UNLOCKED, [])


def _visitor_key(request: Request) -> str:
    """This browser session's visitor key, made on first use: its visitor IDs stay the same while it lasts."""
    remembered = request.session.get(SESSION_VISITOR)
    found = remembered.get("key") if isinstance(remembered, dict) else None
    if isinstance(found, str) and is_visitor_key(found):
        return found
    return new_visitor_key()
