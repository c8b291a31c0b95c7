"""A node killed with SIGKILL in the middle of a PutFile: the other nodes serve the previous version, the
lock taken through the dead node goes on working through them, and their sweep aborts its upload."""

from __future__ import annotations

import socket
import time

import anyio
import httpx
import pytest

from tests.multinode.cluster import MARKS, Cluster, MiB, Node, Wopi

pytestmark = [*MARKS, pytest.mark.anyio]
BEFORE = b"the version before the crash"
AFTER = b"saved through a surviving node"
SWEEP_TIMEOUT = 30.0


def _start_put_and_kill(cluster: Cluster, node: Node, wopi: Wopi, lock: str) -> None:
    """Send the first half of a large PutFile to `node`, and SIGKILL it once its upload reached S3."""
    url = httpx.URL(node.url)
    path = f"/wopi/files/{wopi.file_id}/contents?access_token={wopi.token}"
    proofs = cluster.proof_headers(wopi.token, f"{node.url}{path}")
    signed = "".join(f"{name}: {value}\r\n" for name, value in proofs.items())
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {url.host}:{url.port}\r\nX-WOPI-Override: PUT\r\n"
        f"X-WOPI-Lock: {lock}\r\n{signed}Content-Length: {12 * MiB}\r\n\r\n"
    )
    with socket.create_connection((url.host, url.port or 80), timeout=30) as conn:
        conn.sendall(head.encode("ascii") + b"x" * (6 * MiB))
        deadline = time.monotonic() + 30
        while not cluster.incomplete_uploads():
            assert time.monotonic() < deadline, "the upload never reached the object store"
            time.sleep(0.2)
        node.kill()


async def test_node_killed_mid_putfile_leaves_previous_version_and_lock_usable_elsewhere(
    cluster: Cluster, client: httpx.AsyncClient
) -> None:
    assert await anyio.to_thread.run_sync(cluster.incomplete_uploads) == []
    file_id = cluster.new_file("alice", BEFORE)
    (token,) = cluster.tokens(file_id, "alice")
    wopi = Wopi(client, file_id, token)
    first, second = cluster.nodes
    lock = "lock-taken-on-the-doomed-node"
    before = await wopi.check_file_info(first)

    with cluster.started(1) as (doomed,):
        assert (await wopi.override(doomed, "LOCK", lock)).status_code == 200
        await anyio.to_thread.run_sync(_start_put_and_kill, cluster, doomed, wopi, lock)

    for node in cluster.nodes:
        assert await wopi.get_file(node) == BEFORE
        info = await wopi.check_file_info(node)
        assert (info["Version"], info["SHA256"]) == (before["Version"], before["SHA256"])
    assert (await wopi.override(second, "REFRESH_LOCK", lock)).status_code == 200
    assert (await wopi.put_file(second, lock, AFTER)).status_code == 200
    assert await wopi.get_file(first) == AFTER
    assert (await wopi.override(second, "UNLOCK", lock)).status_code == 200
    assert (await wopi.override(first, "LOCK", "someone else")).status_code == 200

    deadline = time.monotonic() + SWEEP_TIMEOUT
    while await anyio.to_thread.run_sync(cluster.incomplete_uploads):
        assert time.monotonic() < deadline, "the surviving nodes never swept the dead node's upload"
        await anyio.sleep(0.5)
