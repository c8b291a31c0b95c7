"""The co-authoring mix: editors on shared files, each with its own timers, time compressed.

200 editors on 50 files (20 on 5 in quick mode). Every editor sends CheckFileInfo every 5 s, RefreshLock
every 60 s and an autosave PutFile of 256 KiB (16 KiB in quick mode) every 30 s, all ten times faster.
As Office does when several people edit one document, one editor locks the file first and every editor's
saves and refreshes carry that lock ID. Each editor starts its timers at a random phase, so that the load
is spread as it is in real life rather than arriving in waves. Each editor has a keep-alive connection of
its own and waits for each answer before its next request; when the host is slow the ticks missed meanwhile
are skipped, so the rows' per-operation counts show how much of the nominal load was actually sent. Before
the clock starts, every editor has opened its document: its connection is up and its first CheckFileInfo
answered, as in an editing session that is under way.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict

import anyio

from bench.context import Context
from bench.fixture import add_files
from wopihost.benchkit import loadclient
from wopihost.benchkit.calls import WopiFile
from wopihost.benchkit.results import KIB, Load, Row, percentile

TIME_FACTOR = 10.0
PERIODS = {"CheckFileInfo": 5.0, "RefreshLock": 60.0, "PutFile": 30.0}


class CoAuthoring:
    """The mix, measured as one latency distribution (and per operation in the row's extras)."""

    name = "coauthoring"

    per_operation: dict[str, float]

    def prepare(self, ctx: Context) -> None:
        """Store the files and give each editor a token of its own."""
        files, per_file = (5, 4) if ctx.quick else (50, 4)
        self.save_size = 16 * KIB if ctx.quick else 256 * KIB
        contents = [b"draft" * (self.save_size // 5)] * files
        self.files: list[list[WopiFile]] = add_files(ctx.site, "coauthor", contents, tokens_per_file=per_file)

    def run(self, ctx: Context) -> None:
        """Lock each file, run the mix for the duration, unlock."""
        duration = ctx.duration
        load, usage = ctx.measure(ctx.host_pid, lambda: anyio.run(self._mix, duration))
        editors = sum(len(tokens) for tokens in self.files)
        row = Row("CoAuthoring", f"{editors} editors/{len(self.files)} files", load, usage)
        row.extra["nominal req/s"] = editors * sum(TIME_FACTOR / period for period in PERIODS.values())
        row.extra.update(self.per_operation)
        row.checks["no errors"] = load.errors == 0
        row.checks["p99 < 50 ms"] = load.p99_ms < 50.0
        ctx.rows.append(row)

    async def _mix(self, duration: float) -> Load:
        recorder = loadclient.Recorder()
        by_operation: dict[str, list[float]] = defaultdict(list)
        setup = loadclient.Recorder()
        control = loadclient.Connection(loadclient.Origin.of(self.files[0][0].wopi_src))
        for index, tokens in enumerate(self.files):
            lock = loadclient.prepare(tokens[0].lock_operation("LOCK", f"coauthor-{index}"))
            await loadclient.send(control, lock, setup)
        if setup.errors:
            raise RuntimeError(f"the co-authoring files could not be locked: {setup.failures}")
        # Signed and encoded before the clock starts: signing 400 proofs takes the load client about a second,
        # during which it would read no answer and count its own delay as the host's.
        editors = [
            self._requests(editor, f"coauthor-{index}")
            for index, tokens in enumerate(self.files)
            for editor in tokens
        ]
        connections = [loadclient.Connection(requests["PutFile"].origin) for requests in editors]
        try:
            # Each editor has opened its document before the mix starts, as in an editing session: its
            # connection is up and its first CheckFileInfo (which records the open and joins the lock's
            # session) is answered. The mix measures the editing, not 200 documents opened at one instant.
            async with anyio.create_task_group() as group:
                for connection, requests in zip(connections, editors, strict=True):
                    group.start_soon(loadclient.send, connection, requests["CheckFileInfo"], setup)
            if setup.errors:
                raise RuntimeError(f"the co-authoring documents could not be opened: {setup.failures}")
            started = time.perf_counter()
            deadline = started + duration
            async with anyio.create_task_group() as group:
                for connection, requests in zip(connections, editors, strict=True):
                    group.start_soon(
                        self._timers, connection, requests, deadline, duration, recorder, by_operation
                    )
            seconds = time.perf_counter() - started
        finally:
            for connection in connections:
                await connection.aclose()
        for index, tokens in enumerate(self.files):
            unlock = loadclient.prepare(tokens[0].lock_operation("UNLOCK", f"coauthor-{index}"))
            await loadclient.send(control, unlock, setup)
        await control.aclose()
        self.per_operation = {}
        for name, values in sorted(by_operation.items()):
            self.per_operation[f"{name} n"] = float(len(values))
            self.per_operation[f"{name} p99 ms"] = percentile(sorted(values), 0.99)
        return recorder.load(seconds)

    def _requests(self, editor: WopiFile, lock_id: str) -> dict[str, loadclient.Request]:
        """An editor's three requests, encoded once: the run is far shorter than the proofs' reuse time
        (benchkit.proofs.REUSE_FOR)."""
        body = random.randbytes(self.save_size)
        return {
            "CheckFileInfo": loadclient.prepare(editor.check_file_info()),
            "RefreshLock": loadclient.prepare(editor.lock_operation("REFRESH_LOCK", lock_id)),
            "PutFile": loadclient.prepare(editor.put_file(lock_id, body)),
        }

    async def _timers(
        self,
        connection: loadclient.Connection,
        requests: dict[str, loadclient.Request],
        deadline: float,
        duration: float,
        recorder: loadclient.Recorder,
        by_operation: dict[str, list[float]],
    ) -> None:
        now = time.perf_counter()
        periods = {name: period / TIME_FACTOR for name, period in PERIODS.items()}
        # A random phase, within the run when it is shorter than a period (as in quick mode).
        due = {name: now + random.uniform(0, min(period, duration)) for name, period in periods.items()}
        while True:
            name = min(due, key=due.__getitem__)
            if due[name] >= deadline:
                return
            await anyio.sleep(max(0.0, due[name] - time.perf_counter()))
            sent = time.perf_counter()
            await loadclient.send(connection, requests[name], recorder)
            by_operation[name].append((time.perf_counter() - sent) * 1000)
            # Like a client's interval timer, a tick missed while a request was slow is skipped, not made up.
            due[name] = max(due[name] + periods[name], time.perf_counter())
