"""The HTML go-live dossier in headless Chromium: offline, readable in light and dark, no axe violations."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Request, Route

from tests.e2e.a11y_pages import AXE_JS, describe, serious_violations
from wopihost.readiness.model import Check, Dossier, Section, Verdict, failed, info, not_applicable, passed
from wopihost.readiness.render import to_html

pytestmark = pytest.mark.e2e


def _dossier() -> Dossier:
    checks = (
        passed("validator.Locks", "Locks", "23 tests passed (Locks)."),
        failed(
            "settings.proofs",
            "Proof keys enforced",
            "proof_keys.mode is 'off': requests with a wrong X-WOPI-Proof are served.",
            "Set WOPIHOST_PROOF_KEYS__MODE=enforce (proof_keys.mode).",
            evidence=("GET https://wopi.example.com/wopi/files/F?access_token=… -> 200",),
        ),
        not_applicable(
            "validator.Container", "Container", "CheckFileInfo does not claim SupportsContainers."
        ),
        Check(
            "validator.HostFrameIntegration", "HostFrameIntegration", Verdict.NOT_RUN, "Not in this suite."
        ),
        info("traffic.peak_rps", "WOPI requests per second at peak (extrapolated)", "0.42: 10 editors x 150"),
    )
    return Dossier(
        deployment="https://wopi.example.com",
        generated_at="2026-12-06T12:00:00+00:00",
        sections=(Section("settings", "Production settings", checks, note="Source: database."),),
        values_for_microsoft={"WOPI domain allow-list": ["wopi.example.com"]},
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_dossier_html_renders_offline_in_scheme_without_serious_violations(
    browser: Browser, screenshots: Path, tmp_path: Path, scheme: str
) -> None:
    html = tmp_path / "dossier.html"
    html.write_text(to_html(_dossier()), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1100, "height": 800}, color_scheme=scheme)  # type: ignore[arg-type]
    fetched: list[str] = []

    def refuse_network(route: Route, request: Request) -> None:
        fetched.append(request.url)
        route.abort()

    context.route("http*://**", refuse_network)
    try:
        page = context.new_page()
        page.goto(html.as_uri())
        assert page.get_by_text("How to fix:").is_visible()
        assert page.get_by_role("status").inner_text().startswith("Not ready")
        page.screenshot(path=str(screenshots / f"readiness-{scheme}.png"), full_page=True)
        assert fetched == []
        if AXE_JS.exists():
            page.add_script_tag(path=str(AXE_JS))
            violations = serious_violations(page)
            assert not violations, describe(violations)
    finally:
        context.close()
