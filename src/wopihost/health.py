"""`/healthz` (the process is up) and `/readyz` (it reaches every back end it needs), for load balancers.

Neither needs a token and both answer on every hostname. `/healthz` does no I/O. `/readyz` runs each probe
at once with a time limit and names what failed in a JSON body with 503; it says which back end failed and
the kind of error, never a URL, a host name or a credential.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from wopihost.errors import WopiHostError

log = logging.getLogger("wopihost.health")

# A probe returns when its back end answered, and raises otherwise.
Probe = Callable[[], Awaitable[None]]
OK = "ok"
_NO_STORE = {"Cache-Control": "no-store"}


async def check_all(probes: Mapping[str, Probe], *, limit_seconds: float) -> dict[str, str]:
    """Run every probe concurrently, each within `limit_seconds`: "ok" or what went wrong, by name."""
    outcomes: dict[str, str] = {}

    async def run(name: str, probe: Probe) -> None:
        outcomes[name] = await _outcome(name, probe, limit_seconds)

    async with anyio.create_task_group() as tasks:
        for name, probe in probes.items():
            tasks.start_soon(run, name, probe)
    return {name: outcomes[name] for name in probes}


async def _outcome(name: str, probe: Probe, limit_seconds: float) -> str:
    try:
        with anyio.fail_after(limit_seconds):
            await probe()
    except TimeoutError:
        log.warning("readiness check=%s outcome=timeout seconds=%g", name, limit_seconds)
        return f"timed out after {limit_seconds:g} s"
    except Exception as exc:
        log.warning("readiness check=%s outcome=failed error=%s", name, type(exc).__name__)
        # Our own messages name the failed operation and the driver's error class, never its text.
        detail = str(exc) if isinstance(exc, WopiHostError) and str(exc) else type(exc).__name__
        return f"failed: {detail}"
    return OK


def health_routes(probes: Mapping[str, Probe], *, timeout: float) -> list[BaseRoute]:
    """The two routes, checking `probes` on each `/readyz`."""

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"}, headers=_NO_STORE)

    async def readyz(_request: Request) -> Response:
        checks = await check_all(probes, limit_seconds=timeout)
        failed = [name for name, outcome in checks.items() if outcome != OK]
        body: dict[str, object] = {"status": "unavailable" if failed else "ready", "checks": checks}
        if failed:
            body["failed"] = failed
        return JSONResponse(body, status_code=503 if failed else 200, headers=_NO_STORE)

    return [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/readyz", readyz, methods=["GET", "HEAD"]),
    ]
