"""OpenTelemetry traces: a server span per request, a child span per database unit of work and blob call.

Only app.py imports this module, and only when `[tracing] enabled` is true: with tracing off nothing here,
nor OpenTelemetry itself, is loaded, and the database, the blob store and the ASGI stack are the plain ones.
The tracer provider is this application's own, not OpenTelemetry's global one, so that several apps (the
tests, a serving process and its workers) never share or fight over it.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry.propagators.textmap import Getter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer, get_current_span
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wopihost import __version__
from wopihost.adapters.sql.database import Database, Work
from wopihost.config import TracingSettings
from wopihost.domain.records import StoredBlob
from wopihost.ports import BlobEntry, BlobStore


class Tracing:
    """The application's tracer and what it wraps: the database, the blob store and the ASGI app."""

    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider
        self.tracer = provider.get_tracer("wopihost", __version__)

    def database(self, url: str, *, pool_size: int, echo: bool) -> Database:
        """A database whose every read, scan and write is a span."""
        return TracedDatabase(url, self.tracer, pool_size=pool_size, echo=echo)

    def blob_store(self, store: BlobStore) -> BlobStore:
        """The blob store with a span around each put, open and delete."""
        return TracedBlobStore(store, self.tracer)

    def middleware(self) -> Middleware:
        """The ASGI middleware that opens each request's server span."""
        return Middleware(TracingMiddleware, tracer=self.tracer)

    def shutdown(self) -> None:
        """Export the spans still queued and stop the exporter."""
        self.provider.shutdown()


def start_tracing(config: TracingSettings, *, exporter: SpanExporter | None = None) -> Tracing:
    """A tracer provider for the settings; `exporter` (tests) replaces the configured one, unbatched."""
    resource = Resource.create({"service.name": config.service_name, "service.version": __version__})
    provider = TracerProvider(resource=resource, sampler=ParentBased(TraceIdRatioBased(config.sample_ratio)))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    elif config.exporter == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=config.otlp_endpoint)))
    return Tracing(provider)


class TracedDatabase(Database):
    """A Database that makes each unit of work in a request a client span named by its store call."""

    def __init__(self, url: str, tracer: Tracer, *, pool_size: int = 10, echo: bool = False) -> None:
        super().__init__(url, pool_size=pool_size, echo=echo)
        self._tracer = tracer
        self._system = "sqlite" if self.is_sqlite else "postgresql"

    async def read(self, work: Work[Any]) -> Any:
        with self._span("read", work):
            return await super().read(work)

    async def scan(self, work: Work[Any]) -> Any:
        with self._span("scan", work):
            return await super().scan(work)

    async def write(self, work: Work[Any]) -> Any:
        with self._span("write", work):
            return await super().write(work)

    @contextmanager
    def _span(self, kind: str, work: Work[Any]) -> Iterator[None]:
        if not in_request():
            yield
            return
        call = store_call(work)
        attributes = {"db.system.name": self._system, "db.operation.name": kind, "wopihost.store_call": call}
        with self._tracer.start_as_current_span(
            f"db.{kind} {call}", kind=SpanKind.CLIENT, attributes=attributes
        ):
            yield


def in_request() -> bool:
    """Whether a sampled request span is current: background pollers (the indexer, the preview worker)
    would otherwise send a one-span trace every few seconds."""
    return get_current_span().is_recording()


def store_call(work: Any) -> str:
    """The store call that built a unit of work: `SqlFileStore.find_file`, or `files._find_access`."""
    while isinstance(work, functools.partial):
        work = work.func
    qualname = getattr(work, "__qualname__", None) or type(work).__qualname__
    parts = [p for p in qualname.split(".") if p not in ("<locals>", "<lambda>", "work")][:2]
    if len(parts) == 1:
        # A module-level function: its module says which store it belongs to.
        parts.insert(0, str(getattr(work, "__module__", "") or "").rpartition(".")[2])
    return ".".join(p for p in parts if p) or qualname


class TracedBlobStore:
    """A BlobStore that wraps another with a span around each call in a request (opening, not streaming)."""

    def __init__(self, store: BlobStore, tracer: Tracer) -> None:
        self._store = store
        self._tracer = tracer

    async def put(self, chunks: AsyncIterable[bytes], *, max_size: int) -> StoredBlob:
        if not in_request():
            return await self._store.put(chunks, max_size=max_size)
        with self._tracer.start_as_current_span("blob.put", kind=SpanKind.CLIENT) as span:
            blob = await self._store.put(chunks, max_size=max_size)
            span.set_attribute("wopihost.blob.size", blob.size)
            return blob

    async def open(self, key: str) -> AsyncIterator[bytes]:
        if not in_request():
            return await self._store.open(key)
        with self._tracer.start_as_current_span("blob.open", kind=SpanKind.CLIENT):
            return await self._store.open(key)

    async def delete(self, key: str) -> None:
        if not in_request():
            return await self._store.delete(key)
        with self._tracer.start_as_current_span("blob.delete", kind=SpanKind.CLIENT):
            await self._store.delete(key)

    async def copy(self, key: str) -> str:
        if not in_request():
            return await self._store.copy(key)
        with self._tracer.start_as_current_span("blob.copy", kind=SpanKind.CLIENT):
            return await self._store.copy(key)

    def keys(self) -> AsyncIterator[BlobEntry]:
        return self._store.keys()

    async def download_url(self, key: str) -> str | None:
        return await self._store.download_url(key)


class _HeaderGetter(Getter[Scope]):
    """Reads a W3C traceparent/tracestate header from an ASGI scope."""

    def get(self, carrier: Scope, key: str) -> list[str] | None:
        wanted = key.lower().encode("latin-1")
        found = [value.decode("latin-1") for name, value in carrier.get("headers", ()) if name == wanted]
        return found or None

    def keys(self, carrier: Scope) -> list[str]:
        return [name.decode("latin-1") for name, _ in carrier.get("headers", ())]


_PROPAGATOR = TraceContextTextMapPropagator()
_GETTER = _HeaderGetter()


class TracingMiddleware:
    """One server span per HTTP request, named by its WOPI operation or its route template.

    Neither the path nor the query string becomes an attribute: the query carries the access token and
    paths carry share link IDs and file names. The span has the operation, the file ID and the status.
    """

    def __init__(self, app: ASGIApp, *, tracer: Tracer) -> None:
        self.app = app
        self._tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET")
        status = 500

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with self._tracer.start_as_current_span(
            method,
            context=_PROPAGATOR.extract(scope, getter=_GETTER),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method},
        ) as span:
            try:
                await self.app(scope, receive, send_and_note_status)
            finally:
                _describe(span, scope, method, status)


def _describe(span: Span, scope: Scope, method: str, status: int) -> None:
    """Name the span and set its attributes once the routes have said what the request was."""
    state = scope.get("state", {})
    operation = state.get("wopi_op")
    route = getattr(scope.get("route"), "path", None)
    if isinstance(operation, str) and operation:
        span.update_name(f"WOPI {operation}")
        span.set_attribute("wopi.operation", operation)
    elif isinstance(route, str) and route:
        span.update_name(f"{method} {route}")
    else:
        span.update_name(f"{method} unmatched")
    if isinstance(route, str) and route:
        span.set_attribute("http.route", route)
    if isinstance(file_id := state.get("wopi_file_id"), str):
        span.set_attribute("wopihost.file_id", file_id)
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))
