"""What every page handler works with: the services, templates, the signed-in user and response helpers."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from wopihost.config import Settings
from wopihost.domain.records import FileRecord, User
from wopihost.errors import NotFound
from wopihost.ports import Clock, SessionStore
from wopihost.services.access import AccessService
from wopihost.services.activities import ActivityService
from wopihost.services.admin import AdminService
from wopihost.services.archive import ArchiveService
from wopihost.services.audit import AuditService
from wopihost.services.browse import BrowseService
from wopihost.services.bulk import BulkService
from wopihost.services.content import ContentService
from wopihost.services.discovery import DiscoveryService
from wopihost.services.files import FileService
from wopihost.services.folder_shares import FolderShareService
from wopihost.services.links import LinkService
from wopihost.services.preferences import PreferenceService
from wopihost.services.previews import PreviewService
from wopihost.services.readiness_runs import ReadinessRuns
from wopihost.services.search import SearchService
from wopihost.services.sessions import EditingSessionService
from wopihost.services.signin_throttle import SignInThrottle
from wopihost.services.tokens import TokenService
from wopihost.services.trash import TrashService
from wopihost.services.users import UserService
from wopihost.urls import PublicUrls
from wopihost.web.catalog import ClientCatalog
from wopihost.web.csrf import csrf_token
from wopihost.web.errors import FileLocked, MissingField, SignInRequired
from wopihost.web.i18n import Catalogs, Localizer
from wopihost.web.i18n_js import JS_MESSAGES
from wopihost.web.views import retention_text

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATE_DIR = WEB_DIR / "templates"
ICONS_PATH = "/assets/icons.svg"
SESSION_USER = "uid"
SESSION_FLASH = "flash"
MAX_FORM_FIELDS = 50
FOLLOW_REDIRECT_HEADER = "x-follow-redirect"


@dataclass(frozen=True, slots=True)
class WebServices:
    """What the web UI needs."""

    settings: Settings
    users: UserService
    files: FileService
    content: ContentService
    tokens: TokenService
    discovery: DiscoveryService
    urls: PublicUrls
    clock: Clock
    session_store: SessionStore
    browse: BrowseService
    sessions: EditingSessionService
    throttle: SignInThrottle
    search: SearchService
    trash: TrashService
    links: LinkService
    access: AccessService
    previews: PreviewService
    bulk: BulkService
    archive: ArchiveService
    preferences: PreferenceService
    audit: AuditService
    admin: AdminService
    readiness: ReadinessRuns
    folder_shares: FolderShareService
    activities: ActivityService


@dataclass(slots=True)
class WebContext:
    """The web UI's services and shared helpers, built once per application."""

    services: WebServices
    catalog: ClientCatalog
    env: jinja2.Environment = field(init=False)
    catalogs: Catalogs = field(init=False)
    icons: bytes = field(init=False)
    _asset_versions: dict[str, str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
            autoescape=jinja2.select_autoescape(["html"], default_for_string=True, default=True),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=["jinja2.ext.i18n"],
        )
        # Newstyle gettext: named placeholders, escaped values; each render passes the request's callables.
        self.env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
        self.env.policies["ext.i18n.trimmed"] = True
        self.catalogs = Catalogs()
        self.env.globals["static"] = self.static_url
        self.env.globals["brand"] = self.services.settings.branding.name
        # One sprite for every icon, cached by browsers under a versioned URL.
        self.icons = self.env.get_template("icons.svg").render().encode("utf-8")
        self.env.globals["icons_url"] = f"{ICONS_PATH}?v={hashlib.sha256(self.icons).hexdigest()[:12]}"

    @property
    def brand(self) -> str:
        return self.services.settings.branding.name

    def static_url(self, path: str) -> str:
        """The URL of a static asset, versioned by its content so that browsers may cache it for long."""
        version = self._asset_versions.get(path)
        if version is None:
            data = (STATIC_DIR / path).read_bytes()
            version = self._asset_versions[path] = hashlib.sha256(data).hexdigest()[:12]
        return f"/static/{path}?v={version}"

    def render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        """Render a page with the common context: user, CSRF token and pending flash messages."""
        i18n = self.localizer(request)
        values: dict[str, Any] = {
            **i18n.jinja_globals(),
            "js_messages": i18n.messages(JS_MESSAGES),
            "trash_retention": retention_text(self.services.trash.retention, i18n),
            "request": request,
            "user": getattr(request.state, "user", None),
            "csrf_token": csrf_token(request.session),
            "flashes": request.session.pop(SESSION_FLASH, []),
            "section": "",
            "unread_notifications": getattr(request.state, "unread_notifications", 0),
        }
        values.update(context or {})
        html = self.env.get_template(template).render(values)
        # The page's language depends on Accept-Language when the user has chosen none: caches must know.
        languages = {"Content-Language": i18n.locale, "Vary": "Accept-Language"}
        return HTMLResponse(html, status_code=status_code, headers={**languages, **(headers or {})})

    def localizer(self, request: Request) -> Localizer:
        """The request's language: the signed-in user's choice, else the browser's (see web/i18n.py)."""
        found = getattr(request.state, "user", None)
        user = found if isinstance(found, User) else None
        cached = getattr(request.state, "i18n", None)
        # Worked out again once the user is known: a request may translate before and after loading them.
        if isinstance(cached, tuple) and cached[0] == user:
            localizer: Localizer = cached[1]
            return localizer
        localizer = self.catalogs.for_request(user, request.headers.get("accept-language"))
        request.state.i18n = (user, localizer)
        return localizer

    async def user(self, request: Request) -> User:
        """The signed-in user; SignInRequired if there is none."""
        user = await self.optional_user(request)
        if user is None:
            raise SignInRequired()
        return user

    async def optional_user(self, request: Request) -> User | None:
        """The signed-in user, or None."""
        cached = getattr(request.state, "user", None)
        if isinstance(cached, User):
            return cached
        user_id = request.session.get(SESSION_USER)
        if not isinstance(user_id, str):
            return None
        try:
            user = await self.services.users.get_user(user_id)
        except NotFound:
            request.session.clear()
            return None
        request.state.user = user
        # Every page's top bar shows it (the scripts' JSON requests do not need it); the count is one
        # indexed query when there is nothing unread.
        if not wants_json(request):
            request.state.unread_notifications = await self.services.activities.unread_count(user)
        return user


def wants_json(request: Request) -> bool:
    """Whether the caller is the UI's script (it asks for JSON) rather than a plain form submission."""
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def flash(request: Request, text: str, kind: str = "success", *, undo: str | None = None) -> None:
    """Show a message on the next page rendered for this session; `undo` is a URL to POST to undo it."""
    messages = list(request.session.get(SESSION_FLASH, []))[-4:]
    messages.append({"kind": kind, "text": text, **({"undo": undo} if undo else {})})
    request.session[SESSION_FLASH] = messages


def done(
    request: Request, redirect: str, message: str | None = None, *, undo: str | None = None, **data: Any
) -> Response:
    """The answer to a successful form: JSON for the UI's script, else a redirect with a flash message.

    A script that goes on to the redirect itself says so with `X-Follow-Redirect`; the message is then
    flashed for the page it loads, with an Undo button posting to `undo` if given.
    """
    if message and (not wants_json(request) or request.headers.get(FOLLOW_REDIRECT_HEADER)):
        flash(request, message, undo=undo)
    if wants_json(request):
        extra = {"undo": undo} if undo else {}
        return JSONResponse({"ok": True, "redirect": redirect, "message": message, **extra, **data})
    return RedirectResponse(redirect, status_code=303)


async def read_form(request: Request) -> dict[str, str]:
    """The fields of a URL-encoded form (the CSRF middleware refuses any other body)."""
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    return {key: value for key, value in form.items() if isinstance(value, str)}


def required(form: Mapping[str, str], name: str, label: str) -> str:
    """A form field that may not be blank."""
    value = form.get(name, "").strip()
    if not value:
        raise MissingField(label)
    return value


def local_path(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site (no scheme, no host, no backslash tricks), else `default`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def client_address(request: Request) -> str:
    """The client's IP address: the peer's, or the one a trusted proxy forwarded (see `proxied`)."""
    return request.client.host if request.client else "unknown"


async def ensure_unlocked(ctx: WebContext, file: FileRecord) -> None:
    """Refuse a change to a file someone is editing, naming them (the store re-checks atomically)."""
    lock = file.active_lock(ctx.services.clock.now())
    if lock is None:
        return
    holders = await ctx.services.browse.find_users([lock.user_id])
    holder = holders.get(lock.user_id or "")
    raise FileLocked(
        file.name, holder.display_name if holder else None, file_id=file.id, owner_id=file.owner_id
    )
