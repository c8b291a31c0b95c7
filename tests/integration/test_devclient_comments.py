"""The development client's comments against a real wopihost: each one reported with AddActivities."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.devclient_harness import (
    DevClientUnderTest,
    FileSpec,
    HostUnderTest,
    PreparedFile,
    RecordingTransport,
    boot_of,
    prepare_files,
    serve_in_thread,
    wopihost_for,
)
from tests.servers import free_port
from tests.unit.test_devclient_documents import _doc
from wopihost.devclient.app import create_devclient_app

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def devclient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevClientUnderTest]:
    keys_file = tmp_path_factory.mktemp("devclient") / "proof-keys.json"
    recorder = RecordingTransport()
    port = free_port()
    app = create_devclient_app(keys_file=keys_file, public_url=f"http://127.0.0.1:{port}", transport=recorder)
    with serve_in_thread(app, port) as base_url:
        yield DevClientUnderTest(base_url, recorder, keys_file)


@pytest.fixture(scope="module")
def host(devclient: DevClientUnderTest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostUnderTest]:
    with wopihost_for(devclient.base_url, tmp_path_factory.mktemp("host"), devclient.keys_file) as running:
        for username, name in (("alice", "Alice Able"), ("bob", "Bob Baker"), ("carol", "Carol Cole")):
            running.add_user(username, name)
        yield running


@pytest.fixture(scope="module")
def report(host: HostUnderTest, tmp_path_factory: pytest.TempPathFactory) -> PreparedFile:
    spec = FileSpec("Report.doc", _doc([("Hello\r", False)]), {"bob": "view"}, ("alice", "bob"))
    return prepare_files(host, tmp_path_factory.mktemp("files"), "alice", [spec])["Report.doc"]


def _api(devclient: DevClientUnderTest, pid: str, path: str = "", body: object = None) -> httpx.Response:
    url = f"{devclient.base_url}/api/p/{pid}/comments{path}"
    return httpx.post(url, json=body) if body is not None else httpx.get(url)


def _activities(devclient: DevClientUnderTest, file_id: str) -> list[dict[str, object]]:
    sent = [ex for ex in devclient.recorder.for_file(file_id) if ex.operation == "ADD_ACTIVITIES"]
    assert all(ex.status == 200 for ex in sent)
    return [json.loads(ex.body)["Activities"][0] for ex in sent]


def test_comments_are_reported_and_mention_reaches_bob_only_while_it_exists(
    devclient: DevClientUnderTest, host: HostUnderTest, report: PreparedFile
) -> None:
    alice = boot_of(devclient.open("view", "doc", report.tokens["alice"]).text)["pid"]
    added = _api(devclient, alice, body={"text": "@bob and @carol, see this"})
    assert added.status_code == 200
    assert added.json()["reported"] is True
    [comment] = added.json()["comments"]
    assert (comment["author"], comment["mine"]) == ("Alice Able", True)
    [created] = _activities(devclient, report.file_id)
    assert created["Data"]["ContentAction"] == "created"  # type: ignore[index]
    assert [p["Name"] for p in created["People"]] == ["bob", "carol"]  # type: ignore[attr-defined]
    # carol cannot open the file: she is not notified.
    assert "see this" in host.cli("activity", "list", "--user", "bob")
    assert host.cli("activity", "list", "--user", "carol") == ""

    url = (
        devclient.action_url("doc", "view", report.tokens["bob"].wopi_src)
        + "&wdNavigationId="
        + comment["navigationId"]
    )
    form = {"access_token": report.tokens["bob"].access_token, "access_token_ttl": "0"}
    bob_boot = boot_of(httpx.post(url, data=form, timeout=60).text)
    assert bob_boot["navigationId"] == comment["navigationId"]
    bob = bob_boot["pid"]
    assert [c["mine"] for c in _api(devclient, bob).json()["comments"]] == [False]
    assert _api(devclient, bob, f"/{comment['id']}", {"text": "mine now"}).status_code == 403
    assert _api(devclient, bob, body={"text": "  "}).status_code == 400
    assert _api(devclient, bob, "/no-such/delete", {}).status_code == 404

    edited = _api(devclient, alice, f"/{comment['id']}", {"text": "@bob only, edited"})
    assert edited.json()["reported"] is True
    assert "only, edited" in host.cli("activity", "list", "--user", "bob")
    assert _api(devclient, alice, f"/{comment['id']}/delete", {}).json()["comments"] == []
    assert [a["Data"]["ContentAction"] for a in _activities(devclient, report.file_id)] == [  # type: ignore[index]
        "created",
        "updated",
        "deleted",
    ]
    assert host.cli("activity", "list", "--user", "bob") == ""
