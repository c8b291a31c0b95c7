"""The development WOPI client as an ASGI application: discovery, favicons, action pages and their API."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from pathlib import Path
from urllib.parse import urlsplit

import anyio
import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from wopihost.config import DevClientSettings, Settings, load_settings
from wopihost.devclient import actions, api, comments
from wopihost.devclient.catalog import APPS, APPS_BY_SLUG
from wopihost.devclient.client_styles import STYLES
from wopihost.devclient.clock import SessionClock, SystemClock
from wopihost.devclient.coauthoring import SessionManager
from wopihost.devclient.discovery_xml import DISCOVERY_PATH
from wopihost.devclient.favicons import favicon_ico
from wopihost.devclient.keystore import KeyStore
from wopihost.devclient.pages import PAGE_IDLE_EXPIRY, PageRenderer, PageStore
from wopihost.devclient.policies import Timings
from wopihost.devclient.registry import SessionRegistry, registry_from_settings
from wopihost.devclient.routing import Router, launch_route, page_route
from wopihost.devclient.runtime import Runtime
from wopihost.devclient.sessions import SessionEvent
from wopihost.devclient.shape_routes import shape_routes
from wopihost.devclient.shapes import (
    CAPABILITIES_PATH,
    SHAPE_CLIENT_NAMES,
    SHAPE_STYLES,
    ShapeName,
    build_shaped_discovery,
)
from wopihost.devclient.wopi_client import USER_AGENT, WopiClient
from wopihost.errors import StorageUnavailable
from wopihost.logging_setup import configure_logging, quiet_http_logs

log = logging.getLogger("wopihost.devclient")
# The icons the shaped discoveries name besides the Office apps' own.
SHAPE_ICONS = {
    "x-office-document": ("W", "#2a6099"),
    "x-office-spreadsheet": ("C", "#1e8a3c"),
    "x-office-presentation": ("I", "#c0392b"),
    "x-office-drawing": ("D", "#d68910"),
    "pdf": ("P", "#aa2222"),
    "wordpdf": ("W", "#2b579a"),
}
STATIC_DIR = Path(__file__).resolve().parent / "static"
KEEPALIVE_SECONDS = 2.0


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def discovery(request: Request) -> Response:
    """The discovery XML, with the proof keys now in the key file."""
    runtime = _runtime(request)
    xml = build_shaped_discovery(runtime.shape, runtime.base_url, runtime.keys.discovery_attributes())
    return Response(xml, media_type="text/xml; charset=utf-8", headers={"Cache-Control": "no-cache"})


async def favicon(request: Request) -> Response:
    """An app's favicon, as discovery's favIconUrl names it."""
    slug = request.path_params["slug"]
    app = APPS_BY_SLUG.get(slug)
    letter, color = (app.letter, app.color) if app else SHAPE_ICONS.get(slug, ("", ""))
    if not letter:
        return Response(status_code=404)
    return Response(
        favicon_ico(letter, color),
        media_type="image/x-icon",
        headers={"Cache-Control": "public, max-age=86400"},
    )


async def index(request: Request) -> Response:
    """A start page that says what this server is and where its discovery is."""
    runtime = _runtime(request)
    # The app list describes Office's discovery; the other shapes are named instead.
    office = runtime.shape == "microsoft"
    return runtime.renderer.index(
        discovery_url=runtime.base_url + DISCOVERY_PATH,
        apps=APPS if office else (),
        client_name=SHAPE_CLIENT_NAMES[runtime.shape],
    )


# A page's requests, served on the node that holds its document's session (routing.py).
_PAGE_API: tuple[tuple[str, Callable[[Request], Awaitable[Response]], str], ...] = (
    ("/api/p/{pid}/state", api.state, "GET"),
    ("/api/p/{pid}/edits", api.edits, "POST"),
    ("/api/p/{pid}/save", api.save, "POST"),
    ("/api/p/{pid}/rename", api.rename, "POST"),
    ("/api/p/{pid}/saveas", api.save_as, "POST"),
    ("/api/p/{pid}/insertgraphic", api.insert_graphic, "POST"),
    ("/api/p/{pid}/leave", api.leave, "POST"),
    ("/api/p/{pid}/comments", comments.list_comments, "GET"),
    ("/api/p/{pid}/comments", comments.add_comment, "POST"),
    ("/api/p/{pid}/comments/{cid}", comments.change_comment, "POST"),
    ("/api/p/{pid}/comments/{cid}/delete", comments.change_comment, "POST"),
)


def _routes() -> list[BaseRoute]:
    # Specific paths first: "/{app}/{action}" would match "/hosting/discovery" and the favicons too.
    return [
        Route("/", index, methods=["GET"]),
        Route(DISCOVERY_PATH, discovery, methods=["GET"]),
        Route("/favicons/{slug}.ico", favicon, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        *(Route(path, page_route(endpoint), methods=[method]) for path, endpoint, method in _PAGE_API),
        Route("/page/{pid}/view", actions.page_view, methods=["GET"]),
        Route("/page/{pid}/continue", actions.page_continue, methods=["GET"]),
        *(_launch_routed(route) for route in shape_routes()),
        Route("/{app}/{action}", launch_route(actions.launch), methods=["GET", "POST"]),
    ]


def _launch_routed(route: BaseRoute) -> BaseRoute:
    if not isinstance(route, Route) or route.path == CAPABILITIES_PATH:
        return route
    return Route(route.path, launch_route(route.endpoint), methods=sorted(route.methods or ()))


def create_devclient_app(
    *,
    keys_file: Path,
    public_url: str,
    timings: Timings | None = None,
    clock: SessionClock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    tick_seconds: float = 0.25,
    poll_seconds: float = 1.0,
    wopi_timeout_seconds: float = 30.0,
    on_event: Callable[[SessionEvent], None] | None = None,
    allowed_wopi_hosts: Collection[str] | None = None,
    shape: ShapeName = "microsoft",
    registry: SessionRegistry | None = None,
) -> Starlette:
    """Build the development client; `public_url` is where browsers and hosts reach it.

    `shape` picks whose discovery it presents, and so how it locks and saves (see shapes.py). With a
    `registry`, it is one node of several that share sessions (routing.py).
    """
    base_url = public_url.rstrip("/")
    quiet_http_logs()
    timings = timings or Timings()
    clock = clock or SystemClock()
    keys = KeyStore(keys_file)
    http = httpx.AsyncClient(
        transport=transport,
        timeout=wopi_timeout_seconds,
        headers={"User-Agent": USER_AGENT},
        # Idle connections are dropped before a host would drop them (uvicorn after 5 s), so that a request
        # rarely goes out on a connection the host is closing.
        limits=httpx.Limits(keepalive_expiry=KEEPALIVE_SECONDS),
    )
    wopi = WopiClient(http, keys.signer, wall_clock=clock.wall)
    style = STYLES[SHAPE_STYLES[shape]]
    manager = SessionManager(wopi, clock=clock, timings=timings, on_event=on_event, style=style)
    pages = PageStore()
    router = None if registry is None else Router(registry, manager, pages, clock, transport=transport)
    runtime = Runtime(
        base_url=base_url,
        keys=keys,
        wopi=wopi,
        manager=manager,
        pages=pages,
        renderer=PageRenderer(),
        clock=clock,
        poll_ms=max(100, int(poll_seconds * 1000)),
        edit_notification_ms=max(1000, int(timings.edit_notification * 1000)),
        allowed_wopi_hosts=None
        if allowed_wopi_hosts is None
        else frozenset(h.lower() for h in allowed_wopi_hosts),
        shape=shape,
        router=router,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with anyio.create_task_group() as group:
            group.start_soon(_run_timers, runtime, tick_seconds)
            if router is not None:
                group.start_soon(router.keep_leases)
            try:
                yield
            finally:
                group.cancel_scope.cancel()
        with anyio.CancelScope(shield=True):
            if router is not None:
                await _hand_over(router)
            await manager.close()
            await http.aclose()
            if router is not None:
                await router.aclose()

    app = Starlette(routes=_routes(), lifespan=lifespan)
    app.state.runtime = runtime
    return app


async def _hand_over(router: Router) -> None:
    """Leave the sessions to the other nodes; those it cannot hand over end here (saved and unlocked)."""
    try:
        await router.hand_over()
    except StorageUnavailable as exc:
        log.warning("op=devclient_hand_over status=failed error=%s", exc)


async def _run_timers(runtime: Runtime, tick_seconds: float) -> None:
    while True:
        try:
            await runtime.manager.tick()
            runtime.pages.sweep(runtime.clock.monotonic())
        except Exception:
            log.exception("op=tick status=failed")
        await anyio.sleep(tick_seconds)


def devclient_app_from_environment() -> Starlette:
    """The `uvicorn --factory` entry: settings from the WOPIHOST_* environment, as the host's workers do."""
    config_file = os.environ.get("WOPIHOST_CONFIG_FILE")
    settings = load_settings(config_file=Path(config_file) if config_file else None)
    configure_logging(settings.logging.level, settings.logging.format)
    return devclient_app_from_settings(settings)


def devclient_app_from_settings(settings: Settings, *, public_url: str | None = None) -> Starlette:
    """Build the development client from the settings' devclient section (what `wopihost serve` runs)."""
    section = settings.devclient
    allowed = None
    if "*" not in section.allowed_wopi_hosts:
        allowed = {*section.allowed_wopi_hosts, urlsplit(settings.server.wopi_base_url).hostname or ""}
    return create_devclient_app(
        shape=section.shape,
        allowed_wopi_hosts=allowed,
        keys_file=settings.devclient_keys_file,
        public_url=public_url or section.base_url,
        timings=timings_for(section, section.shape),
        registry=registry_from_settings(settings, page_seconds=PAGE_IDLE_EXPIRY),
    )


def timings_for(section: DevClientSettings, shape: ShapeName) -> Timings:
    """Return the session timings: the settings', with the shape's client's lock refresh cadence
    (ONLYOFFICE refreshes every 10 minutes) unless refresh_lock_seconds is set explicitly."""
    refresh = section.refresh_lock_seconds
    if "refresh_lock_seconds" not in section.model_fields_set:
        refresh = STYLES[SHAPE_STYLES[shape]].refresh_seconds
    return Timings.from_settings(autosave_seconds=section.autosave_seconds, refresh_lock_seconds=refresh)
