"""The GetFile baseline: a bare ASGI app streaming a file's bytes from BENCH_BARE_DIR.

It reads 256 KiB at a time, as wopihost's local blob store does: with smaller chunks the baseline would
pay more per-chunk overhead than the host and be slower than it for large files.

`GET /<name>` answers the file `<name>` of that directory (any query string is ignored).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from bench.bare_app import lifespan, respond

CHUNK = 256 * 1024


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Stream the named file, or answer 404."""
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    folder = Path(os.environ["BENCH_BARE_DIR"])
    path = folder / Path(scope["path"]).name
    if not path.is_file():
        await respond(send, 404)
        return
    headers = [
        (b"content-type", b"application/octet-stream"),
        (b"content-length", str(path.stat().st_size).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})
