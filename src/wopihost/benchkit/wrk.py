"""Load from `wrk`: each wrk thread replays one plan (a list of requests) in order on its connections.

With as many threads as connections every connection has a plan of its own, which keeps a lock cycle's
requests in order. The Lua script's `done` prints the counts and latency percentiles as one JSON line.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from wopihost.benchkit.calls import Call
from wopihost.benchkit.results import Load

MARKER = "BENCH_RESULT "
# One request per plan: no need to look at responses.
_REPEAT = """
function request()
  return requests[1]
end
"""
# A cycle moves on when a response arrives: wrk may ask for a request it then never sends (as it does
# once when a thread starts), and a lock cycle out of order would fail.
_CYCLE = """
function request()
  return requests[step + 1]
end
function response(status, headers, body)
  step = (step + 1) % #requests
end
"""
_SCRIPT = """
local plans = %(plans)s
local counter = 0
function setup(thread)
  thread:set("plan_index", counter %% #plans + 1)
  counter = counter + 1
end
function init(args)
  local plan = plans[tonumber(plan_index)]
  requests = {}
  for i, call in ipairs(plan) do
    requests[i] = wrk.format(call[1], call[2], call[3], call[4])
  end
  step = 0
end
%(stepping)s
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%(marker)s{"requests":%%d,"duration_us":%%d,"bytes":%%d,"status_errors":%%d,"socket_errors":%%d,' ..
    '"p50_us":%%d,"p95_us":%%d,"p99_us":%%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def available() -> bool:
    """Whether wrk is on PATH."""
    return shutil.which("wrk") is not None


def lua_string(text: str | bytes) -> str:
    """A Lua string literal of `text`, every byte outside printable ASCII escaped."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    out = []
    for byte in data:
        char = chr(byte)
        out.append(char if 32 <= byte < 127 and char not in '"\\' else f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def _lua_call(call: Call) -> str:
    parts = urlsplit(call.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in call.headers.items())
    body = lua_string(call.body) if call.body else "nil"
    return f"{{{lua_string(call.method)}, {lua_string(path)}, {{{headers}}}, {body}}}"


def script(plans: Sequence[Sequence[Call]]) -> str:
    """The Lua script that replays `plans`."""
    lua_plans = "{" + ",\n".join("{" + ", ".join(_lua_call(c) for c in plan) + "}" for plan in plans) + "}"
    stepping = _CYCLE if any(len(plan) > 1 for plan in plans) else _REPEAT
    return _SCRIPT % {"plans": lua_plans, "marker": MARKER, "stepping": stepping}


def run(plans: Sequence[Sequence[Call]], *, duration: float, connections: int, threads: int = 2) -> Load:
    """Run wrk for `duration` seconds with `connections` connections over `threads` threads."""
    if not plans or not all(plans):
        raise ValueError("wrk needs at least one request")
    first = urlsplit(plans[0][0].url)
    threads = max(1, min(threads, connections))
    with tempfile.TemporaryDirectory() as tmp:
        lua = Path(tmp) / "plans.lua"
        lua.write_text(script(plans), encoding="utf-8")
        command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s"]
        command += ["--timeout", "30s", "-s", str(lua), f"{first.scheme}://{first.netloc}/"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 90, check=False)  # noqa: S603 - wrk with our arguments
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    result = json.loads(lines[-1][len(MARKER) :])
    return Load(
        requests=result["requests"],
        errors=result["status_errors"] + result["socket_errors"],
        seconds=result["duration_us"] / 1e6,
        p50_ms=result["p50_us"] / 1000,
        p95_ms=result["p95_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        bytes_received=result["bytes"],
    )
