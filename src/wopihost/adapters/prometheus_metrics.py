"""Prometheus metrics: the Metrics port on prometheus-client, and the endpoint that serves them.

Under `wopihost serve` every worker writes its samples to files in one directory (prometheus-client's
multiprocess mode) and the serving process, which answers scrapes, adds them up; a single process (tests,
another ASGI server) keeps them in memory and answers scrapes itself. prometheus-client is imported when
metrics are first built, so that a host with metrics off never loads it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter, Histogram

# Seconds, from a cached CheckFileInfo (about a millisecond) to a large upload (seconds).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


class PrometheusMetrics:
    """The Metrics port on prometheus-client's counters and histograms, in a registry of its own."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = registry or CollectorRegistry()
        r = self.registry
        self._requests = Counter(
            "wopihost_wopi_requests", "WOPI requests answered", ["operation", "status"], registry=r
        )
        self._latency = Histogram(
            "wopihost_wopi_request_duration_seconds",
            "Time to answer a WOPI request",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self._conflicts = Counter(
            "wopihost_wopi_lock_conflicts",
            "WOPI requests refused with 409 (lock mismatch)",
            ["operation"],
            registry=r,
        )
        self._web = Counter(
            "wopihost_web_requests", "Web UI requests answered", ["route", "status"], registry=r
        )
        self._web_latency = Histogram(
            "wopihost_web_request_duration_seconds",
            "Time to answer a web UI request",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self._put_bytes = Counter("wopihost_putfile_bytes", "Bytes stored by PutFile", registry=r)
        self._put_seconds = Histogram(
            "wopihost_putfile_duration_seconds",
            "Time to store one PutFile",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self._expiries = Counter(
            "wopihost_lock_expiries", "Locks found expired by a lock operation", ["operation"], registry=r
        )
        self._proof = Counter("wopihost_proof_failures", "Failed proof-key checks", ["reason"], registry=r)
        self._discovery = Counter(
            "wopihost_discovery_refreshes", "Fetches of the discovery XML", ["outcome"], registry=r
        )
        # Label children by label values: labels() costs a lock and a tuple per call on the hot path.
        self._request_children: dict[tuple[str, int], tuple[Counter, Histogram]] = {}

    def wopi_request(self, operation: str, status: int, seconds: float) -> None:
        """Count one WOPI request and its time, and a conflict when it was a 409."""
        children = self._request_children.get((operation, status))
        if children is None:
            children = (self._requests.labels(operation, str(status)), self._latency.labels(operation))
            self._request_children[(operation, status)] = children
        children[0].inc()
        children[1].observe(seconds)
        if status == 409:
            self._conflicts.labels(operation).inc()

    def web_request(self, route: str, status: int, seconds: float) -> None:
        """Count one web UI request and its time."""
        self._web.labels(route, str(status)).inc()
        self._web_latency.labels(route).observe(seconds)

    def put_file(self, size: int, seconds: float) -> None:
        """Count the bytes and the time of one PutFile."""
        self._put_bytes.inc(size)
        self._put_seconds.observe(seconds)

    def lock_expired(self, operation: str) -> None:
        """Count a lock found expired."""
        self._expiries.labels(operation).inc()

    def proof_failure(self, reason: str) -> None:
        """Count a failed proof-key check."""
        self._proof.labels(reason).inc()

    def discovery_refresh(self, *, ok: bool) -> None:
        """Count a fetch of discovery."""
        self._discovery.labels("ok" if ok else "failed").inc()


def multiprocess_dir() -> Path | None:
    """The directory workers write their samples to, when this process is one of several."""
    path = os.environ.get(MULTIPROCESS_ENV)
    return Path(path) if path else None


def empty_samples_dir(path: Path) -> None:
    """Remove the samples in `path`: files left by an earlier run would add its counts to this one's."""
    for sample in path.glob("*.db"):
        sample.unlink(missing_ok=True)


def write_samples_to(path: Path) -> None:
    """Make this process and the workers it starts write their samples to `path`.

    prometheus-client picks its value store when first imported, so this process switches explicitly;
    workers, started afresh, inherit the environment.
    """
    from prometheus_client import values

    os.environ[MULTIPROCESS_ENV] = str(path)
    values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]


def multiprocess_registry(path: Path) -> CollectorRegistry:
    """A registry that adds up the samples all workers write to `path` (created if need be)."""
    from prometheus_client import CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    path.mkdir(parents=True, exist_ok=True)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(path))  # type: ignore[no-untyped-call]
    return registry


def worker_exited(path: Path) -> None:
    """Tell the multiprocess store that this worker is gone (its live gauges stop counting)."""
    from prometheus_client.multiprocess import mark_process_dead

    mark_process_dead(os.getpid(), str(path))  # type: ignore[no-untyped-call]
