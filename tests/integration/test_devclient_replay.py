"""`wopihost devclient simulate --client collabora|onlyoffice` against a real wopihost process.

The host verifies proofs against the development client presenting Collabora's discovery shape, and
must answer everything these clients need: LastModifiedTime on saves, 409 with COOLStatusCode 1010 for a
stale save, RenameFile's Url.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from tests.devclient_harness import (
    FileSpec,
    HostUnderTest,
    PreparedFile,
    prepare_files,
    serve_in_thread,
    wopihost_for,
)
from tests.search_documents import word
from tests.servers import free_port
from wopihost.config import DevClientSettings, Settings
from wopihost.devclient.app import create_devclient_app
from wopihost.devclient.cli import devclient

pytestmark = pytest.mark.timeout(240)
USERS = ("alice", "bob")


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[HostUnderTest, dict[str, PreparedFile]]]:
    root = tmp_path_factory.mktemp("replay")
    port = free_port()
    app = create_devclient_app(
        keys_file=root / "proof-keys.json", public_url=f"http://127.0.0.1:{port}", shape="collabora"
    )
    with (
        serve_in_thread(app, port) as devclient_url,
        wopihost_for(devclient_url, root / "host", root / "proof-keys.json") as host,
    ):
        for username in USERS:
            host.add_user(username, username.title())
        specs = [
            FileSpec("Collabora.docx", word("collabora"), {"bob": "edit"}, USERS),
            FileSpec("Onlyoffice.docx", word("onlyoffice"), {"bob": "edit"}, USERS),
            FileSpec("Empty.docx", b"", {"bob": "edit"}, USERS),
        ]
        yield host, prepare_files(host, root / "files", "alice", specs)


def _simulate(
    host: HostUnderTest, prepared: PreparedFile, client: str, *extra: str
) -> tuple[int, dict[str, Any]]:
    settings = Settings(data_dir=host.data_dir, devclient=DevClientSettings(keys_file=host.keys_file))
    users = []
    for username in USERS:
        users += ["--user", f"{username}={json.dumps(prepared.tokens[username].__dict__)}"]
    result = CliRunner().invoke(
        devclient,
        ["simulate", "--client", client, *users, "--time-factor", "1e6", "--json", *extra],
        obj=settings,
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.output.strip().splitlines()[-1])


def _errors(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for s in report["scenarios"] for line in s["lines"] if line["verdict"] == "unexpected"]


def test_collabora_replay_runs_its_whole_pattern_and_reports_only_collabora_checks(
    setup: tuple[HostUnderTest, dict[str, PreparedFile]],
) -> None:
    host, files = setup

    code, report = _simulate(host, files["Collabora.docx"], "collabora")

    assert [s["scenario"] for s in report["scenarios"]] == [1, 2]
    assert code == 0, json.dumps(_errors(report), indent=1)
    assert report["passed"] is True
    expected = [line for line in report["scenarios"][1]["lines"] if line["verdict"] == "expected"]
    assert [(line["user"], line["operation"], line["status"]) for line in expected] == [
        ("bob", "PutFile", 409)
    ]
    lines = [line for s in report["scenarios"] for line in s["lines"]]
    assert all(line["status"] < 500 for line in lines), "the host never fails with 5xx"
    operations = [line["operation"] for line in report["scenarios"][0]["lines"] if line["status"]]
    assert operations[:3] == ["CheckFileInfo", "GetFile", "Lock"]
    assert operations.count("PutFile") == 21
    assert operations[-1] == "Unlock"
    first = report["scenarios"][0]["lines"]
    assert [line["status"] for line in first if line["operation"] == "Lock"] == [200], "one Lock"
    assert [line["status"] for line in first if line["operation"] == "RefreshLock"] == [200, 200]


def test_onlyoffice_replay_writes_an_empty_file_unlocked_then_locks(
    setup: tuple[HostUnderTest, dict[str, PreparedFile]],
) -> None:
    host, files = setup

    code, report = _simulate(host, files["Empty.docx"], "onlyoffice", "--scenario", "1")

    lines = report["scenarios"][0]["lines"]
    assert [line["operation"] for line in lines[:4]] == ["CheckFileInfo", "PutFile", "Lock", "GetFile"]
    assert all(line["status"] == 200 for line in lines if line["operation"] in ("PutFile", "Lock", "Unlock"))
    assert code == 0, json.dumps(_errors(report), indent=1)


def test_onlyoffice_conversion_creates_the_converted_file(
    setup: tuple[HostUnderTest, dict[str, PreparedFile]],
) -> None:
    host, files = setup

    code, report = _simulate(host, files["Onlyoffice.docx"], "onlyoffice", "--scenario", "2")

    lines = report["scenarios"][0]["lines"]
    relative = [line for line in lines if line["operation"] == "PutRelativeFile"]
    assert [line["status"] for line in relative] == [200], json.dumps(report, indent=1)
    assert code == 0, json.dumps(_errors(report), indent=1)
