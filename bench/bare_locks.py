"""The lock baseline: a bare ASGI app keeping WOPI locks in an in-memory table.

`POST /wopi/files/<id>?access_token=...` with X-WOPI-Override LOCK, REFRESH_LOCK, UNLOCK or GET_LOCK
answers as a WOPI host does: 200, or 409 with the current lock in X-WOPI-Lock; 401 without a token,
400 on a missing lock ID, 501 on other overrides. Locks expire after 30 minutes. Nothing is durable.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.bare_app import lifespan, respond

TTL_SECONDS = 30 * 60
LOCKS: dict[str, tuple[str, float]] = {}

Handler = Callable[[Any, str, str], Awaitable[None]]


def _current(file_id: str) -> str:
    held = LOCKS.get(file_id)
    if held is None or held[1] < time.monotonic():
        LOCKS.pop(file_id, None)
        return ""
    return held[0]


async def _conflict(send: Any, current: str) -> None:
    await respond(send, 409, headers=[(b"x-wopi-lock", current.encode())])


async def _lock(send: Any, file_id: str, lock_id: str) -> None:
    current = _current(file_id)
    if current and current != lock_id:
        await _conflict(send, current)
        return
    LOCKS[file_id] = (lock_id, time.monotonic() + TTL_SECONDS)
    await respond(send, 200)


async def _refresh(send: Any, file_id: str, lock_id: str) -> None:
    current = _current(file_id)
    if current != lock_id:
        await _conflict(send, current)
        return
    LOCKS[file_id] = (lock_id, time.monotonic() + TTL_SECONDS)
    await respond(send, 200)


async def _unlock(send: Any, file_id: str, lock_id: str) -> None:
    current = _current(file_id)
    if current != lock_id:
        await _conflict(send, current)
        return
    del LOCKS[file_id]
    await respond(send, 200)


async def _get_lock(send: Any, file_id: str, _lock_id: str) -> None:
    await respond(send, 200, headers=[(b"x-wopi-lock", _current(file_id).encode())])


OVERRIDES: dict[bytes, tuple[Handler, bool]] = {
    b"LOCK": (_lock, True),
    b"REFRESH_LOCK": (_refresh, True),
    b"UNLOCK": (_unlock, True),
    b"GET_LOCK": (_get_lock, False),
}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Dispatch on X-WOPI-Override."""
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    headers = dict(scope["headers"])
    if b"access_token=" not in scope.get("query_string", b""):
        await respond(send, 401)
        return
    handler = OVERRIDES.get(headers.get(b"x-wopi-override", b""))
    if scope["method"] != "POST" or handler is None:
        await respond(send, 501)
        return
    lock_id = headers.get(b"x-wopi-lock", b"").decode("latin-1")
    if handler[1] and not lock_id:
        await respond(send, 400)
        return
    await handler[0](send, scope["path"].rsplit("/", 1)[-1], lock_id)
