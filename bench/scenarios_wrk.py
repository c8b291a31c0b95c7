"""The request-rate scenarios, under wrk: CheckFileInfo at 16 and 64 connections, and lock cycles."""

from __future__ import annotations

from bench.context import Context, bare_server, on_base
from bench.fixture import add_files
from bench.metrics import check_metrics, scraped_check_file_info
from wopihost.benchkit.calls import WopiFile
from wopihost.benchkit.results import Row

CHECK_FILE_INFO_SIZE = 20 * 1024
# The extra figure of a host row measured beside the minimal host: its rate as a fraction of the floor's.
OF_FLOOR = "x the minimal host"


def _of_floor(host: Row, floor: Row) -> float:
    """The host's rate over the floor's; both rows are ratios to the same baseline run."""
    return (host.ratio or 0) / max(floor.ratio or 0, 1e-9)


class CheckFileInfo:
    """CheckFileInfo on one file at 16 and 64 connections, against a bare app returning a JSON body.

    At 16 connections the floor is measured too: the same work with nothing around it (minimal_host.py).
    """

    name = "checkfileinfo"

    def prepare(self, ctx: Context) -> None:
        """Store the file."""
        [[self.target]] = add_files(ctx.site, "cfi", [b"x" * CHECK_FILE_INFO_SIZE])

    def run(self, ctx: Context) -> None:
        """Measure the bare app, then the host, at each connection count."""
        calls = [self.target.check_file_info()]
        runs = ((16, 10.0), (64, 30.0))
        with bare_server(ctx, "bench.bare_app") as (bare, pid):
            bare_plans = [on_base(calls, ctx.site.base, bare)]
            baselines = [ctx.measure(pid, ctx.wrk(bare_plans, connections=c)) for c, _ in runs]
        with bare_server(ctx, "bench.minimal_host", ctx.site.env) as (minimal, pid):
            floor = ctx.measure(pid, ctx.wrk([on_base(calls, ctx.site.base, minimal)], connections=16))
        minimal_row = ctx.compare(
            "CheckFileInfo", "c=16", baseline=baselines[0], host=floor, host_name="minimal"
        )
        for (connections, p99_goal), baseline in zip(runs, baselines, strict=True):
            before = scraped_check_file_info(ctx.metrics_port) if ctx.metrics_port else 0
            host = ctx.measure(ctx.host_pid, ctx.wrk([calls], connections=connections))
            if ctx.metrics_port:
                counted = scraped_check_file_info(ctx.metrics_port) - before
                check_metrics(host[0].requests, counted, connections)
            row = ctx.compare("CheckFileInfo", f"c={connections}", baseline=baseline, host=host)
            row.checks["no errors"] = host[0].errors == 0
            row.checks[f"p99 < {p99_goal:.0f} ms"] = host[0].p99_ms < p99_goal
            if connections == 16:
                row.checks[">= 0.5x bare"] = (row.ratio or 0) >= 0.5
                row.extra[OF_FLOOR] = _of_floor(row, minimal_row)


class LockCycles:
    """Lock, RefreshLock, GetLock, Unlock on 64 files at once, one connection (and wrk thread) per file,
    against an in-memory lock table; the minimal host (minimal_host.py) is measured too, as the floor."""

    name = "locks"

    def prepare(self, ctx: Context) -> None:
        """Store the files (8 in quick mode)."""
        count = 8 if ctx.quick else 64
        self.targets: list[WopiFile] = [t for [t] in add_files(ctx.site, "locks", [b"lock me"] * count)]

    def run(self, ctx: Context) -> None:
        """Measure the in-memory lock table, the minimal host (the floor), then the host."""
        plans = [target.lock_cycle(f"bench-lock-{index}") for index, target in enumerate(self.targets)]
        count = len(plans)
        with bare_server(ctx, "bench.bare_locks") as (bare, pid):
            bare_plans = [on_base(plan, ctx.site.base, bare) for plan in plans]
            baseline = ctx.measure(pid, ctx.wrk(bare_plans, connections=count, threads=count))
        with bare_server(ctx, "bench.minimal_host", ctx.site.env) as (minimal, pid):
            minimal_plans = [on_base(plan, ctx.site.base, minimal) for plan in plans]
            floor = ctx.measure(pid, ctx.wrk(minimal_plans, connections=count, threads=count))
        target = f"{count} files"
        minimal_row = ctx.compare(
            "LockCycle", target, baseline=baseline, host=floor, baseline_name="in-memory", host_name="minimal"
        )
        host = ctx.measure(ctx.host_pid, ctx.wrk(plans, connections=count, threads=count))
        row = ctx.compare("LockCycle", target, baseline=baseline, host=host, baseline_name="in-memory")
        row.checks["no errors"] = host[0].errors == 0
        row.checks[">= 0.5x in-memory"] = (row.ratio or 0) >= 0.5
        row.extra[OF_FLOOR] = _of_floor(row, minimal_row)
