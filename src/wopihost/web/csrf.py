"""CSRF protection: a session token on every state-changing request, plus Origin and Fetch-Metadata checks.

Forms send the token in the `csrf_token` field (URL-encoded bodies only); scripts send it in `X-CSRF-Token`.
Any other unsafe request is refused, so that a route can never forget the check.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_KEY = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# URL-encoded forms of the UI are small; larger bodies with a form content type are refused.
MAX_FORM_BYTES = 64 * 1024
# Bulk forms of the file list send one field per selected item; the body size above bounds the work.
MAX_FORM_FIELDS = 4096
_FORM_TYPE = "application/x-www-form-urlencoded"
_ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's CSRF token, created on first use."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def rotate_csrf_token(session: MutableMapping[str, Any]) -> str:
    """Replace the token, e.g. when a user signs in."""
    session[SESSION_KEY] = secrets.token_urlsafe(32)
    return str(session[SESSION_KEY])


class CsrfMiddleware:
    """Refuses unsafe requests without the session's token. Must run inside the session middleware."""

    def __init__(self, app: ASGIApp, *, origin: str) -> None:
        self.app = app
        self._origin = origin.lower()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        problem = self._cross_site_problem(headers)
        expected = scope.get("session", {}).get(SESSION_KEY)
        if problem is None and not isinstance(expected, str):
            problem = "no CSRF token in the session: reload the page"
        if problem is None and _same(headers.get(CSRF_HEADER), expected):
            await self.app(scope, receive, send)
            return
        if problem is None and _is_form(headers):
            body = await _read_body(receive, MAX_FORM_BYTES)
            if body is not None and _same(_form_token(body), expected):
                await self.app(scope, _replay(body, receive), send)
                return
        await _refuse(problem or "missing or wrong CSRF token: reload the page", scope, receive, send)

    def _cross_site_problem(self, headers: Headers) -> str | None:
        site = headers.get("sec-fetch-site")
        if site is not None and site not in _ALLOWED_FETCH_SITES:
            return "cross-site request refused"
        origin = headers.get("origin")
        # Browsers send "null" for requests from pages with a no-referrer policy; the token still decides.
        if origin is not None and origin != "null" and origin.lower() != self._origin:
            return "request from another origin refused"
        return None


def _same(given: str | None, expected: object) -> bool:
    return isinstance(expected, str) and bool(given) and hmac.compare_digest(str(given), expected)


def _is_form(headers: Headers) -> bool:
    return headers.get("content-type", "").split(";")[0].strip().lower() == _FORM_TYPE


def _form_token(body: bytes) -> str | None:
    try:
        values = parse_qs(body.decode("utf-8"), max_num_fields=MAX_FORM_FIELDS).get(CSRF_FIELD)
    except (UnicodeDecodeError, ValueError):
        return None
    return values[0] if values else None


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        if not message.get("more_body", False):
            return bytes(body)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(reason: str, scope: Scope, receive: Receive, send: Send) -> None:
    response = PlainTextResponse(f"Forbidden: {reason}", status_code=403)
    await response(scope, receive, send)
