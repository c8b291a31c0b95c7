"""A built-in asyncio load client, for where wrk is missing or does not fit (large bodies, timed mixes)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import anyio
import httpx

from wopihost.benchkit.calls import Call
from wopihost.benchkit.results import Load, load_from_latencies


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


async def send(client: httpx.AsyncClient, call: Call, recorder: Recorder) -> int:
    """Send one request, streaming the response away; records it and returns its status (0 if none)."""
    started = time.perf_counter()
    status = 0
    try:
        request = client.build_request(call.method, call.url, headers=dict(call.headers), content=call.body)
        response = await client.send(request, stream=True)
        try:
            async for chunk in response.aiter_raw():
                recorder.received += len(chunk)
        finally:
            await response.aclose()
        status = response.status_code
    except httpx.HTTPError as exc:
        recorder.failed(f"{call.method} {call.headers.get('X-WOPI-Override', '')}: {type(exc).__name__}")
    recorder.latencies_ms.append((time.perf_counter() - started) * 1000)
    recorder.sent += len(call.body)
    if status >= 400:
        recorder.failed(f"{call.method} {call.headers.get('X-WOPI-Override', '')}: HTTP {status}")
    return status


def new_client(connections: int, *, verify: bool = True) -> httpx.AsyncClient:
    """An HTTP client with room for `connections` keep-alive connections."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(60.0), verify=verify)


async def closed_loop(
    plans: Sequence[Sequence[Call]], *, duration: float, connections: int, verify: bool = True
) -> tuple[Load, Recorder]:
    """`connections` tasks, task i replaying plan i mod len(plans) in order until `duration` has passed."""
    if not plans or not all(plans):
        raise ValueError("a load run needs at least one request")
    recorder = Recorder()
    deadline = time.perf_counter() + duration

    async def connection(plan: Sequence[Call]) -> None:
        step = 0
        while time.perf_counter() < deadline:
            await send(client, plan[step % len(plan)], recorder)
            step += 1

    started = time.perf_counter()
    async with new_client(connections, verify=verify) as client, anyio.create_task_group() as group:
        for index in range(connections):
            group.start_soon(connection, plans[index % len(plans)])
    return recorder.load(time.perf_counter() - started), recorder
