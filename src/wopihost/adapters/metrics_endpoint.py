"""The metrics endpoint: `/metrics` on a port of its own, and the gauges read from the database per scrape."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from wsgiref.simple_server import WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import ThreadingWSGIServer, _SilentHandler
from prometheus_client.registry import Collector
from sqlalchemy import Connection, func, select

from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.models import FileRow, LockBreakRow
from wopihost.errors import StartupError

log = logging.getLogger("wopihost.metrics")
# A scrape reads the database at most this often; Prometheus scrapes every 15 s or more by default.
SESSION_CACHE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class SessionCounts:
    """What the lock store says at one moment: files being edited, and sessions ended by others."""

    open_sessions: int
    breaks: dict[str, int]


def count_sessions(conn: Connection, now: datetime) -> SessionCounts:
    """Files with an unexpired lock, and the recorded lock breaks by who ended them."""
    open_sessions = conn.execute(
        select(func.count())
        .select_from(FileRow)
        .where(FileRow.lock_id.is_not(None), FileRow.lock_expires_at > now)
    ).scalar_one()
    rows = conn.execute(
        select(LockBreakRow.reason, LockBreakRow.ended_by.is_(None), func.count()).group_by(
            LockBreakRow.reason, LockBreakRow.ended_by.is_(None)
        )
    ).all()
    breaks = {"ended_by_operator": 0, "ended_by_user": 0, "revoked": 0}
    for reason, by_operator, count in rows:
        breaks[_break_label(reason, by_operator)] += count
    return SessionCounts(open_sessions=int(open_sessions), breaks=breaks)


def _break_label(reason: str, by_operator: bool) -> str:
    if reason == "revoked":
        return "revoked"
    # A session ended with no user behind it was ended by the server's operator (`wopihost lock break`).
    return "ended_by_operator" if by_operator else "ended_by_user"


class SessionCollector(Collector):
    """Open editing sessions and lock breaks, read from the database at scrape time with a short cache.

    Counting from the lock store itself makes the numbers right whichever process (a worker, the CLI)
    changed a lock. Scrapes run in the endpoint's threads, so queries run on an event loop of its own.
    """

    def __init__(
        self,
        database_url: str,
        *,
        clock: Callable[[], datetime] | None = None,
        cache_seconds: float = SESSION_CACHE_SECONDS,
    ) -> None:
        self._url = database_url
        self._clock = clock or (lambda: datetime.now(UTC))
        self._cache_seconds = cache_seconds
        self._guard = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._db: Database | None = None
        self._cached: tuple[float, SessionCounts] | None = None

    def collect(self) -> Iterable[Metric]:
        """The gauge of open sessions and the counter of breaks; nothing if the database cannot answer."""
        counts = self._counts()
        if counts is None:
            return []
        gauge = GaugeMetricFamily("wopihost_open_editing_sessions", "Files with an unexpired WOPI lock")
        gauge.add_metric([], counts.open_sessions)
        breaks = CounterMetricFamily(
            "wopihost_lock_breaks",
            "Editing sessions ended by someone other than their WOPI client",
            labels=["reason"],
        )
        for reason, count in sorted(counts.breaks.items()):
            breaks.add_metric([reason], count)
        return [gauge, breaks]

    def _counts(self) -> SessionCounts | None:
        with self._guard:
            if self._cached is not None and time.monotonic() - self._cached[0] < self._cache_seconds:
                return self._cached[1]
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._db = Database(self._url, pool_size=1)
            assert self._db is not None
            now = self._clock()
            try:
                counts = self._loop.run_until_complete(self._db.scan(lambda conn: count_sessions(conn, now)))
            except Exception as exc:  # A scrape must still report the request counters.
                log.warning("op=metrics_sessions status=failed error=%s", type(exc).__name__)
                return None
            self._cached = (time.monotonic(), counts)
            return counts

    def close(self) -> None:
        """Close the database connections and the event loop."""
        with self._guard:
            if self._loop is not None and self._db is not None:
                self._loop.run_until_complete(self._db.dispose())
                self._loop.close()
            self._loop, self._db = None, None


class _Ipv6Server(ThreadingWSGIServer):
    address_family = socket.AF_INET6


class MetricsEndpoint:
    """A small HTTP server in a thread that answers GET /metrics from a registry (and 404 elsewhere)."""

    def __init__(
        self, registry: CollectorRegistry, *, host: str, port: int, sessions: SessionCollector
    ) -> None:
        registry.register(sessions)
        self._sessions = sessions
        self._metrics_app = make_wsgi_app(registry)
        server_class = _Ipv6Server if ":" in host else ThreadingWSGIServer
        try:
            self._server: WSGIServer = make_server(
                host, port, self._app, server_class, handler_class=_SilentHandler
            )
        except OSError as exc:
            raise StartupError(f"the metrics endpoint cannot listen on {host}:{port}: {exc}") from exc
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics", daemon=True)

    @property
    def port(self) -> int:
        """The port it listens on (useful when asked for port 0)."""
        return int(self._server.server_address[1])

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return iter([b"metrics are at /metrics\n"])
        return iter(self._metrics_app(environ, start_response))

    def start(self) -> None:
        """Serve scrapes in a background thread."""
        self._thread.start()
        log.info("op=metrics_endpoint status=listening port=%d", self.port)

    def stop(self) -> None:
        """Stop serving and close the database connections."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._sessions.close()
