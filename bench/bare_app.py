"""The baseline: a bare ASGI app answering every request with a fixed CheckFileInfo-sized JSON body."""

from __future__ import annotations

from typing import Any

BODY = b'{"BaseFileName":"report.docx","OwnerId":"owner","Size":20480,"UserId":"user","Version":"1"}' * 10


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer 200 with BODY; ignore lifespan."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})
