"""WOPI hot-path benchmark: throughput of wopihost relative to a bare ASGI app measured in the same run.

Usage: .venv/bin/python -m bench.run [--duration 10] [--connections 32] [--workers 1]
Needs `wrk` (Debian package wrk). Results are printed and written to bench/results/latest.json.
Proof-key verification is off here (wrk cannot sign requests); everything else is as in production,
including the one log line per request.
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

from tests.servers import free_port, mint_token, running, wopihost, wopihost_server

RESULTS = Path(__file__).parent / "results"
LUA_POST = """wrk.method = "POST"
wrk.headers["X-WOPI-Override"] = "{override}"
wrk.headers["X-WOPI-Lock"] = "bench-lock"
"""


def wrk(url: str, *, duration: int, connections: int, script: Path | None = None) -> float:
    """Requests per second that wrk measures against `url`; fails on any non-2xx response."""
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=duration + 60
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"non-2xx responses while benchmarking {url}:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise RuntimeError(out)
    return float(match.group(1))


def main() -> None:
    """Run the benchmark and print ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    measure = {"duration": args.duration, "connections": args.connections}
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
        results = {"bare_asgi": baseline, **measure_wopihost(work, args.workers, measure)}
    report = {
        name: {"requests_per_second": rps, "ratio_to_bare": rps / baseline} for name, rps in results.items()
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2))
    for name, row in report.items():
        print(
            f"{name:<16} {row['requests_per_second']:>10.0f} req/s   {row['ratio_to_bare']:.3f} x bare ASGI"
        )


def measure_wopihost(work: Path, workers: int, measure: dict[str, int]) -> dict[str, float]:
    """Throughput of CheckFileInfo, GetFile and RefreshLock on one 20 KiB document."""
    data = work / "data"
    port = free_port()
    env = {
        "WOPIHOST_PROOF_KEYS__MODE": "off",
        "WOPIHOST_SERVER__PUBLIC_URL": f"http://127.0.0.1:{port}",
        "WOPIHOST_DEVCLIENT__ENABLED": "false",
    }
    wopihost(data, "init", env=env)
    wopihost(data, "user", "add", "bench", "--name", "Bench", env=env)
    sample = work / "report.docx"
    sample.write_bytes(b"x" * 20480)
    file_id = wopihost(data, "file", "put", str(sample), "--owner", "bench", "--to", "/report.docx", env=env)
    results: dict[str, float] = {}
    with wopihost_server(data, port=port, workers=workers, env=env):
        token = mint_token(data, "bench", file_id, env=env)
        src = f"{token.wopi_src}?access_token={token.access_token}"
        results["CheckFileInfo"] = wrk(src, **measure)
        results["GetFile"] = wrk(f"{token.wopi_src}/contents?access_token={token.access_token}", **measure)
        lock_script = work / "lock.lua"
        lock_script.write_text(LUA_POST.format(override="LOCK"))
        results["Lock(refresh)"] = wrk(src, script=lock_script, **measure)
    return results


if __name__ == "__main__":
    main()
