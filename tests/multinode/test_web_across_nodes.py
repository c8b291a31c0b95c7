"""Sign-in throttling and web sessions hold across nodes: a browser whose requests land on any node meets
one throttle and one session."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.web_support import csrf_of
from tests.multinode.cluster import MARKS, PASSWORD, SIGNIN_LIMIT, Cluster, Node

pytestmark = [*MARKS, pytest.mark.anyio]


async def _sign_in(browser: httpx.AsyncClient, node: Node, username: str, password: str) -> httpx.Response:
    page = await browser.get(f"{node.url}/signin")
    data = {"username": username, "password": password, "csrf_token": csrf_of(page.text)}
    return await browser.post(f"{node.url}/signin", data=data)


async def test_signin_failures_spread_over_nodes_throttle_on_every_node(
    cluster: Cluster, client: httpx.AsyncClient
) -> None:
    for attempt in range(SIGNIN_LIMIT):
        node = cluster.nodes[attempt % len(cluster.nodes)]
        assert (await _sign_in(client, node, "carol", "wrong")).status_code == 401

    for node in cluster.nodes:
        throttled = await _sign_in(client, node, "carol", PASSWORD)
        assert throttled.status_code == 429
        assert int(throttled.headers["Retry-After"]) > 0


async def test_session_from_one_node_is_valid_on_the_other_and_signout_there_ends_it_everywhere(
    cluster: Cluster, client: httpx.AsyncClient
) -> None:
    first, second = cluster.nodes
    assert (await _sign_in(client, first, "dave", PASSWORD)).status_code == 303
    cookie = dict(client.cookies.items())

    home = await client.get(f"{second.url}/")
    assert home.status_code == 200
    assert "Dave Dunn" in home.text

    signed_out = await client.post(f"{second.url}/signout", data={"csrf_token": csrf_of(home.text)})
    assert signed_out.status_code == 303
    async with httpx.AsyncClient(cookies=cookie, timeout=30.0) as copied:
        for node in cluster.nodes:
            assert (await client.get(f"{node.url}/")).status_code == 303
            assert (await copied.get(f"{node.url}/")).status_code == 303
