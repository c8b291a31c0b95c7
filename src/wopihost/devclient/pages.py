"""The pages the development client serves inside a host page's iframe, and what each one remembers."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

import jinja2
import orjson
from starlette.responses import HTMLResponse

from wopihost.devclient.catalog import AppSpec
from wopihost.devclient.documents import TextModel
from wopihost.devclient.fileinfo import (
    DEFAULT_FILE_NAME_MAX_LENGTH,
    FileInfo,
    buttons_for,
    page_urls,
    post_message_flags,
)
from wopihost.devclient.messages import Notice, notice, ui_language_lcid
from wopihost.devclient.wopi_client import WopiTarget

Mode = Literal["view", "edit", "embedview", "error", "converted"]
PAGE_IDLE_EXPIRY = 4 * 3600.0
NO_STORE = {"Cache-Control": "no-cache, no-store", "Expires": "-1", "Pragma": "no-cache"}


@dataclass(frozen=True, slots=True)
class LaunchParams:
    """What an action URL's query string and the host page's form POST carry."""

    wopi_src: str
    access_token: str
    token_expires_ms: int
    ui_language: str | None = None
    session_context: str | None = None
    host_session_id: str | None = None
    # IsLicensedUser=1: a Microsoft 365 business user, whose edits need a licence check (licensing.py).
    business_user: bool = False
    # wdNavigationId, which the host page passes on like every wd* parameter: the comment to open at.
    navigation_id: str = ""

    def target(self) -> WopiTarget:
        """Return the file as this user reaches it."""
        return WopiTarget(self.wopi_src, self.access_token)


@dataclass(slots=True)
class Page:
    """One page the client rendered; its random `pid` is the only key to it (tokens stay server-side)."""

    pid: str
    mode: Mode
    app: AppSpec
    launch: LaunchParams
    created_at: float
    info: FileInfo | None = None
    model: TextModel | None = None
    file_name: str = ""
    notice: Notice | None = None
    navigate_top: str | None = None
    continue_with: LaunchParams | None = None
    user_session: str = field(default_factory=lambda: str(uuid.uuid4()))


class PageStore:
    """Pages by pid, forgotten after hours of disuse."""

    def __init__(self) -> None:
        self._pages: dict[str, Page] = {}

    def add(self, mode: Mode, app: AppSpec, launch: LaunchParams, now: float) -> Page:
        """Create and remember a page."""
        page = Page(secrets.token_urlsafe(24), mode, app, launch, created_at=now)
        self._pages[page.pid] = page
        return page

    def put(self, page: Page) -> None:
        """Remember a page another node rendered (its session moved here)."""
        self._pages[page.pid] = page

    def find(self, pid: str) -> Page | None:
        """Return a page, or None."""
        return self._pages.get(pid)

    def sweep(self, now: float) -> None:
        """Forget pages older than PAGE_IDLE_EXPIRY."""
        for pid, page in list(self._pages.items()):
            if now - page.created_at > PAGE_IDLE_EXPIRY:
                del self._pages[pid]


def boot_data(
    page: Page, *, poll_ms: int, edit_notification_ms: int, client: str = "office"
) -> dict[str, Any]:
    """Return what the page's script starts from; `client` picks whose PostMessages it speaks."""
    info = page.info or FileInfo({})
    flags = post_message_flags(info)
    return {
        "pid": page.pid,
        "mode": page.mode,
        "client": client,
        "app": {"name": page.app.name, "slug": page.app.slug, "color": page.app.color},
        "fileName": page.file_name or info.base_file_name,
        "userName": info.user_name if page.info else "",
        "buttons": _buttons(info, page.mode, client),
        **_protection(info, client),
        "urls": page_urls(info),
        "postMessage": {"origin": info.post_message_origin, **flags},
        "breadcrumbs": {
            "brand": info.text("BreadcrumbBrandName"),
            "folder": info.text("BreadcrumbFolderName"),
            "doc": info.text("BreadcrumbDocName"),
        },
        "fileNameMaxLength": info.number("FileNameMaxLength", DEFAULT_FILE_NAME_MAX_LENGTH),
        "tokenExpiresMs": page.launch.token_expires_ms,
        "pollMs": poll_ms,
        "editNotificationMs": edit_notification_ms,
        "userSession": page.user_session,
        "uiLanguage": ui_language_lcid(page.launch.ui_language),
        "model": page.model.to_json() if page.model else None,
        "notice": page.notice.to_json() if page.notice else None,
        "expiredNotice": notice("expired").to_json(),
        "navigationId": page.launch.navigation_id,
        "navigateTop": page.navigate_top,
        "continueUrl": f"/page/{page.pid}/continue" if page.continue_with else None,
    }


def _buttons(info: FileInfo, mode: str, client: str) -> dict[str, bool]:
    buttons = buttons_for(info, mode).to_json()
    if client != "collabora":
        buttons["saveAs"] = buttons["insertImage"] = False
        return buttons
    origin = bool(info.post_message_origin)
    # Collabora shows Share when the host sets EnableShare, asks the host for Save As by PostMessage, and
    # hides what the host's Hide*/Disable* properties take away (the "view, no download" role).
    buttons["share"] = buttons["share"] or (origin and mode != "embedview" and info.flag("EnableShare"))
    buttons["saveAs"] = (
        origin
        and mode == "edit"
        and not info.flag("UserCanNotWriteRelative")
        and not (info.flag("HideSaveOption") or info.flag("HideExportOption") or info.flag("DisableExport"))
    )
    buttons["download"] = buttons["download"] and not (
        info.flag("HideExportOption") or info.flag("DisableExport")
    )
    buttons["print"] = buttons["print"] and not info.flag("HidePrintOption")
    buttons["insertImage"] = origin and mode == "edit" and info.flag("EnableInsertRemoteImage")
    return buttons


def _protection(info: FileInfo, client: str) -> dict[str, object]:
    """Return what Collabora does for a restricted user: a watermark, and no copying out."""
    if client != "collabora":
        return {"watermark": "", "disableCopy": False}
    return {"watermark": info.text("WatermarkText"), "disableCopy": info.flag("DisableCopy")}


class PageRenderer:
    """Renders pages from the package's templates."""

    def __init__(self) -> None:
        self._env = jinja2.Environment(
            loader=jinja2.PackageLoader("wopihost.devclient", "templates"),
            autoescape=jinja2.select_autoescape(default=True),
        )

    def page(
        self,
        page: Page,
        *,
        poll_ms: int,
        edit_notification_ms: int,
        status_code: int = 200,
        client: str = "office",
    ) -> HTMLResponse:
        """Return a document page (or its error dialog)."""
        boot = boot_data(page, poll_ms=poll_ms, edit_notification_ms=edit_notification_ms, client=client)
        html = self._env.get_template("page.html").render(
            page=page,
            boot=_script_json(boot),
            title=boot["fileName"] or page.app.name,
            # Office for the web reports comments with AddActivities; the other clients' dialects do not.
            comments=client == "office" and page.mode != "error",
        )
        return HTMLResponse(html, status_code=status_code, headers=NO_STORE)

    def index(
        self, *, discovery_url: str, apps: tuple[AppSpec, ...], client_name: str = "Office for the web"
    ) -> HTMLResponse:
        """Return the start page that explains the client and whose discovery it presents."""
        html = self._env.get_template("index.html").render(
            discovery_url=discovery_url, apps=apps, client_name=client_name
        )
        return HTMLResponse(html)


def _script_json(data: object) -> str:
    # Inside <script>, "</script>" or "<!--" in a file name would end the element early.
    text = orjson.dumps(data).decode("utf-8")
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
