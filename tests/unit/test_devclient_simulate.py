"""The scripted co-authoring replay: scenario scripts, verdicts, and a run against an in-memory host."""

from __future__ import annotations

import shlex
from pathlib import Path

import httpx
import pytest

from tests.unit.devclient_fakes import FakeHost
from wopihost.devclient.documents import blank_document
from wopihost.devclient.keys import DevClientKeys
from wopihost.devclient.policies import APP_NAMES
from wopihost.devclient.scenarios import REVOKING, SCENARIO_NUMBERS, Role, scenario
from wopihost.devclient.simulate import Commands, Simulation, SimUser, format_report, reports_json

pytestmark = pytest.mark.anyio
KEYS = DevClientKeys.generate()
EDITING = [app for app in APP_NAMES if app != "WopiTest"]


@pytest.mark.parametrize("app", EDITING)
@pytest.mark.parametrize("number", SCENARIO_NUMBERS)
def test_scenario_scripts_start_with_a_and_b_joining_and_end_with_everyone_leaving(
    app: str, number: int
) -> None:
    script = scenario(number, app)  # type: ignore[arg-type]

    assert [(s.kind, s.role) for s in script.steps[:2]] == [("join", "A"), ("join", "B")]
    assert [s.at for s in script.steps] == sorted(s.at for s in script.steps)
    assert script.steps[-1].kind == "leave"
    assert (script.revoked is not None) == (number in REVOKING)
    assert bool(script.expected) == (number in REVOKING)


def _simulation(host: FakeHost, tmp_path: Path, *, revoke: bool = True) -> Simulation:
    names: tuple[tuple[Role, str], ...] = (("A", "alice"), ("B", "bob"), ("C", "carol"))
    users = {role: SimUser(name, host.target("f1", f"token-{name}", name)) for role, name in names}
    revoked = tmp_path / "revoked"
    host.revoked_names = revoked
    commands = Commands(
        revoke=f"echo {{user}} >> {shlex.quote(str(revoked))}" if revoke else None,
        restore=f": > {shlex.quote(str(revoked))}",
    )
    return Simulation(
        users,
        KEYS.signer,
        time_factor=1e6,
        commands=commands,
        transport=httpx.MockTransport(host.handle),
    )


@pytest.mark.parametrize(("app", "name"), [("Word", "a.docx"), ("Excel", "a.xlsx"), ("PowerPoint", "a.pptx")])
@pytest.mark.parametrize("number", [1, 2, 3])
async def test_simulate_plain_scenarios_have_no_errors(
    app: str, name: str, number: int, tmp_path: Path
) -> None:
    host = FakeHost()
    host.add_file("f1", name, blank_document(name))

    report = await _simulation(host, tmp_path).run(scenario(number, app))  # type: ignore[arg-type]

    assert report.passed, format_report(report)
    assert "PutFile" in [line.operation for line in report.lines]
    assert host.files["f1"].lock == "", "the last user out unlocked"


async def test_simulate_word_revoking_b_while_editing_ends_the_session_as_expected(tmp_path: Path) -> None:
    host = FakeHost()
    host.add_file("f1", "a.docx", blank_document("a.docx"))

    report = await _simulation(host, tmp_path).run(scenario(5, "Word"))

    assert report.passed, format_report(report)
    expected = [line for line in report.lines if line.verdict == "expected"]
    assert [(line.user, line.operation, line.status) for line in expected] == [("bob", "PutFile", 401)]
    assert any(line.operation == "SessionEnded" for line in report.lines)
    assert '"passed":true' in reports_json([report])


async def test_simulate_revocation_that_does_nothing_is_reported_as_missing(tmp_path: Path) -> None:
    host = FakeHost()
    host.add_file("f1", "a.docx", blank_document("a.docx"))
    simulation = _simulation(host, tmp_path)
    simulation.commands = Commands(revoke="true")

    report = await simulation.run(scenario(4, "Word"))

    assert not report.passed
    assert report.missing == ["no refused CheckFileInfo with the revoked token of user B"]


async def test_simulate_error_without_revocation_is_unexpected(tmp_path: Path) -> None:
    host = FakeHost()
    host.add_file("f1", "a.docx", blank_document("a.docx"))
    simulation = _simulation(host, tmp_path)
    host.revoked.add("token-bob")  # refused from the start: no scenario foresees that

    report = await simulation.run(scenario(2, "Word"))

    assert not report.passed
    assert report.unexpected[0].user == "bob"
    assert report.unexpected[0].operation == "CheckFileInfo"
