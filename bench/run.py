"""WOPI hot-path benchmark: throughput of wopihost relative to a bare ASGI app measured in the same run.

Usage: .venv/bin/python -m bench.run [--duration 10] [--connections 32] [--workers 1] [--metrics] [--nodes N]
Needs `wrk` (Debian package wrk). Results are printed and written to bench/results/latest.json.
With --nodes N (N > 1) only CheckFileInfo is measured, on N nodes against one over PostgreSQL, S3 and Redis
(see bench/nodes.py; results in bench/results/nodes-N.json).
Proof-key verification is off here (wrk cannot sign requests); everything else is as in production,
including the one log line per request. With --metrics the Prometheus endpoint is on, and the number of
CheckFileInfo requests it counted during wrk's run is compared with the number wrk reports.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from tests.servers import free_port, mint_token, running, wopihost, wopihost_server

RESULTS = Path(__file__).parent / "results"
LUA_POST = """wrk.method = "POST"
wrk.headers["X-WOPI-Override"] = "{override}"
wrk.headers["X-WOPI-Lock"] = "bench-lock"
"""


def wrk(url: str, *, duration: int, connections: int, script: Path | None = None) -> float:
    """Requests per second that wrk measures against `url`; fails on any non-2xx response."""
    return wrk_counts(url, duration=duration, connections=connections, script=script)[0]


def wrk_counts(url: str, *, duration: int, connections: int, script: Path | None = None) -> tuple[float, int]:
    """Requests per second and the number of responses wrk received; fails on any non-2xx response."""
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=duration + 60
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"non-2xx responses while benchmarking {url}:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in ", out)
    if not match or not total:
        raise RuntimeError(out)
    return float(match.group(1)), int(total.group(1))


def main() -> None:
    """Run the benchmark and print ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--metrics", action="store_true", help="enable /metrics and check its CheckFileInfo count"
    )
    parser.add_argument("--nodes", type=int, default=1, help="compare N nodes with one on shared back ends")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    measure = {"duration": args.duration, "connections": args.connections}
    if args.nodes > 1:
        from bench.nodes import report_nodes  # here: bench.nodes imports this module

        report_nodes(args.nodes, measure)
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        port = free_port()
        bare = [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.bare_app:app",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            "--workers",
            str(args.workers),
        ]
        with running(bare, f"http://127.0.0.1:{port}/"):
            baseline = wrk(f"http://127.0.0.1:{port}/", **measure)
        results = {
            "bare_asgi": baseline,
            **measure_wopihost(work, args.workers, measure, metrics=args.metrics),
        }
    report = {
        name: {"requests_per_second": rps, "ratio_to_bare": rps / baseline} for name, rps in results.items()
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2))
    for name, row in report.items():
        print(
            f"{name:<16} {row['requests_per_second']:>10.0f} req/s   {row['ratio_to_bare']:.3f} x bare ASGI"
        )


def measure_wopihost(
    work: Path, workers: int, measure: dict[str, int], *, metrics: bool = False
) -> dict[str, float]:
    """Throughput of CheckFileInfo, GetFile and RefreshLock on one 20 KiB document."""
    data = work / "data"
    port, metrics_port = free_port(), free_port()
    env = {
        "WOPIHOST_PROOF_KEYS__MODE": "off",
        "WOPIHOST_SERVER__PUBLIC_URL": f"http://127.0.0.1:{port}",
        "WOPIHOST_DEVCLIENT__ENABLED": "false",
    }
    if metrics:
        env["WOPIHOST_METRICS__PORT"] = str(metrics_port)
    wopihost(data, "init", env=env)
    wopihost(data, "user", "add", "bench", "--name", "Bench", env=env)
    sample = work / "report.docx"
    sample.write_bytes(b"x" * 20480)
    file_id = wopihost(data, "file", "put", str(sample), "--owner", "bench", "--to", "/report.docx", env=env)
    results: dict[str, float] = {}
    with wopihost_server(data, port=port, workers=workers, env=env):
        token = mint_token(data, "bench", file_id, env=env)
        src = f"{token.wopi_src}?access_token={token.access_token}"
        before = scraped_check_file_info(metrics_port) if metrics else 0
        results["CheckFileInfo"], sent = wrk_counts(src, **measure)
        if metrics:
            compare_with_metrics(sent, scraped_check_file_info(metrics_port) - before, measure["connections"])
        results["GetFile"] = wrk(f"{token.wopi_src}/contents?access_token={token.access_token}", **measure)
        lock_script = work / "lock.lua"
        lock_script.write_text(LUA_POST.format(override="LOCK"))
        results["Lock(refresh)"] = wrk(src, script=lock_script, **measure)
    return results


def scraped_check_file_info(metrics_port: int) -> int:
    """The successful CheckFileInfo requests the metrics endpoint has counted so far."""
    text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "wopihost_wopi_requests_total" and labels == {
                "operation": "CheckFileInfo",
                "status": "200",
            }:
                return int(sample.value)
    return 0


def compare_with_metrics(sent: int, counted: int, connections: int) -> None:
    """Fail unless the host counted what wrk received, plus at most the requests cut off at wrk's end.

    When wrk's time is up it closes its connections with up to one request each still in flight; the
    host answers (and counts) those too, but wrk does not.
    """
    print(f"metrics: wrk received {sent} CheckFileInfo responses, the host counted {counted}")
    if not sent <= counted <= sent + connections:
        raise RuntimeError(f"metrics counted {counted} CheckFileInfo requests, wrk {sent}")


if __name__ == "__main__":
    main()
