"""Wiring: the one place (with cli.py) that picks adapters and builds the ASGI application."""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from wopihost.adapters.clock import SystemClock
from wopihost.adapters.discovery_http import HttpDiscoverySource
from wopihost.adapters.health_probes import ping_database, probe_local_directory, read_missing_blob
from wopihost.adapters.keyring_file import KeyringFile, load_or_create_keyring
from wopihost.adapters.local_blobs import LocalBlobStore
from wopihost.adapters.local_previews import LocalPreviewImages
from wopihost.adapters.prometheus_metrics import PrometheusMetrics, multiprocess_dir, worker_exited
from wopihost.adapters.rendering import SubprocessRenderer
from wopihost.adapters.sql.activities import SqlActivityStore
from wopihost.adapters.sql.admin import SqlAdminQueries, SqlWopiErrorLog
from wopihost.adapters.sql.audit import SqlAuditLog
from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.adapters.sql.links import SqlLinkStore
from wopihost.adapters.sql.migrate import ensure_schema
from wopihost.adapters.sql.preferences import SqlPreferenceStore
from wopihost.adapters.sql.previews import SqlPreviewStore
from wopihost.adapters.sql.search_index import SqlSearchIndex
from wopihost.adapters.sql.shares import SqlShareStore
from wopihost.adapters.sql.storage import SqlLockedStorage
from wopihost.adapters.sql.users import SqlUserStore
from wopihost.adapters.text_extraction import DocumentTextExtractor
from wopihost.config import Settings, load_settings
from wopihost.domain.previews import claim_lease
from wopihost.domain.throttling import ThrottleLimits
from wopihost.errors import ConfigurationError
from wopihost.health import Probe, health_routes
from wopihost.logging_setup import configure_logging
from wopihost.ports import NO_METRICS, BlobStore, Clock, DiscoveryCache, LockedStorage, Metrics
from wopihost.services.access import AccessService
from wopihost.services.activities import ActivityService
from wopihost.services.admin import AdminService
from wopihost.services.archive import ArchiveService
from wopihost.services.audit import AuditService
from wopihost.services.browse import BrowseService
from wopihost.services.bulk import BulkService
from wopihost.services.containers import ContainerService
from wopihost.services.content import ContentService
from wopihost.services.discovery import DiscoveryService
from wopihost.services.files import FileService
from wopihost.services.folder_shares import FolderShareService
from wopihost.services.links import LinkService
from wopihost.services.locks import LockService
from wopihost.services.preferences import PreferenceService
from wopihost.services.preview_worker import PreviewWorker
from wopihost.services.previews import PreviewService
from wopihost.services.proof import ProofKeyVerifier
from wopihost.services.readiness_runs import ReadinessRuns
from wopihost.services.relative import RelativeFileService
from wopihost.services.search import SearchService
from wopihost.services.search_indexer import IndexerLimits, SearchIndexer
from wopihost.services.sessions import EditingSessionService
from wopihost.services.signin_throttle import SignInThrottle
from wopihost.services.tokens import TokenService
from wopihost.services.trash import TrashService
from wopihost.services.users import UserService
from wopihost.services.wopi_errors import WopiErrorRecorder
from wopihost.shared_state import SharedState, build_shared_state
from wopihost.urls import PublicUrls
from wopihost.wopi.check_file_info import HostIdentity
from wopihost.wopi.context import WopiServices
from wopihost.wopi.middleware import WopiHeadersAndLogMiddleware
from wopihost.wopi.router import WopiFirst, with_middleware
from wopihost.wopi.routes import wopi_router

if TYPE_CHECKING:
    # The object store's client is imported only when storage.backend is "s3" (it is slow to import).
    from wopihost.adapters.metrics_endpoint import MetricsEndpoint
    from wopihost.adapters.s3_blobs import S3BlobStore
    from wopihost.adapters.tracing import Tracing
    from wopihost.web.app import WebServices


@dataclass(frozen=True, slots=True)
class Services:
    """Every service, built once per process from the settings."""

    settings: Settings
    db: Database
    blobs: BlobStore
    clock: Clock
    tokens: TokenService
    users: UserService
    content: ContentService
    files: FileService
    relative: RelativeFileService
    containers: ContainerService
    locks: LockService
    access: AccessService
    urls: PublicUrls
    discovery: DiscoveryService
    proof: ProofKeyVerifier
    browse: BrowseService
    sessions: EditingSessionService
    throttle: SignInThrottle
    search: SearchService
    indexer: SearchIndexer
    trash: TrashService
    links: LinkService
    previews: PreviewService
    preview_worker: PreviewWorker
    bulk: BulkService
    archive: ArchiveService
    preferences: PreferenceService
    audit: AuditService
    admin: AdminService
    wopi_errors: WopiErrorRecorder
    readiness: ReadinessRuns
    folder_shares: FolderShareService
    activities: ActivityService
    shared: SharedState
    metrics: Metrics = NO_METRICS
    tracing: Tracing | None = None
    # The object store when storage.backend is "s3": its connections and its sweep of abandoned uploads.
    s3: S3BlobStore | None = None

    def web(self) -> WebServices:
        from wopihost.web.app import WebServices

        return WebServices(
            settings=self.settings,
            users=self.users,
            files=self.files,
            content=self.content,
            tokens=self.tokens,
            discovery=self.discovery,
            urls=self.urls,
            clock=self.clock,
            session_store=self.shared.sessions,
            browse=self.browse,
            sessions=self.sessions,
            throttle=self.throttle,
            search=self.search,
            trash=self.trash,
            links=self.links,
            access=self.access,
            previews=self.previews,
            bulk=self.bulk,
            archive=self.archive,
            preferences=self.preferences,
            audit=self.audit,
            admin=self.admin,
            readiness=self.readiness,
            folder_shares=self.folder_shares,
            activities=self.activities,
        )

    def metrics_endpoint(self) -> MetricsEndpoint | None:
        """The process's own metrics endpoint; None when metrics are off or the serving process answers."""
        port = self.settings.metrics.port
        if port is None or not isinstance(self.metrics, PrometheusMetrics) or multiprocess_dir():
            return None
        from wopihost.adapters.metrics_endpoint import MetricsEndpoint, SessionCollector

        sessions = SessionCollector(self.settings.database_url, clock=self.clock.now)
        return MetricsEndpoint(
            self.metrics.registry, host=self.settings.metrics.host, port=port, sessions=sessions
        )

    def wopi(self) -> WopiServices:
        return WopiServices(
            access=self.access,
            tokens=self.tokens,
            locks=self.locks,
            content=self.content,
            files=self.files,
            relative=self.relative,
            containers=self.containers,
            users=self.users,
            urls=self.urls,
            host=HostIdentity(
                brand_name=self.settings.branding.name,
                watermark_text=self.settings.clients.watermark_text,
                watermark_all=self.settings.clients.watermark_all,
                enable_insert_remote_image=self.settings.clients.enable_insert_remote_image,
                clock=self.clock,
            ),
            proof=self.proof,
            upload_idle_seconds=self.settings.storage.upload_idle_timeout_seconds,
            metrics=self.metrics,
            audit=self.audit,
            activities=self.activities,
        )

    async def aclose(self) -> None:
        await self.shared.aclose()
        await self.db.dispose()
        if self.s3 is not None:
            await self.s3.aclose()
        if self.tracing is not None:
            await anyio.to_thread.run_sync(self.tracing.shutdown)


def build_services(
    settings: Settings, *, clock: Clock | None = None, ui_enabled: bool = True, tracing: Tracing | None = None
) -> Services:
    """Choose adapters for the settings and build the services on them."""
    clock = clock or SystemClock()
    metrics: Metrics = PrometheusMetrics() if settings.metrics.port is not None else NO_METRICS
    tracing = tracing or start_tracing(settings)
    backend = build_blob_store(settings)
    db, blobs = build_storage(settings, tracing, backend)
    file_store, share_store, user_store = SqlFileStore(db), SqlShareStore(db), SqlUserStore(db)
    # Locks and the writes they guard come from one back end (see LockedStorage).
    stores: LockedStorage = SqlLockedStorage.on(db, file_store)
    lock_store, trash_store = stores.locks, stores.trash
    tokens = TokenService(
        KeyringFile(settings.token_keys_file),
        ttl=timedelta(seconds=settings.tokens.ttl_seconds),
        clock=clock,
    )
    audit = AuditService(log=SqlAuditLog(db), catalog=file_store, users=user_store, clock=clock)
    content = ContentService(
        catalog=file_store,
        files=stores.files,
        versions=file_store,
        blobs=blobs,
        clock=clock,
        audit=audit,
        max_file_size=settings.storage.max_file_size,
        retention=settings.versions.retention,
    )
    link_store = SqlLinkStore(db)
    shared = build_shared_state(settings, db)
    throttle = SignInThrottle(counter=shared.failures, clock=clock, limits=throttle_limits(settings))
    files = FileService(
        access=file_store,
        catalog=file_store,
        folders=stores.folders,
        files=stores.files,
        shares=share_store,
        users=user_store,
        content=content,
        clock=clock,
        locks=lock_store,
        trash=trash_store,
        audit=audit,
    )
    discovery = build_discovery(settings, clock, metrics, shared.discovery)
    search_index = SqlSearchIndex(db, clock)
    indexer = build_indexer(settings, search_index, blobs)
    content.on_change(indexer.wake)
    browse = BrowseService(
        access=file_store,
        catalog=file_store,
        folders=stores.folders,
        shares=share_store,
        users=user_store,
        clock=clock,
    )
    proof = ProofKeyVerifier(
        discovery=discovery,
        clock=clock,
        mode=settings.proof_key_mode,
        max_age=timedelta(minutes=settings.proof_keys.max_age_minutes),
        rediscovery_interval=timedelta(seconds=settings.proof_keys.rediscovery_min_interval_seconds),
        metrics=metrics,
    )
    renderer, notice = build_renderer(settings)
    previews = PreviewService(
        store=SqlPreviewStore(db),
        images=LocalPreviewImages(settings.preview_dir, chunk_size=settings.storage.chunk_size),
        blobs=blobs,
        renderer=renderer,
        clock=clock,
        max_pages=settings.previews.max_pages,
        lease=claim_lease(settings.previews.timeout_seconds),
        settle=timedelta(seconds=settings.previews.settle_seconds),
        notice=notice,
    )
    worker = PreviewWorker(
        previews, concurrency=settings.previews.concurrency, poll_seconds=settings.previews.poll_seconds
    )
    sessions = EditingSessionService(
        locks=lock_store, access=file_store, catalog=file_store, users=user_store, clock=clock, audit=audit
    )
    admin, recorder = build_admin(settings, db, clock, user_store, sessions)
    built = Services(
        s3=backend if not isinstance(backend, LocalBlobStore) else None,
        metrics=metrics,
        tracing=tracing,
        shared=shared,
        previews=previews,
        preview_worker=worker,
        settings=settings,
        db=db,
        blobs=blobs,
        clock=clock,
        tokens=tokens,
        users=UserService(users=user_store, clock=clock),
        content=content,
        files=files,
        containers=ContainerService(
            tokens=tokens,
            access=file_store,
            catalog=file_store,
            folders=stores.folders,
            users=user_store,
            file_service=files,
            clock=clock,
        ),
        relative=RelativeFileService(
            access=file_store,
            catalog=file_store,
            files=stores.files,
            content=content,
            file_service=files,
            clock=clock,
            audit=audit,
        ),
        locks=LockService(locks=lock_store, clock=clock, metrics=metrics),
        sessions=sessions,
        admin=admin,
        wopi_errors=recorder,
        readiness=ReadinessRuns(clock=clock),
        access=AccessService(tokens=tokens, access=file_store, links=link_store, clock=clock),
        urls=PublicUrls(
            ui_base=settings.server.base_url, wopi_base=settings.server.wopi_base_url, ui_enabled=ui_enabled
        ),
        discovery=discovery,
        proof=proof,
        browse=browse,
        throttle=throttle,
        search=SearchService(index=search_index, access=file_store, catalog=file_store, users=user_store),
        indexer=indexer,
        trash=TrashService(
            trash=trash_store,
            catalog=file_store,
            content=content,
            clock=clock,
            retention=timedelta(days=settings.trash.retention_days),
            sweep_interval=timedelta(minutes=settings.trash.purge_interval_minutes),
            audit=audit,
        ),
        links=LinkService(
            links=link_store,
            catalog=file_store,
            locks=lock_store,
            clock=clock,
            throttle=throttle,
            audit=audit,
        ),
        bulk=BulkService(files=files, browse=browse, clock=clock),
        archive=ArchiveService(
            access=file_store,
            catalog=file_store,
            blobs=blobs,
            browse=browse,
            clock=clock,
            max_files=settings.archive.max_files,
            max_bytes=settings.archive.max_bytes,
        ),
        preferences=PreferenceService(preferences=SqlPreferenceStore(db), clock=clock),
        audit=audit,
        folder_shares=FolderShareService(
            access=file_store,
            catalog=file_store,
            shares=share_store,
            users=user_store,
            locks=lock_store,
            audit=audit,
            clock=clock,
        ),
        activities=ActivityService(
            store=SqlActivityStore(db), access=file_store, users=user_store, clock=clock
        ),
    )
    built.readiness.use(functools.partial(_readiness_html, built))
    return built


async def _readiness_html(services: Services) -> tuple[bool, str]:
    # Imported when run: the readiness checks build on this module's Services.
    from wopihost.cli_readiness import html_dossier

    return await html_dossier(services)


def build_admin(
    settings: Settings, db: Database, clock: Clock, users: SqlUserStore, sessions: EditingSessionService
) -> tuple[AdminService, WopiErrorRecorder]:
    """The administrators' console and the recorder of WOPI errors it searches."""
    errors = SqlWopiErrorLog(db)
    recorder = WopiErrorRecorder(
        log=errors,
        clock=clock,
        retention=timedelta(days=settings.admin.error_retention_days),
        max_rows=settings.admin.error_max_rows,
        purge_interval=timedelta(minutes=settings.admin.error_purge_interval_minutes),
    )
    admin = AdminService(
        queries=SqlAdminQueries(db),
        errors=errors,
        audit=SqlAuditLog(db),
        users=users,
        sessions=sessions,
        clock=clock,
        version_retention=settings.versions.retention,
    )
    return admin, recorder


def start_tracing(settings: Settings) -> Tracing | None:
    """The configured tracing, None when it is off (then OpenTelemetry is never imported)."""
    if not settings.tracing.enabled:
        return None
    try:
        from wopihost.adapters.tracing import start_tracing as start
    except ImportError as exc:
        raise ConfigurationError(
            f"tracing.enabled needs OpenTelemetry: pip install 'wopihost[tracing]' ({exc})"
        ) from exc
    return start(settings.tracing)


def build_blob_store(settings: Settings) -> LocalBlobStore | S3BlobStore:
    """The blob store that storage.backend names. A local store first reclaims what interrupted uploads of
    dead processes left in its temporary directory (never those of a live sibling)."""
    if settings.storage.backend == "s3":
        from wopihost.adapters.s3_blobs import S3BlobStore

        return S3BlobStore(settings.storage.s3, chunk_size=settings.storage.chunk_size)
    local = LocalBlobStore(settings.blob_dir, chunk_size=settings.storage.chunk_size)
    local.sweep_temporary()
    return local


def build_storage(
    settings: Settings, tracing: Tracing | None, blobs: BlobStore | None = None
) -> tuple[Database, BlobStore]:
    """The database and the blob store, each traced when tracing is on."""
    pool_size, echo = settings.database.pool_size, settings.database.echo
    blobs = blobs or build_blob_store(settings)
    if tracing is None:
        return Database(settings.database_url, pool_size=pool_size, echo=echo), blobs
    return tracing.database(settings.database_url, pool_size=pool_size, echo=echo), tracing.blob_store(blobs)


def build_indexer(settings: Settings, index: SqlSearchIndex, blobs: BlobStore) -> SearchIndexer:
    """The background indexer of document text, with the configured limits."""
    search = settings.search
    extractor = DocumentTextExtractor(
        max_chars=search.max_text_chars,
        max_entry_size=search.max_entry_size,
        pdftotext=search.pdftotext or None,
        pdf_timeout_seconds=search.pdf_timeout_seconds,
        spool_dir=settings.data_dir / "tmp" / "search",
    )
    limits = IndexerLimits(
        max_file_size=search.max_file_size,
        batch_size=search.batch_size,
        sweep_seconds=search.sweep_seconds,
        settle_seconds=search.settle_seconds,
    )
    return SearchIndexer(index=index, blobs=blobs, extractor=extractor, limits=limits)


def build_renderer(settings: Settings) -> tuple[SubprocessRenderer | None, str]:
    """The preview renderer on the programs found (None when previews are off), and what is missing."""
    config = settings.previews
    if not config.enabled:
        return None, "previews.enabled is false"
    pdftoppm = shutil.which(config.pdftoppm_path)
    if pdftoppm is None:
        return None, f"pdftoppm not found at {config.pdftoppm_path!r} (install poppler-utils)"
    soffice = shutil.which(config.soffice_path)
    # PDFs still get previews without LibreOffice; the worker says so once when it starts.
    notice = "" if soffice else f"soffice not found at {config.soffice_path!r} (install LibreOffice)"
    renderer = SubprocessRenderer(soffice=soffice, pdftoppm=pdftoppm, timeout=config.timeout_seconds)
    return renderer, notice


def throttle_limits(settings: Settings) -> ThrottleLimits:
    """The sign-in throttle's limits from the settings."""
    signin = settings.signin
    return ThrottleLimits(
        per_user_address=signin.max_failures_per_user_address,
        per_address=signin.max_failures_per_address,
        window=timedelta(minutes=signin.window_minutes),
    )


def build_discovery(
    settings: Settings, clock: Clock, metrics: Metrics = NO_METRICS, shared: DiscoveryCache | None = None
) -> DiscoveryService:
    """The discovery service for the configured WOPI client (the development client by default)."""
    source = HttpDiscoverySource(settings.discovery_url, timeout=settings.discovery.timeout_seconds)
    return DiscoveryService(
        source,
        cache_file=settings.discovery_cache_file,
        clock=clock,
        refresh_interval=timedelta(hours=settings.discovery.refresh_hours),
        capabilities=source,
        metrics=metrics,
        shared=shared,
        # A fetch and its capabilities read each have the timeout; the lease outlasts both.
        lease_ttl=timedelta(seconds=2 * settings.discovery.timeout_seconds + 5),
    )


async def initialise(settings: Settings, *, upgrade: bool = True) -> None:
    """Create the data directory, the blob store and the signing keys, and the database schema (idempotent).

    Without `upgrade` the schema is only checked: SchemaOutdated unless it is the one this code needs.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    load_or_create_keyring(settings.token_keys_file)
    if settings.storage.backend == "s3":
        from wopihost.adapters.s3_blobs import S3BlobStore

        async with S3BlobStore(settings.storage.s3) as s3:
            await s3.ensure_bucket()
    else:
        LocalBlobStore(settings.blob_dir).sweep_temporary()
    db = Database(settings.database_url)
    try:
        await ensure_schema(db, upgrade=upgrade)
    finally:
        await db.dispose()


def readiness_probes(services: Services) -> dict[str, Probe]:
    """What `/readyz` checks, by name: the database, the blob store and, when configured, Redis."""
    probes: dict[str, Probe] = {
        "database": functools.partial(ping_database, services.db),
        "blob_store": services.s3.ping
        if services.s3 is not None
        else blob_store_probe(services.settings, services.blobs),
    }
    if services.settings.redis.url:
        probes["redis"] = services.shared.ping
    return probes


def blob_store_probe(settings: Settings, blobs: BlobStore) -> Probe:
    """A cheap call that reaches the configured blob store without changing it.

    Local: its directory is writable (reading a missing file would succeed on a vanished disk too). Any other
    back end: reading a blob that does not exist answers NotFound (the S3 store's HeadBucket is cheaper and is
    used instead, see readiness_probes).
    """
    local = settings.storage.backend == "local"
    return (
        functools.partial(probe_local_directory, settings.blob_dir)
        if local
        else functools.partial(read_missing_blob, blobs)
    )


def create_app(settings: Settings, *, services: Services | None = None) -> Starlette:
    """The ASGI application serving the WOPI endpoints."""
    services = services or build_services(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Whatever ASGI server runs the app, it never serves on a schema it was not written for.
        await ensure_schema(services.db, upgrade=False)
        stop = anyio.Event()
        endpoint = services.metrics_endpoint()
        if endpoint is not None:
            endpoint.start()
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(services.discovery.run_periodic, stop)
            if settings.search.indexer_enabled:
                tasks.start_soon(services.indexer.run, stop)
            tasks.start_soon(services.trash.run_periodic, stop)
            tasks.start_soon(services.preview_worker.run, stop)
            tasks.start_soon(services.wopi_errors.run, stop)
            if services.s3 is not None:
                interval = settings.storage.s3.heartbeat_seconds
                tasks.start_soon(functools.partial(services.s3.uploads.run, interval=interval), stop)
            yield
            stop.set()
        if endpoint is not None:
            await anyio.to_thread.run_sync(endpoint.stop)
        if (samples := multiprocess_dir()) is not None:
            worker_exited(samples)
        await services.aclose()

    middleware = [
        Middleware(
            WopiHeadersAndLogMiddleware,
            machine_name=settings.server.machine_name,
            metrics=services.metrics,
            errors=services.wopi_errors,
            clock=services.clock.now,
        )
    ]
    if services.tracing is not None:
        middleware.insert(0, services.tracing.middleware())
    if settings.server.trusted_proxies:
        # The client address (sign-in throttling, logs) comes from X-Forwarded-For only when a trusted proxy
        # sent it, under any ASGI server; after uvicorn's own proxy handling this changes nothing.
        middleware.insert(
            0, Middleware(ProxyHeadersMiddleware, trusted_hosts=settings.server.trusted_proxies)
        )
    routes: list[BaseRoute] = [
        *health_routes(readiness_probes(services), timeout=settings.server.readiness_timeout_seconds)
    ]
    if services.urls.ui_enabled:
        routes.append(Mount("/", app=BuiltOnFirstUse(functools.partial(_web_app, services))))
    wopi = with_middleware(wopi_router(services.wopi()), middleware)
    app = WopiFirst(wopi=wopi, routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.services = services
    return app


def _freeze_start_up_objects() -> None:
    """Keep what start-up built (modules, tables, services: they live as long as the worker) out of the cyclic
    collector's walks.

    Otherwise each full collection under load walks every module, class and table object again, pausing
    all requests for tens of milliseconds (the CheckFileInfo p99 of the benchmark showed it).
    """
    gc.collect()
    gc.freeze()


def _web_app(services: Services) -> ASGIApp:
    from wopihost.web.app import create_web_app

    return create_web_app(services.web())


class BuiltOnFirstUse:
    """An ASGI app that `build` makes when the first request reaches it (or its routes are asked for).

    The web UI is mounted this way: its routes, templates and catalogs (Jinja2 and Babel with them, several
    MiB) are loaded by a worker only once a person's request comes, never by one that only serves WOPI.
    Building takes no await, so two requests on the event loop cannot both build.
    """

    def __init__(self, build: Callable[[], ASGIApp]) -> None:
        self._build = build
        self._app: ASGIApp | None = None

    @property
    def app(self) -> ASGIApp:
        """The app, built now if it was not yet."""
        if self._app is None:
            self._app = self._build()
        return self._app

    @property
    def routes(self) -> list[BaseRoute]:
        """The built app's routes, as Mount reports them (for url_path_for)."""
        routes: list[BaseRoute] = getattr(self.app, "routes", [])
        return routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def app_from_environment() -> Starlette:
    """The `uvicorn --factory` entry of worker processes: settings from the WOPIHOST_* environment."""
    config_file = os.environ.get("WOPIHOST_CONFIG_FILE")
    settings = load_settings(config_file=Path(config_file) if config_file else None)
    configure_logging(settings.logging.level, settings.logging.format)
    app = create_app(settings)
    _freeze_start_up_objects()
    return app
