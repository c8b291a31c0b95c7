"""ASGI middleware of the WOPI surface: common response headers and one log line per request."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wopihost import __version__
from wopihost.domain.admin import MAX_HEADER_CHARS, WopiError
from wopihost.domain.operations import operation_label
from wopihost.logging_setup import log_value
from wopihost.ports import NO_METRICS, Metrics, WopiErrorSink

log = logging.getLogger("wopihost.access")
# A share link's ID opens its file for anyone who has it, like a token: paths log it as "…".
_LINK_IN_PATH = re.compile(r"(^/s/|/links/)[^/]+")


class WopiHeadersAndLogMiddleware:
    """Adds X-WOPI-ServerVersion and X-WOPI-MachineName, and logs op, ids, status and duration.

    Only the path is logged, never the query string, so that access tokens stay out of the logs; share
    link IDs in paths are cut out too.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        machine_name: str,
        metrics: Metrics = NO_METRICS,
        errors: WopiErrorSink | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.app = app
        self._metrics = metrics
        self._errors = errors
        self._now = clock
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
        reason = ""

        async def send_with_headers(message: Message) -> None:
            nonlocal status, reason
            if message["type"] == "http.response.start":
                status = message["status"]
                reason = _reason(message.get("headers", []))
                message["headers"] = [*message.get("headers", []), *self._extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            scope.setdefault("state", {})["wopi_error_class"] = type(exc).__name__
            raise
        finally:
            seconds = time.perf_counter() - started
            _log_request(scope, status, seconds)
            self._count(scope, status, seconds)
            if status >= 400 and self._errors is not None and _is_wopi(scope):
                self._errors.submit(self._error(scope, status, reason))

    def _error(self, scope: Scope, status: int, reason: str) -> WopiError:
        """The error to record: ids and headers the request carried, never its query string or token."""
        state = scope.get("state", {})
        headers = _headers(scope, (b"x-wopi-correlationid", b"x-wopi-sessionid", b"user-agent"))
        if status >= 500 and (error_class := state.get("wopi_error_class")):
            reason = f"{error_class}: {reason}" if reason else str(error_class)
        return WopiError(
            at=self._now(),
            operation=operation_label(state.get("wopi_op")),
            status=status,
            file_id=str(state.get("wopi_file_id", ""))[:MAX_HEADER_CHARS],
            user_id=state.get("wopi_user_id"),
            correlation_id=headers[b"x-wopi-correlationid"],
            session_id=headers[b"x-wopi-sessionid"],
            user_agent=headers[b"user-agent"],
            reason=reason[:MAX_HEADER_CHARS],
        )

    def _count(self, scope: Scope, status: int, seconds: float) -> None:
        if _is_wopi(scope):
            state = scope.get("state", {})
            self._metrics.wopi_request(operation_label(state.get("wopi_op")), status, seconds)
            return
        # The matched route's template, never the path itself: paths carry file IDs and names.
        route = getattr(scope.get("route"), "path", None)
        self._metrics.web_request(route if isinstance(route, str) and route else "unmatched", status, seconds)


def _is_wopi(scope: Scope) -> bool:
    return "wopi_file_id" in scope.get("state", {}) or str(scope.get("path", "")).startswith("/wopi")


def _headers(scope: Scope, names: tuple[bytes, ...]) -> dict[bytes, str]:
    found = dict.fromkeys(names, "")
    for name, value in scope.get("headers", ()):
        if name in found and not found[name]:
            found[name] = value.decode("latin-1")[:MAX_HEADER_CHARS]
    return found


# Response headers that say why a WOPI request failed, most specific first.
_REASON_HEADERS = (b"x-wopi-lockfailurereason", b"x-wopi-servererror")


def _reason(headers: Iterable[tuple[bytes, bytes]]) -> str:
    found = {name.lower(): value for name, value in headers if name.lower() in _REASON_HEADERS}
    for name in _REASON_HEADERS:
        if name in found:
            return found[name].decode("latin-1")
    return ""


def _without_link_ids(path: str) -> str:
    if path.startswith("/s/") or "/links/" in path:
        return _LINK_IN_PATH.sub(r"\1…", path)
    return path


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
        log_value(_without_link_ids(scope.get("path", "-")), limit=256),
        log_value(state.get("wopi_file_id", "-")),
        log_value(state.get("wopi_user_id", "-")),
        status,
        seconds * 1000,
        log_value(correlation),
    )
