"""An HTTP WOPI client that calls a host the way Office for the web does, every request signed.

Spec: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/
Proofs: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/scenarios/proofkeys
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import orjson

from wopihost import __version__
from wopihost.domain.names import encode_utf7
from wopihost.domain.proofkeys import ProofSigner

log = logging.getLogger("wopihost.devclient.wopi")

X_WOPI_OVERRIDE = "X-WOPI-Override"
X_WOPI_LOCK = "X-WOPI-Lock"
X_WOPI_OLD_LOCK = "X-WOPI-OldLock"
X_WOPI_LOCK_FAILURE_REASON = "X-WOPI-LockFailureReason"
X_WOPI_EDITORS = "X-WOPI-Editors"
X_WOPI_SUGGESTED_TARGET = "X-WOPI-SuggestedTarget"
X_WOPI_RELATIVE_TARGET = "X-WOPI-RelativeTarget"
X_WOPI_OVERWRITE_RELATIVE_TARGET = "X-WOPI-OverwriteRelativeTarget"
X_WOPI_SIZE = "X-WOPI-Size"
X_WOPI_FILE_CONVERSION = "X-WOPI-FileConversion"
X_WOPI_REQUESTED_NAME = "X-WOPI-RequestedName"
X_WOPI_MAX_EXPECTED_SIZE = "X-WOPI-MaxExpectedSize"
X_WOPI_CORRELATION_ID = "X-WOPI-CorrelationId"
X_WOPI_SESSION_CONTEXT = "X-WOPI-SessionContext"
X_WOPI_SESSION_ID = "X-WOPI-SessionId"
X_WOPI_CLIENT_VERSION = "X-WOPI-ClientVersion"
X_WOPI_REQUESTING_APPLICATION = "X-WOPI-RequestingApplication"
X_WOPI_SERVER_ERROR = "X-WOPI-ServerError"
CLIENT_VERSION = f"wopihost-devclient/{__version__}"
USER_AGENT = CLIENT_VERSION


@dataclass(frozen=True, slots=True)
class WopiTarget:
    """A file as one user reaches it: its WOPISrc and that user's access token."""

    wopi_src: str
    access_token: str


@dataclass(frozen=True, slots=True)
class WopiResponse:
    """What a WOPI request got back; `status` is 0 when no response arrived (`error` says why)."""

    operation: str
    status: int
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    content: bytes = b""
    correlation_id: str = ""
    error: str = ""
    elapsed_ms: float = 0.0

    @property
    def ok(self) -> bool:
        """Tell whether the host answered 200 (WOPI's only success code)."""
        return self.status == 200

    @property
    def denied(self) -> bool:
        """Tell whether the host refused the token or the file (401, 403 or 404): permission is gone."""
        return self.status in (401, 403, 404)

    def header(self, name: str) -> str | None:
        """Return a response header, or None."""
        value: str | None = self.headers.get(name)
        return value

    def json_object(self) -> dict[str, Any] | None:
        """Return the body as a JSON object, or None when it is not one."""
        try:
            value = orjson.loads(self.content)
        except orjson.JSONDecodeError:
            return None
        return value if isinstance(value, dict) else None

    def describe(self) -> str:
        """Return a short account for logs and error dialogs, e.g. "409 (locked by another client)"."""
        if self.status == 0:
            return f"no response ({self.error})"
        detail = self.header(X_WOPI_LOCK_FAILURE_REASON) or self.header(X_WOPI_SERVER_ERROR) or ""
        return f"{self.status} ({detail})" if detail else str(self.status)


def _with_query(url: str, suffix_path: str, params: Sequence[tuple[str, str]]) -> str:
    parts = urlsplit(url)
    path = parts.path.rstrip("/") + suffix_path if suffix_path else parts.path
    extra = "&".join(f"{name}={quote(value, safe='')}" for name, value in params)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def wopi_url(target: WopiTarget, *, contents: bool = False) -> str:
    """Return the URL of a WOPI request: WOPISrc (or its /contents) with the token as access_token."""
    return _with_query(
        target.wopi_src, "/contents" if contents else "", [("access_token", target.access_token)]
    )


def _now() -> datetime:
    return datetime.now(UTC)


class WopiClient:
    """Sends WOPI requests: token in the query string and Authorization header, proofs, correlation IDs."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        signer: Callable[[], ProofSigner],
        *,
        wall_clock: Callable[[], datetime] = _now,
        session_id: str | None = None,
    ) -> None:
        self._http = http
        self._signer = signer
        self._wall_clock = wall_clock
        self.session_id = session_id or str(uuid.uuid4())

    async def send(
        self,
        operation: str,
        target: WopiTarget,
        *,
        method: str = "GET",
        contents: bool = False,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> WopiResponse:
        """Sign and send one request; transport failures come back as status 0, never as exceptions."""
        correlation_id = str(uuid.uuid4())
        request = self._http.build_request(method, wopi_url(target, contents=contents), content=body)
        # The proof covers the URL exactly as sent, query string included.
        signed_url = str(request.url)
        request.headers.update(self._signer().headers(target.access_token, signed_url, self._wall_clock()))
        request.headers.update(
            {
                "Authorization": f"Bearer {target.access_token}",
                X_WOPI_CORRELATION_ID: correlation_id,
                X_WOPI_SESSION_ID: self.session_id,
                X_WOPI_CLIENT_VERSION: CLIENT_VERSION,
                X_WOPI_REQUESTING_APPLICATION: "wopihost-devclient",
                "User-Agent": USER_AGENT,
                **(headers or {}),
            }
        )
        started = time.perf_counter()
        try:
            response = await self._send_once_more_if_dropped(request)
            result = WopiResponse(
                operation,
                response.status_code,
                response.headers,
                response.content,
                correlation_id,
                elapsed_ms=(time.perf_counter() - started) * 1000,
            )
        except httpx.HTTPError as exc:
            result = WopiResponse(operation, 0, correlation_id=correlation_id, error=type(exc).__name__)
        _log(result, request.url)
        return result

    async def _send_once_more_if_dropped(self, request: httpx.Request) -> httpx.Response:
        """Send `request`; a GET that meets a kept-alive connection the host closes as it goes out (no answer
        at all) is sent once more, on a new connection, as browsers do: a GET changes nothing."""
        try:
            return await self._http.send(request)
        except httpx.RemoteProtocolError:
            if request.method != "GET":
                raise
        return await self._http.send(request)

    async def check_file_info(
        self, target: WopiTarget, *, session_context: str | None = None
    ) -> WopiResponse:
        """CheckFileInfo: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/checkfileinfo"""
        headers = {X_WOPI_SESSION_CONTEXT: session_context} if session_context else None
        return await self.send("CheckFileInfo", target, headers=headers)

    async def get_file(self, target: WopiTarget, *, max_expected_size: int | None = None) -> WopiResponse:
        """GetFile: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/getfile"""
        headers = (
            {X_WOPI_MAX_EXPECTED_SIZE: str(max_expected_size)} if max_expected_size is not None else None
        )
        return await self.send("GetFile", target, contents=True, headers=headers)

    async def lock(self, target: WopiTarget, lock_id: str) -> WopiResponse:
        """Lock: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/lock"""
        return await self._post("Lock", target, {X_WOPI_OVERRIDE: "LOCK", X_WOPI_LOCK: lock_id})

    async def refresh_lock(
        self, target: WopiTarget, lock_id: str, *, override: str = "REFRESH_LOCK"
    ) -> WopiResponse:
        """RefreshLock: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/refreshlock

        Collabora keeps its lock alive with LOCK and the same lock ID (`override="LOCK"`), which the spec
        also defines as a refresh; the operation is still reported as RefreshLock.
        """
        return await self._post("RefreshLock", target, {X_WOPI_OVERRIDE: override, X_WOPI_LOCK: lock_id})

    async def unlock(self, target: WopiTarget, lock_id: str) -> WopiResponse:
        """Unlock: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/unlock"""
        return await self._post("Unlock", target, {X_WOPI_OVERRIDE: "UNLOCK", X_WOPI_LOCK: lock_id})

    async def unlock_and_relock(self, target: WopiTarget, lock_id: str, old_lock_id: str) -> WopiResponse:
        """UnlockAndRelock: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/unlockandrelock"""
        headers = {X_WOPI_OVERRIDE: "LOCK", X_WOPI_LOCK: lock_id, X_WOPI_OLD_LOCK: old_lock_id}
        return await self._post("UnlockAndRelock", target, headers)

    async def get_lock(self, target: WopiTarget) -> WopiResponse:
        """GetLock: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/getlock"""
        return await self._post("GetLock", target, {X_WOPI_OVERRIDE: "GET_LOCK"})

    async def put_file(
        self,
        target: WopiTarget,
        content: bytes,
        *,
        lock_id: str | None,
        editors: Sequence[str] = (),
        extra_headers: Mapping[str, str] | None = None,
    ) -> WopiResponse:
        """PutFile: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/putfile

        `extra_headers` carries what only some clients send (Collabora's and ONLYOFFICE's save headers).
        """
        headers = {X_WOPI_OVERRIDE: "PUT"}
        if lock_id is not None:
            headers[X_WOPI_LOCK] = lock_id
        if editors:
            headers[X_WOPI_EDITORS] = ",".join(editors)
        headers.update(extra_headers or {})
        return await self.send("PutFile", target, method="POST", contents=True, headers=headers, body=content)

    async def put_relative_file(
        self,
        target: WopiTarget,
        content: bytes,
        *,
        suggested_target: str | None = None,
        relative_target: str | None = None,
        overwrite: bool = False,
        file_conversion: bool | str = False,
    ) -> WopiResponse:
        """PutRelativeFile: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/putrelativefile"""
        headers = {X_WOPI_OVERRIDE: "PUT_RELATIVE", X_WOPI_SIZE: str(len(content))}
        if suggested_target is not None:
            headers[X_WOPI_SUGGESTED_TARGET] = encode_utf7(suggested_target)
        if relative_target is not None:
            headers[X_WOPI_RELATIVE_TARGET] = encode_utf7(relative_target)
            headers[X_WOPI_OVERWRITE_RELATIVE_TARGET] = "true" if overwrite else "false"
        if file_conversion:
            # Office sends "True", ONLYOFFICE "true": hosts must read the value, not only the presence.
            headers[X_WOPI_FILE_CONVERSION] = "True" if file_conversion is True else str(file_conversion)
        return await self.send("PutRelativeFile", target, method="POST", headers=headers, body=content)

    async def rename_file(
        self, target: WopiTarget, requested_name: str, *, lock_id: str | None
    ) -> WopiResponse:
        """RenameFile: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/renamefile"""
        headers = {X_WOPI_OVERRIDE: "RENAME_FILE", X_WOPI_REQUESTED_NAME: encode_utf7(requested_name)}
        if lock_id is not None:
            headers[X_WOPI_LOCK] = lock_id
        return await self._post("RenameFile", target, headers)

    async def add_activities(
        self, target: WopiTarget, activities: Sequence[Mapping[str, Any]]
    ) -> WopiResponse:
        """AddActivities, as Office for the web reports comments: the body of [MS-WOPI] and the validator."""
        body = orjson.dumps({"Activities": list(activities)})
        headers = {X_WOPI_OVERRIDE: "ADD_ACTIVITIES"}
        return await self.send("AddActivities", target, method="POST", headers=headers, body=body)

    async def download(self, url: str) -> WopiResponse:
        """GET a URL a host page handed over (Collabora's Action_InsertGraphic): a plain request, no proof."""
        started = time.perf_counter()
        try:
            response = await self._http.get(url, headers={"User-Agent": USER_AGENT})
        except httpx.HTTPError as exc:
            return WopiResponse("Download", 0, error=type(exc).__name__)
        elapsed = (time.perf_counter() - started) * 1000
        return WopiResponse(
            "Download", response.status_code, response.headers, response.content, elapsed_ms=elapsed
        )

    async def _post(self, operation: str, target: WopiTarget, headers: Mapping[str, str]) -> WopiResponse:
        return await self.send(operation, target, method="POST", headers=headers, body=b"")


def _log(result: WopiResponse, url: httpx.URL) -> None:
    # The path only: the query string carries the access token.
    log.info(
        "op=%s path=%s status=%d duration_ms=%.1f correlation_id=%s%s",
        result.operation,
        url.path,
        result.status,
        result.elapsed_ms,
        result.correlation_id,
        f" error={result.error}" if result.error else "",
    )
