"""The self-check: the WOPI validator groups shipping.rst requires, run against the deployment."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from wopihost.readiness.model import Check, Verdict, failed, not_applicable, passed

# shipping.rst: every test of these groups must pass; "A|B" means one of the two, by what the host claims.
REQUIRED = (
    "CheckFileInfoSchema",
    "BaseWopiViewing",
    "EditFlows",
    "Locks",
    "FileVersion",
    "PutRelativeFile|PutRelativeFileUnsupported",
    "RenameFileIfCreateChildFileIsNotSupported|RenameFileIfCreateChildFileIsSupported",
    "PutUserInfo",
    "ProofKeys",
)
# Groups that run only when CheckFileInfo claims the capability (validator.rst: containers, ecosystem...).
CLAIMED_BY = {
    "Container": "SupportsContainers",
    "RenameContainer": "SupportsContainers",
    "EnumerateAncestorsAndChildren": "SupportsContainers",
    "CreateChildFileAndDeleteFile": "SupportsContainers",
    "Ecosystem": "SupportsEcosystem",
    "AddActivities": "SupportsAddActivities",
}
NOT_IN_SUITE = {
    "HostFrameIntegration": "a browser test Microsoft runs through the test environment's WopiTest action",
    "AccessTokens": "folded into every group of the open-source suite as access-token mutators",
}


@dataclass(frozen=True)
class ValidatorTarget:
    """The .wopitest file the validator tests: its WopiSrc and an access token for it."""

    wopi_src: str
    access_token: str
    access_token_ttl: int


def find_validator(path: Path) -> Path | None:
    """The validator script in `path` (a folder or the script itself), or None when absent."""
    script = path / "wopi_validator.py" if path.is_dir() else path
    return script if script.is_file() else None


def run_validator(
    script: Path, target: ValidatorTarget, out: Path, *, proof_keys: Path | None = None, timeout: float = 600
) -> Mapping[str, Any]:
    """Run the validator as a subprocess and return its JSON report."""
    command = [sys.executable, str(script), "-w", target.wopi_src, "-t", target.access_token]
    command += ["-l", str(target.access_token_ttl), "-e", "OfficeOnline", "-s", "--json", str(out)]
    if proof_keys is not None:
        command += ["--proof-keys", str(proof_keys)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603 - our own argument list
    if not out.is_file():
        raise RuntimeError(
            f"the validator wrote no report (exit {completed.returncode}): {completed.stderr[-500:]}"
        )
    report: Mapping[str, Any] = json.loads(out.read_text("utf-8"))
    return report


def group_checks(report: Mapping[str, Any], claims: Mapping[str, Any]) -> list[Check]:
    """One check per required group (and per claimed optional group), from the validator's JSON."""
    by_group: dict[str, list[Mapping[str, Any]]] = {}
    for result in report.get("results", []):
        by_group.setdefault(str(result["group"]), []).append(result)
    checks = [_required(spec, by_group) for spec in REQUIRED]
    for group, claim in CLAIMED_BY.items():
        if claims.get(claim):
            checks.append(_group_check(group, by_group.get(group, [])))
        else:
            checks.append(
                not_applicable(f"validator.{group}", group, f"CheckFileInfo does not claim {claim}.")
            )
    for group, why in NOT_IN_SUITE.items():
        checks.append(
            Check(f"validator.{group}", group, Verdict.NOT_RUN, f"Not in this suite: {why}.", required=False)
        )
    return checks


def _required(spec: str, by_group: Mapping[str, Sequence[Mapping[str, Any]]]) -> Check:
    options = spec.split("|")
    ran = [g for g in options if any(r["status"] != "SKIP" for r in by_group.get(g, []))]
    if not ran:
        return failed(
            f"validator.{options[0]}",
            " or ".join(options),
            "No test of the group ran.",
            "Run the validator by hand with -g GROUP -v to see why its prerequisites are skipped.",
        )
    return _group_check(ran[0], by_group[ran[0]], title=" or ".join(options) if len(options) > 1 else ran[0])


def _group_check(group: str, results: Sequence[Mapping[str, Any]], *, title: str | None = None) -> Check:
    title = title or group
    fails = [r for r in results if r["status"] == "FAIL"]
    done = sum(1 for r in results if r["status"] == "PASS")
    if fails:
        evidence = tuple(_failure(r) for r in fails[:5])
        return failed(
            f"validator.{group}",
            title,
            f"{len(fails)} of {len(results)} tests failed ({group}).",
            "Fix the failing requests below; rerun with `wopi_validator.py -g "
            + group
            + " -v` for every request.",
            evidence=evidence,
        )
    if not done:
        return not_applicable(f"validator.{group}", title, "Every test of the group was skipped.")
    return passed(f"validator.{group}", title, f"{done} test{'' if done == 1 else 's'} passed ({group}).")


def _failure(result: Mapping[str, Any]) -> str:
    requests = [r for r in result.get("requests", []) if isinstance(r, Mapping)]
    failing = next((r for r in reversed(requests) if r.get("errors")), requests[-1] if requests else {})
    request = (
        f"{failing.get('method', '')} {redact(str(failing.get('url', '')))} -> {failing.get('status', '')}"
    )
    errors = "; ".join(str(e) for e in (result.get("errors") or [])[:3]) or str(result.get("message", ""))
    return f"{result['name']}: {request.strip()}: {errors}"


def redact(url: str) -> str:
    """The URL without its access token (tokens never go into reports)."""
    parts = urlsplit(url)
    query = [
        (k, "..." if k.lower().endswith("token") else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))
