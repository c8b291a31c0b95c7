"""The baseline: a bare ASGI app answering every request with a fixed CheckFileInfo-sized JSON body."""

from __future__ import annotations

from typing import Any

BODY = b'{"BaseFileName":"report.docx","OwnerId":"owner","Size":20480,"UserId":"user","Version":"1"}' * 10


async def lifespan(receive: Any, send: Any) -> None:
    """Acknowledge start-up and shutdown; nothing to set up."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def respond(
    send: Any, status: int, body: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Send a whole response with a Content-Length."""
    all_headers = [*(headers or []), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": all_headers})
    await send({"type": "http.response.body", "body": body})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer 200 with BODY."""
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    await respond(send, 200, BODY, [(b"content-type", b"application/json")])
