"""The WOPI host benchmark suite: each scenario against a baseline measured in the same run.

Usage: python -m bench.run [--scenario NAME ...] [--duration S] [--quick] [--proofs enforce|off]
                           [--database sqlite|postgres] [--metrics] [--nodes N] [--name NAME]
Needs `wrk` (Debian package wrk). The host runs as in production: proof keys enforced (the load client
signs every request with the development client's keys, started apart as the host's WOPI client), one
access-log line per request, durable SQLite and file storage. Results are printed as a table and written
to bench/results/<name>.json. --quick runs every scenario for one second on tiny files: a check that the
suite works, not a measurement. With --nodes N (N > 1) only CheckFileInfo is measured, on N nodes against
one over PostgreSQL, S3 and Redis (see bench/nodes.py; results in bench/results/nodes-N.json). With
--metrics the Prometheus endpoint is on, and the CheckFileInfo requests it counted are compared with wrk's.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import anyio
from tests.servers import free_port

import wopihost
from bench.coauthoring import CoAuthoring
from bench.context import Context, host_server
from bench.fixture import deployment
from bench.scenarios_files import GetFile, PutFile
from bench.scenarios_wrk import CheckFileInfo, LockCycles
from bench.startup import StartUp, Workers
from wopihost.benchkit.results import format_table, write_json

RESULTS = Path(__file__).parent / "results"


class Scenario(Protocol):
    """A scenario stores what it needs before any server starts, then measures."""

    name: str

    def prepare(self, ctx: Context) -> None: ...

    def run(self, ctx: Context) -> None: ...


def scenarios() -> list[Scenario]:
    """Every scenario. Those with servers of their own run first, then those sharing the host, in this order.

    PutFile comes last: its gigabytes of writes leave a virtual disk slow for a while (see PutFile.run), which
    would slow every durable write measured after it.
    """
    return [CheckFileInfo(), GetFile(), LockCycles(), CoAuthoring(), PutFile(), StartUp(), Workers()]


NAMES = [scenario.name for scenario in scenarios()]


def run_suite(
    work: Path,
    chosen: Sequence[str],
    *,
    duration: float,
    quick: bool,
    proofs: bool,
    metrics: bool,
    database_url: str | None = None,
) -> Context:
    """Prepare and run the chosen scenarios; the shared host runs while those that need it are measured."""
    selected = [scenario for scenario in scenarios() if scenario.name in chosen]
    with deployment(work, proofs=proofs, database_url=database_url) as site:
        ctx = Context(work, site, duration, quick, metrics_port=free_port() if metrics else 0)
        for scenario in selected:
            scenario.prepare(ctx)
        # The fixtures wrote hundreds of MiB (GetFile's and PutFile's files): written back to the disk now,
        # they do not slow the durable writes and the start-up measured next.
        os.sync()
        for scenario in selected:
            if getattr(scenario, "needs_own_server", False):
                scenario.run(ctx)
        shared = [s for s in selected if not getattr(s, "needs_own_server", False)]
        if shared:
            with host_server(ctx):
                for scenario in shared:
                    scenario.run(ctx)
    return ctx


@contextmanager
def database(kind: str) -> Iterator[str | None]:
    """None for SQLite in the data directory; else the URL of a PostgreSQL database made for the run."""
    if kind == "sqlite":
        yield None
        return
    # PostgreSQL's helpers are imported only when asked for.
    from tests.multinode.cluster import create_database, database_url, drop_database

    name = f"wopihost_bench_{secrets.token_hex(6)}"
    anyio.run(create_database, name)
    try:
        yield database_url(name)
    finally:
        anyio.run(drop_database, name)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite, print the table, write the JSON; exit 1 when a target is missed (quick: an error)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scenario", action="append", choices=NAMES, help="run only these (repeatable)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    parser.add_argument("--quick", action="store_true", help="1 s per run, tiny files: checks the suite")
    parser.add_argument("--proofs", choices=["enforce", "off"], default="enforce")
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="postgres: a database made for the run on 127.0.0.1:5432 (user postgres), dropped afterwards",
    )
    parser.add_argument("--metrics", action="store_true", help="check the /metrics CheckFileInfo count")
    parser.add_argument("--nodes", type=int, default=1, help="compare N nodes with one on shared back ends")
    parser.add_argument("--connections", type=int, default=32, help="connections per node with --nodes")
    parser.add_argument("--name", default=None, help="bench/results/<name>.json (default: latest, quick)")
    parser.add_argument("--results", type=Path, default=RESULTS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    duration = 1.0 if args.quick else args.duration
    if args.nodes > 1:
        # PostgreSQL, S3 and Redis are needed only when asked for.
        from bench.nodes import report_nodes

        report_nodes(args.nodes, {"duration": round(duration), "connections": args.connections})
        return 0
    chosen = args.scenario or NAMES
    started = time.monotonic()
    # The host runs byte-compiled, as pip leaves a package it installs: an editable install in an environment
    # with PYTHONDONTWRITEBYTECODE would otherwise compile every module again in every process it starts.
    compileall.compile_dir(Path(wopihost.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory(prefix="wopihost-bench-") as tmp, database(args.database) as url:
        ctx = run_suite(
            Path(tmp),
            chosen,
            duration=duration,
            quick=args.quick,
            proofs=args.proofs == "enforce",
            metrics=args.metrics,
            database_url=url,
        )
    meta = {
        "scenarios": chosen,
        "duration": duration,
        "quick": args.quick,
        "proofs": args.proofs,
        "database": args.database,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "load_average": os.getloadavg(),
        "seconds": time.monotonic() - started,
    }
    name = args.name or ("quick" if args.quick else "latest")
    write_json(args.results / f"{name}.json", ctx.rows, meta)
    print(format_table(ctx.rows))
    print(f"results: {args.results / f'{name}.json'}")
    if args.quick:
        # Quick runs check the suite, not the speed: only errors fail them.
        return 0 if all(row.checks.get("no errors", True) for row in ctx.rows) else 1
    return 0 if all(row.ok for row in ctx.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
