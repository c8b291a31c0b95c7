"""The byte-moving scenarios: GetFile of a small and a large file, and PutFile of a large one."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import anyio

from bench.context import Context, bare_server
from bench.fixture import add_files
from wopihost.benchkit import loadclient
from wopihost.benchkit.calls import Call, WopiFile
from wopihost.benchkit.results import MIB, Load, Row, load_from_latencies

CHUNK = MIB
GROWTH_GOAL_MIB = 50.0


def _label(size: int) -> str:
    return f"{size // MIB} MiB" if size >= MIB else f"{size // 1024} KiB"


class GetFile:
    """GetFile of 1 MiB and 100 MiB (64 KiB and 1 MiB in quick mode) against a bare app streaming a file."""

    name = "getfile"

    def prepare(self, ctx: Context) -> None:
        """Store random bytes in the host and the same bytes in a folder for the bare app."""
        self.sizes = [64 * 1024, MIB] if ctx.quick else [MIB, 100 * MIB]
        contents = [os.urandom(size) for size in self.sizes]
        self.targets: list[WopiFile] = [t for [t] in add_files(ctx.site, "get", contents)]
        self.folder = ctx.work / "bare-files"
        self.folder.mkdir(exist_ok=True)
        for size, content in zip(self.sizes, contents, strict=True):
            (self.folder / f"{size}.bin").write_bytes(content)

    def run(self, ctx: Context) -> None:
        """Measure the bare app and the host, by MiB/s, with fewer connections for the larger file."""
        env = {"BENCH_BARE_DIR": str(self.folder)}
        # Fewer connections for the larger file: four 100 MiB responses at once already fill the pipe.
        runs = [
            (size, target, 8 if size <= MIB else 4)
            for size, target in zip(self.sizes, self.targets, strict=True)
        ]
        with bare_server(ctx, "bench.bare_files", env) as (bare, pid):
            baselines = [
                ctx.measure(
                    pid,
                    ctx.wrk([[Call("GET", f"{bare}/{size}.bin", target.get_file().headers)]], connections=c),
                )
                for size, target, c in runs
            ]
        for (size, target, connections), baseline in zip(runs, baselines, strict=True):
            host = ctx.measure(ctx.host_pid, ctx.wrk([[target.get_file()]], connections=connections))
            row = ctx.compare(
                "GetFile", f"{_label(size)} c={connections}", baseline=baseline, host=host, by_mbps=True
            )
            row.checks["no errors"] = host[0].errors == 0
            row.checks[">= 0.8x bare MiB/s"] = (row.ratio or 0) >= 0.8
            row.checks[f"RSS growth < {GROWTH_GOAL_MIB:.0f} MiB"] = host[1].rss_growth_mib < GROWTH_GOAL_MIB


def floor_pass(path: Path, content: bytes) -> float:
    """One pass of write + SHA-256 + fsync of `content` to `path`, the machine's floor; milliseconds."""
    started = time.perf_counter()
    digest = hashlib.sha256()
    with path.open("wb") as file:
        for start in range(0, len(content), CHUNK):
            chunk = content[start : start + CHUNK]
            digest.update(chunk)
            file.write(chunk)
        file.flush()
        os.fsync(file.fileno())
    digest.hexdigest()
    return (time.perf_counter() - started) * 1000


class PutFile:
    """PutFile of 100 MiB (1 MiB in quick mode), one upload at a time, against the machine's floor."""

    name = "putfile"

    def prepare(self, ctx: Context) -> None:
        """Store the file; make two bodies that differ, so that every save changes the content."""
        self.size = MIB if ctx.quick else 100 * MIB
        body = os.urandom(self.size)
        self.bodies = [body, b"\x00" + body[1:]]
        [[self.target]] = add_files(ctx.site, "put", [body])

    def run(self, ctx: Context) -> None:
        """Alternate the floor's passes on the data directory's file system with the host's saves.

        Taking turns, both meet the disk in the same state: a virtual disk may write a burst of a few hundred
        MiB far faster than it sustains, so a floor measured first would be measured against the burst alone.
        Like the host, which keeps each save as a version, the floor keeps its files until the end.
        """
        lock_id = "bench-put"
        saves = [loadclient.prepare(self.target.put_file(lock_id, body)) for body in self.bodies]
        lock = loadclient.prepare(self.target.lock_operation("LOCK", lock_id))
        unlock = loadclient.prepare(self.target.lock_operation("UNLOCK", lock_id))
        floor_ms: list[float] = []
        floor_files = ctx.site.data_dir / "floor"
        floor_files.mkdir(exist_ok=True)

        async def uploads() -> Load:
            connection = loadclient.Connection(lock.origin)
            try:
                await loadclient.send(connection, lock, loadclient.Recorder())
                recorder = loadclient.Recorder()
                started = time.perf_counter()
                count = 0
                # At least three saves, however short the duration.
                while count < 3 or time.perf_counter() - started < ctx.duration:
                    floor_ms.append(floor_pass(floor_files / f"{count}.bin", self.bodies[count % 2]))
                    await loadclient.send(connection, saves[count % 2], recorder)
                    count += 1
                await loadclient.send(connection, unlock, loadclient.Recorder())
            finally:
                await connection.aclose()
            # One save at a time: the host's time is the sum of the saves' own.
            return recorder.load(sum(recorder.latencies_ms) / 1000)

        load, usage = ctx.measure(ctx.host_pid, lambda: anyio.run(uploads))
        shutil.rmtree(floor_files)
        machine = load_from_latencies(
            floor_ms, errors=0, seconds=sum(floor_ms) / 1000, sent=self.size * len(floor_ms)
        )
        label = f"{_label(self.size)} c=1"
        ctx.rows.append(Row("PutFile", f"{label} floor", machine))
        row = Row(
            "PutFile", f"{label} wopihost", load, usage, ratio=load.mb_per_second / machine.mb_per_second
        )
        row.checks["no errors"] = load.errors == 0
        row.checks[">= 0.7x floor"] = (row.ratio or 0) >= 0.7
        row.checks[f"RSS growth < {GROWTH_GOAL_MIB:.0f} MiB"] = usage.rss_growth_mib < GROWTH_GOAL_MIB
        ctx.rows.append(row)
