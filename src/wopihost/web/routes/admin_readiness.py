"""The administrators' readiness page: run the go-live checks in the background and read the last dossier."""

from __future__ import annotations

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from wopihost.domain.records import User
from wopihost.errors import NotFound
from wopihost.services.admin import require_admin
from wopihost.web.context import WebContext, done
from wopihost.web.views import iso_time, short_time

READINESS_PATH = "/admin/readiness"
# The dossier is self-contained HTML of our own; it runs no scripts and loads nothing.
_DOSSIER_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    "Cache-Control": "no-store",
}


class ReadinessPages:
    """/admin/readiness (status and "Run checks") and /admin/readiness/dossier (the last HTML dossier)."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def _admin(self, request: Request) -> User:
        user = await self.ctx.user(request)
        require_admin(user)
        return user

    async def show(self, request: Request) -> Response:
        """Whether checks are running, and the last run's verdict and time."""
        await self._admin(request)
        runs = self.ctx.services.readiness
        i18n = self.ctx.localizer(request)
        current, last = runs.current, runs.last
        context = {
            "running_since": short_time(current.started_at, i18n) if current else "",
            "last": last,
            "last_at": short_time(last.finished_at, i18n) if last and last.finished_at else "",
            "last_iso": iso_time(last.finished_at) if last and last.finished_at else "",
            "section": "admin",
            "admin_page": "readiness",
        }
        return self.ctx.render(request, "admin_readiness.html", context)

    async def run(self, request: Request) -> Response:
        """Start the checks in the background (one run at a time) and come back to the status page."""
        admin = await self._admin(request)
        runs = self.ctx.services.readiness
        _ = self.ctx.localizer(request).gettext
        if not runs.start(admin):
            return done(request, READINESS_PATH, _("The checks are running already."))
        response = done(request, READINESS_PATH, _("The checks are running; this takes a minute or so."))
        response.background = BackgroundTask(runs.finish)
        return response

    async def dossier(self, request: Request) -> Response:
        """The last run's HTML dossier."""
        await self._admin(request)
        last = self.ctx.services.readiness.last
        if last is None or not last.html:
            raise NotFound("no readiness dossier yet")
        return HTMLResponse(last.html, headers=_DOSSIER_HEADERS)

    def routes(self) -> list[Route]:
        """The routes of this module."""
        return [
            Route(READINESS_PATH, self.show, methods=["GET"]),
            Route(READINESS_PATH, self.run, methods=["POST"]),
            Route(READINESS_PATH + "/dossier", self.dossier, methods=["GET"]),
        ]
