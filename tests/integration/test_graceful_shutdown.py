"""SIGTERM to a real `wopihost serve`: uploads in flight finish and are committed, new requests are not
served, and the process is gone within `server.shutdown_timeout_seconds`, cancelling what still runs then."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.servers import WOPIHOST, free_port, mint_token_in_process, wait_until_up, wopihost_in_process

pytestmark = pytest.mark.slow

CHUNK = b"x" * 64 * 1024
ORIGINAL = b"the version before the upload"
LOCK = "graceful-shutdown-lock"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in [n for n in os.environ if n.startswith("WOPIHOST_")]:
        monkeypatch.delenv(name)
    return tmp_path / "data"


@pytest.fixture
def file_id(data_dir: Path, tmp_path: Path) -> str:
    wopihost_in_process(data_dir, "user", "add", "alice")
    sample = tmp_path / "report.docx"
    sample.write_bytes(ORIGINAL)
    return wopihost_in_process(data_dir, "file", "put", str(sample), "--owner", "alice")


@contextlib.contextmanager
def server(
    data_dir: Path, *, shutdown_timeout: int, workers: int = 1
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "WOPIHOST_DEVCLIENT__ENABLED": "false",
        "WOPIHOST_PROOF_KEYS__MODE": "off",
        "WOPIHOST_SERVER__SHUTDOWN_TIMEOUT_SECONDS": str(shutdown_timeout),
    }
    command = [
        *WOPIHOST,
        "--data-dir",
        str(data_dir),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    with (data_dir / "server.log").open("wb") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_until_up(f"{base}/healthz", process=process)
            yield base, process
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def slow_body(started: threading.Event, chunks: int, pause: float, stop: threading.Event) -> Iterator[bytes]:
    """The first chunk at once, then one chunk every `pause` seconds (unless `stop` is set)."""
    yield CHUNK
    started.set()
    for _ in range(chunks - 1):
        stop.wait(pause)
        yield CHUNK


def start_upload(
    wopi_src: str, token: str, body: Iterator[bytes], pool: ThreadPoolExecutor
) -> Future[httpx.Response]:
    headers = {"X-WOPI-Override": "PUT", "X-WOPI-Lock": LOCK}
    url = f"{wopi_src}/contents"
    return pool.submit(
        httpx.post, url, params={"access_token": token}, headers=headers, content=body, timeout=60
    )


def lock(wopi_src: str, token: str) -> None:
    headers = {"X-WOPI-Override": "LOCK", "X-WOPI-Lock": LOCK}
    assert httpx.post(wopi_src, params={"access_token": token}, headers=headers).status_code == 200


def refuses_new_requests(url: str, *, workers: int) -> bool:
    """Whether a request on a new connection goes unanswered.

    One process closes its listening socket: the connection is refused. With several workers uvicorn's
    supervisor keeps its copy of the socket open until it exits, so the connection waits unanswered and is
    reset then; either way the request is never served.
    """
    try:
        httpx.get(url, timeout=1.0)
    except httpx.ConnectError:
        return True
    except httpx.TransportError:
        return workers > 1
    return False


def stored(data_dir: Path, file_id: str) -> tuple[int, str]:
    """The file's size and version, as `wopihost file list` reports them."""
    for line in wopihost_in_process(data_dir, "file", "list", "--owner", "alice").splitlines():
        fields = line.split("\t")
        if fields[0] == file_id:
            return int(fields[1]), fields[2]
    raise AssertionError(f"{file_id} is not listed")


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_lets_an_upload_in_flight_finish_and_refuses_new_connections(
    data_dir: Path, file_id: str, workers: int
) -> None:
    chunks, started, stop = 16, threading.Event(), threading.Event()
    with (
        server(data_dir, shutdown_timeout=15, workers=workers) as (base, process),
        ThreadPoolExecutor(1) as pool,
    ):
        token = mint_token_in_process(data_dir, "alice", file_id)
        lock(token.wopi_src, token.access_token)
        upload = start_upload(
            token.wopi_src, token.access_token, slow_body(started, chunks, 0.25, stop), pool
        )
        assert started.wait(10)
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()

        deadline = signalled + 3
        while not refuses_new_requests(f"{base}/healthz", workers=workers):
            assert time.monotonic() < deadline, "a new request was still served after SIGTERM"
            time.sleep(0.1)
        assert not upload.done(), "the upload ended before new connections were refused"

        response = upload.result(timeout=30)
        assert response.status_code == 200, response.text
        assert response.headers["X-WOPI-ItemVersion"] == "2"
        process.wait(timeout=15)
        assert time.monotonic() - signalled < 15
    assert stored(data_dir, file_id) == (chunks * len(CHUNK), "v2")


def test_sigterm_cancels_an_upload_still_running_at_the_timeout_and_keeps_the_previous_version(
    data_dir: Path, file_id: str
) -> None:
    started, stop = threading.Event(), threading.Event()
    with server(data_dir, shutdown_timeout=2) as (_base, process), ThreadPoolExecutor(1) as pool:
        token = mint_token_in_process(data_dir, "alice", file_id)
        lock(token.wopi_src, token.access_token)
        upload = start_upload(token.wopi_src, token.access_token, slow_body(started, 100, 60, stop), pool)
        assert started.wait(10)
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        process.wait(timeout=15)
        assert time.monotonic() - signalled < 2 + 3
        stop.set()
        with contextlib.suppress(httpx.TransportError):
            assert upload.result(timeout=30).status_code != 200
    assert stored(data_dir, file_id) == (len(ORIGINAL), "v1")
