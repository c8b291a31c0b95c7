"""Metrics: operation labels, the Prometheus implementation of the port, and request labelling by route."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from wopihost.adapters.clock import FakeClock
from wopihost.adapters.prometheus_metrics import PrometheusMetrics
from wopihost.domain.operations import UNKNOWN_OPERATION, WOPI_OPERATIONS, operation_label
from wopihost.domain.proofkeys import ticks_from_datetime
from wopihost.errors import DiscoveryUnavailable
from wopihost.ports import NO_METRICS
from wopihost.services.discovery import DiscoveryService
from wopihost.services.proof import ProofHeaders, ProofKeyVerifier
from wopihost.wopi.middleware import WopiHeadersAndLogMiddleware

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("name", sorted(WOPI_OPERATIONS))
def test_operation_label_wopi_name_kept(name: str) -> None:
    assert operation_label(name) == name


@pytest.mark.parametrize("name", [None, "", "Unsupported", "Unknown(FOO)", "checkfileinfo", "report.docx", 3])
def test_operation_label_anything_else_unknown(name: object) -> None:
    assert operation_label(name) == UNKNOWN_OPERATION


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def test_wopi_request_counts_by_operation_and_status_and_times() -> None:
    metrics = PrometheusMetrics()
    for status in (200, 200, 409):
        metrics.wopi_request("Lock", status, 0.003)
    metrics.wopi_request("CheckFileInfo", 200, 0.0005)
    r = metrics.registry
    assert sample(r, "wopihost_wopi_requests_total", operation="Lock", status="200") == 2
    assert sample(r, "wopihost_wopi_requests_total", operation="Lock", status="409") == 1
    assert sample(r, "wopihost_wopi_lock_conflicts_total", operation="Lock") == 1
    assert sample(r, "wopihost_wopi_lock_conflicts_total", operation="CheckFileInfo") is None
    assert sample(r, "wopihost_wopi_request_duration_seconds_count", operation="Lock") == 3
    assert sample(r, "wopihost_wopi_request_duration_seconds_bucket", operation="Lock", le="0.0025") == 0
    assert sample(r, "wopihost_wopi_request_duration_seconds_bucket", operation="Lock", le="0.005") == 3
    assert (
        sample(r, "wopihost_wopi_request_duration_seconds_bucket", operation="CheckFileInfo", le="0.001") == 1
    )


def test_other_events_counted_with_their_labels() -> None:
    metrics = PrometheusMetrics()
    metrics.put_file(1000, 0.2)
    metrics.put_file(24, 0.01)
    metrics.lock_expired("Lock")
    metrics.proof_failure("timestamp_expired")
    metrics.discovery_refresh(ok=True)
    metrics.discovery_refresh(ok=False)
    metrics.discovery_refresh(ok=False)
    metrics.web_request("/files/{file_id}", 200, 0.02)
    r = metrics.registry
    assert sample(r, "wopihost_putfile_bytes_total") == 1024
    assert sample(r, "wopihost_putfile_duration_seconds_count") == 2
    assert sample(r, "wopihost_lock_expiries_total", operation="Lock") == 1
    assert sample(r, "wopihost_proof_failures_total", reason="timestamp_expired") == 1
    assert sample(r, "wopihost_discovery_refreshes_total", outcome="ok") == 1
    assert sample(r, "wopihost_discovery_refreshes_total", outcome="failed") == 2
    assert sample(r, "wopihost_web_requests_total", route="/files/{file_id}", status="200") == 1


def test_two_instances_have_separate_registries() -> None:
    first, second = PrometheusMetrics(), PrometheusMetrics()
    first.proof_failure("no_keys")
    assert sample(second.registry, "wopihost_proof_failures_total", reason="no_keys") is None


def test_no_metrics_accepts_every_event() -> None:
    NO_METRICS.wopi_request("Lock", 200, 0.1)
    NO_METRICS.web_request("/", 200, 0.1)
    NO_METRICS.put_file(1, 0.1)
    NO_METRICS.lock_expired("Lock")
    NO_METRICS.proof_failure("no_keys")
    NO_METRICS.discovery_refresh(ok=True)


@dataclass
class Recorder:
    """A Metrics port that remembers the request events."""

    wopi: list[tuple[str, int]] = field(default_factory=list)
    web: list[tuple[str, int]] = field(default_factory=list)

    def wopi_request(self, operation: str, status: int, seconds: float) -> None:
        self.wopi.append((operation, status))

    def web_request(self, route: str, status: int, seconds: float) -> None:
        self.web.append((route, status))

    def put_file(self, size: int, seconds: float) -> None:
        raise AssertionError("not a request event")

    def lock_expired(self, operation: str) -> None:
        raise AssertionError("not a request event")

    def proof_failure(self, reason: str) -> None:
        raise AssertionError("not a request event")

    def discovery_refresh(self, *, ok: bool) -> None:
        raise AssertionError("not a request event")


async def _ok(request: Request) -> Response:
    return Response("ok")


async def _wopi(request: Request) -> Response:
    request.scope.setdefault("state", {})["wopi_file_id"] = request.path_params["file_id"]
    request.scope["state"]["wopi_op"] = request.headers.get("x-op", "")
    return Response(status_code=int(request.headers.get("x-status", "200")))


def _app(recorder: Recorder) -> Starlette:
    web = Starlette(routes=[Route("/files/{file_id}", _ok), Route("/", _ok)])
    app = Starlette(
        routes=[Route("/wopi/files/{file_id}", _wopi), Mount("/", app=web)],
        middleware=[],
    )
    return WopiHeadersAndLogMiddleware(app, machine_name="test", metrics=recorder)  # type: ignore[return-value]


async def test_middleware_wopi_requests_labelled_by_operation_never_by_id() -> None:
    recorder = Recorder()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app(recorder)), base_url="http://t") as c:
        await c.get("/wopi/files/secret-id", headers={"x-op": "CheckFileInfo"})
        await c.get("/wopi/files/secret-id", headers={"x-op": "Unknown(FOO)", "x-status": "501"})
        await c.get("/wopi/files/secret-id", headers={"x-op": "Lock", "x-status": "409"})
    assert recorder.wopi == [("CheckFileInfo", 200), ("unknown", 501), ("Lock", 409)]
    assert recorder.web == []


async def test_middleware_web_requests_labelled_by_route_template() -> None:
    recorder = Recorder()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app(recorder)), base_url="http://t") as c:
        await c.get("/files/report.docx")
        await c.get("/")
        await c.get("/no/such/page")
    assert recorder.web == [("/files/{file_id}", 200), ("/", 200), ("unmatched", 404)]


ROOT = Path(__file__).resolve().parents[2]
SESSION_METRICS = {"wopihost_open_editing_sessions", "wopihost_lock_breaks_total"}


def exported_names() -> set[str]:
    """Every metric name the host exports, as Prometheus shows it (counters with _total)."""
    names = set(SESSION_METRICS)
    for family in PrometheusMetrics().registry.collect():
        names.add(family.name + "_total" if family.type == "counter" else family.name)
    return names


def dashboard_names() -> set[str]:
    dashboard = json.loads((ROOT / "docs" / "grafana" / "wopihost-dashboard.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    return {
        re.sub(r"_(bucket|count|sum)$", "", name) for e in exprs for name in re.findall(r"wopihost_\w+", e)
    }


def test_dashboard_shows_every_metric_and_only_those() -> None:
    assert dashboard_names() == exported_names()


def test_readme_lists_every_metric() -> None:
    readme = (ROOT / "README.md").read_text()
    listed = set(re.findall(r"^\| `(wopihost_\w+)` \|", readme, flags=re.MULTILINE))
    assert listed == exported_names()


class UnreachableDiscovery:
    """A discovery source that never answers."""

    async def fetch(self) -> bytes:
        raise DiscoveryUnavailable("connection refused")


def _verifier(tmp_path: Path, metrics: PrometheusMetrics, clock: FakeClock) -> ProofKeyVerifier:
    discovery = DiscoveryService(
        UnreachableDiscovery(), cache_file=tmp_path / "discovery.xml", clock=clock, metrics=metrics
    )
    return ProofKeyVerifier(
        discovery=discovery,
        clock=clock,
        mode="log",
        max_age=timedelta(minutes=20),
        rediscovery_interval=timedelta(seconds=60),
        metrics=metrics,
    )


def _headers(timestamp: str | None) -> ProofHeaders:
    return ProofHeaders(
        access_token="t",
        url="https://wopi.test/wopi/files/x",
        proof="AAAA",
        proof_old=None,
        timestamp=timestamp,
    )


async def test_proof_failures_counted_by_reason_and_discovery_failures_too(tmp_path: Path) -> None:
    metrics, clock = PrometheusMetrics(), FakeClock()
    verifier = _verifier(tmp_path, metrics, clock)
    now = str(ticks_from_datetime(clock.now()))
    stale = str(ticks_from_datetime(clock.now() - timedelta(hours=1)))

    for timestamp in (None, "soon", stale, now):
        await verifier.check(_headers(timestamp))

    r = metrics.registry
    assert sample(r, "wopihost_proof_failures_total", reason="timestamp_invalid") == 2
    assert sample(r, "wopihost_proof_failures_total", reason="timestamp_expired") == 1
    assert sample(r, "wopihost_proof_failures_total", reason="no_keys") == 1
    assert sample(r, "wopihost_proof_failures_total", reason="signature_mismatch") is None
    assert sample(r, "wopihost_discovery_refreshes_total", outcome="failed") == 1
