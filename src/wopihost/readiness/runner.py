"""Builds the dossier: every section's checks, each isolated so that one broken probe cannot hide the rest."""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from wopihost.config import DISCOVERY_PRESETS, Settings
from wopihost.domain.discovery import Discovery
from wopihost.readiness import manual, probes, questionnaire, settings_checks, validator_run
from wopihost.readiness.fixture import ReadinessFixture
from wopihost.readiness.model import Check, Dossier, Section, Verdict, failed, passed
from wopihost.readiness.traffic import UsageSource, traffic_checks


@dataclass(frozen=True)
class Options:
    """How the command was asked to run."""

    validator: Path
    validator_proof_keys: Path | None = None
    days: int = 30
    # How much faster than real the development client replays co-authoring sessions.
    time_factor: float = 300.0


async def _guard(title: str, make: Callable[[], Awaitable[list[Check]]]) -> list[Check]:
    try:
        return await make()
    except Exception as exc:
        return [
            Check(
                f"error.{title}", title, Verdict.FAILED, f"The check could not run: {exc!r}", "See the error."
            )
        ]


async def build_dossier(
    settings: Settings,
    fixture: ReadinessFixture,
    usage: UsageSource,
    client: httpx.AsyncClient,
    discovery: Discovery | None,
    options: Options,
) -> Dossier:
    """Run every check against the deployment and return the dossier."""
    prepared = await fixture.prepare()
    try:
        self_check = await _guard(
            "validator", lambda: _self_check(settings, fixture, prepared.file_id, prepared.target, options)
        )
        answers = await _guard(
            "questionnaire", lambda: _questionnaire(settings, fixture, prepared.file_id, discovery)
        )
        replayed = await _guard(
            "manual", lambda: manual.manual_checks(settings, fixture, time_factor=options.time_factor)
        )
    finally:
        await fixture.cleanup()
    live = [
        await probes.check_ui_refused_on_wopi_host(settings, client),
        await probes.check_hsts(settings, client),
    ]
    now = datetime.now(UTC)
    facts = await usage.usage(now - timedelta(days=options.days), now)
    sections = (
        Section("self-check", "Self-check: Microsoft's WOPI validator", tuple(self_check)),
        Section("questionnaire", "WOPI implementation questionnaire", _without_manual(answers)),
        Section("manual", "Manual test guide (testing.rst)", _manual(answers) + tuple(replayed)),
        Section("settings", "Production settings", tuple(settings_checks.settings_checks(settings) + live)),
        Section("traffic", "Traffic estimate", tuple(traffic_checks(facts)), note=f"Source: {facts.source}."),
    )
    return Dossier(
        deployment=settings.server.wopi_base_url,
        generated_at=now.isoformat(timespec="seconds"),
        sections=sections,
        values_for_microsoft=settings_checks.values_for_microsoft(settings),
    )


def _manual(checks: list[Check]) -> tuple[Check, ...]:
    return tuple(c for c in checks if c.id.startswith("manual."))


def _without_manual(checks: list[Check]) -> tuple[Check, ...]:
    return tuple(c for c in checks if not c.id.startswith("manual."))


async def _self_check(
    settings: Settings,
    fixture: ReadinessFixture,
    file_id: str,
    target: validator_run.ValidatorTarget,
    options: Options,
) -> list[Check]:
    if settings.discovery.resolved_url in DISCOVERY_PRESETS.values():
        reason = (
            "The deployment verifies Microsoft's proof keys and this validator signs with its own: "
            "run it on a staging copy whose discovery is `wopi_validator.py --serve-discovery`, "
            "or run Microsoft's WopiTest action in the test environment."
        )
        return [Check("validator.all", "WOPI validator", Verdict.NOT_RUN, reason)]
    script = validator_run.find_validator(options.validator)
    if script is None:
        reason = f"The WOPI validator is not at {options.validator}: give --validator PATH."
        return [Check("validator.all", "WOPI validator", Verdict.NOT_RUN, reason)]
    with tempfile.TemporaryDirectory() as work:
        report = validator_run.run_validator(
            script, target, Path(work) / "report.json", proof_keys=options.validator_proof_keys
        )
    claims = await fixture.check_file_info(file_id)
    return validator_run.group_checks(report, claims)


async def _questionnaire(
    settings: Settings, fixture: ReadinessFixture, file_id: str, discovery: Discovery | None
) -> list[Check]:
    cfi = await fixture.check_file_info(file_id)
    checks = await questionnaire.file_id_checks(fixture, file_id)
    moved = next(
        (c for c in checks if c.id == "questions.file_id_stable" and c.verdict is Verdict.PASSED), None
    )
    if moved is not None:
        after = await fixture.check_file_info(file_id)
        checks.append(_rename_everywhere(after, await fixture.check_file_info(file_id, as_recipient=True)))
    checks += [questionnaire.sha256_check(cfi), questionnaire.supports_check(cfi)]
    checks += await questionnaire.version_checks(fixture, file_id)
    checks += [
        settings_checks.token_transport(settings),
        await questionnaire.business_flow(fixture, cfi),
        await probes.check_ipv6(settings),
        probes.postmessage_origins(discovery, settings),
    ]
    return checks


def _rename_everywhere(owner: Mapping[str, Any], recipient: Mapping[str, Any]) -> Check:
    title = "Rename updates everywhere"
    names = {view.get("BaseFileName") for view in (owner, recipient)}
    if names != {"renamed.wopitest"}:
        return failed("manual.rename", title, f"After a rename the users see {sorted(map(str, names))}.", "")
    return passed("manual.rename", title, "Owner and recipient both see the new name.")
