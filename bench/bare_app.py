"""The baseline: a bare ASGI app answering every request with a fixed CheckFileInfo-sized JSON body."""

from __future__ import annotations

from typing import Any

from wopihost.benchkit.bare import BODY, lifespan, respond

__all__ = ["BODY", "app", "lifespan", "respond"]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer 200 with BODY."""
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    await respond(send, 200, BODY, [(b"content-type", b"application/json")])
