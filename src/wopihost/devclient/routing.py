"""Serving each editing session on the one node that holds it, whichever node a request lands on.

With a registry (Redis), a page's request that lands on a node not holding its document's session is
forwarded to the holder; when the holder's lease has run out (the node died), this node takes the session
over: it opens the document from the host again with the lock ID the holder recorded, so the host's lock
stays valid, and rejoins each page as its next request arrives. Edits the dead node had not saved are lost,
as with a real client that crashes. Without a registry every request is served where it lands.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable

import anyio
import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from wopihost.devclient.catalog import APPS_BY_SLUG
from wopihost.devclient.clock import SessionClock
from wopihost.devclient.coauthoring import SessionManager
from wopihost.devclient.pages import NO_STORE, LaunchParams, Page, PageStore
from wopihost.devclient.policies import POLICIES
from wopihost.devclient.registry import PageRecord, SessionRegistry
from wopihost.devclient.sessions import OpenFailure, Resume, SessionGone, document_key
from wopihost.errors import StorageUnavailable

Endpoint = Callable[[Request], Awaitable[Response]]
log = logging.getLogger("wopihost.devclient")
# Marks a forwarded request, which the receiving node serves itself or refuses: never forwarded twice.
FORWARDED_BY = "x-devclient-forwarded-by"
# A taken-over session's revisions start this far past the last one recorded, so that no page takes the
# new node's model for one it already has (edits after the last lease renewal are not recorded).
REVISION_GAP = 10_000
_PASSED_HEADERS = frozenset(
    {
        "accept",
        "accept-language",
        "content-length",
        "content-type",
        "cookie",
        "origin",
        "referer",
        "user-agent",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
    }
)
_HOP_HEADERS = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"})


class Router:
    """Forwards requests to the node holding their session, takes sessions over, and keeps leases."""

    def __init__(
        self,
        registry: SessionRegistry,
        manager: SessionManager,
        pages: PageStore,
        clock: SessionClock,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.registry = registry
        self._manager = manager
        self._pages = pages
        self._clock = clock
        self._http = httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(60.0, connect=3.0))
        self._held: set[str] = set()
        self._launching: Counter[str] = Counter()
        self._rejoining: defaultdict[str, anyio.Lock] = defaultdict(anyio.Lock)
        self._forgotten: set[str] = set()

    # Routing

    async def for_page(self, request: Request, pid: str) -> Response | None:
        """Return the holder's answer to a page's request, or None when this node serves it."""
        if self._local(pid):
            return None
        record = await self.registry.find_page(pid)
        if record is None:
            return None
        forwarded = await self.to_holder(request, record.key)
        if forwarded is None:
            await self._rejoin(pid, record)
        return forwarded

    async def to_holder(self, request: Request, key: str) -> Response | None:
        """Return the holder's answer, or None when this node holds (or has just claimed) the session."""
        holder = await self.registry.claim(key)
        if holder == self.registry.node_url:
            self._held.add(key)
            return None
        if request.headers.get(FORWARDED_BY):
            # The sender thought this node held the session; another did by the time it arrived.
            return _retry_later("the document's session is moving between nodes")
        return await self._forward(request, holder)

    @contextlib.asynccontextmanager
    async def launching(self, key: str) -> AsyncIterator[None]:
        """Keep this node's claim while a launch opens the session; give it up if none was opened."""
        self._launching[key] += 1
        try:
            yield
        finally:
            self._launching[key] -= 1
            if not self._launching[key]:
                del self._launching[key]
                if key not in self._manager.sessions:
                    self._held.discard(key)
                    # Otherwise the lease runs out by itself.
                    with contextlib.suppress(StorageUnavailable):
                        await self.registry.release(key)

    async def resume_for(self, wopi_src: str) -> Resume | None:
        """Return the lock a dead holder left for this document, when this node does not have it open."""
        key = document_key(wopi_src)
        if key in self._manager.sessions:
            return None
        handover = await self.registry.handover(key)
        return Resume(handover.lock_id, handover.revision + REVISION_GAP) if handover else None

    async def remember(self, pid: str, launch: LaunchParams, app_slug: str) -> None:
        """Record an editing page, so that any node can route it and rejoin it, and the session's lock at
        once: a node that dies before its next renewal must not take the lock ID with it."""
        key = document_key(launch.wopi_src)
        session = self._manager.sessions.get(key)
        if session is not None and not session.ended:
            await self.registry.renew(key, lock_id=session.lock_id, revision=session.revision)
        record = PageRecord(
            key=key,
            wopi_src=launch.wopi_src,
            access_token=launch.access_token,
            token_expires_ms=launch.token_expires_ms,
            session_context=launch.session_context,
            app_slug=app_slug,
        )
        await self.registry.remember_page(pid, record)

    def _local(self, pid: str) -> bool:
        try:
            self._manager.find(pid)
        except SessionGone:
            return pid in self._manager.departures
        return True

    async def _rejoin(self, pid: str, record: PageRecord) -> None:
        """Add a page whose session moved here; on failure the page learns its session ended."""
        async with self._rejoining[record.key]:
            app = APPS_BY_SLUG.get(record.app_slug)
            if self._local(pid) or app is None:
                return
            launch = LaunchParams(
                record.wopi_src,
                record.access_token,
                record.token_expires_ms,
                session_context=record.session_context,
            )
            async with self.launching(record.key):
                try:
                    await self._manager.join(
                        pid=pid,
                        target=launch.target(),
                        policy=POLICIES[app.name],
                        token_expires_ms=launch.token_expires_ms,
                        session_context=launch.session_context,
                        resume=await self.resume_for(record.wopi_src),
                    )
                except OpenFailure as failure:
                    log.warning("op=devclient_rejoin status=failed kind=%s", failure.kind)
                    return
            self._pages.put(Page(pid, "edit", app, launch, created_at=self._clock.monotonic()))
            await self.remember(pid, launch, app.slug)
            log.info("op=devclient_rejoin status=ok app=%s", app.slug)

    async def _forward(self, request: Request, holder: str) -> Response:
        url = holder + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        headers = {name: value for name, value in request.headers.items() if name in _PASSED_HEADERS}
        headers[FORWARDED_BY] = self.registry.node_url
        body = None if request.method in ("GET", "HEAD") else request.stream()
        outgoing = self._http.build_request(request.method, url, headers=headers, content=body)
        try:
            upstream = await self._http.send(outgoing, stream=True)
        except httpx.TransportError as exc:
            log.warning(
                "op=devclient_forward status=unreachable holder=%s error=%s", holder, type(exc).__name__
            )
            return _retry_later("the node holding the document's session does not answer")
        response = StreamingResponse(
            upstream.aiter_raw(), status_code=upstream.status_code, background=BackgroundTask(upstream.aclose)
        )
        response.raw_headers = [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, value in upstream.headers.multi_items()
            if name.lower() not in _HOP_HEADERS
        ]
        return response

    # Leases

    async def keep_leases(self) -> None:
        """Renew this node's leases until cancelled, a third of a lease apart."""
        while True:
            try:
                await self.renew_leases()
            except Exception:
                log.exception("op=devclient_leases status=failed")
            await anyio.sleep(self.registry.lease_seconds / 3)

    async def renew_leases(self) -> None:
        """Renew each held session's lease, drop those another node took, and forget departed pages."""
        sessions = self._manager.sessions
        for key in self._held | set(sessions):
            session = sessions.get(key)
            if session is not None and not session.ended:
                kept = await self.registry.renew(key, lock_id=session.lock_id, revision=session.revision)
                if kept:
                    self._held.add(key)
                    continue
                log.warning("op=devclient_lease status=lost file=%s", session.file_name)
                self._manager.abandon(key)
                self._held.discard(key)
            elif key in self._launching:
                await self.registry.renew(key)
            else:
                self._held.discard(key)
                await self.registry.release(key)
        departed = set(self._manager.departures)
        for pid in departed - self._forgotten:
            await self.registry.forget_page(pid)
        self._forgotten = departed

    async def hand_over(self) -> None:
        """On shutdown: save each session, record its lock and give it up without unlocking, so that the
        next request, on whichever node, resumes it there with the host's lock."""
        for key, session in list(self._manager.sessions.items()):
            pid = next(iter(session.participants), None)
            if pid is not None:
                with contextlib.suppress(SessionGone):
                    await self._manager.flush(pid)
            if session.ended:
                continue
            kept = await self.registry.renew(key, lock_id=session.lock_id, revision=session.revision)
            # Either way the lock is not this node's to release: another node holds or will resume it.
            self._manager.abandon(key)
            self._held.discard(key)
            if kept:
                await self.registry.release(key)

    async def aclose(self) -> None:
        """Give up every lease (the sessions ended on shutdown) and close the connections."""
        with contextlib.suppress(StorageUnavailable):
            for key in list(self._held):
                await self.registry.release(key)
        await self._http.aclose()
        await self.registry.aclose()


def _retry_later(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=503, headers={**NO_STORE, "Retry-After": "1"})


def _router(request: Request) -> Router | None:
    router: Router | None = request.app.state.runtime.router
    return router


def page_route(endpoint: Endpoint) -> Endpoint:
    """Serve a page's request (/api/p/{pid}/...) on the node holding its session."""

    @functools.wraps(endpoint)
    async def routed(request: Request) -> Response:
        router = _router(request)
        if router is None:
            return await endpoint(request)
        try:
            forwarded = await router.for_page(request, request.path_params["pid"])
        except StorageUnavailable as exc:
            log.warning("op=devclient_route status=unavailable error=%s", exc)
            return _retry_later("the session registry is unavailable")
        return forwarded or await endpoint(request)

    return routed


def launch_route(endpoint: Endpoint) -> Endpoint:
    """Open a launch (a host page's form POST) on the node holding its document's session, if any."""

    @functools.wraps(endpoint)
    async def routed(request: Request) -> Response:
        router = _router(request)
        wopi_src = next((v for k, v in request.query_params.items() if k.lower() == "wopisrc"), "")
        if router is None or not wopi_src:
            return await endpoint(request)
        key = document_key(wopi_src)
        try:
            forwarded = await router.to_holder(request, key)
            if forwarded is not None:
                return forwarded
            async with router.launching(key):
                return await endpoint(request)
        except StorageUnavailable as exc:
            log.warning("op=devclient_route status=unavailable error=%s", exc)
            return _retry_later("the session registry is unavailable")

    return routed
