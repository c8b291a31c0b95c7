"""The validator's JSON turned into dossier checks, and the dossier rendered as text and JSON."""

from __future__ import annotations

import json
from typing import Any

from wopihost.readiness.model import Dossier, Section, Verdict, failed, passed
from wopihost.readiness.render import to_json, to_text
from wopihost.readiness.validator_run import REQUIRED, group_checks, redact


def _result(group: str, status: str = "PASS", **extra: Any) -> dict[str, Any]:
    return {"group": group, "name": f"{group}.Case", "status": status, "message": "", "errors": [], **extra}


def _passing_report() -> dict[str, Any]:
    groups = [spec.split("|")[0] for spec in REQUIRED]
    return {"results": [_result(g) for g in groups]}


def test_group_checks_all_required_pass_and_containers_unclaimed_not_applicable() -> None:
    checks = {c.id: c for c in group_checks(_passing_report(), {"SupportsLocks": True})}
    assert all(checks[f"validator.{s.split('|')[0]}"].verdict is Verdict.PASSED for s in REQUIRED)
    assert checks["validator.Container"].verdict is Verdict.NOT_APPLICABLE
    assert "SupportsContainers" in checks["validator.Container"].detail
    assert checks["validator.HostFrameIntegration"].verdict is Verdict.NOT_RUN


def test_group_checks_failure_lists_failing_request_without_token() -> None:
    report = _passing_report()
    request = {"name": "Lock", "method": "POST", "url": "https://wopi.example.com/wopi/files/F?access_token=SECRET",
               "status": 409, "errors": ["X-WOPI-Lock header value is different than expected"]}  # fmt: skip
    report["results"].append(_result("Locks", "FAIL", errors=["wrong lock"], requests=[request]))

    check = next(c for c in group_checks(report, {}) if c.id == "validator.Locks")

    assert check.blocking
    assert "POST https://wopi.example.com/wopi/files/F?access_token=... -> 409" in check.evidence[0]
    assert "SECRET" not in " ".join(check.evidence)


def test_group_checks_either_group_of_a_pair_satisfies_it() -> None:
    report = {"results": [_result("PutRelativeFileUnsupported")]}
    check = next(c for c in group_checks(report, {}) if c.id.startswith("validator.PutRelativeFile"))
    assert check.verdict is Verdict.PASSED


def test_group_checks_required_group_never_run_fails() -> None:
    check = next(c for c in group_checks({"results": []}, {}) if c.id == "validator.EditFlows")
    assert check.blocking


def test_redact_keeps_other_query_parameters() -> None:
    assert (
        redact("https://h/wopi/files/F?a=1&access_token=xyz") == "https://h/wopi/files/F?a=1&access_token=..."
    )


def _dossier(*checks: Any) -> Dossier:
    return Dossier(
        "https://wopi.example.com", "2026-12-06T12:00:00+00:00", (Section("s", "Settings", checks),)
    )


def test_to_text_failed_check_shows_fix_and_not_ready() -> None:
    text = to_text(_dossier(passed("a", "A ok"), failed("b", "B", "broken", "Set X=1")))
    assert "[FAIL] B: broken" in text
    assert "fix: Set X=1" in text
    assert text.rstrip().endswith("NOT READY: 1 passed, 1 failed")


def test_to_json_ready_when_no_required_failure() -> None:
    data = json.loads(to_json(_dossier(passed("a", "A ok"))))
    assert data["ready"] is True
    assert data["sections"][0]["checks"][0]["verdict"] == "passed"
