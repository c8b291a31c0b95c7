"""Editing sessions in the browser: live lock badges, and ending a session the WOPI client cannot end."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wopihost.errors import NotFound
from wopihost.services.sessions import MAX_POLLED_FILES, may_end_session
from wopihost.web.context import WebContext, done
from wopihost.web.routes.files import back_url

# How often the file list asks for lock states while it is visible; Unlock shows within this time.
POLL_INTERVAL_MS = 4000


class SessionPages:
    """The lock-state endpoint of the file list, and the "End editing session" action."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def lock_states(self, request: Request) -> Response:
        """Which of the listed files (`ids`, comma-separated) are being edited, and by whom."""
        user = await self.ctx.user(request)
        ids = [i for i in request.query_params.get("ids", "").split(",") if i][:MAX_POLLED_FILES]
        states = await self.ctx.services.sessions.lock_states(user, ids)
        i18n = self.ctx.localizer(request)
        editor = [i18n.person(s.editor) if s.editor else None for s in states]
        files = [
            {"id": s.file_id, "editor": e, "can_end": s.can_end} for s, e in zip(states, editor, strict=True)
        ]
        headers = {"Cache-Control": "no-store"}
        return JSONResponse({"files": files, "interval_ms": POLL_INTERVAL_MS}, headers=headers)

    async def end_page(self, request: Request) -> Response:
        """A confirmation page for ending the session, for browsers without scripts."""
        user = await self.ctx.user(request)
        access = await self.ctx.services.files.find_access(request.path_params["file_id"], user)
        states = await self.ctx.services.sessions.lock_states(user, [access.file.id])
        context = {
            "access": access,
            "back": back_url(access),
            "editor": self.ctx.localizer(request).person(states[0].editor)
            if states and states[0].editor
            else None,
            "can_end": may_end_session(access.file, user),
        }
        return self.ctx.render(request, "end_session.html", context)

    async def end(self, request: Request) -> Response:
        """End the file's editing session (owner or administrator)."""
        user = await self.ctx.user(request)
        file_id = request.path_params["file_id"]
        ended = await self.ctx.services.sessions.end_session(file_id, user)
        try:
            back = back_url(await self.ctx.services.files.find_access(file_id, user))
        except NotFound:
            back = "/"  # An administrator ending a session on someone else's file.
        _ = self.ctx.localizer(request).gettext
        message = _("Ended the editing session.") if ended else _("Nobody was editing the file.")
        return done(request, back, message)

    def routes(self) -> list[Route]:
        """The routes of this module."""
        return [
            Route("/locks", self.lock_states, methods=["GET"]),
            Route("/files/{file_id}/session/end", self.end_page, methods=["GET"]),
            Route("/files/{file_id}/session/end", self.end, methods=["POST"]),
        ]
