"""OpenTelemetry traces: a server span per WOPI request with the database and blob store calls under it."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.integration.conftest import USERS, Host, _invariants
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.local_blobs import LocalBlobStore
from wopihost.adapters.sql.database import Database
from wopihost.adapters.tracing import TracingMiddleware, start_tracing, store_call
from wopihost.app import build_services, create_app
from wopihost.config import Settings, TracingSettings
from wopihost.errors import ConfigurationError

pytestmark = pytest.mark.anyio


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
async def traced(
    settings: Settings,
    clock: FakeClock,
    fast_password_hashing: None,
    seeded: tuple[Path, dict[str, str]],
    spans: InMemorySpanExporter,
) -> AsyncIterator[Host]:
    seed_dir, ids = seeded
    shutil.copytree(seed_dir, settings.data_dir)
    tracing = start_tracing(TracingSettings(enabled=True), exporter=spans)
    services = build_services(settings, clock=clock, ui_enabled=False, tracing=tracing)
    app = create_app(settings, services=services)
    users = {role: await services.users.get_user_by_name(name) for role, (name, _) in USERS.items()}
    files = {key: (await services.files.access_as_owner(file_id)).file for key, file_id in ids.items()}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="https://wopihost.test",
        event_hooks={"response": [_invariants]},
    ) as client:
        spans.clear()
        try:
            yield Host(services, app, client, clock, settings, **users, **files)
        finally:
            await services.aclose()


def _request_tree(spans: Sequence[ReadableSpan]) -> tuple[ReadableSpan, list[ReadableSpan]]:
    """The one server span and the spans directly under it."""
    (server,) = [s for s in spans if s.kind is SpanKind.SERVER]
    assert server.context is not None
    children = [s for s in spans if s.parent is not None and s.parent.span_id == server.context.span_id]
    return server, children


def _assert_no_secrets(spans: Sequence[ReadableSpan], *secrets: str) -> None:
    for span in spans:
        text = " ".join([span.name, *(str(v) for v in (span.attributes or {}).values())])
        for secret in secrets:
            assert secret not in text, (span.name, secret)


async def test_check_file_info_traced_request_has_database_children(
    traced: Host, spans: InMemorySpanExporter
) -> None:
    token = traced.token()
    response = await traced.check_file_info(token=token)
    assert response.status_code == 200

    server, children = _request_tree(spans.get_finished_spans())

    assert server.name == "WOPI CheckFileInfo"
    assert server.attributes is not None
    assert server.attributes["wopi.operation"] == "CheckFileInfo"
    assert server.attributes["http.response.status_code"] == 200
    assert server.attributes["wopihost.file_id"] == traced.doc.id
    assert server.attributes["http.route"] == "/wopi/files/{file_id}"
    db = [s for s in children if s.name.startswith("db.")]
    assert db, [s.name for s in children]
    assert all(s.kind is SpanKind.CLIENT for s in db)
    assert {s.attributes["db.system.name"] for s in db if s.attributes} == {"sqlite"}
    assert any(s.attributes and s.attributes["wopihost.store_call"].startswith("Sql") for s in db)
    _assert_no_secrets(spans.get_finished_spans(), token, "alice", "Alice Owner")


async def test_put_file_traced_request_has_database_and_blob_children(
    traced: Host, spans: InMemorySpanExporter
) -> None:
    assert (await traced.lock("tracing-lock")).status_code == 200
    spans.clear()
    token = traced.token()

    response = await traced.put_file(b"new content", lock="tracing-lock", token=token)
    assert response.status_code == 200

    server, children = _request_tree(spans.get_finished_spans())
    assert server.name == "WOPI PutFile"
    assert server.attributes is not None
    assert server.attributes["wopihost.file_id"] == traced.doc.id
    names = [s.name for s in children]
    assert "blob.put" in names
    put = next(s for s in children if s.name == "blob.put")
    assert put.attributes is not None
    assert put.attributes["wopihost.blob.size"] == len(b"new content")
    assert any(n.startswith("db.write ") for n in names), names
    _assert_no_secrets(spans.get_finished_spans(), token, "tracing-lock", "alice")


async def test_traced_request_failure_status_and_unmatched_route_named(
    traced: Host, spans: InMemorySpanExporter
) -> None:
    response = await traced.client.get("/no/such/page?access_token=secret-token-value")
    assert response.status_code == 404

    (server,) = spans.get_finished_spans()
    assert server.name == "GET unmatched"
    assert server.attributes is not None
    assert server.attributes["http.response.status_code"] == 404
    _assert_no_secrets([server], "secret-token-value", "/no/such/page")


async def test_traced_request_continues_an_upstream_trace(traced: Host, spans: InMemorySpanExporter) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    await traced.check_file_info(headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})

    server, _ = _request_tree(spans.get_finished_spans())

    assert server.context is not None
    assert f"{server.context.trace_id:032x}" == trace_id


async def test_store_calls_outside_a_request_make_no_spans(traced: Host, spans: InMemorySpanExporter) -> None:
    # Background work (the indexer, the preview worker, the CLI) is not a request: no orphan traces.
    assert await traced.stored() is not None

    assert spans.get_finished_spans() == ()


async def test_tracing_off_wraps_nothing(host: Host) -> None:
    assert host.services.tracing is None
    assert type(host.services.db) is Database
    assert isinstance(host.services.blobs, LocalBlobStore)
    assert all(m.cls is not TracingMiddleware for m in host.app.user_middleware)


def test_tracing_off_app_never_imports_opentelemetry(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from wopihost.app import create_app\n"
        "from wopihost.config import Settings\n"
        f"create_app(Settings(data_dir=Path({str(tmp_path)!r})))\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("exporter", ["console", "otlp"])
def test_start_tracing_each_exporter_builds_and_shuts_down(exporter: str) -> None:
    tracing = start_tracing(TracingSettings(enabled=True, exporter=exporter, sample_ratio=0.5))  # type: ignore[arg-type]
    tracing.shutdown()


def test_build_services_tracing_without_opentelemetry_is_a_clear_error(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # None in sys.modules makes the import fail as it does when the `tracing` extra is not installed.
    monkeypatch.setitem(sys.modules, "wopihost.adapters.tracing", None)
    traced_settings = settings.model_copy(update={"tracing": TracingSettings(enabled=True)})
    with pytest.raises(ConfigurationError, match=r"wopihost\[tracing\]"):
        build_services(traced_settings)


class _SqlThingStore:
    def find(self) -> object:
        def work(conn: object) -> None:
            return None

        return work

    def count(self) -> object:
        return functools.partial(lambda conn, n: n, n=1)


def test_store_call_names_the_store_method() -> None:
    assert store_call(_SqlThingStore().find()) == "_SqlThingStore.find"
    assert store_call(_SqlThingStore().count()) == "_SqlThingStore.count"
    assert store_call(functools.partial(_module_work, n=1)) == "test_tracing._module_work"


def _module_work(conn: object, n: int) -> int:
    return n
