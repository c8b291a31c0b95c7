"""The baseline of `wopihost bench --local-baseline`: a bare ASGI app on this machine, under uvicorn.

Any path answers a CheckFileInfo-sized JSON body, and a path ending in `/contents` streams as many zero
bytes as WOPIHOST_BENCH_BARE_SIZE says, 256 KiB at a time: what a host's CheckFileInfo and GetFile cost
without any of its work.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

BODY = b'{"BaseFileName":"report.docx","OwnerId":"owner","Size":20480,"UserId":"user","Version":"1"}' * 10
CHUNK = b"\0" * (256 * 1024)
SIZE_VARIABLE = "WOPIHOST_BENCH_BARE_SIZE"


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
    """CheckFileInfo's body, or zeros for `/contents`."""
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    if not scope["path"].endswith("/contents"):
        await respond(send, 200, BODY, [(b"content-type", b"application/json")])
        return
    size = int(os.environ.get(SIZE_VARIABLE, "0"))
    headers = [(b"content-type", b"application/octet-stream"), (b"content-length", str(size).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    while size > 0:
        chunk = CHUNK[: min(size, len(CHUNK))]
        size -= len(chunk)
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def local_bare_app(file_size: int) -> Iterator[str]:
    """Run the app (one uvicorn worker, no access log) on a loopback port; yields its base URL."""
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", f"{__name__}:app", "--port", str(port)]
    command += ["--no-access-log", "--log-level", "warning"]
    env = {**os.environ, SIZE_VARIABLE: str(file_size)}
    process = subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603 - our own interpreter
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base, timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the local bare ASGI app did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
