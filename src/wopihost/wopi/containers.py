"""WOPI container operations, routed like the file operations: by path and X-WOPI-Override.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/endpoints#containers-endpoint
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from wopihost.domain.names import decode_utf7
from wopihost.domain.records import FolderAccess
from wopihost.errors import InvalidContainerName, InvalidRequest, Unsupported
from wopihost.services.relative import RelativeTarget
from wopihost.wopi.container_info import (
    check_container_info,
    child_file,
    container_pointer,
    container_share_url_types,
)
from wopihost.wopi.context import Handler, WopiRequest
from wopihost.wopi.headers import (
    X_WOPI_FILE_EXTENSION_FILTER_LIST,
    X_WOPI_OVERWRITE_RELATIVE_TARGET,
    X_WOPI_RELATIVE_TARGET,
    X_WOPI_REQUESTED_NAME,
    X_WOPI_SUGGESTED_TARGET,
    X_WOPI_URL_TYPE,
)

MAX_EXTENSION_FILTERS = 100


def json_response(data: object) -> Response:
    return Response(orjson.dumps(data), media_type="application/json")


async def check_container_info_op(w: WopiRequest) -> Response:
    """CheckContainerInfo: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/containers/checkcontainerinfo"""
    return json_response(check_container_info(await w.open_container(), urls=w.services.urls))


def pointer_and_info(w: WopiRequest, access: FolderAccess) -> dict[str, Any]:
    """A ContainerPointer with the ContainerInfo the spec recommends beside it."""
    s = w.services
    return {
        "ContainerPointer": container_pointer(access.folder, access.user, tokens=s.tokens, urls=s.urls),
        "ContainerInfo": check_container_info(access, urls=s.urls),
    }


def ancestors_response(w: WopiRequest, access: FolderAccess, *, include_self: bool) -> Response:
    """AncestorsWithRootFirst of a folder the user sees: the visible path above it (and it, for a file)."""
    s = w.services
    path = access.path if include_self else access.path[:-1]
    pointers = [container_pointer(folder, access.user, tokens=s.tokens, urls=s.urls) for folder in path]
    return json_response({"AncestorsWithRootFirst": pointers})


async def enumerate_ancestors(w: WopiRequest) -> Response:
    """EnumerateAncestors (containers): https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/containers/enumerateancestors"""
    return ancestors_response(w, await w.open_container(), include_self=False)


async def enumerate_children(w: WopiRequest) -> Response:
    """EnumerateChildren: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/containers/enumeratechildren"""
    access = await w.open_container()
    extensions = _extension_filter(w.header(X_WOPI_FILE_EXTENSION_FILTER_LIST))
    s = w.services
    children = await s.containers.children(access, extensions)
    user = access.user
    return json_response(
        {
            "ChildContainers": [
                container_pointer(folder, user, tokens=s.tokens, urls=s.urls) for folder in children.folders
            ],
            "ChildFiles": [child_file(file, user, tokens=s.tokens, urls=s.urls) for file in children.files],
        }
    )


def _extension_filter(value: str | None) -> frozenset[str] | None:
    """The extensions of X-WOPI-FileExtensionFilterList (".doc,.docx"), lower case; None without one."""
    if value is None or not value.strip():
        return None
    items = value.split(",")
    if len(items) > MAX_EXTENSION_FILTERS:
        raise InvalidRequest(f"{X_WOPI_FILE_EXTENSION_FILTER_LIST} lists too many extensions")
    extensions = {item.strip().lower() for item in items if item.strip()}
    for extension in extensions:
        if not extension.startswith(".") or "*" in extension or "?" in extension or " " in extension:
            raise InvalidRequest(f"{X_WOPI_FILE_EXTENSION_FILTER_LIST} holds {extension[:32]!r}")
    return frozenset(extensions)


async def get_ecosystem(w: WopiRequest) -> Response:
    """GetEcosystem (containers): https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/containers/getecosystem"""
    access = await w.open_container()
    return ecosystem_pointer(w, access.user.id)


def ecosystem_pointer(w: WopiRequest, user_id: str) -> Response:
    """The ecosystem endpoint's URL with a fresh ecosystem token for this user."""
    token = w.services.tokens.issue_for_ecosystem(user_id).token
    return json_response({"Url": w.services.urls.wopi_ecosystem_with_token(token)})


async def create_child_container(w: WopiRequest) -> Response:
    """CreateChildContainer: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/containers/createchildcontainer"""
    access = await w.open_container()
    target = _target(w, container=True)
    s = w.services
    exact = target.relative is not None
    name = target.relative if exact else target.suggested
    assert name is not None
    folder = await s.containers.create_child_container(access, name, exact=exact)
    return json_response(pointer_and_info(w, await s.containers.folder_access(folder.id, access.user.id)))


async def create_child_file(w: WopiRequest) -> Response:
    """CreateChildFile: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/containers/createchildfile"""
    access = await w.open_container()
    target = _target(w, container=False)
    s = w.services
    file = await s.relative.create_child_file(access, target)
    token = s.tokens.issue(access.user.id, file.id).token
    body = {"Name": file.name, "Url": s.urls.wopi_src_with_token(file.id, token)}
    for key, url in (("HostViewUrl", s.urls.host_view(file.id)), ("HostEditUrl", s.urls.host_edit(file.id))):
        if url is not None:
            body[key] = url
    return json_response(body)


def _target(w: WopiRequest, *, container: bool) -> RelativeTarget:
    """The suggested or specific (relative) name of CreateChildContainer and CreateChildFile."""
    suggested, relative = w.header(X_WOPI_SUGGESTED_TARGET), w.header(X_WOPI_RELATIVE_TARGET)
    if suggested is not None and relative is not None:
        # Unlike PutRelativeFile's 400, both operations answer both headers with 501.
        raise Unsupported("X-WOPI-SuggestedTarget and X-WOPI-RelativeTarget are mutually exclusive")
    if suggested is not None:
        return RelativeTarget(suggested=decode_utf7(suggested, X_WOPI_SUGGESTED_TARGET))
    if relative is None:
        raise InvalidRequest("X-WOPI-SuggestedTarget or X-WOPI-RelativeTarget is required")
    try:
        name = decode_utf7(relative, X_WOPI_RELATIVE_TARGET)
    except InvalidRequest as exc:
        if container:
            raise InvalidContainerName(str(exc)) from exc
        raise
    # X-WOPI-OverwriteRelativeTarget only applies to files; folders are never overwritten.
    overwrite = not container and w.bool_header(X_WOPI_OVERWRITE_RELATIVE_TARGET)
    return RelativeTarget(relative=name, overwrite=overwrite)


async def rename_container(w: WopiRequest) -> Response:
    """RenameContainer: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/containers/renamecontainer"""
    access = await w.open_container()
    try:
        requested = w.header(X_WOPI_REQUESTED_NAME)
        if requested is None:
            raise InvalidRequest("X-WOPI-RequestedName is required")
        name = decode_utf7(requested, X_WOPI_REQUESTED_NAME)
    except InvalidRequest as exc:
        # Every 400 of RenameContainer carries X-WOPI-InvalidContainerNameError.
        raise InvalidContainerName(str(exc)) from exc
    folder = await w.services.containers.rename_container(access, name)
    return json_response({"Name": folder.name})


async def delete_container(w: WopiRequest) -> Response:
    """DeleteContainer: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/containers/deletecontainer"""
    await w.services.containers.delete_container(await w.open_container())
    return Response()


async def get_share_url(w: WopiRequest) -> Response:
    """GetShareUrl (containers): https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/containers/getshareurl"""
    access = await w.open_container()
    url_type = w.header(X_WOPI_URL_TYPE)
    page = w.services.urls.folder(access.folder.id)
    # Both types lead to the folder's page, where the user's own rights decide what they can do.
    if url_type not in container_share_url_types(access) or page is None:
        raise Unsupported(f"share URL type {url_type!r} is not supported for this user")
    return json_response({"ShareUrl": page})


# X-WOPI-Override values of POST /wopi/containers/{id}, with the operation name used in logs.
CONTAINER_OPERATIONS: dict[str, tuple[str, Handler]] = {
    "CREATE_CHILD_CONTAINER": ("CreateChildContainer", create_child_container),
    "CREATE_CHILD_FILE": ("CreateChildFile", create_child_file),
    "DELETE_CONTAINER": ("DeleteContainer", delete_container),
    "RENAME_CONTAINER": ("RenameContainer", rename_container),
    "GET_SHARE_URL": ("GetShareUrl", get_share_url),
}

# GET paths below /wopi/containers/{container_id}; the deprecated /wopi/folders/ (SupportsFolders) answers
# CheckFolderInfo and EnumerateChildren (folders) the same way.
CONTAINER_GETS: list[tuple[str, str, Handler]] = [
    ("", "CheckContainerInfo", check_container_info_op),
    ("/ancestry", "EnumerateAncestors", enumerate_ancestors),
    ("/children", "EnumerateChildren", enumerate_children),
    ("/ecosystem_pointer", "GetEcosystem", get_ecosystem),
]
FOLDER_GETS: list[tuple[str, str, Handler]] = [
    ("", "CheckContainerInfo", check_container_info_op),
    ("/children", "EnumerateChildren", enumerate_children),
]
