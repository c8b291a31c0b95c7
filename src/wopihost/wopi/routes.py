"""WOPI file operations, routed by method, path and X-WOPI-Override through one table; the routes of all.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, Awaitable, Callable

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from wopihost.domain.audit import acting_client
from wopihost.domain.locks import validate_lock_id
from wopihost.domain.names import decode_utf7
from wopihost.domain.records import FileRecord, SaveKind
from wopihost.domain.timestamps import iso8601
from wopihost.errors import InvalidFileName, InvalidRequest, NameConflict, NotFound, Unsupported
from wopihost.services.relative import RelativeTarget
from wopihost.wopi.activities import add_activities
from wopihost.wopi.check_file_info import check_file_info, share_url_types
from wopihost.wopi.containers import CONTAINER_GETS, CONTAINER_OPERATIONS, FOLDER_GETS
from wopihost.wopi.context import Handler, WopiRequest, WopiServices
from wopihost.wopi.ecosystem import (
    ECOSYSTEM_OPERATIONS,
    check_ecosystem,
    enumerate_file_ancestors,
    get_file_ecosystem,
    get_root_container,
)
from wopihost.wopi.errors import error_response
from wopihost.wopi.headers import (
    X_COOL_WOPI_IS_AUTOSAVE,
    X_COOL_WOPI_IS_EXIT_SAVE,
    X_COOL_WOPI_IS_MODIFIED_BY_USER,
    X_COOL_WOPI_TIMESTAMP,
    X_LOOL_WOPI_IS_AUTOSAVE,
    X_LOOL_WOPI_IS_EXIT_SAVE,
    X_LOOL_WOPI_IS_MODIFIED_BY_USER,
    X_LOOL_WOPI_TIMESTAMP,
    X_WOPI_EDITORS,
    X_WOPI_FILE_CONVERSION,
    X_WOPI_ITEM_VERSION,
    X_WOPI_LOCK,
    X_WOPI_MAX_EXPECTED_SIZE,
    X_WOPI_OLD_LOCK,
    X_WOPI_OVERRIDE,
    X_WOPI_OVERWRITE_RELATIVE_TARGET,
    X_WOPI_RELATIVE_TARGET,
    X_WOPI_REQUESTED_NAME,
    X_WOPI_SIZE,
    X_WOPI_SUGGESTED_TARGET,
    X_WOPI_URL_TYPE,
)
from wopihost.wopi.router import WopiRoute, WopiRouter

MAX_USER_INFO_BODY = 4096


def _json(data: object, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), media_type="application/json", headers=headers)


def _modified(file: FileRecord) -> str:
    # The same function formats CheckFileInfo's LastModifiedTime: clients compare the two as strings.
    return iso8601(file.modified_at)


def _ok(version: int | None = None) -> Response:
    return Response(headers={X_WOPI_ITEM_VERSION: str(version)} if version is not None else None)


async def check_file_info_op(w: WopiRequest) -> Response:
    """CheckFileInfo: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/checkfileinfo"""
    access = await w.open()
    s = w.services
    # A co-author's client joins a locked session with CheckFileInfo alone; revocation must know them.
    await s.locks.note_participant(access)
    await s.audit.record_open(access)
    file_url_token = s.tokens.file_url_for(access).token
    direct = await s.content.direct_url(access)
    info = check_file_info(
        access, urls=s.urls, host=s.host, file_url_token=file_url_token, direct_file_url=direct
    )
    return _json(info)


async def get_file(w: WopiRequest) -> Response:
    """GetFile: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/getfile"""
    access = await w.open()
    opened = await w.services.content.read(access, max_expected_size=w.int_header(X_WOPI_MAX_EXPECTED_SIZE))
    return _stream(opened.file.size, opened.file.version, opened.chunks)


async def get_direct(w: WopiRequest) -> Response:
    """The FileUrl of CheckFileInfo: GetFile authorised by the URL's own read-only token."""
    access = await w.open(kind="fileurl", token=w.request.query_params.get("token"))
    opened = await w.services.content.read(access)
    return _stream(opened.file.size, opened.file.version, opened.chunks)


def _stream(size: int, version: int, chunks: AsyncIterable[bytes]) -> Response:
    headers = {X_WOPI_ITEM_VERSION: str(version), "Content-Length": str(size)}
    if size > UNWATCHED_BODY:
        return StreamingResponse(chunks, media_type="application/octet-stream", headers=headers)
    return _UnwatchedStream(chunks, media_type="application/octet-stream", headers=headers)


# The largest file body sent without watching for the client to disconnect: watching costs a task group
# per response, and a body this small is read from the page cache and handed to the server in
# milliseconds, wasted or not. A larger one stops being read when its client goes away.
UNWATCHED_BODY = 4 * 1024 * 1024


class _UnwatchedStream(StreamingResponse):
    """A streamed body that does not listen for the client's disconnect while it is sent."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.stream_response(send)
        except OSError as exc:
            raise ClientDisconnect from exc


async def put_file(w: WopiRequest) -> Response:
    """PutFile: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/putfile"""
    access = await w.open()
    lock = w.header(X_WOPI_LOCK)
    started = time.perf_counter()
    file = await w.services.content.put_file(
        access,
        w.body(),
        lock_id=validate_lock_id(lock) if lock else None,
        editors=w.header(X_WOPI_EDITORS) or "",
        declared_size=w.content_length(),
        save=_save_kind(w),
        timestamp=_first_header(w, X_COOL_WOPI_TIMESTAMP, X_LOOL_WOPI_TIMESTAMP),
    )
    w.services.metrics.put_file(file.size, time.perf_counter() - started)
    # The spec leaves the body open; Collabora Online reads LastModifiedTime from it for its next save.
    return _json({"LastModifiedTime": _modified(file)}, {X_WOPI_ITEM_VERSION: str(file.version)})


def _first_header(w: WopiRequest, *names: str) -> str | None:
    """The first of Collabora Online's header names (X-COOL-, then the legacy X-LOOL-) that is present."""
    for name in names:
        value = w.header(name)
        if value is not None:
            return value
    return None


def _flag(w: WopiRequest, *names: str) -> bool | None:
    # A save is never refused over a descriptive flag: a value other than true or false counts as unsaid.
    value = _first_header(w, *names)
    return {"true": True, "false": False}.get(value.strip().lower()) if value is not None else None


def _save_kind(w: WopiRequest) -> SaveKind:
    return SaveKind(
        modified_by_user=_flag(w, X_COOL_WOPI_IS_MODIFIED_BY_USER, X_LOOL_WOPI_IS_MODIFIED_BY_USER),
        autosave=_flag(w, X_COOL_WOPI_IS_AUTOSAVE, X_LOOL_WOPI_IS_AUTOSAVE),
        exit_save=_flag(w, X_COOL_WOPI_IS_EXIT_SAVE, X_LOOL_WOPI_IS_EXIT_SAVE),
    )


async def lock(w: WopiRequest) -> Response:
    """Lock, or UnlockAndRelock when X-WOPI-OldLock is present.

    https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/lock
    https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/unlockandrelock
    """
    old = w.header(X_WOPI_OLD_LOCK)
    if old is not None:
        w.set_operation("UnlockAndRelock")
        new_lock, old_lock = validate_lock_id(w.header(X_WOPI_LOCK)), validate_lock_id(old, X_WOPI_OLD_LOCK)
        return _ok(await w.services.locks.unlock_and_relock(await w.open(), new_lock, old_lock))
    lock_id = validate_lock_id(w.header(X_WOPI_LOCK))
    return _ok(await w.services.locks.lock(await w.open(), lock_id))


async def unlock(w: WopiRequest) -> Response:
    """Unlock: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/unlock"""
    lock_id = validate_lock_id(w.header(X_WOPI_LOCK))
    return _ok(await w.services.locks.unlock(await w.open(), lock_id))


async def refresh_lock(w: WopiRequest) -> Response:
    """RefreshLock: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/refreshlock"""
    lock_id = validate_lock_id(w.header(X_WOPI_LOCK))
    return _ok(await w.services.locks.refresh_lock(await w.open(), lock_id))


async def get_lock(w: WopiRequest) -> Response:
    """GetLock: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/getlock"""
    lock_id, _version = w.services.locks.get_lock(await w.open())
    return Response(headers={X_WOPI_LOCK: lock_id})


async def put_relative_file(w: WopiRequest) -> Response:
    """PutRelativeFile: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/putrelativefile"""
    access = await w.open()
    target = _relative_target(w)
    size = w.int_header(X_WOPI_SIZE)
    s = w.services
    file = await s.relative.put_relative_file(
        access, target, w.body(), declared_size=size if size is not None else w.content_length()
    )
    token = s.tokens.issue(access.user.id, file.id)
    body = {
        "Name": file.name,
        "Url": s.urls.wopi_src_with_token(file.id, token.token),
        "LastModifiedTime": _modified(file),
    }
    for key, url in (("HostViewUrl", s.urls.host_view(file.id)), ("HostEditUrl", s.urls.host_edit(file.id))):
        if url is not None:
            body[key] = url
    return _json(body)


def _relative_target(w: WopiRequest) -> RelativeTarget:
    suggested, relative = w.header(X_WOPI_SUGGESTED_TARGET), w.header(X_WOPI_RELATIVE_TARGET)
    if (suggested is None) == (relative is None):
        raise InvalidRequest("exactly one of X-WOPI-SuggestedTarget and X-WOPI-RelativeTarget is required")
    conversion = _is_conversion(w.header(X_WOPI_FILE_CONVERSION))
    if suggested is not None:
        return RelativeTarget(
            suggested=decode_utf7(suggested, X_WOPI_SUGGESTED_TARGET), conversion=conversion
        )
    assert relative is not None
    return RelativeTarget(
        relative=decode_utf7(relative, X_WOPI_RELATIVE_TARGET),
        overwrite=w.bool_header(X_WOPI_OVERWRITE_RELATIVE_TARGET),
        conversion=conversion,
    )


def _is_conversion(value: str | None) -> bool:
    # The spec makes the header's presence the signal; ONLYOFFICE's releases differ in whether they send
    # it with the value "false" or leave it out, so an explicit false value is honoured as "no conversion".
    return value is not None and value.strip().lower() not in ("false", "0")


def _requested_stem(w: WopiRequest) -> str:
    # Every 400 of RenameFile carries X-WOPI-InvalidFileNameError, so a missing or undecodable name is an
    # invalid file name too.
    try:
        requested = w.header(X_WOPI_REQUESTED_NAME)
        if requested is None:
            raise InvalidRequest("X-WOPI-RequestedName is required")
        stem = decode_utf7(requested, X_WOPI_REQUESTED_NAME)
    except InvalidRequest as exc:
        raise InvalidFileName(str(exc)) from exc
    if not stem.strip():
        # Else the extension alone would become the name (".docx"), which has no extension.
        raise InvalidFileName("the requested name is empty")
    return stem


async def rename_file(w: WopiRequest) -> Response:
    """RenameFile: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/renamefile"""
    access = await w.open()
    stem = _requested_stem(w)
    lock_id = w.header(X_WOPI_LOCK) or None
    s = w.services
    try:
        # The spec asks the host to make a legal, free name of what was asked for where it can.
        file = await s.files.rename(
            access, stem + access.file.extension, lock_id=lock_id, renumber=True, repair=True
        )
    except NameConflict as exc:
        raise InvalidFileName("no free name close to the requested one was found") from exc
    # Collabora Online reloads the document from Url, under the new name.
    token = s.tokens.issue(access.user.id, file.id).token
    url = s.urls.wopi_src_with_token(file.id, token)
    return _json({"Name": file.stem, "Url": url, "LastModifiedTime": _modified(file)})


async def delete_file(w: WopiRequest) -> Response:
    """DeleteFile: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/deletefile"""
    await w.services.files.delete(await w.open())
    return _ok()


async def put_user_info(w: WopiRequest) -> Response:
    """PutUserInfo: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/putuserinfo"""
    access = await w.open()
    body = bytearray()
    async for chunk in w.body():
        body += chunk
        if len(body) > MAX_USER_INFO_BODY:
            raise InvalidRequest("the UserInfo body is too long")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidRequest("the UserInfo body is not UTF-8") from exc
    await w.services.users.put_user_info(access.user, text)
    return _ok()


async def get_share_url(w: WopiRequest) -> Response:
    """GetShareUrl: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/getshareurl"""
    access = await w.open()
    url_type = w.header(X_WOPI_URL_TYPE)
    urls = w.services.urls
    # A type missing from this user's SupportedShareUrlTypes is one the host does not support for them:
    # the spec answers 501, so a viewer asking for ReadWrite gets no link at all.
    if url_type not in share_url_types(access) or not urls.ui_enabled:
        raise Unsupported(f"share URL type {url_type!r} is not supported for this user")
    url = urls.host_view(access.file.id) if url_type == "ReadOnly" else urls.host_edit(access.file.id)
    return _json({"ShareUrl": url})


# X-WOPI-Override values of POST /wopi/files/{id}, with the operation name used in logs.
FILE_OPERATIONS: dict[str, tuple[str, Handler]] = {
    "LOCK": ("Lock", lock),
    "UNLOCK": ("Unlock", unlock),
    "REFRESH_LOCK": ("RefreshLock", refresh_lock),
    "GET_LOCK": ("GetLock", get_lock),
    "PUT_RELATIVE": ("PutRelativeFile", put_relative_file),
    "RENAME_FILE": ("RenameFile", rename_file),
    "DELETE": ("DeleteFile", delete_file),
    "PUT_USER_INFO": ("PutUserInfo", put_user_info),
    "GET_SHARE_URL": ("GetShareUrl", get_share_url),
    "ADD_ACTIVITIES": ("AddActivities", add_activities),
}
CONTENTS_OPERATIONS: dict[str, tuple[str, Handler]] = {"PUT": ("PutFile", put_file)}


def _override_dispatch(table: dict[str, tuple[str, Handler]]) -> Handler:
    async def dispatch(w: WopiRequest) -> Response:
        override = w.header(X_WOPI_OVERRIDE)
        if override is None or not override.strip():
            raise InvalidRequest("X-WOPI-Override is required")
        entry = table.get(override.strip().upper())
        if entry is None:
            w.set_operation(f"Unknown({override.strip()[:32]})")
            raise Unsupported(f"X-WOPI-Override {override.strip()[:32]!r} is not supported")
        w.set_operation(entry[0])
        return await entry[1](w)

    return dispatch


def _not_implemented(services: WopiServices) -> Callable[[Request], Awaitable[Response]]:
    """WOPI paths and methods this host does not implement (Cobalt, the bootstrapper, ...): WOPI's 501."""
    wopi_netloc = services.urls.wopi_netloc

    async def run(request: Request) -> Response:
        request.scope.setdefault("state", {})["wopi_op"] = "Unsupported"
        if not _on_wopi_hostname(request, wopi_netloc):
            exc: Exception = NotFound("WOPI is not served on this hostname")
        elif {".", ".."} & set(request.url.path.split("/")):
            # A relative segment names no WOPI resource, implemented or not.
            exc = NotFound("no such WOPI resource")
        else:
            exc = Unsupported(f"{request.method} of this WOPI path is not implemented")
        return error_response(request, exc)

    return run


def _on_wopi_hostname(request: Request, wopi_netloc: str | None) -> bool:
    """Whether the request came to WOPI's hostname; when WOPI has its own, the UI hostname never serves it."""
    return not wopi_netloc or request.headers.get("host", "").lower() == wopi_netloc


class _Endpoint:
    """A WOPI endpoint as a plain ASGI app: a request in, the handler's response out.

    Handlers turn every error into a WOPI response themselves.
    """

    __slots__ = ("_run",)

    def __init__(self, run: Callable[[Request], Awaitable[Response]]) -> None:
        self._run = run

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._run(Request(scope, receive, send))
        await response(scope, receive, send)


def wopi_router(services: WopiServices) -> WopiRouter:
    """The WOPI endpoints, bound to the services."""
    wopi_netloc = services.urls.wopi_netloc

    def endpoint(operation: str | None, handler: Handler, *, signed: bool = True) -> _Endpoint:
        async def run(request: Request) -> Response:
            w = WopiRequest(request, services)
            if operation:
                w.set_operation(operation)
            try:
                if not _on_wopi_hostname(request, wopi_netloc):
                    raise NotFound("WOPI is not served on this hostname")
                if signed:
                    await w.check_proof()
                with acting_client(w.acting_client()):
                    return await handler(w)
            except Exception as exc:
                return error_response(request, exc)

        return _Endpoint(run)

    get, post = ("GET",), ("POST",)
    containers = [
        WopiRoute(f"{prefix}/{{container_id}}{path}", get, endpoint(operation, handler))
        for prefix, gets in (("/wopi/containers", CONTAINER_GETS), ("/wopi/folders", FOLDER_GETS))
        for path, operation, handler in gets
    ]
    file, contents = "/wopi/files/{file_id}", "/wopi/files/{file_id}/contents"
    routes = [
        WopiRoute(file, get, endpoint("CheckFileInfo", check_file_info_op)),
        WopiRoute(file, post, endpoint(None, _override_dispatch(FILE_OPERATIONS))),
        WopiRoute(contents, get, endpoint("GetFile", get_file)),
        WopiRoute(contents, post, endpoint(None, _override_dispatch(CONTENTS_OPERATIONS))),
        WopiRoute(f"{file}/ancestry", get, endpoint("EnumerateAncestors", enumerate_file_ancestors)),
        WopiRoute(f"{file}/ecosystem_pointer", get, endpoint("GetEcosystem", get_file_ecosystem)),
        *containers,
        WopiRoute(
            "/wopi/containers/{container_id}", post, endpoint(None, _override_dispatch(CONTAINER_OPERATIONS))
        ),
        WopiRoute("/wopi/ecosystem", get, endpoint("CheckEcosystem", check_ecosystem)),
        WopiRoute("/wopi/ecosystem", post, endpoint(None, _override_dispatch(ECOSYSTEM_OPERATIONS))),
        WopiRoute(
            "/wopi/ecosystem/root_container_pointer", get, endpoint("GetRootContainer", get_root_container)
        ),
        WopiRoute("/wopi/direct/{file_id}", get, endpoint("GetFileUrl", get_direct, signed=False)),
    ]
    # What no route matches by path and method: a WOPI operation this host does not implement.
    return WopiRouter(
        routes, fallback=WopiRoute("/wopi/{rest:path}", (), _Endpoint(_not_implemented(services)))
    )
