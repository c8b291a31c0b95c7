"""What every scenario shares: the deployment, the running host, baselines and how runs become rows."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import free_port, running

from bench import procstat
from bench.fixture import Deployment
from wopihost.benchkit import wrk
from wopihost.benchkit.calls import Call
from wopihost.benchkit.results import Load, Row, ServerUsage


@dataclass
class Context:
    """The suite's settings and the host under test (`host_pid` is 0 while no host runs)."""

    work: Path
    site: Deployment
    duration: float
    quick: bool
    host_pid: int = 0
    metrics_port: int = 0
    rows: list[Row] = field(default_factory=list)

    def measure(self, pid: int, run: Callable[[], Load]) -> tuple[Load, ServerUsage]:
        """Run the load while sampling the process tree of `pid`."""
        with procstat.sampled(pid) as usage:
            load = run()
        return load, usage[0]

    def wrk(
        self, plans: Sequence[Sequence[Call]], *, connections: int, threads: int = 2
    ) -> Callable[[], Load]:
        """A wrk run over `plans` for the suite's duration."""
        return lambda: wrk.run(plans, duration=self.duration, connections=connections, threads=threads)

    def compare(
        self,
        scenario: str,
        target: str,
        *,
        baseline: tuple[Load, ServerUsage] | None,
        host: tuple[Load, ServerUsage],
        by_mbps: bool = False,
        baseline_name: str = "bare ASGI",
        host_name: str = "wopihost",
    ) -> Row:
        """Add a baseline row and a host row with its ratio to the baseline; returns the host row.

        A baseline given twice (two hosts compared with one run of it) gets one row.
        """
        ratio = None
        if baseline is not None:
            baseline_row = Row(scenario, f"{target} {baseline_name}", baseline[0], baseline[1])
            if baseline_row not in self.rows:
                self.rows.append(baseline_row)
            ratio = _rate(host[0], by_mbps) / max(_rate(baseline[0], by_mbps), 1e-9)
        row = Row(scenario, f"{target} {host_name}", host[0], host[1], ratio=ratio)
        self.rows.append(row)
        return row


def _rate(load: Load, by_mbps: bool) -> float:
    return load.mb_per_second if by_mbps else load.requests_per_second


def on_base(calls: Sequence[Call], old: str, new: str) -> list[Call]:
    """The same requests sent to another server (`old` base URL replaced by `new`)."""
    return [Call(c.method, c.url.replace(old, new, 1), c.headers, c.body) for c in calls]


@contextmanager
def bare_server(ctx: Context, module: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """A baseline app under uvicorn, one worker, no access log; yields its base URL and process ID."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", f"{module}:app", "--port", str(port)]
    command += ["--no-access-log", "--log-level", "warning"]
    base = f"http://127.0.0.1:{port}"
    with running(
        command, f"{base}/", env={**os.environ, **(env or {})}, log=ctx.work / f"{module}.log"
    ) as process:
        yield base, process.pid


@contextmanager
def host_server(ctx: Context, *, workers: int = 1) -> Iterator[int]:
    """`wopihost serve` on the deployment; yields its process ID and sets ctx.host_pid meanwhile."""
    env = dict(ctx.site.env)
    if ctx.metrics_port:
        env["WOPIHOST_METRICS__PORT"] = str(ctx.metrics_port)
    log = ctx.work / f"serve-{workers}.log"
    with running(ctx.site.command(workers=workers), f"{ctx.site.base}/healthz", env=env, log=log) as process:
        ctx.host_pid = process.pid
        try:
            yield process.pid
        finally:
            ctx.host_pid = 0
