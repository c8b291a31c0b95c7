"""The development client on two nodes: one editing session per document, whichever node a page reaches.

Each node runs `wopihost serve` with its development client; the pages' requests alternate between the
two clients as behind a load balancer without sticky sessions. The WOPISrc names the host of the second
node, so that killing the first node (host and client) leaves the file reachable.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

from tests.devclient_harness import boot_of
from tests.multinode.cluster import MARKS, Cluster, Node, Wopi, sha256_b64
from tests.search_documents import word, word_paragraphs
from wopihost.devclient.sessions import is_own_lock
from wopihost.devclient.shapes import COOL_PATH

pytestmark = [*MARKS, pytest.mark.anyio, pytest.mark.timeout(180)]
# Short leases, so that a killed node's sessions move within seconds.
LEASE = {"WOPIHOST_DEVCLIENT__LEASE_SECONDS": "1.5"}
# Collabora's lock IDs are random and never adopted as the client's own: only the recorded lock ID lets a
# node that takes a session over keep the host's lock.
COLLABORA = {**LEASE, "WOPIHOST_DEVCLIENT__SHAPE": "collabora"}
LAUNCH_PATHS = {"microsoft": "/word/edit", "collabora": COOL_PATH}
TAKEOVER_TIMEOUT = 20.0


@pytest.fixture
def office_pair(cluster: Cluster) -> Iterator[tuple[Node, Node]]:
    """Two more nodes over the cluster's back ends, each with its development client (Office's shape)."""
    with cluster.started(2, devclient=LEASE) as nodes:
        yield nodes[0], nodes[1]


@pytest.fixture
def collabora_pair(cluster: Cluster) -> Iterator[tuple[Node, Node]]:
    """Two more nodes whose development clients present Collabora Online's shape."""
    with cluster.started(2, devclient=COLLABORA) as nodes:
        yield nodes[0], nodes[1]


async def _launch(
    client: httpx.AsyncClient, node: Node, wopi_src: str, token: str, shape: str = "microsoft"
) -> str:
    """Do what a host page's form does on the shape's edit action; return the page's pid."""
    response = await client.post(
        node.devclient_url + LAUNCH_PATHS[shape],
        params={"WOPISrc": wopi_src},
        data={"access_token": token, "access_token_ttl": "0"},
    )
    assert response.status_code == 200, response.text
    boot = boot_of(response.text)
    assert boot["mode"] == "edit", boot["notice"]
    pid: str = boot["pid"]
    return pid


async def _post(
    client: httpx.AsyncClient, node: Node, pid: str, op: str, body: object = None
) -> dict[str, Any]:
    response = await client.post(f"{node.devclient_url}/api/p/{pid}/{op}", json=body or {})
    assert response.status_code in (200, 204), response.text
    data: dict[str, Any] = response.json() if response.content else {}
    return data


async def _state(client: httpx.AsyncClient, node: Node, pid: str) -> httpx.Response:
    return await client.get(f"{node.devclient_url}/api/p/{pid}/state")


def _texts(state: dict[str, Any]) -> list[str]:
    return [block["text"] for block in state["model"]["blocks"]]


async def _current_lock(wopi: Wopi, node: Node) -> str:
    """The file's lock, as a Lock with another ID reports it."""
    refused = await wopi.override(node, "LOCK", "someone-else")
    assert refused.status_code == 409, "the file must be locked by the client"
    return refused.headers["X-WOPI-Lock"]


async def test_devclient_coauthors_alternating_between_nodes_share_one_session_and_one_save(
    cluster: Cluster, office_pair: tuple[Node, Node], client: httpx.AsyncClient
) -> None:
    first, second = office_pair
    file_id = cluster.new_file("alice", word("Original line"), editors=["bob"])
    alice_token, bob_token = cluster.tokens(file_id, "alice", "bob")
    wopi_src = f"{second.url}/wopi/files/{file_id}"
    wopi = Wopi(client, file_id, alice_token)
    version_before = (await wopi.check_file_info(second))["Version"]

    alice = await _launch(client, first, wopi_src, alice_token)
    bob = await _launch(client, second, wopi_src, bob_token)
    await _post(client, second, alice, "edits", {"edits": {"p0": "Alice was here"}})
    await _post(client, first, bob, "edits", {"appended": ["Bob was here"]})
    await _post(client, second, alice, "edits", {"appended": ["Alice again"]})

    expected = ["Alice was here", "Bob was here", "Alice again"]
    for node in (first, second):
        for pid in (alice, bob):
            state = (await _state(client, node, pid)).json()
            assert _texts(state) == expected, f"{node.devclient_url} shows another model"
            assert [p["name"] for p in state["participants"]] == ["Alice Adams", "Bob Brown"]
    saved = await _post(client, second, bob, "save")
    assert saved["save"]["state"] == "saved"
    # Word saves with the token of the last change, whoever asks.
    assert saved["save"]["savedBy"] == "Alice Adams"
    assert (await _state(client, first, alice)).json()["save"]["state"] == "saved"

    content = await wopi.get_file(first)
    assert word_paragraphs(content) == expected
    infos = [await wopi.check_file_info(node) for node in (first, second)]
    assert infos[0]["Version"] == infos[1]["Version"] != version_before
    assert infos[0]["SHA256"] == infos[1]["SHA256"] == sha256_b64(content)
    assert is_own_lock(await _current_lock(wopi, first))

    await _post(client, first, alice, "leave")
    assert is_own_lock(await _current_lock(wopi, second)), "Bob is still editing"
    await _post(client, first, bob, "leave")
    taken = await wopi.override(second, "LOCK", "someone-else")
    assert taken.status_code == 200, "the last one out unlocked the file"
    assert (await wopi.override(second, "UNLOCK", "someone-else")).status_code == 200
    assert (await _state(client, second, alice)).status_code == 410


async def test_devclient_node_killed_session_continues_on_the_other_node_with_the_hosts_lock(
    cluster: Cluster, collabora_pair: tuple[Node, Node], client: httpx.AsyncClient
) -> None:
    doomed, survivor = collabora_pair
    file_id = cluster.new_file("alice", word("Original line"), editors=["bob"])
    alice_token, bob_token = cluster.tokens(file_id, "alice", "bob")
    wopi_src = f"{survivor.url}/wopi/files/{file_id}"
    wopi = Wopi(client, file_id, alice_token)

    alice = await _launch(client, doomed, wopi_src, alice_token, "collabora")
    bob = await _launch(client, survivor, wopi_src, bob_token, "collabora")
    await _post(client, survivor, alice, "edits", {"edits": {"p0": "Saved before the crash"}})
    assert (await _post(client, survivor, bob, "save"))["save"]["state"] == "saved"
    lock_id = await _current_lock(wopi, survivor)
    assert lock_id.startswith("cool-lock")
    await _post(client, doomed, bob, "edits", {"appended": ["Lost with the node"]})

    doomed.kill()
    state = await _wait_for_takeover(client, survivor, alice)

    assert _texts(state) == ["Saved before the crash"], "unsaved edits die with their node"
    bob_state = (await _state(client, survivor, bob)).json()
    assert [p["name"] for p in bob_state["participants"]] == ["Alice Adams", "Bob Brown"]
    assert await _current_lock(wopi, survivor) == lock_id, "the host's lock is the same lock"
    stale = await wopi.put_file(survivor, "someone-else", word("an intruder"))
    assert stale.status_code == 409, "the lock still guards the file"

    await _post(client, survivor, bob, "edits", {"appended": ["Bob after the takeover"]})
    saved = await _post(client, survivor, alice, "save")
    assert saved["save"]["state"] == "saved"
    assert word_paragraphs(await wopi.get_file(survivor)) == [
        "Saved before the crash",
        "Bob after the takeover",
    ]
    assert await _current_lock(wopi, survivor) == lock_id

    await _post(client, survivor, alice, "leave")
    await _post(client, survivor, bob, "leave")
    assert (await wopi.override(survivor, "LOCK", "someone-else")).status_code == 200
    assert (await wopi.override(survivor, "UNLOCK", "someone-else")).status_code == 200


async def _wait_for_takeover(client: httpx.AsyncClient, node: Node, pid: str) -> dict[str, Any]:
    """Poll a page's state on `node` until its session lives there (503 while the dead node's lease runs)."""
    deadline = time.monotonic() + TAKEOVER_TIMEOUT
    statuses: list[int] = []
    while time.monotonic() < deadline:
        response = await _state(client, node, pid)
        statuses.append(response.status_code)
        if response.status_code == 200:
            state: dict[str, Any] = response.json()
            return state
        assert response.status_code == 503, response.text
        await anyio.sleep(0.2)
    raise AssertionError(f"the session did not move within {TAKEOVER_TIMEOUT} s: {statuses[-5:]}")
