"""Response headers that every page carries, the Content-Security-Policy, and the UI-hostname guard."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_REFERRER_POLICY = "strict-origin-when-cross-origin"
# The host page posts the access token to the WOPI client; no URL of it may leak through Referer.
HOST_PAGE_REFERRER_POLICY = "no-referrer"
# hostpage.rst, "Host page headers": a cached host page would reload with an expired token.
HOST_PAGE_CACHE_HEADERS = {"Cache-Control": "no-cache, no-store", "Expires": "-1", "Pragma": "no-cache"}


def origin_of(url: str) -> str:
    """The scheme://host[:port] of a URL, lower-cased, as browsers serialise origins."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def build_csp(
    *,
    frame_origins: Iterable[str] = (),
    form_origins: Iterable[str] = (),
    image_origins: Iterable[str] = (),
    style_nonce: str | None = None,
    frame_ancestors: str = "'none'",
) -> str:
    """A Content-Security-Policy: same-origin scripts and styles, and only the given outside origins."""
    frames = " ".join(dict.fromkeys(frame_origins)) or "'none'"
    styles = "'self'" + (f" 'nonce-{style_nonce}'" if style_nonce else "")
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": styles,
        "img-src": " ".join(["'self'", "data:", *dict.fromkeys(image_origins)]),
        "font-src": "'self'",
        "connect-src": "'self'",
        "frame-src": frames,
        "form-action": " ".join(["'self'", *dict.fromkeys(form_origins)]),
        "frame-ancestors": frame_ancestors,
        "base-uri": "'none'",
        "object-src": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


DEFAULT_CSP = build_csp()


class SecurityHeadersMiddleware:
    """Adds the security headers to every response of the web UI, unless a page set its own."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self._defaults = {
            "Content-Security-Policy": DEFAULT_CSP,
            "Referrer-Policy": PAGE_REFERRER_POLICY,
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Cross-Origin-Resource-Policy": "same-origin",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        }
        if https:
            self._defaults["Strict-Transport-Security"] = "max-age=31536000"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self._defaults.items():
                    if name not in headers:
                        headers[name] = value
                if "cache-control" not in headers:
                    # Pages show private data; static assets have versioned URLs.
                    headers["Cache-Control"] = "public, max-age=86400" if static else "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class UiHostnameMiddleware:
    """Keeps the web UI off the WOPI hostname when WOPI has a hostname of its own.

    The docs ask hosts to serve WOPI from a separate hostname in production; pages and session cookies then
    never appear on it. GET requests are redirected to the UI hostname, anything else is refused.
    """

    def __init__(self, app: ASGIApp, *, ui_base: str, wopi_base: str) -> None:
        self.app = app
        self._ui_base = ui_base.rstrip("/")
        ui_host, wopi_host = urlsplit(ui_base).netloc.lower(), urlsplit(wopi_base).netloc.lower()
        self._wopi_host = wopi_host if wopi_host and wopi_host != ui_host else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._wopi_host and _request_host(scope) == self._wopi_host:
            response: Response
            if scope.get("method") in ("GET", "HEAD"):
                response = RedirectResponse(self._ui_base + scope.get("path", "/"), status_code=302)
            else:
                response = PlainTextResponse("Not found", status_code=404)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _request_host(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"host":
            return str(value.decode("latin-1")).lower()
    return ""
