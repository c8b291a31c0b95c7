"""The dossier's traffic lines: measured per day, and each naming the source of its number."""

from __future__ import annotations

from wopihost.readiness.traffic import (
    EDIT_SESSIONS,
    PEAK_EDITORS,
    VIEW_SESSIONS,
    UsageFacts,
    traffic_checks,
)


def _details(facts: UsageFacts) -> dict[str, str]:
    return {check.id: check.detail for check in traffic_checks(facts)}


def test_traffic_checks_audit_sessions_name_each_source() -> None:
    facts = UsageFacts(
        "versions",
        10,
        {"Word": 30, "Excel": 10},
        saves=50,
        putfile_bytes=5000,
        peak_hour_editors=4,
        views_by_app={"PowerPoint": 20, "Word": 80},
        sources={EDIT_SESSIONS: "audit", VIEW_SESSIONS: "audit", PEAK_EDITORS: "audit"},
    )

    details = _details(facts)

    assert details["traffic.edit_sessions"] == "4.0 (Excel 1.0, Word 3.0); source: audit, 10 days"
    assert details["traffic.view_sessions"] == "10.0 (PowerPoint 2.0, Word 8.0); source: audit, 10 days"
    assert details["traffic.peak_editors"].endswith("source: audit, 10 days")
    assert details["traffic.putfile_bytes"] == "500 bytes in 5.0 saves per day; source: versions, 10 days"


def test_traffic_checks_source_without_views_says_extrapolated() -> None:
    details = _details(UsageFacts("versions", 30, {"Word": 300}, peak_hour_editors=12))

    assert details["traffic.view_sessions"] == "extrapolated: not recorded by this source"
    assert details["traffic.edit_sessions"].endswith("source: versions, 30 days")
    assert details["traffic.peak_editors"].endswith("source: versions, 30 days")
