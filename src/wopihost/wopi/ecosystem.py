"""The WOPI ecosystem: CheckEcosystem, GetRootContainer, GetFileWopiSrc, and the files' ways into it.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/endpoints#ecosystem-endpoint
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from starlette.responses import Response

from wopihost.errors import InvalidRequest, NotFound
from wopihost.urls import PublicUrls
from wopihost.wopi.container_info import container_pointer
from wopihost.wopi.containers import ecosystem_pointer, json_response, pointer_and_info
from wopihost.wopi.context import Handler, WopiRequest
from wopihost.wopi.headers import X_WOPI_HOST_NATIVE_FILE_NAME

MAX_NATIVE_NAME = 2048
_UI_FILE_PAGE = re.compile(r"/files/(?P<id>[^/]+)/(?:view|edit|embedview)")
_WOPI_SRC = re.compile(r"/wopi/files/(?P<id>[^/]+)")


async def enumerate_file_ancestors(w: WopiRequest) -> Response:
    """EnumerateAncestors (files): https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/enumerateancestors"""
    access = await w.open()
    s = w.services
    path = await s.containers.file_ancestors(access)
    pointers = [container_pointer(folder, access.user, tokens=s.tokens, urls=s.urls) for folder in path]
    return json_response({"AncestorsWithRootFirst": pointers})


async def get_file_ecosystem(w: WopiRequest) -> Response:
    """GetEcosystem (files): https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/getecosystem"""
    access = await w.open()
    if access.link_id is not None:
        # A visitor through a share link has no account, so no root container nor ecosystem of their own.
        raise NotFound("link visitors have no ecosystem")
    return ecosystem_pointer(w, access.user.id)


async def check_ecosystem(w: WopiRequest) -> Response:
    """CheckEcosystem: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/ecosystem/checkecosystem"""
    await w.open_ecosystem()
    return json_response({"SupportsContainers": True})


async def get_root_container(w: WopiRequest) -> Response:
    """GetRootContainer: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/ecosystem/getrootcontainer"""
    user = await w.open_ecosystem()
    return json_response(pointer_and_info(w, await w.services.containers.root(user)))


async def get_file_wopi_src(w: WopiRequest) -> Response:
    """GetFileWopiSrc: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/ecosystem/getfilewopisrc"""
    user = await w.open_ecosystem()
    native = w.header(X_WOPI_HOST_NATIVE_FILE_NAME)
    if native is None or not native.strip() or len(native) > MAX_NATIVE_NAME:
        raise InvalidRequest(f"{X_WOPI_HOST_NATIVE_FILE_NAME} is required")
    file_id = native_file_id(native.strip(), w.services.urls)
    s = w.services
    if file_id is None:
        raise NotFound("no file of this host is known by that name")
    access = await s.files.find_access(file_id, user)
    token = s.tokens.issue(user.id, access.file.id).token
    return json_response({"Url": s.urls.wopi_src_with_token(access.file.id, token)})


def native_file_id(native: str, urls: PublicUrls) -> str | None:
    """The file ID in a HostViewUrl, HostEditUrl, HostEmbeddedViewUrl, ShareUrl or WOPISrc of this host."""
    parts = urlsplit(native)
    base = f"{parts.scheme}://{parts.netloc}".lower()
    for expected, pattern in ((urls.ui_base, _UI_FILE_PAGE), (urls.wopi_base, _WOPI_SRC)):
        prefix = urlsplit(expected)
        if base != f"{prefix.scheme}://{prefix.netloc}".lower() or not parts.path.startswith(prefix.path):
            continue
        match = pattern.fullmatch(parts.path[len(prefix.path) :])
        if match:
            return unquote(match["id"])
    return None


# X-WOPI-Override values of POST /wopi/ecosystem.
ECOSYSTEM_OPERATIONS: dict[str, tuple[str, Handler]] = {
    "GET_WOPI_SRC_WITH_ACCESS_TOKEN": ("GetFileWopiSrc", get_file_wopi_src),
}
