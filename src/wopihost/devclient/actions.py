"""The action pages a host page's form POST opens: view, edit, editnew, convert, embedview and getinfo.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/hostpage
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wopihost.devclient import licensing
from wopihost.devclient.catalog import APPS_BY_SLUG, AppSpec, app_for_filename
from wopihost.devclient.documents import (
    DEFAULT_LIMITS,
    TextModel,
    convert_legacy,
    converts_to,
    kind_for,
    read_model,
)
from wopihost.devclient.documents.preview import preview_model
from wopihost.devclient.fileinfo import FileInfo
from wopihost.devclient.messages import notice
from wopihost.devclient.opening import file_info_from
from wopihost.devclient.pages import LaunchParams, Mode, Page
from wopihost.devclient.policies import POLICIES
from wopihost.devclient.runtime import Runtime
from wopihost.devclient.sessions import OpenFailure, failure_kind
from wopihost.devclient.shapes import SHAPE_STYLES
from wopihost.domain.names import split_extension
from wopihost.errors import FileTooLarge, UnreadableDocument
from wopihost.logging_setup import log_value
from wopihost.numbers import ascii_digits

Handler = Callable[[Runtime, AppSpec, LaunchParams], Awaitable[Response]]
log = logging.getLogger("wopihost.devclient")


async def launch(request: Request) -> Response:
    """Accept the host page's form POST (access_token, access_token_ttl) on an action URL."""
    app = APPS_BY_SLUG.get(request.path_params["app"])
    action = request.path_params["action"]
    if app is None or action not in app.action_names():
        return Response("no such action", status_code=404)
    accepted = await accept_launch(request, app, action)
    if isinstance(accepted, Response):
        return accepted
    runtime, params = accepted
    return await HANDLERS[action](runtime, app, params)


async def accept_launch(
    request: Request, app: AppSpec, action: str
) -> tuple[Runtime, LaunchParams] | Response:
    """Check a launch's form POST and WOPISrc; an error page when they are unusable."""
    runtime: Runtime = request.app.state.runtime
    params = await _launch_params(request)
    if isinstance(params, str):
        return _error(runtime, app, LaunchParams("", "", 0), params, status_code=400)
    if not runtime.allows(params.wopi_src):
        return _error(runtime, app, LaunchParams("", "", 0), "untrusted_host", status_code=403)
    # The host session ID is what Office for the web logs to find a host's session; never the token.
    log.info(
        "op=launch app=%s action=%s wopisrc_path=%s hid=%s",
        app.slug,
        action,
        urlsplit(params.wopi_src).path,
        log_value(params.host_session_id or "-"),
    )
    return runtime, params


async def _launch_params(request: Request) -> LaunchParams | str:
    query = {key.lower(): value for key, value in request.query_params.items()}
    if request.method != "POST":
        return "no_token"
    form = await request.form()
    token, ttl = form.get("access_token"), form.get("access_token_ttl")
    if not isinstance(token, str) or not token:
        return "no_token"
    wopi_src = query.get("wopisrc", "")
    if urlsplit(wopi_src).scheme not in ("http", "https") or not urlsplit(wopi_src).netloc:
        return "bad_wopisrc"
    ttl_ms = (ascii_digits(ttl.strip()) if isinstance(ttl, str) else None) or 0
    return LaunchParams(
        wopi_src=wopi_src,
        access_token=token,
        token_expires_ms=ttl_ms,
        ui_language=query.get("ui"),
        session_context=query.get("sc"),
        host_session_id=query.get("hid"),
        business_user=licensing.is_business_user(query),
        navigation_id=query.get("wdnavigationid", "")[:1024],
    )


def _render(runtime: Runtime, page: Page, status_code: int = 200) -> Response:
    return runtime.renderer.page(
        page,
        poll_ms=runtime.poll_ms,
        edit_notification_ms=runtime.edit_notification_ms,
        status_code=status_code,
        client=SHAPE_STYLES[runtime.shape],
    )


def _error(
    runtime: Runtime,
    app: AppSpec,
    params: LaunchParams,
    kind: str,
    *,
    info: FileInfo | None = None,
    status_code: int = 200,
) -> Response:
    page = runtime.pages.add("error", app, params, runtime.clock.monotonic())
    page.info, page.notice = info, notice(kind)
    return _render(runtime, page, status_code)


def error_page(runtime: Runtime, app: AppSpec, params: LaunchParams, kind: str) -> Response:
    """Return the error dialog page of a failure kind (see messages.NOTICES)."""
    return _error(runtime, app, params, kind)


def _extension(name: str) -> str:
    return split_extension(name)[1].lower().lstrip(".")


def _view_model(name: str, content: bytes) -> TextModel:
    # Binary formats are shown through the same conversion the convert action uses; formats the client
    # cannot read (ODF, PDF) get a read-only preview.
    if converts_to(_extension(name)):
        name, content = convert_legacy(name, content)
    if kind_for(name) is None:
        return preview_model(name, content, DEFAULT_LIMITS)
    return read_model(name, content)


async def _open_for_view(
    runtime: Runtime, app: AppSpec, params: LaunchParams, *, any_type: bool = False
) -> tuple[FileInfo, TextModel] | Response:
    response = await runtime.wopi.check_file_info(params.target(), session_context=params.session_context)
    try:
        info = file_info_from(response)
    except OpenFailure as failure:
        return _error(runtime, app, params, failure.kind)
    if not any_type and app.action("view", _extension(info.base_file_name)) is None:
        return _error(runtime, app, params, "wrong_type", info=info)
    fetched = await runtime.wopi.get_file(params.target(), max_expected_size=DEFAULT_LIMITS.max_bytes)
    if not fetched.ok:
        return _error(runtime, app, params, failure_kind(fetched), info=info)
    try:
        model = await anyio.to_thread.run_sync(_view_model, info.base_file_name, fetched.content)
    except (UnreadableDocument, FileTooLarge) as exc:
        return _error(
            runtime, app, params, "too_large" if isinstance(exc, FileTooLarge) else "unreadable", info=info
        )
    return info, model


async def view(
    runtime: Runtime,
    app: AppSpec,
    params: LaunchParams,
    *,
    mode: Mode = "view",
    banner: str | None = None,
    any_type: bool = False,
) -> Response:
    """view and embedview: CheckFileInfo, GetFile, then a read-only rendering.

    `any_type` opens files the app's own discovery entry does not list (the shaped discoveries offer
    ODF and PDF), previewing what cannot be edited.
    """
    opened = await _open_for_view(runtime, app, params, any_type=any_type)
    if isinstance(opened, Response):
        return opened
    page = runtime.pages.add(mode, app, params, runtime.clock.monotonic())
    page.info, page.model = opened
    page.file_name = page.info.base_file_name
    page.notice = notice(banner) if banner else None
    return _render(runtime, page)


async def embedview(runtime: Runtime, app: AppSpec, params: LaunchParams) -> Response:
    """embedview: the read-only view without Close and the other host buttons."""
    return await view(runtime, app, params, mode="embedview")


async def edit(runtime: Runtime, app: AppSpec, params: LaunchParams, *, create_new: bool = False) -> Response:
    """edit (and editnew): join or start the document's co-authoring session."""
    action = "editnew" if create_new else "edit"
    licence = await licensing.check_licence(
        runtime.wopi,
        params.target(),
        business_user=params.business_user,
        session_context=params.session_context,
    )
    page = runtime.pages.add("edit", app, params, runtime.clock.monotonic())
    if licence.notice is not None:
        page.mode, page.notice = "error", licence.notice
        return _render(runtime, page)
    extensions = frozenset(ext for spec in app.actions if spec.name == action for ext in spec.extensions)
    router = runtime.router
    try:
        joined = await runtime.manager.join(
            pid=page.pid,
            target=params.target(),
            policy=POLICIES[app.name],
            token_expires_ms=params.token_expires_ms,
            session_context=params.session_context,
            create_new=create_new,
            extensions=extensions,
            resume=await router.resume_for(params.wopi_src) if router else None,
        )
    except OpenFailure as failure:
        if failure.kind == "read_only":
            return await view(runtime, app, params, banner="read_only")
        page.mode, page.notice, page.info = "error", notice(failure.kind), failure.info
        return _render(runtime, page)
    page.info, page.file_name = joined.info, joined.session.file_name
    if router is not None:
        await router.remember(page.pid, params, app.slug)
    return _render(runtime, page)


async def editnew(runtime: Runtime, app: AppSpec, params: LaunchParams) -> Response:
    """editnew: a zero-byte file gets a blank document by PutFile, then opens for editing."""
    return await edit(runtime, app, params, create_new=True)


async def convert(runtime: Runtime, app: AppSpec, params: LaunchParams) -> Response:
    """convert: GetFile, convert, PutRelativeFile with X-WOPI-FileConversion, then go to HostEditUrl.

    https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/scenarios/conversion
    """
    target = params.target()
    response = await runtime.wopi.check_file_info(target, session_context=params.session_context)
    try:
        info = file_info_from(response)
    except OpenFailure as failure:
        return _error(runtime, app, params, failure.kind)
    name = info.base_file_name
    if app.action("convert", _extension(name)) is None:
        return _error(runtime, app, params, "wrong_type", info=info)
    if not info.flag("UserCanWrite") or info.flag("UserCanNotWriteRelative"):
        return _error(runtime, app, params, "convert_denied", info=info)
    fetched = await runtime.wopi.get_file(target, max_expected_size=DEFAULT_LIMITS.max_bytes)
    if not fetched.ok:
        return _error(runtime, app, params, failure_kind(fetched), info=info)
    try:
        new_name, content = await anyio.to_thread.run_sync(convert_legacy, name, fetched.content)
    except (UnreadableDocument, FileTooLarge):
        return _error(runtime, app, params, "unreadable", info=info)
    created = await runtime.wopi.put_relative_file(
        target, content, suggested_target=new_name, file_conversion=True
    )
    body = created.json_object() if created.ok else None
    if body is None:
        return _error(runtime, app, params, "convert_failed", info=info)
    page = runtime.pages.add("converted", app, params, runtime.clock.monotonic())
    page.info, page.file_name = info, str(body.get("Name") or new_name)
    edit_url = body.get("HostEditUrl")
    page.navigate_top = edit_url if isinstance(edit_url, str) and _is_web_url(edit_url) else None
    page.continue_with = _launch_from_url(body.get("Url"), params)
    return _render(runtime, page)


def _is_web_url(value: str) -> bool:
    return urlsplit(value).scheme in ("http", "https")


def _launch_from_url(url: object, params: LaunchParams) -> LaunchParams | None:
    """Split PutRelativeFile's Url (WOPISrc?access_token=...) into a launch of the new file."""
    if not isinstance(url, str) or not _is_web_url(url):
        return None
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    token = next((value for key, value in query if key == "access_token"), "")
    if not token:
        return None
    rest = "&".join(f"{key}={value}" for key, value in query if key != "access_token")
    wopi_src = urlunsplit((parts.scheme, parts.netloc, parts.path, rest, ""))
    return LaunchParams(wopi_src, token, 0, params.ui_language, params.session_context)


async def getinfo(runtime: Runtime, app: AppSpec, params: LaunchParams) -> Response:
    """getinfo: a JSON report of basic checks of the host (not Microsoft's validator)."""
    target = params.target()
    info_response = await runtime.wopi.check_file_info(target, session_context=params.session_context)
    body = info_response.json_object() if info_response.ok else None
    checks = [_check("CheckFileInfo returns 200 and JSON", body is not None, info_response.describe())]
    if body is not None:
        missing = [key for key in ("BaseFileName", "OwnerId", "Size", "UserId", "Version") if key not in body]
        checks.append(_check("required CheckFileInfo properties", not missing, ", ".join(missing)))
        fetched = await runtime.wopi.get_file(target)
        size = FileInfo(body).size
        checks.append(_check("GetFile returns 200", fetched.ok, fetched.describe()))
        checks.append(
            _check(
                "GetFile returns Size bytes",
                len(fetched.content) == size,
                f"{len(fetched.content)} != {size}",
            )
        )
    report = {
        "App": app.name,
        "WOPISrc": params.wopi_src,
        "CheckFileInfo": body,
        "Checks": checks,
        "Passed": all(check["Passed"] for check in checks),
    }
    return JSONResponse(report)


def _check(name: str, passed: bool, detail: str) -> dict[str, object]:
    return {"Name": name, "Passed": passed, "Detail": "" if passed else detail}


async def page_view(request: Request) -> Response:
    """Open the document of an earlier page read-only (the "View read-only" button of error dialogs)."""
    runtime: Runtime = request.app.state.runtime
    page = runtime.pages.find(request.path_params["pid"])
    if page is None or not page.launch.access_token:
        return Response("this page has expired", status_code=404)
    return await view(runtime, page.app, page.launch)


async def page_continue(request: Request) -> Response:
    """Edit the file a conversion created, when the host returned no HostEditUrl to go to."""
    runtime: Runtime = request.app.state.runtime
    page = runtime.pages.find(request.path_params["pid"])
    if page is None or page.continue_with is None:
        return Response("this page has expired", status_code=404)
    app = app_for_filename(page.file_name) or page.app
    return await edit(runtime, app, page.continue_with)


HANDLERS: dict[str, Handler] = {
    "view": view,
    "embedview": embedview,
    "edit": edit,
    "editnew": editnew,
    "convert": convert,
    "getinfo": getinfo,
}
