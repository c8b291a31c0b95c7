"""A node killed with SIGKILL in the middle of a PutFile: the previous version stays and another node serves
it; on S3 the other node's sweep aborts the dead node's multipart upload within a few heartbeats, on the
local disk the next start removes the dead node's temporary file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
import httpx
import pytest

from tests.servers import WOPIHOST, free_port, mint_token_in_process, running, wopihost_in_process
from wopihost.adapters.s3_blobs import S3BlobStore
from wopihost.config import S3Settings

pytestmark = pytest.mark.slow
MiB = 1024 * 1024
BEFORE = b"the version before the crash"


def s3_env(s3: S3Settings) -> dict[str, str]:
    secret = s3.secret_access_key.get_secret_value() if s3.secret_access_key else ""
    return {
        "WOPIHOST_DEVCLIENT__ENABLED": "false",
        "WOPIHOST_STORAGE__BACKEND": "s3",
        "WOPIHOST_STORAGE__MAX_FILE_SIZE": str(64 * MiB),
        "WOPIHOST_STORAGE__S3__ENDPOINT_URL": s3.endpoint_url or "",
        "WOPIHOST_STORAGE__S3__BUCKET": s3.bucket,
        "WOPIHOST_STORAGE__S3__ACCESS_KEY_ID": s3.access_key_id or "",
        "WOPIHOST_STORAGE__S3__SECRET_ACCESS_KEY": secret,
        "WOPIHOST_STORAGE__S3__PART_SIZE": str(5 * MiB),
        "WOPIHOST_STORAGE__S3__HEARTBEAT_SECONDS": "0.5",
    }


@contextmanager
def node(data_dir: Path, env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [*WOPIHOST, "--data-dir", str(data_dir), "serve", "--port", str(port), "--public-url", base]
    with running(command, f"{base}/wopi/files/probe", env=env, log=data_dir / f"node-{port}.log") as process:
        yield base, process


def incomplete(s3: S3Settings) -> list[str]:
    async def listed() -> list[str]:
        async with S3BlobStore(s3) as store:
            return await store.uploads.incomplete()

    return anyio.run(listed)


def start_and_kill_a_put(
    data_dir: Path, tmp_path: Path, env: dict[str, str], started: Callable[[], bool]
) -> str:
    """Seed a file, start a node, send half of a PutFile, SIGKILL the node once `started`; the WOPI path."""
    wopihost_in_process(data_dir, "init", env=env)
    wopihost_in_process(data_dir, "user", "add", "alice", env=env)
    original = tmp_path / "report.docx"
    original.write_bytes(BEFORE)
    file_id = wopihost_in_process(data_dir, "file", "put", str(original), "--owner", "alice", env=env)
    token = mint_token_in_process(data_dir, "alice", file_id, env).access_token
    path = f"/wopi/files/{file_id}/contents?access_token={token}"
    with node(data_dir, env) as (base, process):
        host, port = httpx.URL(base).host, httpx.URL(base).port
        lock = {"X-WOPI-Override": "LOCK", "X-WOPI-Lock": "L1"}
        assert (
            httpx.post(f"{base}/wopi/files/{file_id}?access_token={token}", headers=lock).status_code == 200
        )
        with socket.create_connection((host, port or 80)) as conn:
            head = (
                f"POST {path} HTTP/1.1\r\nHost: {host}\r\nX-WOPI-Override: PUT\r\nX-WOPI-Lock: L1\r\n"
                f"Content-Length: {12 * MiB}\r\n\r\n"
            )
            conn.sendall(head.encode("ascii") + b"x" * (6 * MiB))
            deadline = time.monotonic() + 20
            while not started():
                assert time.monotonic() < deadline, "the upload never reached the blob store"
                time.sleep(0.2)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    return path


@pytest.mark.s3
def test_node_killed_mid_putfile_on_s3_leaves_previous_version_and_its_upload_is_swept(
    tmp_path: Path, s3_settings: S3Settings
) -> None:
    env, data_dir = s3_env(s3_settings), tmp_path / "data"

    path = start_and_kill_a_put(data_dir, tmp_path, env, lambda: bool(incomplete(s3_settings)))

    with node(data_dir, env) as (base, _):
        assert httpx.get(f"{base}{path}", timeout=10).content == BEFORE
        deadline = time.monotonic() + 20
        while incomplete(s3_settings):
            assert time.monotonic() < deadline, "the dead node's upload was never swept"
            time.sleep(0.5)


def test_node_killed_mid_putfile_on_local_disk_leaves_previous_version_and_restart_reclaims_it(
    tmp_path: Path,
) -> None:
    env, data_dir = {"WOPIHOST_DEVCLIENT__ENABLED": "false"}, tmp_path / "data"
    upload_area = data_dir / "blobs" / "tmp"

    def temporaries() -> list[Path]:
        return [p for p in upload_area.iterdir() if p.stat().st_size > 0] if upload_area.is_dir() else []

    path = start_and_kill_a_put(data_dir, tmp_path, env, lambda: bool(temporaries()))
    assert temporaries(), "the killed node's temporary file is there until a node starts"

    with node(data_dir, env) as (base, _):
        assert httpx.get(f"{base}{path}", timeout=10).content == BEFORE
        assert list(upload_area.iterdir()) == []
