"""`wopihost bench`: the read scenarios, and lock cycles if allowed, against any WOPI host."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import anyio
import httpx

from wopihost.benchkit import loadclient, wrk
from wopihost.benchkit.bare import local_bare_app
from wopihost.benchkit.calls import Call, WopiFile
from wopihost.benchkit.results import Load, Row

# wrk sends the same proof headers all run long, so a run must end before they are too old to accept.
MAX_DURATION = 600.0


@dataclass(frozen=True, slots=True)
class RemoteOptions:
    """What `wopihost bench` was asked to do."""

    target: WopiFile
    duration: float
    connections: int
    allow_writes: bool = False
    use_wrk: bool = True
    verify_tls: bool = True
    local_baseline: bool = False


class BenchRefused(Exception):
    """The target is not in a state the benchmark can run against (a probe failed, the file is locked)."""


def measure(
    plans: Sequence[Sequence[Call]], *, duration: float, connections: int, use_wrk: bool, verify: bool = True
) -> Load:
    """One load run with wrk when asked and installed (it does not verify TLS), else the built-in client."""
    if use_wrk and wrk.available():
        return wrk.run(plans, duration=duration, connections=connections, threads=min(connections, 2))

    async def closed_loop() -> Load:
        load, _ = await loadclient.closed_loop(
            plans, duration=duration, connections=connections, verify=verify
        )
        return load

    return anyio.run(closed_loop)


def _rate(load: Load, by_mbps: bool) -> float:
    return load.mb_per_second if by_mbps else load.requests_per_second


def probe(call: Call, *, verify: bool) -> httpx.Response:
    """Send one request synchronously and refuse the run unless it succeeds."""
    try:
        response = httpx.request(call.method, call.url, headers=dict(call.headers), timeout=30, verify=verify)
    except httpx.HTTPError as exc:
        raise BenchRefused(f"{call.method} {call.url.split('?')[0]} failed: {exc}") from exc
    if response.status_code >= 400:
        raise BenchRefused(
            f"{call.method} {call.url.split('?')[0]} answered {response.status_code}"
            " (check the token, and --proof-keys if the host verifies proofs)"
        )
    return response


def run_remote(options: RemoteOptions) -> list[Row]:
    """Probe the target, then measure CheckFileInfo, GetFile and, with writes allowed, lock cycles."""
    if not 0 < options.duration <= MAX_DURATION:
        raise BenchRefused(f"the duration must be more than 0 and at most {MAX_DURATION:.0f} s")
    if options.connections < 1:
        raise BenchRefused("at least one connection is needed")
    target, verify = options.target, options.verify_tls
    probe(target.check_file_info(), verify=verify)
    size = len(probe(target.get_file(), verify=verify).content)

    def run(call: Call) -> Load:
        return measure(
            [[call]],
            duration=options.duration,
            connections=options.connections,
            use_wrk=options.use_wrk,
            verify=verify,
        )

    reads = {"CheckFileInfo": target.check_file_info(), "GetFile": target.get_file()}
    baselines: dict[str, Load] = {}
    if options.local_baseline:
        with local_bare_app(size) as bare:
            for name, call in reads.items():
                baselines[name] = run(Call(call.method, bare + urlsplit(call.url).path, call.headers))
    rows = []
    label = f"c={options.connections}"
    for name, call in reads.items():
        load = run(call)
        ratio = None
        if name in baselines:
            rows.append(Row(name, f"{label} local bare ASGI", baselines[name]))
            by_mbps = name == "GetFile"
            ratio = _rate(load, by_mbps) / max(_rate(baselines[name], by_mbps), 1e-9)
        rows.append(Row(name, f"{label} target", load, ratio=ratio))
    if options.allow_writes:
        rows.append(
            Row(
                "LockCycle",
                "c=1 target",
                _lock_cycles(target, duration=options.duration, use_wrk=options.use_wrk, verify=verify),
            )
        )
    for row in rows:
        if row.load is not None and row.target.endswith("target"):
            row.checks["no errors"] = row.load.errors == 0
    return rows


def _lock_cycles(target: WopiFile, *, verify: bool, duration: float, use_wrk: bool) -> Load:
    current = probe(target.lock_operation("GET_LOCK"), verify=verify).headers.get("X-WOPI-Lock", "")
    if current:
        raise BenchRefused("the file is locked (is it open in an editor?); lock cycles need an unlocked file")
    lock_id = f"wopihost-bench-{secrets.token_hex(8)}"
    try:
        plans = [target.lock_cycle(lock_id)]
        return measure(plans, duration=duration, connections=1, use_wrk=use_wrk, verify=verify)
    finally:
        # The run can stop between Lock and Unlock; the file is left as it was found.
        unlock = target.lock_operation("UNLOCK", lock_id)
        with contextlib.suppress(httpx.HTTPError):
            httpx.request(unlock.method, unlock.url, headers=dict(unlock.headers), timeout=30, verify=verify)
