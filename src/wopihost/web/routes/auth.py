"""Signing in and out with a local username and password."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from wopihost.web.context import (
    SESSION_USER,
    WebContext,
    client_address,
    flash,
    local_path,
    read_form,
)
from wopihost.web.csrf import rotate_csrf_token

log = logging.getLogger("wopihost.web")

# Longer passwords are refused unhashed, so that nobody can make the server hash megabytes.
MAX_PASSWORD_LENGTH = 1024


class AuthPages:
    """The sign-in and sign-out pages."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def sign_in_form(self, request: Request) -> Response:
        """The sign-in page; signed-in users go straight on."""
        target = local_path(request.query_params.get("next"))
        if await self.ctx.optional_user(request) is not None:
            return RedirectResponse(target, status_code=303)
        return self._page(request, target)

    async def sign_in(self, request: Request) -> Response:
        """Check the password, throttling repeated failures per username and address."""
        form = await read_form(request)
        username, password = form.get("username", "").strip(), form.get("password", "")
        target = local_path(form.get("next"))
        address = client_address(request)
        wait = await self.ctx.services.throttle.retry_after(username, address)
        if wait:
            log.warning("op=signin status=throttled address=%s", address)
            minutes = max(1, round(wait / 60))
            error = self.ctx.localizer(request).ngettext(
                "Too many failed attempts. Try again in %(num)s minute.",
                "Too many failed attempts. Try again in %(num)s minutes.",
                minutes,
            )
            return self._page(request, target, username, error, 429, {"Retry-After": str(wait)})
        user = None
        if username and 0 < len(password) <= MAX_PASSWORD_LENGTH:
            user = await self.ctx.services.users.authenticate(username, password)
        if user is None:
            await self.ctx.services.throttle.record_failure(username, address)
            log.info("op=signin status=failed address=%s", address)
            error = self.ctx.localizer(request).gettext("Wrong username or password.")
            return self._page(request, target, username, error, 401)
        await self.ctx.services.throttle.reset(username, address)
        # A new session on sign-in: nothing set before it (a planted CSRF token) survives.
        request.session.clear()
        request.session[SESSION_USER] = user.id
        rotate_csrf_token(request.session)
        log.info("op=signin status=ok user_id=%s", user.id)
        return RedirectResponse(target, status_code=303)

    async def sign_out_page(self, request: Request) -> Response:
        """A confirmation page, so that a link (SignoutUrl) cannot sign anyone out on its own."""
        if await self.ctx.optional_user(request) is None:
            return RedirectResponse("/signin", status_code=303)
        return self.ctx.render(request, "signout.html")

    async def sign_out(self, request: Request) -> Response:
        """End the session."""
        # The message shows on the sign-in page, in the language of the user who just left.
        await self.ctx.optional_user(request)
        message = self.ctx.localizer(request).gettext("You are signed out.")
        request.session.clear()
        flash(request, message)
        return RedirectResponse("/signin", status_code=303)

    def _page(
        self,
        request: Request,
        target: str,
        username: str = "",
        error: str | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Response:
        context = {"next": target, "username": username, "error": error}
        return self.ctx.render(request, "signin.html", context, status_code=status, headers=headers)

    def routes(self) -> list[Route]:
        """The routes of this module."""
        return [
            Route("/signin", self.sign_in_form, methods=["GET"]),
            Route("/signin", self.sign_in, methods=["POST"]),
            Route("/signout", self.sign_out_page, methods=["GET"]),
            Route("/signout", self.sign_out, methods=["POST"]),
        ]
