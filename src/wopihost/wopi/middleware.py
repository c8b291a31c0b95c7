"""ASGI middleware of the WOPI surface: common response headers and one log line per request."""

from __future__ import annotations

import logging
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wopihost import __version__
from wopihost.domain.operations import operation_label
from wopihost.logging_setup import log_value
from wopihost.ports import NO_METRICS, Metrics

log = logging.getLogger("wopihost.access")
# A share link's ID opens its file for anyone who has it, like a token: paths log it as "…".
_LINK_IN_PATH = re.compile(r"(^/s/|/links/)[^/]+")


class WopiHeadersAndLogMiddleware:
    """Adds X-WOPI-ServerVersion and X-WOPI-MachineName, and logs op, ids, status and duration.

    Only the path is logged, never the query string, so that access tokens stay out of the logs; share
    link IDs in paths are cut out too.
    """

    def __init__(self, app: ASGIApp, *, machine_name: str, metrics: Metrics = NO_METRICS) -> None:
        self.app = app
        self._metrics = metrics
        self._extra = [
            (b"x-wopi-serverversion", __version__.encode("ascii")),
            (b"x-wopi-machinename", machine_name.encode("ascii", "replace")),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), *self._extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            seconds = time.perf_counter() - started
            _log_request(scope, status, seconds)
            self._count(scope, status, seconds)

    def _count(self, scope: Scope, status: int, seconds: float) -> None:
        state = scope.get("state", {})
        if "wopi_file_id" in state or scope["path"].startswith("/wopi"):
            self._metrics.wopi_request(operation_label(state.get("wopi_op")), status, seconds)
            return
        # The matched route's template, never the path itself: paths carry file IDs and names.
        route = getattr(scope.get("route"), "path", None)
        self._metrics.web_request(route if isinstance(route, str) and route else "unmatched", status, seconds)


def _log_request(scope: Scope, status: int, seconds: float) -> None:
    state = scope.get("state", {})
    correlation = ""
    for name, value in scope.get("headers", ()):
        if name == b"x-wopi-correlationid":
            correlation = value.decode("latin-1")
            break
    log.info(
        "op=%s method=%s path=%s file_id=%s user_id=%s status=%d duration_ms=%.1f correlation_id=%s",
        log_value(state.get("wopi_op", "-")),
        log_value(scope.get("method", "-")),
        log_value(_LINK_IN_PATH.sub(r"\1…", scope.get("path", "-")), limit=256),
        log_value(state.get("wopi_file_id", "-")),
        log_value(state.get("wopi_user_id", "-")),
        status,
        seconds * 1000,
        log_value(correlation),
    )
