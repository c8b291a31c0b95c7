"""A built-in asyncio load client, for where wrk is missing or does not fit (large bodies, timed mixes).

Each simulated client owns one keep-alive connection (`rawhttp.Connection`) and sends requests encoded
once beforehand, so that one Python process can keep hundreds of connections busy.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import anyio

from wopihost.benchkit.calls import Call
from wopihost.benchkit.rawhttp import Connection, Origin, ProtocolError, Request, prepare
from wopihost.benchkit.results import Load, load_from_latencies

__all__ = ["Connection", "Origin", "Recorder", "Request", "closed_loop", "prepare", "send"]


@dataclass(slots=True)
class Recorder:
    """Every request's latency, the errors and the bytes moved, from many tasks at once."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    received: int = 0
    sent: int = 0
    failures: list[str] = field(default_factory=list)

    def load(self, seconds: float) -> Load:
        """The Load of everything recorded over `seconds` of wall time."""
        return load_from_latencies(
            self.latencies_ms, errors=self.errors, seconds=seconds, received=self.received, sent=self.sent
        )

    def failed(self, description: str) -> None:
        """Count an error and keep the first few descriptions for the report."""
        self.errors += 1
        if len(self.failures) < 5:
            self.failures.append(description)


async def send(connection: Connection, request: Request, recorder: Recorder) -> int:
    """Send one request and read its response; records it and returns its status (0 if none)."""
    started = time.perf_counter()
    status = 0
    try:
        reply = await connection.send(request)
        status = reply.status
        recorder.received += reply.received
    except (OSError, TimeoutError, ProtocolError) as exc:
        recorder.failed(f"{request.label}: {type(exc).__name__} {exc}")
    recorder.latencies_ms.append((time.perf_counter() - started) * 1000)
    recorder.sent += len(request.body)
    if status >= 400:
        recorder.failed(f"{request.label}: HTTP {status}")
    return status


async def closed_loop(
    plans: Sequence[Sequence[Call]], *, duration: float, connections: int, verify: bool = True
) -> tuple[Load, Recorder]:
    """`connections` tasks, task i replaying plan i mod len(plans) in order until `duration` has passed."""
    if not plans or not all(plans):
        raise ValueError("a load run needs at least one request")
    prepared = [[prepare(call) for call in plan] for plan in plans]
    recorder = Recorder()
    deadline = time.perf_counter() + duration

    async def client(plan: Sequence[Request]) -> None:
        connection = Connection(plan[0].origin, verify=verify)
        try:
            step = 0
            while time.perf_counter() < deadline:
                await send(connection, plan[step % len(plan)], recorder)
                step += 1
        finally:
            await connection.aclose()

    started = time.perf_counter()
    async with anyio.create_task_group() as group:
        for index in range(connections):
            group.start_soon(client, prepared[index % len(prepared)])
    return recorder.load(time.perf_counter() - started), recorder
