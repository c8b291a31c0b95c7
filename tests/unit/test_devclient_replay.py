"""Replaying Collabora's and ONLYOFFICE's traffic against a small Starlette host, correct and faulty."""

from __future__ import annotations

from pathlib import Path

import httpx
import orjson
import pytest
from click.testing import CliRunner

from tests.unit.devclient_starlette_host import HostFile, StarletteHost
from wopihost.config import Settings
from wopihost.devclient.cli import devclient
from wopihost.devclient.client_styles import STYLES, SaveKind, document_key
from wopihost.devclient.documents import blank_document
from wopihost.devclient.keys import DevClientKeys
from wopihost.devclient.replay import ClientName, ReplayReport
from wopihost.devclient.replay_scripts import CHAINED_SAVES, SCRIPTS, run_replay
from wopihost.devclient.scenarios import Role
from wopihost.devclient.simulate import SimUser, format_line
from wopihost.devclient.wopi_client import WopiTarget

pytestmark = pytest.mark.anyio
KEYS = DevClientKeys.generate()


def _users(host: StarletteHost, file_id: str = "f1") -> dict[Role, SimUser]:
    return {
        "A": SimUser("alice", WopiTarget(host.url(file_id), "token-a")),
        "B": SimUser("bob", WopiTarget(host.url(file_id), "token-b")),
    }


async def _run(host: StarletteHost, client: ClientName, number: int) -> ReplayReport:
    script = next(s for s in SCRIPTS[client] if s.number == number)
    transport = httpx.ASGITransport(app=host.app())
    return await run_replay(script, _users(host), KEYS.signer, time_factor=1e9, transport=transport)


def _text(report: ReplayReport) -> str:
    return "\n".join(format_line(line) for line in report.lines)


def _host(correct: bool, name: str = "a.docx", content: bytes | None = None) -> StarletteHost:
    host = StarletteHost(correct=correct)
    host.files["f1"] = HostFile(name, blank_document(name) if content is None else content)
    return host


def test_save_headers_collabora_sends_cool_forms_and_timestamp() -> None:
    headers = STYLES["collabora"].put_file_headers(SaveKind.on_exit(), timestamp="T", editors=["u"])

    assert headers == {
        "X-COOL-WOPI-IsModifiedByUser": "true",
        "X-COOL-WOPI-IsAutosave": "false",
        "X-COOL-WOPI-IsExitSave": "true",
        "X-COOL-WOPI-Timestamp": "T",
    }


def test_save_headers_onlyoffice_sends_editors_and_lool_forms() -> None:
    headers = STYLES["onlyoffice"].put_file_headers(SaveKind.autosaved(), timestamp=None, editors=["u1"])

    assert headers == {
        "X-WOPI-Editors": "u1",
        "X-LOOL-WOPI-IsModifiedByUser": "true",
        "X-LOOL-WOPI-IsAutosave": "true",
        "X-LOOL-WOPI-IsExitSave": "false",
    }
    assert STYLES["office"].put_file_headers(SaveKind.autosaved(), timestamp="T") == {}


def test_lock_ids_follow_each_client() -> None:
    assert STYLES["collabora"].lock_id("http://h/wopi/files/x").startswith("cool-lock")
    assert STYLES["onlyoffice"].lock_id("http://h/wopi/files/a b") == document_key("http://h/wopi/files/a b")
    assert document_key("http://h/wopi/files/a%20b?x=1") == "a_20b"


async def test_collabora_replay_against_a_correct_host_passes() -> None:
    host = _host(correct=True)

    report = await _run(host, "collabora", 1)

    assert report.passed, _text(report)
    puts = [headers for _, override, headers in host.requests if override == "PUT"]
    assert len(puts) == CHAINED_SAVES + 1
    assert all("x-cool-wopi-timestamp" in h for h in puts), "every save carries the timestamp it last saw"
    assert puts[-1]["x-cool-wopi-isexitsave"] == "true"
    assert puts[-1]["connection"] == "close"
    assert host.overrides().count("LOCK") == 3, "Lock, then LOCK again every 15 minutes"
    assert "REFRESH_LOCK" not in host.overrides()
    assert host.files["f1"].name == "a.docx", "the rename was undone"
    assert host.files["f1"].lock == ""
    assert any(f.name == "a (copy).docx" for f in host.files.values())


async def test_collabora_replay_reports_what_a_plain_host_lacks() -> None:
    host = _host(correct=False)

    report = await _run(host, "collabora", 1)

    assert not report.passed
    text = _text(report)
    assert "CheckFileInfo lacks LastModifiedTime" in text
    assert "PutFile answer lacks JSON with LastModifiedTime" in text
    assert "RenameFile answer lacks Url" in text


async def test_collabora_stale_save_is_refused_as_expected_by_a_correct_host() -> None:
    host = _host(correct=True)

    report = await _run(host, "collabora", 2)

    assert report.passed, _text(report)
    expected = [line for line in report.lines if line.verdict == "expected"]
    assert [(line.user, line.operation, line.status) for line in expected] == [("bob", "PutFile", 409)]
    forced = [h for _, override, h in host.requests if override == "PUT"][-1]
    assert "x-cool-wopi-timestamp" not in forced, "the overwrite the user chose carries no timestamp"


async def test_collabora_stale_save_accepted_by_a_plain_host_is_an_error() -> None:
    host = _host(correct=False)

    report = await _run(host, "collabora", 2)

    assert not report.passed
    assert "another user's save was overwritten" in _text(report)
    assert report.missing == ["the host did not refuse B's stale save with 409 and 1010"]


async def test_collabora_replay_flags_a_host_whose_put_file_time_differs_from_check_file_info() -> None:
    host = _host(correct=True)
    host.put_time_differs = True

    report = await _run(host, "collabora", 1)

    changed = [line for line in report.lines if line.operation == "DocumentChanged"]
    assert changed
    assert changed[0].verdict == "unexpected"


async def test_onlyoffice_new_document_flow_writes_unlocked_then_locks() -> None:
    host = _host(correct=True, content=b"")

    report = await _run(host, "onlyoffice", 1)

    assert report.passed, _text(report)
    overrides = host.overrides()
    assert overrides[:3] == ["CHECK_FILE_INFO", "PUT", "LOCK"]
    first_put = next(h for _, o, h in host.requests if o == "PUT")
    assert "x-wopi-lock" not in first_put
    assert first_put["x-lool-wopi-ismodifiedbyuser"] == "false"
    later = [h for _, o, h in host.requests if o == "PUT"][1]
    assert later["x-wopi-lock"] == "f1"
    assert later["x-wopi-editors"] == "u"
    assert "x-lool-wopi-timestamp" in later
    assert overrides.count("REFRESH_LOCK") == 3, "every 10 minutes of a half-hour session"


async def test_onlyoffice_replay_against_a_plain_host_passes_where_onlyoffice_is_lenient() -> None:
    host = _host(correct=False)

    report = await _run(host, "onlyoffice", 1)

    # ONLYOFFICE lives without LastModifiedTime in answers; only the missing property is reported.
    assert [line.detail for line in report.unexpected if line.operation != "CheckFileInfo"] == []


async def test_onlyoffice_conversion_sends_extension_only_target_and_conversion_flag() -> None:
    host = _host(correct=True, name="old.doc", content=b"legacy")

    report = await _run(host, "onlyoffice", 2)

    assert report.passed, _text(report)
    headers = next(h for _, o, h in host.requests if o == "PUT_RELATIVE")
    assert headers["x-wopi-suggestedtarget"] == ".docx"
    assert headers["x-wopi-fileconversion"] == "true"
    assert any(f.name == "old.docx" for f in host.files.values())


@pytest.fixture
def cli_host(monkeypatch: pytest.MonkeyPatch) -> StarletteHost:
    host = _host(correct=False)
    transport = httpx.ASGITransport(app=host.app())
    original = httpx.AsyncClient.__init__

    def patched(self: httpx.AsyncClient, *args: object, **kwargs: object) -> None:
        kwargs["transport"] = transport
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx.AsyncClient, "__init__", patched)
    return host


def test_cli_simulate_collabora_exits_non_zero_on_unexpected_errors(
    cli_host: StarletteHost, tmp_path: Path
) -> None:
    users = [
        f"--user=alice={orjson.dumps({'wopi_src': cli_host.url('f1'), 'access_token': 'a'}).decode()}",
        f"--user=bob={orjson.dumps({'wopi_src': cli_host.url('f1'), 'access_token': 'b'}).decode()}",
    ]
    settings = Settings(data_dir=tmp_path)

    result = CliRunner().invoke(
        devclient,
        ["simulate", "--client", "collabora", "--scenario", "2", "--time-factor", "1e9", "--json", *users],
        obj=settings,
    )

    assert result.exit_code == 1, result.output
    report = orjson.loads(result.output)
    assert report["passed"] is False
    assert report["scenarios"][0]["missing"]


def test_cli_simulate_rejects_a_scenario_the_client_does_not_have(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        devclient,
        ["simulate", "--client", "onlyoffice", "--scenario", "5", "--user=a={}", "--user=b={}"],
        obj=Settings(data_dir=tmp_path),
    )

    assert result.exit_code != 0


def test_cli_simulate_client_word_and_app_excel_disagree(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        devclient,
        ["simulate", "--client", "word", "--app", "Excel", "--user=a={}", "--user=b={}"],
        obj=Settings(data_dir=tmp_path),
    )

    assert result.exit_code == 2
    assert "disagree" in result.output


def test_cli_simulate_collabora_has_no_revoking_scenarios(tmp_path: Path) -> None:
    token = orjson.dumps({"wopi_src": "http://h/wopi/files/1", "access_token": "a"}).decode()
    result = CliRunner().invoke(
        devclient,
        [
            "simulate",
            "--client",
            "collabora",
            "--revoke-command",
            "true",
            f"--user=a={token}",
            f"--user=b={token}",
        ],
        obj=Settings(data_dir=tmp_path),
    )

    assert result.exit_code == 2
    assert "no revoking scenarios" in result.output


async def test_onlyoffice_conversion_without_host_edit_url_is_an_error() -> None:
    host = _host(correct=False, name="old.doc", content=b"legacy")

    report = await _run(host, "onlyoffice", 2)

    assert not report.passed
    assert "lacks HostEditUrl" in _text(report)


async def test_collabora_replay_notes_what_collabora_works_around() -> None:
    host = _host(correct=True)

    report = await _run(host, "collabora", 1)

    notes = [
        line.detail for line in report.lines if line.verdict == "note" and line.operation == "CheckFileInfo"
    ]
    assert notes == ["no IsAdminUser: Collabora reports it missing in its admin console"] * 2, "once per user"
    assert report.passed, "warnings are not errors"
