"""CheckFileInfo throughput of N `wopihost serve` nodes against one node, on the same back ends in one run.

The back ends are the machine's PostgreSQL (a database made for the run), moto's S3 server and Redis (a
key prefix of the run's own), as in tests/multinode. wrk targets one URL, so N nodes are measured by N wrk
processes at once, one per node, each with the connections the one-node run had; their rates are summed.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import anyio
import httpx
from tests.multinode.cluster import Cluster, create_database, drop_database
from tests.redis_service import delete_prefix, unique_prefix
from tests.s3server import moto_server

from wopihost.benchkit import wrk as wrk_runner
from wopihost.benchkit.calls import Call

RESULTS = Path(__file__).parent / "results"

WARM_UP_REQUESTS = 50


def measure_nodes(count: int, measure: dict[str, int]) -> tuple[float, list[float]]:
    """Requests per second of one node alone, then of each of `count` nodes at once, on a 20 KiB document."""
    database, prefix = f"wopihost_bench_{secrets.token_hex(6)}", unique_prefix()
    anyio.run(create_database, database)
    try:
        with moto_server() as endpoint, tempfile.TemporaryDirectory() as tmp:
            if endpoint is None:
                raise RuntimeError("moto's S3 server did not start (pip install 'moto[server]')")
            cluster = Cluster.configure(
                Path(tmp), database=database, s3_endpoint=endpoint, redis_prefix=prefix
            )
            return _measure(cluster, count, measure)
    finally:
        anyio.run(drop_database, database)
        anyio.run(delete_prefix, prefix)


def _measure(cluster: Cluster, count: int, measure: dict[str, int]) -> tuple[float, list[float]]:
    cluster.cli("init")
    cluster.add_user("bench", "Bench")
    file_id = cluster.new_file("bench", b"x" * 20480)
    (token,) = cluster.tokens(file_id, "bench")
    # Production mode: the nodes enforce proof keys, and every request is signed by the cluster's client.
    with cluster.wopi_client(), cluster.started(count) as nodes:
        calls = []
        for node in nodes:
            url = f"{node.url}/wopi/files/{file_id}?access_token={token}"
            calls.append(Call("GET", url, cluster.proof_headers(token, url)))
        for call in calls:
            for _ in range(WARM_UP_REQUESTS):
                httpx.get(call.url, headers=dict(call.headers), timeout=10).raise_for_status()
        duration, connections = measure["duration"], measure["connections"]
        one = wrk(calls[0], duration=duration, connections=connections)
        with ThreadPoolExecutor(max_workers=count) as pool:
            per_node = list(pool.map(lambda c: wrk(c, duration=duration, connections=connections), calls))
    return one, per_node


def wrk(call: Call, *, duration: int, connections: int) -> float:
    """Requests per second that wrk measures for `call`, a signed CheckFileInfo of one node."""
    load = wrk_runner.run([[call]], duration=duration, connections=connections)
    if load.errors:
        raise RuntimeError(f"{load.errors} errors while benchmarking {call.url.split('?')[0]}")
    return load.requests_per_second


def report_nodes(count: int, measure: dict[str, int]) -> None:
    """Measure, print, and write bench/results/nodes-N.json."""
    one, per_node = measure_nodes(count, measure)
    total = sum(per_node)
    report = {
        "backends": "PostgreSQL + moto S3 + Redis",
        **measure,
        "CheckFileInfo_1_node": {"requests_per_second": one},
        f"CheckFileInfo_{count}_nodes": {"requests_per_second": total, "per_node": per_node},
        "ratio_to_one_node": total / one,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"nodes-{count}.json").write_text(json.dumps(report, indent=2))
    print(f"CheckFileInfo, 1 node         {one:>10.0f} req/s")
    print(f"CheckFileInfo, {count} nodes (sum) {total:>10.0f} req/s   {total / one:.2f} x one node")
