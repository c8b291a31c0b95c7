"""The web application: pages for people, mounted beside the WOPI endpoints."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode, urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from wopihost.domain.records import User
from wopihost.errors import ExtensionChangeUnconfirmed, NameConflict, WopiHostError
from wopihost.web.acting import ActingClientMiddleware
from wopihost.web.catalog import ClientCatalog
from wopihost.web.context import ICONS_PATH, STATIC_DIR, WebContext, WebServices, local_path, wants_json
from wopihost.web.csrf import CsrfMiddleware
from wopihost.web.errors import FileLocked, Problem, SignInRequired, end_session_action, problem_for
from wopihost.web.routes.activity import ActivityPages
from wopihost.web.routes.admin import AdminPages
from wopihost.web.routes.admin_readiness import ReadinessPages
from wopihost.web.routes.auth import AuthPages
from wopihost.web.routes.browse import BrowsePages
from wopihost.web.routes.bulk import BulkPages
from wopihost.web.routes.files import FilePages
from wopihost.web.routes.folder_share import FolderSharePages
from wopihost.web.routes.host import HostPages
from wopihost.web.routes.links import LinkPages
from wopihost.web.routes.notifications import NotificationPages
from wopihost.web.routes.previews import PreviewPages
from wopihost.web.routes.search import SearchPages
from wopihost.web.routes.sessions import SessionPages
from wopihost.web.routes.settings import SettingsPages
from wopihost.web.routes.share import SharePages
from wopihost.web.routes.trash import TrashPages
from wopihost.web.routes.users import UserPages
from wopihost.web.routes.versions import VersionPages
from wopihost.web.security import SecurityHeadersMiddleware, UiHostnameMiddleware
from wopihost.web.server_sessions import ServerSessionMiddleware

__all__ = ["WebServices", "create_web_app"]

log = logging.getLogger("wopihost.web")

SESSION_MAX_AGE = 12 * 3600
Handler = Callable[[Request, Exception], Awaitable[Response]]


def _icons(ctx: WebContext) -> Route:
    async def icons(request: Request) -> Response:
        headers = {"Cache-Control": "public, max-age=86400"}
        return Response(ctx.icons, media_type="image/svg+xml", headers=headers)

    return Route(ICONS_PATH, icons, methods=["GET"])


def create_web_app(services: WebServices) -> Starlette:
    """The web UI as an ASGI app."""
    ctx = WebContext(
        services=services,
        catalog=ClientCatalog(services.discovery, services.clock),
    )
    https = services.urls.ui_base.startswith("https://")
    routes: list[BaseRoute] = [
        _icons(ctx),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
        *AuthPages(ctx).routes(),
        *BrowsePages(ctx).routes(),
        *SearchPages(ctx).routes(),
        *BulkPages(ctx).routes(),
        *SharePages(ctx).routes(),
        *FolderSharePages(ctx).routes(),
        *LinkPages(ctx).routes(),
        *UserPages(ctx).routes(),
        *AdminPages(ctx).routes(),
        *ReadinessPages(ctx).routes(),
        *SettingsPages(ctx).routes(),
        *NotificationPages(ctx).routes(),
        *VersionPages(ctx).routes(),
        *ActivityPages(ctx).routes(),
        *SessionPages(ctx).routes(),
        *TrashPages(ctx).routes(),
        *PreviewPages(ctx).routes(),
        *FilePages(ctx).routes(),
        *HostPages(ctx).routes(),
    ]
    middleware = [
        Middleware(UiHostnameMiddleware, ui_base=services.urls.ui_base, wopi_base=services.urls.wopi_base),
        Middleware(SecurityHeadersMiddleware, https=https),
        Middleware(
            ServerSessionMiddleware,
            store=services.session_store,
            clock=services.clock,
            # The __Host- prefix pins the cookie to this exact origin, over HTTPS only.
            cookie_name="__Host-wopihost" if https else "wopihost_session",
            max_age=SESSION_MAX_AGE,
            same_site="lax",
            https_only=https,
        ),
        Middleware(CsrfMiddleware, origin=services.urls.ui_origin),
        Middleware(ActingClientMiddleware),
    ]
    handler = _error_handler(ctx)
    handlers: dict[int | type[Exception], Handler] = {WopiHostError: handler, HTTPException: handler}
    return Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)


def _error_handler(ctx: WebContext) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if isinstance(exc, SignInRequired):
            return _sign_in_required(request, ctx.localizer(request).gettext("Sign in first."))
        # The user's language setting decides the message's language; the browser's when none is known.
        await _user_for_language(ctx, request)
        i18n = ctx.localizer(request)
        if isinstance(exc, HTTPException):
            title = i18n.gettext("Not found") if exc.status_code == 404 else i18n.gettext("Error")
            problem = Problem(exc.status_code, title, exc.detail)
        else:
            problem = problem_for(exc, i18n)
        if problem.status >= 500:
            log.warning("op=web_error status=%d error=%s", problem.status, type(exc).__name__)
        action = end_session_action(exc, await _signed_in(ctx, request, exc))
        if wants_json(request) or request.url.path.endswith("/upload"):
            body: dict[str, object] = {"ok": False, "error": problem.message, "title": problem.title}
            if isinstance(exc, NameConflict):
                body["conflict"] = True
                body["suggestion"] = exc.suggestion
            if action is not None:
                body["action"] = {"url": action.url, "label": i18n.gettext(action.label)}
            if isinstance(exc, ExtensionChangeUnconfirmed):
                body["confirm"] = "change_extension"
            return JSONResponse(body, status_code=problem.status)
        await ctx.optional_user(request)
        back = _back_link(request, ctx.services.urls.ui_origin)
        context = {"problem": problem, "back": back, "action": action}
        return ctx.render(request, "error.html", context, status_code=problem.status)

    return handle


async def _user_for_language(ctx: WebContext, request: Request) -> None:
    # An error page must not fail in turn when the store behind the session is what failed.
    try:
        await ctx.optional_user(request)
    except WopiHostError:
        return


async def _signed_in(ctx: WebContext, request: Request, exc: Exception) -> User | None:
    # Only a refusal that offers a way out needs the user; other errors may come before any session.
    return await ctx.optional_user(request) if isinstance(exc, FileLocked) else None


def _sign_in_required(request: Request, message: str) -> Response:
    if request.method == "GET" and not wants_json(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?{_next_param(target)}", status_code=303)
    return JSONResponse({"ok": False, "error": message, "signin": "/signin"}, status_code=401)


def _next_param(target: str) -> str:
    return urlencode({"next": target})


def _back_link(request: Request, origin: str) -> str:
    """The page the user came from, if it is on this site; else the home page."""
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    if referer and f"{parts.scheme}://{parts.netloc}".lower() == origin.lower():
        return local_path(parts.path + (f"?{parts.query}" if parts.query else ""))
    return "/"
