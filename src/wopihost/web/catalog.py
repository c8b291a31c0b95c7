"""What the WOPI client offers, as the UI needs it: which action opens a file, under which app name.

Spec: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/discovery
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from wopihost.domain.action_urls import choose_action
from wopihost.domain.discovery import Action, App, Discovery
from wopihost.errors import DiscoveryUnavailable
from wopihost.ports import Clock
from wopihost.services.discovery import DiscoveryService
from wopihost.web.security import origin_of

# The actions the host page serves, each at /files/{id}/{action}.
HOST_ACTIONS = ("view", "edit", "editnew", "convert", "embedview")
# A page asking for discovery after a failed fetch waits this long before asking again.
RETRY_AFTER_FAILURE = timedelta(seconds=30)
# Apps whose discovery name is already what people call them; others (MIME types, "writer") are not shown.
_FRIENDLY_FALLBACK = "the editor"


@dataclass(frozen=True, slots=True)
class NewDocumentKind:
    """A kind of blank document the "New" menu creates (createnew.rst)."""

    ext: str
    default_stem: str
    noun: str


NEW_DOCUMENT_KINDS = (
    NewDocumentKind("docx", "Document", "document"),
    NewDocumentKind("xlsx", "Book", "workbook"),
    NewDocumentKind("pptx", "Presentation", "presentation"),
)


@dataclass(frozen=True, slots=True)
class OpenPlan:
    """How to serve a host page: with `action`, or by redirecting to the host page of `redirect_to`."""

    action: Action | None = None
    redirect_to: str | None = None


def plan_open(discovery: Discovery, ext: str, requested: str, *, can_write: bool, empty: bool) -> OpenPlan:
    """Choose the action a host page for `requested` invokes, or the host page to send the user to instead.

    Writers opening a zero-byte file get editnew (createnew.rst); legacy binary files are edited through
    convert when the client offers no edit action for them (conversion.rst); readers get view.
    """

    def pick(*names: str) -> Action | None:
        return choose_action(discovery, ext, names)

    has_editnew = pick("editnew") is not None
    if requested in ("edit", "editnew", "convert") and not can_write:
        return OpenPlan(redirect_to="view")
    if requested == "view":
        if empty and can_write and has_editnew:
            return OpenPlan(redirect_to="editnew")
        return OpenPlan(action=pick("view", "embedview"))
    if requested == "edit":
        if empty and has_editnew:
            return OpenPlan(redirect_to="editnew")
        action = pick("edit", "convert")
        return OpenPlan(action=action) if action else OpenPlan(redirect_to="view")
    if requested == "editnew":
        return OpenPlan(action=pick("editnew")) if empty and has_editnew else OpenPlan(redirect_to="edit")
    if requested == "convert":
        action = pick("convert")
        return OpenPlan(action=action) if action else OpenPlan(redirect_to="edit")
    if requested == "embedview":
        return OpenPlan(action=pick("embedview", "view"))
    return OpenPlan()


def resolve_open(
    discovery: Discovery, ext: str, requested: str, *, can_write: bool, empty: bool
) -> Action | None:
    """The action a host page for `requested` ends up invoking, following redirects between host pages."""
    for _ in HOST_ACTIONS:
        plan = plan_open(discovery, ext, requested, can_write=can_write, empty=empty)
        if plan.redirect_to is None:
            return plan.action
        requested = plan.redirect_to
    return None


def app_of(discovery: Discovery, action: Action) -> App | None:
    """The app that publishes an action."""
    return next((app for app in discovery.apps if action in app.actions), None)


def friendly_app_name(app: App | None) -> str:
    """The app's name for "Open in …" labels: "Word", "Excel"; MIME-type names become "the editor"."""
    name = app.name.strip() if app else ""
    if not name or "/" in name or name.islower():
        return _FRIENDLY_FALLBACK
    return name


def client_origins(discovery: Discovery) -> tuple[str, ...]:
    """The origins of every action URL in discovery: where host pages may frame and post."""
    origins = (origin_of(action.urlsrc) for app in discovery.apps for action in app.actions)
    return tuple(dict.fromkeys(origin for origin in origins if origin.startswith(("https://", "http://"))))


def favicon_origins(discovery: Discovery) -> tuple[str, ...]:
    """The origins of the apps' favicons."""
    return tuple(dict.fromkeys(origin_of(app.fav_icon_url) for app in discovery.apps if app.fav_icon_url))


def new_document_kinds(discovery: Discovery) -> tuple[tuple[NewDocumentKind, str], ...]:
    """The kinds of new document the client can create (it offers editnew), with the app name of each."""
    kinds = []
    for kind in NEW_DOCUMENT_KINDS:
        action = choose_action(discovery, kind.ext, "editnew")
        if action is not None:
            kinds.append((kind, friendly_app_name(app_of(discovery, action))))
    return tuple(kinds)


class ClientCatalog:
    """Discovery for pages: None while the WOPI client is unreachable, without a fetch on every page."""

    def __init__(self, discovery: DiscoveryService, clock: Clock) -> None:
        self._discovery = discovery
        self._clock = clock
        self._failed_at: datetime | None = None

    async def current(self) -> Discovery | None:
        """The current discovery, or None if it cannot be had now."""
        now = self._clock.now()
        if self._failed_at is not None and now - self._failed_at < RETRY_AFTER_FAILURE:
            return None
        try:
            discovery = await self._discovery.get()
        except DiscoveryUnavailable:
            self._failed_at = now
            return None
        self._failed_at = None
        return discovery

    async def require(self) -> Discovery:
        """The current discovery; DiscoveryUnavailable if the WOPI client cannot be reached."""
        discovery = await self.current()
        if discovery is None:
            raise DiscoveryUnavailable("the WOPI client's discovery is unavailable")
        return discovery
