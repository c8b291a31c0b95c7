"""Scenarios that start servers of their own: start-up time and idle memory, and scaling with workers."""

from __future__ import annotations

import os
import statistics
import subprocess
import time

import httpx
from tests.servers import stop_process

from bench import procstat
from bench.context import Context, host_server
from bench.fixture import add_files
from wopihost.benchkit.calls import WopiFile
from wopihost.benchkit.results import Row

STARTUP_GOAL_SECONDS = 1.5
IDLE_RSS_GOAL_MIB = 80.0


class StartUp:
    """Time from starting `wopihost serve` to its first answered (signed) CheckFileInfo; then idle memory."""

    name = "startup"
    needs_own_server = True

    def prepare(self, ctx: Context) -> None:
        """Store the file that the first request reads."""
        [[self.target]] = add_files(ctx.site, "startup", [b"first"])

    def _start_once(self, ctx: Context) -> tuple[float, float]:
        call = self.target.check_file_info()
        log = (ctx.work / "serve-startup.log").open("ab")
        env = {**os.environ, **ctx.site.env}
        started = time.perf_counter()
        process = subprocess.Popen(
            ctx.site.command(), env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            while process.poll() is None and time.perf_counter() - started < 30:
                try:
                    if httpx.get(call.url, headers=dict(call.headers), timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.01)
            else:
                raise RuntimeError(f"wopihost serve did not answer CheckFileInfo; see {log.name}")
            seconds = time.perf_counter() - started
            # Idle memory is read once start-up work (discovery, first connections) has settled.
            time.sleep(0.2 if ctx.quick else 1.0)
            return seconds, procstat.tree_rss_mib(process.pid)
        finally:
            stop_process(process)
            log.close()

    def run(self, ctx: Context) -> None:
        """Start the host a few times (once in quick mode); report the median."""
        runs = [self._start_once(ctx) for _ in range(1 if ctx.quick else 3)]
        seconds = statistics.median(run[0] for run in runs)
        rss = statistics.median(run[1] for run in runs)
        row = Row("StartUp", "serve -> first CheckFileInfo, 1 worker")
        row.extra.update({"start-up s": seconds, "idle RSS MiB": rss})
        row.checks[f"start-up < {STARTUP_GOAL_SECONDS} s"] = seconds < STARTUP_GOAL_SECONDS
        row.checks[f"idle RSS < {IDLE_RSS_GOAL_MIB:.0f} MiB"] = rss < IDLE_RSS_GOAL_MIB
        ctx.rows.append(row)


class Workers:
    """CheckFileInfo with 1, 2, ... workers, up to the core count (at most 4)."""

    name = "workers"
    needs_own_server = True

    def prepare(self, ctx: Context) -> None:
        """Store the file."""
        [[self.target]] = add_files(ctx.site, "workers", [b"x" * 20480])

    def run(self, ctx: Context) -> None:
        """Measure each worker count on a fresh server; each row's ratio is to one worker."""
        connections = 16 if ctx.quick else 32
        plans = [[self.target.check_file_info()]]
        single = 0.0
        for workers in range(1, min(os.cpu_count() or 1, 4) + 1):
            with host_server(ctx, workers=workers) as pid:
                _warm_up(self.target)
                per_worker = [procstat.rss_mib(p) for p in procstat.tree(pid)[1:]] or [procstat.rss_mib(pid)]
                load, usage = ctx.measure(pid, ctx.wrk(plans, connections=connections))
            single = single or load.requests_per_second
            row = Row("Workers", f"{workers} worker(s) c={connections}", load, usage)
            row.ratio = load.requests_per_second / single if single else None
            row.extra["idle RSS per worker MiB"] = max(per_worker)
            row.checks["no errors"] = load.errors == 0
            if workers > 1:
                row.checks["grows with workers"] = (row.ratio or 0) > 1.0
            ctx.rows.append(row)


def _warm_up(target: WopiFile) -> None:
    """A few requests so that every worker has loaded discovery and opened its database connections."""
    call = target.check_file_info()
    for _ in range(20):
        httpx.get(call.url, headers=dict(call.headers), timeout=10)
