"""What the WOPI client offers, as the UI needs it: which action opens a file, under which app name.

Spec: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/discovery
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from wopihost.domain.action_urls import choose_action
from wopihost.domain.discovery import Action, App, Discovery, document_kind
from wopihost.domain.locales import N_
from wopihost.errors import DiscoveryUnavailable
from wopihost.ports import Clock
from wopihost.services.discovery import DiscoveryService
from wopihost.web.security import origin_of

# The pages the host serves, each at /files/{id}/{page}; each invokes one discovery action (see plan_open).
HOST_ACTIONS = ("view", "edit", "editnew", "convert", "embedview")
# Actions that show a file without changing it, in preference order. Collabora Online offers view_comment
# for PDF; ONLYOFFICE adds mobileView (preferred on mobile browsers).
VIEW_ACTIONS = ("view", "view_comment", "embedview", "mobileView")
EMBED_ACTIONS = ("embedview", "view", "view_comment")
# A page asking for discovery after a failed fetch waits this long before asking again.
RETRY_AFTER_FAILURE = timedelta(seconds=30)
_FRIENDLY_FALLBACK = N_("the editor")
# Collabora Online names its apps after LibreOffice modules, ONLYOFFICE and Office after products; the UI
# says "Open in Writer", "Open in PDF Editor". Keys are lowercased discovery app names.
_APP_LABELS = {
    "writer": "Writer",
    "writer-global": "Writer",
    "writer-web": "Writer",
    "calc": "Calc",
    "impress": "Impress",
    "draw": "Draw",
    "pdf": "PDF Editor",
    "wordpdf": "Word",
}
# MIME-type apps (Collabora Online's and ONLYOFFICE's) are labelled by the kind of document they open.
_KIND_LABELS = {"text": "Writer", "spreadsheet": "Calc", "presentation": "Impress", "drawing": "Draw"}


@dataclass(frozen=True, slots=True)
class NewDocumentKind:
    """A kind of blank document the "New" menu creates (createnew.rst)."""

    ext: str
    default_stem: str
    noun: str
    # The "New" menu's item, with the app's name for %(app)s.
    label: str = ""
    # The title of the dialog that asks for the new document's name, with the app's name for %(app)s.
    title: str = ""


NEW_DOCUMENT_KINDS = (
    NewDocumentKind("docx", N_("Document"), "document", N_("%(app)s document"), N_("New %(app)s document")),
    NewDocumentKind("xlsx", N_("Book"), "workbook", N_("%(app)s workbook"), N_("New %(app)s workbook")),
    NewDocumentKind(
        "pptx", N_("Presentation"), "presentation", N_("%(app)s presentation"), N_("New %(app)s presentation")
    ),
)


@dataclass(frozen=True, slots=True)
class OpenPlan:
    """How to serve a host page: with `action`, or by redirecting to the host page of `redirect_to`."""

    action: Action | None = None
    redirect_to: str | None = None


@dataclass(frozen=True, slots=True)
class ResolvedOpen:
    """Where a request to open a file ends: the host page (`page`) and the action it invokes."""

    page: str
    action: Action


def plan_open(
    discovery: Discovery, ext: str, requested: str, *, can_write: bool, empty: bool, mobile: bool = False
) -> OpenPlan:
    """Choose the action a host page for `requested` invokes, or the host page to send the user to instead.

    Writers opening a zero-byte file get editnew (createnew.rst); legacy binary files are edited through
    convert when the client offers no edit action for them (conversion.rst). Readers get a view action;
    when the client offers none for the format (Collabora Online offers only edit for .docx or .odt), they
    get edit, which the client opens read-only because CheckFileInfo says UserCanWrite is false. Mobile
    browsers get mobileView and mobileEdit where the client offers them (ONLYOFFICE).
    """

    def pick(*names: str) -> Action | None:
        return choose_action(discovery, ext, names)

    reading = pick(*(("mobileView",) if mobile else ()), *VIEW_ACTIONS)
    writing = pick(*(("mobileEdit",) if mobile else ()), "edit", "convert")
    has_editnew = pick("editnew") is not None
    # The view and edit pages send a user to each other only when the other page has an action; otherwise
    # they would redirect to each other for ever.
    if requested in ("edit", "editnew", "convert") and not can_write:
        return OpenPlan(redirect_to="view")
    if requested == "view":
        if empty and can_write and has_editnew:
            return OpenPlan(redirect_to="editnew")
        if reading is not None:
            return OpenPlan(action=reading)
        if can_write:
            return OpenPlan(redirect_to="edit") if writing is not None else OpenPlan()
        return OpenPlan(action=pick(*(("mobileEdit",) if mobile else ()), "edit"))
    if requested == "edit":
        if empty and has_editnew:
            return OpenPlan(redirect_to="editnew")
        if writing is not None:
            return OpenPlan(action=writing)
        return OpenPlan(redirect_to="view") if reading is not None else OpenPlan()
    if requested == "editnew":
        return OpenPlan(action=pick("editnew")) if empty and has_editnew else OpenPlan(redirect_to="edit")
    if requested == "convert":
        action = pick("convert")
        return OpenPlan(action=action) if action else OpenPlan(redirect_to="edit")
    if requested == "embedview":
        embed = pick(*EMBED_ACTIONS)
        # A client with no view action for the format (Collabora Online for .docx) is served by the view page.
        if embed is None and (reading is not None or writing is not None):
            return OpenPlan(redirect_to="view")
        return OpenPlan(action=embed)
    return OpenPlan()


def resolve_page(
    discovery: Discovery, ext: str, requested: str, *, can_write: bool, empty: bool
) -> ResolvedOpen | None:
    """The host page a request for `requested` ends at, following redirects, and the action it invokes."""
    for _ in HOST_ACTIONS:
        plan = plan_open(discovery, ext, requested, can_write=can_write, empty=empty)
        if plan.redirect_to is None:
            if plan.action is None:
                return None
            # The page named after the action, when it serves that same action (/convert for a legacy
            # file that /edit would convert too), says best what the link does.
            named = plan.action.name
            if named != requested and named in HOST_ACTIONS:
                direct = plan_open(discovery, ext, named, can_write=can_write, empty=empty)
                if direct.action == plan.action:
                    return ResolvedOpen(named, plan.action)
            return ResolvedOpen(requested, plan.action)
        requested = plan.redirect_to
    return None


def resolve_open(
    discovery: Discovery, ext: str, requested: str, *, can_write: bool, empty: bool
) -> Action | None:
    """The action a host page for `requested` ends up invoking, following redirects between host pages."""
    resolved = resolve_page(discovery, ext, requested, can_write=can_write, empty=empty)
    return resolved.action if resolved else None


def app_of(discovery: Discovery, action: Action) -> App | None:
    """The app that publishes an action."""
    return discovery.app_of(action)


def friendly_app_name(app: App | None) -> str:
    """The app's name for "Open in …" labels: "Word", "Writer", "Calc"; unknown generic names "the editor"."""
    name = app.name.strip() if app else ""
    label = _APP_LABELS.get(name.lower())
    if label:
        return label
    if "/" in name:
        return _KIND_LABELS.get(document_kind(name) or "", _FRIENDLY_FALLBACK)
    if not name or name.islower():
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
