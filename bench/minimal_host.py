"""The floor of the hot path: CheckFileInfo's and the lock operations' work done by a raw ASGI app, with
nothing else around it.

It is not a WOPI host (no error answers, no other operation): a measure of what these requests must cost
in Python whatever the framework. On every request it verifies the proof (RSA, the WOPI client's keys
from discovery) and the access token and runs the access query; then it builds the CheckFileInfo body, or
changes the lock through the lock service (a durable commit, as the host's), and logs one access line;
each step goes through wopihost's own services on the deployment the host serves (its settings come from
the same WOPIHOST_* environment). Routing, Starlette's request and response objects, the WOPI middleware,
co-author and audit bookkeeping, header validation and error answers are left out.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import orjson

from bench.bare_app import lifespan as bare_lifespan
from bench.bare_app import respond
from wopihost.app import build_services
from wopihost.config import load_settings
from wopihost.domain.records import FileAccess
from wopihost.logging_setup import configure_logging
from wopihost.services.proof import ProofHeaders
from wopihost.wopi.check_file_info import check_file_info

settings = load_settings()
configure_logging(settings.logging.level, settings.logging.format)
services = build_services(settings)
wopi = services.wopi()
log = logging.getLogger("wopihost.access")
Headers = dict[str, str]
Answer = tuple[bytes, list[tuple[bytes, bytes]]]


async def _check_file_info(access: FileAccess, _headers: Headers) -> Answer:
    file_url = wopi.tokens.file_url_for(access).token
    info = check_file_info(
        access, urls=wopi.urls, host=wopi.host, file_url_token=file_url, direct_file_url=None
    )
    return orjson.dumps(info), [(b"content-type", b"application/json")]


def _version(version: int) -> Answer:
    return b"", [(b"x-wopi-itemversion", str(version).encode())]


async def _lock(access: FileAccess, headers: Headers) -> Answer:
    return _version(await wopi.locks.lock(access, headers["x-wopi-lock"]))


async def _refresh_lock(access: FileAccess, headers: Headers) -> Answer:
    return _version(await wopi.locks.refresh_lock(access, headers["x-wopi-lock"]))


async def _unlock(access: FileAccess, headers: Headers) -> Answer:
    return _version(await wopi.locks.unlock(access, headers["x-wopi-lock"]))


async def _get_lock(access: FileAccess, _headers: Headers) -> Answer:
    lock_id, _version = wopi.locks.get_lock(access)
    return b"", [(b"x-wopi-lock", lock_id.encode())]


OPERATIONS: dict[str, Callable[[FileAccess, Headers], Awaitable[Answer]]] = {
    "LOCK": _lock,
    "REFRESH_LOCK": _refresh_lock,
    "UNLOCK": _unlock,
    "GET_LOCK": _get_lock,
}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer a signed CheckFileInfo, Lock, RefreshLock, GetLock or Unlock of a file."""
    if scope["type"] == "lifespan":
        await bare_lifespan(receive, send)
        return
    path, query = scope["path"], scope["query_string"].decode("latin-1")
    if not path.startswith("/wopi/files/"):
        await respond(send, 200)  # the readiness probe of bench.context.bare_server
        return
    file_id, token = path.rsplit("/", 1)[1], dict(parse_qsl(query)).get("access_token", "")
    headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
    if wopi.proof is not None:  # as the host: checked unless proofs are off
        await wopi.proof.check(
            ProofHeaders(
                access_token=token,
                url=f"{wopi.urls.wopi_base}{path}?{query}",
                proof=headers.get("x-wopi-proof"),
                proof_old=headers.get("x-wopi-proofold"),
                timestamp=headers.get("x-wopi-timestamp"),
            )
        )
    access = await wopi.access.open(file_id, token)
    operation = headers.get("x-wopi-override", "CheckFileInfo")
    body, extra = await OPERATIONS.get(operation, _check_file_info)(access, headers)
    await respond(send, 200, body, extra)
    line = "op=%s method=%s path=%s file_id=%s user_id=%s status=200"
    log.info(line, operation, scope["method"], path, file_id, access.user.id)
