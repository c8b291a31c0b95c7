"""An S3-compatible server for the tests: moto's server mode in a subprocess on a free loopback port.

Each test gets a bucket of its own. If moto cannot start, the tests that need it skip with the reason (and
fail when CI is set, see tests/services.py).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.services import service_unavailable, tcp_reachable
from wopihost.config import S3Settings
from wopihost.domain.ids import new_id

ACCESS_KEY, SECRET_KEY = "testing", "testing-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def moto_server() -> Iterator[str | None]:
    """Start moto's server; yield its endpoint URL, or None (with the reason printed) if it did not start."""
    port = _free_port()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while not tcp_reachable("127.0.0.1", port, timeout=0.2):
            if process.poll() is not None or time.monotonic() > deadline:
                yield None
                return
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str | None]:
    """The moto server's URL for the whole session; None when it could not start."""
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_settings(moto_endpoint: str | None) -> S3Settings:
    """Settings for a bucket of this test's own on the session's moto server."""
    if moto_endpoint is None:
        service_unavailable("moto's S3 server (pip install 'moto[server]') did not start")
    return S3Settings(
        endpoint_url=moto_endpoint,
        bucket=f"t-{new_id()}",
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,  # type: ignore[arg-type]
        part_size=5 * 1024 * 1024,
        heartbeat_seconds=0.5,
    )
