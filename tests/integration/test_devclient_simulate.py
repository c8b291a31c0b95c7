"""`wopihost devclient simulate` against a real wopihost: the documented co-authoring, and revocations."""

from __future__ import annotations

import io
import json
import shlex
from collections.abc import Iterator
from typing import Any

import docx
import openpyxl
import pptx
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
from tests.servers import WOPIHOST, free_port
from wopihost.config import DevClientSettings, Settings
from wopihost.devclient.app import create_devclient_app
from wopihost.devclient.cli import devclient

pytestmark = pytest.mark.timeout(240)
# A: alice and B: bob hold shares that the scenarios revoke; C: olivia owns the files.
USERS = ("alice", "bob", "olivia")


def _content(ext: str) -> bytes:
    out = io.BytesIO()
    if ext == "docx":
        docx.Document().save(out)
    elif ext == "xlsx":
        openpyxl.Workbook().save(out)
    else:
        pptx.Presentation().save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[HostUnderTest, dict[str, PreparedFile]]]:
    root = tmp_path_factory.mktemp("simulate")
    port = free_port()
    app = create_devclient_app(keys_file=root / "proof-keys.json", public_url=f"http://127.0.0.1:{port}")
    with (
        serve_in_thread(app, port) as devclient_url,
        wopihost_for(devclient_url, root / "host", root / "proof-keys.json") as host,
    ):
        for username in USERS:
            host.add_user(username, username.title())
        editors = {"alice": "edit", "bob": "edit"}
        specs = [
            FileSpec(f"Together.{ext}", _content(ext), editors, USERS) for ext in ("docx", "xlsx", "pptx")
        ]
        yield host, prepare_files(host, root / "files", "olivia", specs)


def _simulate(host: HostUnderTest, prepared: PreparedFile, *extra: str) -> tuple[int, dict[str, Any]]:
    settings = Settings(data_dir=host.data_dir, devclient=DevClientSettings(keys_file=host.keys_file))
    users = []
    for username in USERS:
        token = prepared.tokens[username]
        users += ["--user", f"{username}={json.dumps(token.__dict__)}"]
    result = CliRunner().invoke(
        devclient, ["simulate", *users, "--time-factor", "600", "--json", *extra], obj=settings
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.output.strip().splitlines()[-1])


def _cli(host: HostUnderTest, *args: str) -> str:
    return shlex.join([*WOPIHOST, "--data-dir", str(host.data_dir), *args])


@pytest.mark.parametrize("ext", ["docx", "xlsx", "pptx"])
def test_simulate_every_scenario_matches_the_docs_with_revocations(
    setup: tuple[HostUnderTest, dict[str, PreparedFile]], ext: str
) -> None:
    host, files = setup
    prepared = files[f"Together.{ext}"]
    revoke = _cli(host, "unshare", prepared.file_id, "--with") + " {user}"
    restore = _cli(host, "share", prepared.file_id, "--role", "edit", "--with") + " {user}"

    code, report = _simulate(host, prepared, "--revoke-command", revoke, "--restore-command", restore)

    assert code == 0, json.dumps(report, indent=1)
    assert report["passed"] is True
    scenarios = {s["scenario"]: s for s in report["scenarios"]}
    assert sorted(scenarios) == [1, 2, 3, 4, 5, 6]
    for number in (1, 2, 3):
        verdicts = {line["verdict"] for line in scenarios[number]["lines"]}
        assert verdicts <= {"ok", "note"}, f"scenario {number} has errors"
    failures = {
        number: {
            (line["user"], line["operation"])
            for line in scenarios[number]["lines"]
            if line["verdict"] == "expected"
        }
        for number in (4, 5, 6)
    }
    if ext == "xlsx":
        # Excel saves with the principal (last joined) user's token and re-checks by RefreshLock.
        assert failures == {4: {("bob", "PutFile")}, 5: {("bob", "PutFile")}, 6: {("alice", "RefreshLock")}}
    else:
        assert failures == {4: {("bob", "CheckFileInfo")}, 5: {("bob", "PutFile")}, 6: {("alice", "PutFile")}}
    if ext == "xlsx":
        saves = [line for line in scenarios[3]["lines"] if line["operation"] == "PutFile"]
        assert {line["user"] for line in saves if line["at"] > 70} == {"olivia"}, "C joined last at 70 s"


def test_simulate_reports_a_refused_request_as_unexpected_and_fails(
    setup: tuple[HostUnderTest, dict[str, PreparedFile]],
) -> None:
    host, files = setup
    prepared = files["Together.docx"]
    bad = PreparedFile(
        prepared.file_id,
        {
            **prepared.tokens,
            "bob": prepared.tokens["bob"].__class__(prepared.tokens["bob"].wopi_src, "not-a-token", 0),
        },
    )

    code, report = _simulate(host, bad, "--scenario", "1")

    assert code == 1
    lines = report["scenarios"][0]["lines"]
    refused = [line for line in lines if line["verdict"] == "unexpected"]
    assert refused
    assert refused[0]["operation"] in ("CheckFileInfo", "join")
