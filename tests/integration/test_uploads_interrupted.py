"""Uploads that never finish: nothing half-written, the previous version intact, the server still serving.

The real cases run against a `wopihost serve` subprocess and speak HTTP over raw sockets, so that a body
can stop halfway, stall, or be cut by a reset exactly as a failing client or network would do it.
"""

from __future__ import annotations

import logging
import select
import socket
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from starlette.types import Message

from tests.integration.conftest import ORIGINAL, Host, make_settings
from tests.servers import mint_token_in_process, wopihost_in_process, wopihost_server
from wopihost.config import Settings

MAX_FILE_SIZE = 8 * 1024 * 1024
DECLARED = 5 * 1000 * 1000  # several MB, under the limit: the host starts writing it
SENT = 1_500_000  # the part that arrives before the connection ends
LOCK = "upload-lock"
TIMEOUT = 10.0
IDLE_SECONDS = 0.3  # the ASGI tests' upload idle timeout


@dataclass
class Server:
    """A running `wopihost serve` with one locked file, and a client for ordinary requests to it."""

    base: str
    data_dir: Path
    file_id: str
    token: str
    client: httpx.Client

    @property
    def address(self) -> tuple[str, int]:
        url = httpx.URL(self.base)
        return url.host, url.port or 80

    @property
    def upload_area(self) -> Path:
        return self.data_dir / "blobs" / "tmp"

    def params(self) -> dict[str, str]:
        return {"access_token": self.token}

    def content_and_version(self) -> tuple[bytes, str, int]:
        got = self.client.get(f"/wopi/files/{self.file_id}/contents", params=self.params())
        info = self.client.get(f"/wopi/files/{self.file_id}", params=self.params())
        assert (got.status_code, info.status_code) == (200, 200)
        return got.content, info.json()["Version"], info.json()["Size"]

    def put_file(self, body: bytes) -> httpx.Response:
        return self.client.post(
            f"/wopi/files/{self.file_id}/contents",
            params=self.params(),
            headers={"X-WOPI-Override": "PUT", "X-WOPI-Lock": LOCK},
            content=body,
        )

    def lock(self) -> None:
        response = self.client.post(
            f"/wopi/files/{self.file_id}",
            params=self.params(),
            headers={"X-WOPI-Override": "LOCK", "X-WOPI-Lock": LOCK},
        )
        assert response.status_code == 200  # a lock, or a refresh of the same lock ID

    def request_head(self, **headers: str) -> bytes:
        """The request line and headers of a PutFile with the lock, as raw bytes."""
        host, port = self.address
        lines = [
            f"POST /wopi/files/{self.file_id}/contents?access_token={self.token} HTTP/1.1",
            f"Host: {host}:{port}",
            "X-WOPI-Override: PUT",
            f"X-WOPI-Lock: {LOCK}",
            *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items()),
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")

    def connect(self) -> socket.socket:
        sock = socket.create_connection(self.address, timeout=TIMEOUT)
        sock.settimeout(TIMEOUT)
        return sock

    def blob_files(self) -> set[str]:
        root = self.data_dir / "blobs"
        return {p.name for p in root.rglob("*") if p.is_file() and p.parent != self.upload_area}

    def parts(self) -> list[Path]:
        return list(self.upload_area.glob("*.part"))

    def log_offset(self) -> int:
        return (self.data_dir / "server.log").stat().st_size

    def log_since(self, offset: int) -> str:
        with (self.data_dir / "server.log").open("rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", "replace")


def wait_for(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def read_status(sock: socket.socket) -> int | None:
    """The status of the response on `sock`, or None if the server closed without one."""
    data = b""
    while b"\r\n" not in data:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return None
        if not chunk:
            return None
        data += chunk
    return int(data.split(b" ", 2)[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("uploads") / "data"
    env = {"WOPIHOST_PROOF_KEYS__MODE": "off", "WOPIHOST_STORAGE__MAX_FILE_SIZE": str(MAX_FILE_SIZE)}
    wopihost_in_process(data_dir, "init", env=env)
    wopihost_in_process(data_dir, "user", "add", "alice", env=env)
    sample = data_dir.parent / "report.docx"
    sample.write_bytes(ORIGINAL)
    file_id = wopihost_in_process(
        data_dir, "file", "put", str(sample), "--owner", "alice", "--to", "/report.docx", env=env
    )
    token = mint_token_in_process(data_dir, "alice", file_id, env=env).access_token
    with wopihost_server(data_dir, env=env) as base, httpx.Client(base_url=base, timeout=TIMEOUT) as client:
        yield Server(base, data_dir, file_id, token, client)


@pytest.fixture
def locked(server: Server) -> Iterator[Server]:
    """The server with the file locked; afterwards no upload may be left behind in the upload area."""
    server.lock()
    yield server
    wait_for(lambda: not server.parts(), "the upload area to be empty")


def assert_intact_and_serving(
    server: Server, before: tuple[bytes, str, int], blobs: set[str], log_from: int
) -> None:
    """The previous version is intact, nothing is left over, no error was logged, and a save works."""
    wait_for(lambda: not server.parts(), "the partial upload to be removed")
    assert server.content_and_version() == before
    assert server.blob_files() == blobs
    log = server.log_since(log_from)
    assert "level=ERROR" not in log, log
    saved = server.put_file(b"saved after the interruption")
    assert saved.status_code == 200, saved.headers.get("X-WOPI-ServerError")
    assert server.content_and_version()[0] == b"saved after the interruption"


def _close(sock: socket.socket, how: str) -> None:
    if how == "reset":
        # SO_LINGER with a zero timeout: close() sends RST, as a crashed client's operating system does.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    elif how == "half-close":
        sock.shutdown(socket.SHUT_WR)
        status = read_status(sock)
        assert status is None or not 200 <= status < 300, status
    sock.close()


@pytest.mark.slow
@pytest.mark.parametrize("how", ["close", "reset", "half-close"])
def test_put_file_connection_ends_mid_body_keeps_previous_version(locked: Server, how: str) -> None:
    server = locked
    before, blobs, log_from = server.content_and_version(), server.blob_files(), server.log_offset()
    sock = server.connect()

    sock.sendall(server.request_head(Content_Length=str(DECLARED)) + b"x" * SENT)
    wait_for(lambda: bool(server.parts()), "the host to start writing the upload")
    _close(sock, how)

    assert_intact_and_serving(server, before, blobs, log_from)


@pytest.mark.slow
def test_put_file_stalled_then_disconnected_keeps_previous_version_and_others_are_served(
    locked: Server,
) -> None:
    server = locked
    before, blobs, log_from = server.content_and_version(), server.blob_files(), server.log_offset()
    sock = server.connect()
    sock.sendall(server.request_head(Content_Length=str(DECLARED)) + b"x" * SENT)
    wait_for(lambda: bool(server.parts()), "the host to start writing the upload")

    # While the upload stalls, readers see the previous version and the host answers them promptly.
    during = [server.content_and_version() for _ in range(3)]
    time.sleep(1.0)
    stalled_part = [p.stat().st_size for p in server.parts()]
    sock.close()

    assert during == [before] * 3
    assert len(stalled_part) == 1
    assert 0 < stalled_part[0] <= SENT
    assert_intact_and_serving(server, before, blobs, log_from)


@pytest.mark.slow
def test_put_file_chunked_body_above_max_size_returns_413_and_stores_nothing(locked: Server) -> None:
    server = locked
    before, blobs, log_from = server.content_and_version(), server.blob_files(), server.log_offset()
    chunk = b"y" * 65536
    status = None

    with server.connect() as sock:
        sock.sendall(server.request_head(Transfer_Encoding="chunked"))
        try:
            for _ in range(2 * MAX_FILE_SIZE // len(chunk)):
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                if select.select([sock], [], [], 0)[0]:
                    break  # the host answered before the body ended
            else:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the host stopped reading; its answer is already on the way
        status = read_status(sock)

    assert status == 413
    assert_intact_and_serving(server, before, blobs, log_from)


@pytest.mark.slow
def test_put_file_declared_above_max_size_returns_413_before_any_body(locked: Server) -> None:
    server = locked
    before, blobs, log_from = server.content_and_version(), server.blob_files(), server.log_offset()

    with server.connect() as sock:
        sock.sendall(server.request_head(Content_Length=str(MAX_FILE_SIZE + 1)))
        status = read_status(sock)  # no body was sent: the size alone is refused

    assert status == 413
    assert_intact_and_serving(server, before, blobs, log_from)


# The same through ASGI, fast: a client that disconnects after the first chunk -----------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    base = make_settings(tmp_path / "data")
    storage = base.storage.model_copy(update={"upload_idle_timeout_seconds": IDLE_SECONDS})
    return base.model_copy(update={"storage": storage})


@pytest.mark.anyio
async def test_put_file_client_disconnect_after_first_chunk_returns_400_and_logs_no_error(
    host: Host, caplog: pytest.LogCaptureFixture
) -> None:
    assert (await host.lock(LOCK)).status_code == 200
    blobs, version = host.blob_files(), (await host.record()).version
    scope = _put_file_scope(host)
    incoming: list[Message] = [{"type": "http.request", "body": b"x" * 10_000, "more_body": True}]
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await host.app(scope, receive, send)

    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [400]
    assert await host.stored() == ORIGINAL
    assert (await host.record()).version == version
    assert (host.blob_files(), host.temporary_files()) == (blobs, [])
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _put_file_scope(host: Host) -> dict[str, Any]:
    """The ASGI scope of a locked PutFile that announces 60000 bytes (under the test host's 64 KiB limit)."""
    path = f"/wopi/files/{host.doc.id}/contents"
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "server": ("wopihost.test", 443),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": f"access_token={host.token()}".encode(),
        "headers": [
            (b"host", b"wopihost.test"),
            (b"x-wopi-override", b"PUT"),
            (b"x-wopi-lock", LOCK.encode()),
            (b"content-length", b"60000"),  # under the test host's 64 KiB limit
        ],
    }


@pytest.mark.anyio
async def test_put_file_client_stalls_past_idle_timeout_returns_400_and_stores_nothing(host: Host) -> None:
    assert (await host.lock(LOCK)).status_code == 200
    blobs, version = host.blob_files(), (await host.record()).version
    incoming: list[Message] = [{"type": "http.request", "body": b"x" * 10_000, "more_body": True}]
    sent: list[Message] = []

    async def receive() -> Message:
        if incoming:
            return incoming.pop(0)
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    with anyio.fail_after(IDLE_SECONDS * 20):
        await host.app(_put_file_scope(host), receive, send)

    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [400]
    assert await host.stored() == ORIGINAL
    assert (await host.record()).version == version
    assert (host.blob_files(), host.temporary_files()) == (blobs, [])
