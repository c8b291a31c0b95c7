"""WOPI locks and saves of one file whose requests land on different nodes: one winner per Lock race, and
a co-authoring session that every node sees the same way, with no save lost."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import anyio
import httpx
import pytest

from tests.multinode.cluster import MARKS, Cluster, Node, Wopi, sha256_b64
from wopihost.domain.proofkeys import ticks_from_datetime

pytestmark = [*MARKS, pytest.mark.anyio]
ROUNDS = 20
ATTEMPTS_PER_ROUND = 8
SAVES = 8


async def _race(wopi: Wopi, attempts: list[tuple[Node, str]]) -> list[httpx.Response]:
    """Send every (node, lock ID) Lock request at once; the responses in the same order."""
    responses: list[httpx.Response | None] = [None] * len(attempts)

    async def attempt(index: int, node: Node, lock_id: str) -> None:
        responses[index] = await wopi.override(node, "LOCK", lock_id)

    async with anyio.create_task_group() as tasks:
        for index, (node, lock_id) in enumerate(attempts):
            tasks.start_soon(attempt, index, node, lock_id)
    assert all(response is not None for response in responses)
    return [response for response in responses if response is not None]


async def test_lock_sent_to_both_nodes_at_once_has_exactly_one_winner_each_round(
    cluster: Cluster, client: httpx.AsyncClient
) -> None:
    file_id = cluster.new_file("alice", b"contested")
    (token,) = cluster.tokens(file_id, "alice")
    wopi = Wopi(client, file_id, token)
    nodes = itertools.cycle(cluster.nodes)

    for round_ in range(ROUNDS):
        attempts = [(next(nodes), f"round-{round_}-attempt-{n}") for n in range(ATTEMPTS_PER_ROUND)]

        responses = await _race(wopi, attempts)

        statuses = [response.status_code for response in responses]
        assert sorted(statuses) == [200] + [409] * (ATTEMPTS_PER_ROUND - 1), f"round {round_}: {statuses}"
        winner = attempts[statuses.index(200)][1]
        for response in responses:
            if response.status_code == 409:
                assert response.headers["X-WOPI-Lock"] == winner, f"round {round_}"
        # The winner unlocks on a node other than the one that granted the lock, ready for the next round.
        granted_by = attempts[statuses.index(200)][0]
        other = next(node for node in cluster.nodes if node is not granted_by)
        assert (await wopi.override(other, "UNLOCK", winner)).status_code == 200


def _state(info: dict[str, object]) -> tuple[object, ...]:
    return (info["Version"], info["SHA256"], info["LastModifiedTime"], info["Size"])


async def _agreed_state(cluster: Cluster, wopi: Wopi) -> tuple[object, ...]:
    """CheckFileInfo on every node; they must agree, and the state they agree on is returned."""
    states = [_state(await wopi.check_file_info(node)) for node in cluster.nodes]
    assert len(set(states)) == 1, f"the nodes disagree: {states}"
    return states[0]


async def test_coauthoring_alternating_between_nodes_is_consistent_and_loses_no_save(
    cluster: Cluster, client: httpx.AsyncClient
) -> None:
    original = b"draft 0"
    file_id = cluster.new_file("alice", original, editors=["bob"])
    alice_token, bob_token = cluster.tokens(file_id, "alice", "bob")
    alice, bob = Wopi(client, file_id, alice_token), Wopi(client, file_id, bob_token)
    first, second = cluster.nodes
    lock = "coauthoring-session"
    # Office's co-authoring: every editor of the session presents the same lock ID.
    assert (await alice.override(first, "LOCK", lock)).status_code == 200
    assert (await bob.override(second, "LOCK", lock)).status_code == 200
    versions_seen = {(await _agreed_state(cluster, alice))[0]}

    content = original
    for save in range(SAVES):
        user, node, other = (alice, first, second) if save % 2 == 0 else (bob, second, first)
        content = f"save {save} by {'alice' if user is alice else 'bob'}\n".encode() * (save + 1)

        saved = await user.put_file(node, lock, content)

        assert saved.status_code == 200, saved.text
        version, sha256, _, size = await _agreed_state(cluster, alice)
        assert (sha256, size) == (sha256_b64(content), len(content))
        assert version == saved.headers["X-WOPI-ItemVersion"]
        assert version not in versions_seen
        versions_seen.add(version)
        assert (await user.override(other, "REFRESH_LOCK", lock)).status_code == 200

    for node in cluster.nodes:
        assert await bob.get_file(node) == content
    rows = await cluster.sql("SELECT count(*) AS n FROM versions WHERE file_id = $1", file_id)
    assert rows[0]["n"] == SAVES + 1

    # Both editors save at the same moment on different nodes: both are acknowledged, both are kept.
    both = {alice: b"alice's simultaneous save", bob: b"bob's simultaneous save"}
    results: dict[Wopi, int] = {}

    async def save_at_once(user: Wopi, node: Node) -> None:
        results[user] = (await user.put_file(node, lock, both[user])).status_code

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(save_at_once, alice, first)
        tasks.start_soon(save_at_once, bob, second)
    assert results == {alice: 200, bob: 200}
    _, sha256, _, _ = await _agreed_state(cluster, bob)
    assert sha256 in {sha256_b64(data) for data in both.values()}
    rows = await cluster.sql(
        "SELECT sha256 FROM versions WHERE file_id = $1 ORDER BY number DESC LIMIT 2", file_id
    )
    assert {row["sha256"] for row in rows} == {sha256_b64(data) for data in both.values()}
    assert (await bob.override(first, "UNLOCK", lock)).status_code == 200


async def test_every_node_enforces_proofs_on_unsigned_and_badly_signed_requests(cluster: Cluster) -> None:
    file_id = cluster.new_file("alice", b"signed only")
    (token,) = cluster.tokens(file_id, "alice")
    async with httpx.AsyncClient(timeout=30.0) as unsigned:
        for node in cluster.nodes:
            url = f"{node.url}/wopi/files/{file_id}?access_token={token}"
            assert (await unsigned.get(url)).status_code == 500
            now = str(ticks_from_datetime(datetime.now(UTC)))
            forged = {"X-WOPI-Proof": "AAAA", "X-WOPI-ProofOld": "AAAA", "X-WOPI-TimeStamp": now}
            assert (await unsigned.get(url, headers=forged)).status_code == 500
