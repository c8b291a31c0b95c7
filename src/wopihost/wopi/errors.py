"""The one table mapping domain exceptions to WOPI responses."""

from __future__ import annotations

import logging
from collections.abc import Callable

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from wopihost.domain.names import encode_utf7
from wopihost.errors import (
    DocumentChanged,
    FileTooLarge,
    FolderLocked,
    FolderNotEmpty,
    InvalidContainerName,
    InvalidFileName,
    InvalidRequest,
    InvalidToken,
    LargerThanExpected,
    LockMismatch,
    NameConflict,
    NotFound,
    PermissionDenied,
    ProofKeyInvalid,
    StorageUnavailable,
    Unsupported,
)
from wopihost.wopi.headers import (
    X_WOPI_INVALID_CONTAINER_NAME_ERROR,
    X_WOPI_INVALID_FILE_NAME_ERROR,
    X_WOPI_LOCK,
    X_WOPI_LOCK_FAILURE_REASON,
    X_WOPI_SERVER_ERROR,
    X_WOPI_VALID_RELATIVE_TARGET,
)

log = logging.getLogger("wopihost.wopi")


def _status(code: int) -> Callable[[Request, Exception], Response]:
    def handler(request: Request, exc: Exception) -> Response:
        return Response(status_code=code, headers={X_WOPI_SERVER_ERROR: _header_safe(str(exc))})

    return handler


def _lock_mismatch(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LockMismatch)
    headers = {X_WOPI_LOCK: exc.current_lock}
    if exc.reason:
        headers[X_WOPI_LOCK_FAILURE_REASON] = exc.reason
    return Response(status_code=409, headers=headers)


# Collabora Online's status code for "the document changed in storage" (COOLStatusCode::DOC_CHANGED); it
# reads COOLStatusCode or, from older hosts, LOOLStatusCode in the body of a 409.
DOC_CHANGED = 1010


def _document_changed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DocumentChanged)
    body = orjson.dumps({"COOLStatusCode": DOC_CHANGED, "LOOLStatusCode": DOC_CHANGED})
    headers = {X_WOPI_LOCK: exc.current_lock, X_WOPI_SERVER_ERROR: _header_safe(str(exc))}
    return Response(body, status_code=409, headers=headers, media_type="application/json")


def _invalid_file_name(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidFileName)
    headers = {X_WOPI_INVALID_FILE_NAME_ERROR: _header_safe(exc.reason)}
    if exc.suggestion:
        headers[X_WOPI_VALID_RELATIVE_TARGET] = encode_utf7(exc.suggestion)
    return Response(status_code=400, headers=headers)


def _invalid_container_name(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidContainerName)
    return Response(status_code=400, headers={X_WOPI_INVALID_CONTAINER_NAME_ERROR: _header_safe(exc.reason)})


def _name_conflict(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NameConflict)
    # Every 409 carries X-WOPI-Lock; a name conflict involves no lock, so it is empty.
    reason = f"a {'folder' if exc.kind == 'folder' else 'file'} with this name already exists"
    headers = {X_WOPI_LOCK: "", X_WOPI_LOCK_FAILURE_REASON: reason}
    if exc.suggestion:
        headers[X_WOPI_VALID_RELATIVE_TARGET] = encode_utf7(exc.suggestion)
    return Response(status_code=409, headers=headers)


def _folder_conflict(request: Request, exc: Exception) -> Response:
    # DeleteContainer's 409s: something is inside the folder, or a file inside is being edited.
    return Response(status_code=409, headers={X_WOPI_LOCK: "", X_WOPI_SERVER_ERROR: _header_safe(str(exc))})


def _client_disconnect(request: Request, exc: Exception) -> Response:
    # The client went away mid-request, typically during an upload: no server fault, and no one is left
    # to read the response. The upload area has already been cleaned up by the blob store.
    log.info("op=client_disconnect status=aborted")
    return Response(status_code=400, headers={X_WOPI_SERVER_ERROR: "the client disconnected"})


def _server_error(request: Request, exc: Exception) -> Response:
    log.error("op=unhandled_error error=%s", type(exc).__name__, exc_info=exc)
    return Response(status_code=500, headers={X_WOPI_SERVER_ERROR: "internal error"})


def _header_safe(text: str) -> str:
    return text.encode("ascii", "replace").decode("ascii").replace("\r", " ").replace("\n", " ")[:256]


EXCEPTION_HANDLERS: dict[type[Exception], Callable[[Request, Exception], Response]] = {
    InvalidToken: _status(401),
    # A valid token whose user lacks the right for this operation is not valid for it.
    PermissionDenied: _status(401),
    NotFound: _status(404),
    InvalidRequest: _status(400),
    InvalidFileName: _invalid_file_name,
    LockMismatch: _lock_mismatch,
    DocumentChanged: _document_changed,
    NameConflict: _name_conflict,
    InvalidContainerName: _invalid_container_name,
    FolderNotEmpty: _folder_conflict,
    FolderLocked: _folder_conflict,
    FileTooLarge: _status(413),
    LargerThanExpected: _status(412),
    Unsupported: _status(501),
    StorageUnavailable: _status(500),
    ProofKeyInvalid: _status(500),
    ClientDisconnect: _client_disconnect,
    Exception: _server_error,
}


def error_response(request: Request, exc: Exception) -> Response:
    """The response for an exception: the handler of its most specific class in the table."""
    # The error log of the administrators' console names the class of a server error (never its message).
    request.scope.setdefault("state", {})["wopi_error_class"] = type(exc).__name__
    for cls in type(exc).__mro__:
        handler = EXCEPTION_HANDLERS.get(cls)
        if handler is not None:
            return handler(request, exc)
    return _server_error(request, exc)
