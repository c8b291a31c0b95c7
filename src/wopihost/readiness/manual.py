"""testing.rst's manual tests, replayed by the development client where the deployment uses it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from wopihost.config import Settings
from wopihost.readiness.fixture import ReadinessFixture
from wopihost.readiness.model import Check, failed, not_applicable, passed
from wopihost.readiness.validator_run import ValidatorTarget

# What each run covers: (check id, title, file name, simulate arguments).
RUNS = (
    ("manual.save_as", "Rename and Save As in an editing session (Collabora replay)", "readiness.odt",
     ["--client", "collabora", "--scenario", "1"]),
    ("manual.word", "Word: single- and multi-user co-authoring", "readiness.docx", ["--client", "word"]),
    ("manual.excel", "Excel: single- and multi-user co-authoring", "readiness.xlsx", ["--client", "excel"]),
    ("manual.powerpoint", "PowerPoint: single- and multi-user co-authoring", "readiness.pptx",
     ["--client", "powerpoint"]),
)  # fmt: skip
FIX = "Replay it with `wopihost devclient simulate ... --verbose` to see every request and the error."


def uses_devclient(settings: Settings) -> bool:
    """True when discovery is the development client's, whose proof keys the simulation signs with."""
    return settings.discovery.resolved_url is None


async def manual_checks(settings: Settings, fixture: ReadinessFixture, *, time_factor: float) -> list[Check]:
    """Run the development client's scenarios on fresh files, one check per application."""
    if not uses_devclient(settings):
        why = (
            "Discovery is another WOPI client's, so the development client's proofs would be refused: "
            "follow testing.rst by hand in Microsoft's test environment."
        )
        return [not_applicable(check_id, title, why) for check_id, title, _name, _args in RUNS]
    checks = []
    for check_id, title, name, args in RUNS:
        targets = await fixture.session_targets(name)
        report = simulate(settings, targets, [*args, "--time-factor", str(time_factor)])
        checks.append(_check(check_id, title, report))
    return checks


def simulate(
    settings: Settings, targets: Sequence[ValidatorTarget], args: Sequence[str]
) -> Mapping[str, Any]:
    """`wopihost devclient simulate --json` as a subprocess (the host never imports the client)."""
    users: list[str] = []
    for role, target in zip(("A", "B", "C"), targets, strict=False):
        token = {"wopi_src": target.wopi_src, "access_token": target.access_token,
                 "access_token_ttl": target.access_token_ttl}  # fmt: skip
        users += ["--user", f"{role}={json.dumps(token)}"]
    command = [sys.executable, "-m", "wopihost", "devclient", "simulate", *users, *args, "--json"]
    env = {**os.environ, "WOPIHOST_DEVCLIENT__KEYS_FILE": str(settings.devclient_keys_file)}
    completed = subprocess.run(  # noqa: S603 - our own argument list
        command, capture_output=True, text=True, timeout=600, check=False, env=env
    )
    try:
        report: Mapping[str, Any] = json.loads(completed.stdout)
    except json.JSONDecodeError:
        return {"passed": False, "error": (completed.stderr or completed.stdout)[-500:]}
    return report


def _check(check_id: str, title: str, report: Mapping[str, Any]) -> Check:
    scenarios = report.get("scenarios", [])
    evidence = tuple(f"scenario {s.get('scenario', 1)}: {'passed' if s.get('passed') else 'failed'}"
                     f" ({s.get('title', '')})" for s in scenarios)  # fmt: skip
    if report.get("passed") and scenarios:
        return passed(
            check_id, title, f"{len(scenarios)} scenario(s) went as the docs say.", evidence=evidence
        )
    problems = [
        f"{line.get('operation')} -> {line.get('status')}: {line.get('detail')}"
        for s in scenarios
        for line in s.get("lines", [])
        if line.get("verdict") == "unexpected"
    ]
    problems += [f"missing: {m}" for s in scenarios for m in s.get("missing", [])]
    detail = report.get("error") or "; ".join(problems[:3]) or "The simulation reported a failure."
    return failed(check_id, title, str(detail), FIX, evidence=evidence)
