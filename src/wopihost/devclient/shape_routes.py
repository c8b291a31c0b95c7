"""The pages the shaped discoveries' urlsrc name, and Collabora's /hosting/capabilities.

Each page resolves what to open the way its client does: Collabora's one cool.html by the file's
extension and the user's rights from CheckFileInfo, ONLYOFFICE's /hosting/wopi/<doctype>/<view|edit>
by its path and flags, Office Online Server's frame pages by path and query.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from wopihost import __version__
from wopihost.devclient import actions
from wopihost.devclient.catalog import APPS_BY_NAME, APPS_BY_SLUG, AppSpec
from wopihost.devclient.opening import file_info_from
from wopihost.devclient.pages import LaunchParams
from wopihost.devclient.runtime import Runtime
from wopihost.devclient.sessions import OpenFailure
from wopihost.devclient.shapes import (
    CAPABILITIES_PATH,
    COOL_PATH,
    ONLYOFFICE_PREFIX,
    OOS_PAGES,
    collabora_formats,
    oos_action,
)
from wopihost.domain.names import split_extension

_FAMILY_APPS = {"writer": "Word", "calc": "Excel", "impress": "PowerPoint"}
_EXTENSION_FAMILIES = {ext: family.split("-")[0] for ext, (family, _) in collabora_formats().items()}
_COLLABORA_ACTIONS = {ext: action for ext, (_, action) in collabora_formats().items()}
_ONLYOFFICE_DOCTYPES = {"word": "Word", "cell": "Excel", "slide": "PowerPoint", "pdf": "Word"}


def editing_app(ext: str) -> AppSpec | None:
    """Return the Office app whose edit action the development client uses for this extension."""
    return next((app for app in APPS_BY_SLUG.values() if app.action("edit", ext)), None)


def display_app(ext: str) -> AppSpec:
    """Return the app whose look a read-only page of this extension takes."""
    viewing = next((app for app in APPS_BY_SLUG.values() if app.action("view", ext)), None)
    if viewing is not None:
        return viewing
    return APPS_BY_NAME[_FAMILY_APPS.get(_EXTENSION_FAMILIES.get(ext, ""), "Word")]  # type: ignore[index]


async def capabilities(request: Request) -> Response:
    """Collabora's capabilities document, which hosts read to learn what the client supports."""
    return JSONResponse(
        {
            "productName": "wopihost development client",
            "productVersion": __version__,
            "convert-to": {"available": False},
            "hasMobileSupport": True,
            "hasProxyPrefix": False,
            "hasTemplateSaveAs": False,
            "hasTemplateSource": False,
            "hasWASMSupport": False,
            "hasZoteroSupport": False,
            "hasDocumentSigningSupport": False,
            "hasSettingIframeSupport": False,
        }
    )


async def open_by_type(
    runtime: Runtime,
    params: LaunchParams,
    *,
    edit: bool,
    create_new: bool = False,
    offers_edit: Callable[[str], bool] = lambda ext: True,
) -> Response:
    """CheckFileInfo, then edit where the shape offers it, the development client can and the user may.

    Everything else opens read-only (a preview when the client cannot read the format).
    """
    response = await runtime.wopi.check_file_info(params.target(), session_context=params.session_context)
    word = APPS_BY_NAME["Word"]
    try:
        info = file_info_from(response)
    except OpenFailure as failure:
        return actions.error_page(runtime, word, params, failure.kind)
    ext = split_extension(info.base_file_name)[1].lower().lstrip(".")
    app = editing_app(ext)
    if edit and app is not None and offers_edit(ext):
        # Only types with a blank document of their own get one; an empty .txt is already a document.
        blank = create_new and app.action("editnew", ext) is not None
        return await actions.edit(runtime, app, params, create_new=blank)
    return await actions.view(runtime, display_app(ext), params, any_type=True)


async def collabora_page(request: Request) -> Response:
    """cool.html?WOPISrc=...: Collabora decides between editing and viewing from CheckFileInfo."""
    accepted = await actions.accept_launch(request, APPS_BY_NAME["Word"], "cool")
    if isinstance(accepted, Response):
        return accepted
    runtime, params = accepted
    readonly = request.query_params.get("permission", "").lower() == "readonly"
    return await open_by_type(
        runtime, params, edit=not readonly, offers_edit=lambda ext: _COLLABORA_ACTIONS.get(ext) == "edit"
    )


async def onlyoffice_page(request: Request) -> Response:
    """/hosting/wopi/<doctype>/<view|edit>: embed=1 and mobile=1 view, formsubmit=1 edits forms."""
    doctype, mode = request.path_params["doctype"], request.path_params["mode"]
    if doctype not in _ONLYOFFICE_DOCTYPES or mode not in ("view", "edit"):
        return Response("no such action", status_code=404)
    app = APPS_BY_NAME[_ONLYOFFICE_DOCTYPES[doctype]]  # type: ignore[index]
    accepted = await actions.accept_launch(request, app, mode)
    if isinstance(accepted, Response):
        return accepted
    runtime, params = accepted
    # The urlsrc says embed=1 and a host filling EMBEDDED adds embed=true: either means embedded.
    embedded = any(value in ("1", "true") for value in request.query_params.getlist("embed"))
    if mode == "view" and embedded:
        return await actions.view(runtime, app, params, mode="embedview", any_type=True)
    # ONLYOFFICE's edit page is also its editnew page: an empty file gets its template first.
    return await open_by_type(runtime, params, edit=mode == "edit", create_new=True)


async def onlyoffice_convert(request: Request) -> Response:
    """/hosting/wopi/convert-and-edit/<ext>/<target>: convert, then edit the new file."""
    app = display_app(request.path_params["ext"].lower())
    accepted = await actions.accept_launch(request, app, "convert")
    if isinstance(accepted, Response):
        return accepted
    runtime, params = accepted
    return await actions.convert(runtime, app, params)


async def oos_page(request: Request) -> Response:
    """Office Online Server's frame pages: the path and query say which app and action."""
    found = oos_action(request.url.path, dict(request.query_params))
    if found is None:
        return Response("no such action", status_code=404)
    name, action = found
    app = APPS_BY_NAME.get(name, APPS_BY_NAME["Word"])  # type: ignore[call-overload]
    accepted = await actions.accept_launch(request, app, action)
    if isinstance(accepted, Response):
        return accepted
    runtime, params = accepted
    if action in ("view", "embedview"):
        return await actions.view(runtime, app, params, mode=action, any_type=True)  # type: ignore[arg-type]
    if action == "convert":
        return await actions.convert(runtime, app, params)
    return await open_by_type(runtime, params, edit=True, create_new=action == "editnew")


def shape_routes() -> list[BaseRoute]:
    """Return every shaped page's route; they sit before the catch-all /{app}/{action}."""
    oos_paths = sorted({page.split("?")[0] for page in OOS_PAGES.values()})
    return [
        Route(CAPABILITIES_PATH, capabilities, methods=["GET"]),
        Route(COOL_PATH, collabora_page, methods=["GET", "POST"]),
        Route(
            f"{ONLYOFFICE_PREFIX}/convert-and-edit/{{ext}}/{{target}}",
            onlyoffice_convert,
            methods=["GET", "POST"],
        ),
        Route(f"{ONLYOFFICE_PREFIX}/{{doctype}}/{{mode}}", onlyoffice_page, methods=["GET", "POST"]),
        *(Route(path, oos_page, methods=["GET", "POST"]) for path in oos_paths),
    ]
