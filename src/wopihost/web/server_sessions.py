"""Sessions kept by the server: the browser's cookie holds a random ID, the data lives in a SessionStore.

Every node reads the same store, so a session started on one node is valid on all, and signing out deletes
the record: a copy of the cookie kept elsewhere is worth nothing afterwards, on any node. The store is
keyed by a hash of the ID, so that reading the store gives nobody a usable cookie.

Handlers use `request.session` as with Starlette's SessionMiddleware. Clearing the session (sign-in,
sign-out) ends its record and gives what is set afterwards a new ID, so that an ID planted before sign-in
never becomes a signed-in one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from datetime import timedelta
from typing import Any, Literal

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wopihost.errors import StorageUnavailable
from wopihost.ports import Clock, SessionStore, StoredSession

log = logging.getLogger("wopihost.web")

_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


class ServerSession(dict[str, Any]):
    """The session's data, remembering whether it was cleared."""

    cleared = False

    def clear(self) -> None:
        self.cleared = True
        super().clear()


class ServerSessionMiddleware:
    """Loads the session named by the cookie before the app runs and saves it when the response starts."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        store: SessionStore,
        clock: Clock,
        cookie_name: str,
        max_age: int,
        https_only: bool,
        same_site: Literal["lax", "strict"] = "lax",
    ) -> None:
        self.app = app
        self._store = store
        self._clock = clock
        self._cookie_name = cookie_name
        self._max_age = timedelta(seconds=max_age)
        self._flags = f"path=/; httponly; samesite={same_site}" + ("; secure" if https_only else "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        cookie = HTTPConnection(scope).cookies.get(self._cookie_name, "")
        session_id = cookie if _ID_PATTERN.fullmatch(cookie) else None
        try:
            stored = await self._load(session_id)
        except StorageUnavailable as exc:
            log.warning('op=session_load status=unavailable reason="%s"', exc)
            response = PlainTextResponse("Sessions are unavailable; try again shortly.", status_code=503)
            await response(scope, receive, send)
            return
        session = ServerSession(json.loads(stored.data) if stored is not None else {})
        scope["session"] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                header = await self._persist(session, session_id if stored else None, stored)
                if header is None and cookie and stored is None:
                    header = self._expired_cookie()
                if header is not None:
                    MutableHeaders(scope=message).append("Set-Cookie", header)
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _load(self, session_id: str | None) -> StoredSession | None:
        if session_id is None:
            return None
        stored = await self._store.load(_hashed(session_id), now=self._clock.now())
        if stored is None:
            return None
        return stored if isinstance(json.loads(stored.data), dict) else None

    async def _persist(
        self, session: ServerSession, session_id: str | None, stored: StoredSession | None
    ) -> str | None:
        """Save or end the session as the handler left it; the Set-Cookie value, if the cookie changes."""
        now = self._clock.now()
        try:
            if session_id is not None and (session.cleared or not session):
                await self._store.delete(_hashed(session_id))
                if not session:
                    return self._expired_cookie()
                session_id, stored = None, None
            if not session:
                return None
            data = json.dumps(session, separators=(",", ":"), sort_keys=True).encode()
            # An unchanged session is renewed at most once per twelfth of its lifetime (an hour of twelve).
            renewed = stored is not None and self._max_age - (stored.expires_at - now) < self._max_age / 12
            if stored is not None and stored.data == data and renewed:
                return None
            session_id = session_id or secrets.token_urlsafe(32)
            await self._store.save(_hashed(session_id), data, expires_at=now + self._max_age, now=now)
        except StorageUnavailable as exc:
            log.warning('op=session_save status=unavailable reason="%s"', exc)
            return None
        return (
            f"{self._cookie_name}={session_id}; max-age={int(self._max_age.total_seconds())}; {self._flags}"
        )

    def _expired_cookie(self) -> str:
        return f"{self._cookie_name}=; max-age=0; expires=Thu, 01 Jan 1970 00:00:00 GMT; {self._flags}"


def _hashed(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()
