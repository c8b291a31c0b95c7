"""The development client against a real wopihost: the WOPI traffic of view, edit, editnew, convert, rename.

The host runs with proof keys enforced against the client's discovery, so every request below is also
verified by the host; the tests verify the signatures again with the keys the client publishes.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import openpyxl
import pptx
import pytest

from tests.devclient_harness import (
    DevClientUnderTest,
    Exchange,
    FileSpec,
    HostUnderTest,
    PreparedFile,
    RecordingTransport,
    boot_of,
    prepare_files,
    serve_in_thread,
    wopihost_for,
)
from tests.search_documents import word, word_paragraphs
from tests.servers import Token, free_port
from tests.unit.test_devclient_documents import _doc
from wopihost.devclient.app import create_devclient_app
from wopihost.devclient.keys import DevClientKeys
from wopihost.devclient.policies import Timings
from wopihost.devclient.sessions import is_own_lock
from wopihost.domain.proofkeys import ProofKeys, ProofMatch, datetime_from_ticks

pytestmark = pytest.mark.timeout(120)

FAST = Timings(
    # Long enough that two edits posted one after the other fall into one autosave interval.
    word_autosave=1.5,
    excel_autosave=0.6,
    powerpoint_autosave=0.6,
    powerpoint_solo_autosave=0.9,
    check_file_info=1.5,
    excel_refresh_lock=2.0,
    lock_refresh=60.0,
    excel_save_failure_grace=1.0,
    heartbeat_timeout=60.0,
)


@pytest.fixture(scope="module")
def devclient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevClientUnderTest]:
    keys_file = tmp_path_factory.mktemp("devclient") / "proof-keys.json"
    recorder = RecordingTransport()
    port = free_port()
    app = create_devclient_app(
        keys_file=keys_file,
        public_url=f"http://127.0.0.1:{port}",
        timings=FAST,
        transport=recorder,
        tick_seconds=0.05,
        poll_seconds=0.2,
    )
    with serve_in_thread(app, port) as base_url:
        yield DevClientUnderTest(base_url, recorder, keys_file)


@pytest.fixture(scope="module")
def host(devclient: DevClientUnderTest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostUnderTest]:
    data_dir = tmp_path_factory.mktemp("host")
    with wopihost_for(devclient.base_url, data_dir, devclient.keys_file) as running_host:
        for username, name in (("alice", "Alice Able"), ("bob", "Bob Baker")):
            running_host.add_user(username, name)
        yield running_host


def _xlsx() -> bytes:
    out = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active["B2"] = "cell text"
    workbook.save(out)
    return out.getvalue()


def _pptx() -> bytes:
    out = io.BytesIO()
    deck = pptx.Presentation()
    deck.slides.add_slide(deck.slide_layouts[1]).shapes.title.text = "cell text"
    deck.save(out)
    return out.getvalue()


BOB_EDITS = {"bob": "edit"}
BOTH = ("alice", "bob")
# Alice owns every file; Bob gets a share where a test needs him.
FILES = [
    FileSpec("Report.docx", word("First paragraph", "Second paragraph")),
    FileSpec("Budget.xlsx", _xlsx()),
    FileSpec("Deck.pptx", _pptx()),
    FileSpec("notes.txt", b"line one\ncell text\n"),
    FileSpec("Buttons.docx", word("x")),
    FileSpec("Shared.docx", word("Original first line"), BOB_EDITS, BOTH),
    FileSpec("Quick.docx", word("before")),
    FileSpec("New.docx", b""),
    FileSpec("Old.doc", b""),
    FileSpec("Old.xls", b""),
    FileSpec("Old.ppt", b""),
    FileSpec("Memo.doc", _doc([("Minutes of the meeting\r", True)])),
    FileSpec("Draft.docx", word("x")),
    FileSpec("Busy.docx", word("x")),
    FileSpec("ReadOnly.docx", word("look only"), {"bob": "view"}, ("bob",)),
    FileSpec("Expiring.docx", word("x")),
    FileSpec("Revoked.docx", word("x"), BOB_EDITS, BOTH),
    FileSpec("Validator.wopitest", b""),
    FileSpec("Rotated.docx", word("x")),
]


@pytest.fixture(scope="module")
def files(host: HostUnderTest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, PreparedFile]:
    return prepare_files(host, tmp_path_factory.mktemp("files"), "alice", FILES)


@pytest.fixture
def keys(devclient: DevClientUnderTest) -> ProofKeys:
    return devclient.proof_keys()


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _operations(exchanges: list[Exchange]) -> list[str]:
    return [ex.operation for ex in exchanges]


def _assert_signed_like_office(exchanges: list[Exchange], keys: ProofKeys) -> None:
    correlation_ids = set()
    for ex in exchanges:
        assert ex.headers["authorization"] == f"Bearer {ex.token}", ex.operation
        assert ex.verify(keys).verified, f"{ex.operation}: {ex.verify(keys).reason}"
        sent_at = datetime_from_ticks(int(ex.headers["x-wopi-timestamp"]))
        assert abs(datetime.now(UTC) - sent_at) < timedelta(minutes=5)
        correlation_ids.add(ex.headers["x-wopi-correlationid"])
    assert len(correlation_ids) == len(exchanges), "every request has its own X-WOPI-CorrelationId"


def _state(devclient: DevClientUnderTest, pid: str) -> httpx.Response:
    return httpx.get(f"{devclient.base_url}/api/p/{pid}/state", timeout=30)


def _post(devclient: DevClientUnderTest, pid: str, what: str, body: object = None) -> httpx.Response:
    return httpx.post(f"{devclient.base_url}/api/p/{pid}/{what}", json=body or {}, timeout=30)


Files = dict[str, PreparedFile]


def test_view_docx_checks_file_info_gets_file_and_renders_paragraphs(
    devclient: DevClientUnderTest, files: Files, keys: ProofKeys
) -> None:
    report = files["Report.docx"]
    token = report.tokens["alice"]

    page = devclient.open("view", "docx", token, session_context="ctx-42")

    assert page.status_code == 200
    boot = boot_of(page.text)
    assert boot["mode"] == "view"
    assert [block["text"] for block in boot["model"]["blocks"]] == ["First paragraph", "Second paragraph"]
    traffic = devclient.recorder.for_file(report.file_id)
    assert _operations(traffic) == ["CheckFileInfo", "GetFile"]
    assert [ex.status for ex in traffic] == [200, 200]
    assert traffic[0].headers["x-wopi-sessioncontext"] == "ctx-42"
    assert all(ex.token == token.access_token for ex in traffic)
    _assert_signed_like_office(traffic, keys)


@pytest.mark.parametrize(
    ("name", "ext", "kind"),
    [("Budget.xlsx", "xlsx", "excel"), ("Deck.pptx", "pptx", "powerpoint"), ("notes.txt", "txt", "text")],
)
def test_view_other_formats_renders_their_text_model(
    devclient: DevClientUnderTest, files: Files, name: str, ext: str, kind: str
) -> None:
    boot = boot_of(devclient.open("view", ext, files[name].tokens["alice"]).text)

    assert boot["model"]["kind"] == kind
    assert "cell text" in [block["text"] for block in boot["model"]["blocks"]]


def test_view_buttons_follow_check_file_info_of_the_host(
    devclient: DevClientUnderTest, host: HostUnderTest, files: Files
) -> None:
    token = files["Buttons.docx"].tokens["alice"]

    view = boot_of(devclient.open("view", "docx", token).text)
    embed = boot_of(devclient.open("embedview", "docx", token).text)

    # wopihost sends CloseUrl, HostEditUrl, FileVersionUrl and the PostMessage properties.
    assert view["buttons"]["close"]
    assert view["buttons"]["edit"]
    assert view["buttons"]["versions"]
    assert view["postMessage"]["origin"] == host.base_url
    assert view["postMessage"]["ClosePostMessage"] is True
    assert not embed["buttons"]["close"]
    assert not embed["buttons"]["edit"]


def test_edit_two_coauthors_share_one_lock_and_save_with_the_last_editors_token(
    devclient: DevClientUnderTest, host: HostUnderTest, files: Files, keys: ProofKeys
) -> None:
    shared = files["Shared.docx"]
    alice, bob = shared.tokens["alice"], shared.tokens["bob"]

    alice_pid = boot_of(devclient.open("edit", "docx", alice).text)["pid"]
    bob_pid = boot_of(devclient.open("edit", "docx", bob).text)["pid"]
    traffic = devclient.recorder.for_file(shared.file_id)
    assert _operations(traffic) == ["CheckFileInfo", "Lock", "GetFile", "CheckFileInfo"]
    assert [ex.token for ex in traffic] == [alice.access_token] * 3 + [bob.access_token]
    lock_id = traffic[1].headers["x-wopi-lock"]
    assert is_own_lock(lock_id)

    _post(devclient, alice_pid, "edits", {"edits": {"p0": "Alice changed the first line"}})
    _post(devclient, bob_pid, "edits", {"appended": ["Bob added a line"]})
    _wait_for(lambda: "PutFile" in _operations(devclient.recorder.for_file(shared.file_id)), "an autosave")
    _post(devclient, alice_pid, "edits", {"appended": ["Alice added another"]})
    _wait_for(
        lambda: _operations(devclient.recorder.for_file(shared.file_id)).count("PutFile") == 2,
        "a second save",
    )

    saves = [ex for ex in devclient.recorder.for_file(shared.file_id) if ex.operation == "PutFile"]
    assert [ex.token for ex in saves] == [bob.access_token, alice.access_token]
    assert all(ex.headers["x-wopi-lock"] == lock_id for ex in saves)
    assert all(ex.status == 200 for ex in saves)
    bob_state = _state(devclient, bob_pid).json()
    assert bob_state["save"]["state"] == "saved"
    assert bob_state["save"]["savedBy"] == "Alice Able"
    assert [p["name"] for p in bob_state["participants"]] == ["Alice Able", "Bob Baker"]
    assert "Alice added another" in [block["text"] for block in bob_state["model"]["blocks"]]

    _post(devclient, alice_pid, "leave")
    assert "Unlock" not in _operations(devclient.recorder.for_file(shared.file_id)), "Bob is still editing"
    _post(devclient, bob_pid, "leave")
    traffic = devclient.recorder.for_file(shared.file_id)
    assert traffic[-1].operation == "Unlock"
    assert traffic[-1].token == bob.access_token
    assert traffic[-1].headers["x-wopi-lock"] == lock_id
    assert traffic[-1].status == 200
    assert "Lock" not in _operations(traffic[4:]), "the second editor joins the lock instead of locking"
    _assert_signed_like_office(traffic, keys)
    assert word_paragraphs(host.read(alice)) == [
        "Alice changed the first line",
        "Bob added a line",
        "Alice added another",
    ]


def test_edit_leaving_with_unsaved_changes_saves_before_unlock(
    devclient: DevClientUnderTest, host: HostUnderTest, files: Files
) -> None:
    quick = files["Quick.docx"]
    pid = boot_of(devclient.open("edit", "docx", quick.tokens["alice"]).text)["pid"]

    _post(devclient, pid, "edits", {"edits": {"p0": "after"}})
    _post(devclient, pid, "leave")

    assert _operations(devclient.recorder.for_file(quick.file_id))[-2:] == ["PutFile", "Unlock"]
    assert word_paragraphs(host.read(quick.tokens["alice"])) == ["after"]
    assert _state(devclient, pid).json()["ended"]["reason"] == "left"


def test_editnew_zero_byte_file_gets_a_blank_document_by_put_file_without_a_lock(
    devclient: DevClientUnderTest, host: HostUnderTest, files: Files, keys: ProofKeys
) -> None:
    new = files["New.docx"]

    boot = boot_of(devclient.open("editnew", "docx", new.tokens["alice"]).text)

    traffic = devclient.recorder.for_file(new.file_id)
    assert _operations(traffic) == ["CheckFileInfo", "PutFile", "Lock", "GetFile"]
    assert "x-wopi-lock" not in traffic[1].headers, "the blank document is written to the unlocked file"
    assert traffic[1].status == 200
    assert boot["mode"] == "edit"
    assert word_paragraphs(host.read(new.tokens["alice"])) == []  # a real, empty Word document
    _post(devclient, boot["pid"], "leave")
    assert devclient.recorder.for_file(new.file_id)[-1].operation == "Unlock"
    _assert_signed_like_office(devclient.recorder.for_file(new.file_id), keys)


@pytest.mark.parametrize(
    ("name", "ext", "target"),
    [("Old.doc", "doc", ".docx"), ("Old.xls", "xls", ".xlsx"), ("Old.ppt", "ppt", ".pptx")],
)
def test_convert_legacy_file_puts_relative_file_marked_as_conversion(
    devclient: DevClientUnderTest,
    host: HostUnderTest,
    files: Files,
    keys: ProofKeys,
    name: str,
    ext: str,
    target: str,
) -> None:
    old = files[name]

    boot = boot_of(devclient.open("convert", ext, old.tokens["alice"]).text)

    traffic = devclient.recorder.for_file(old.file_id)
    assert _operations(traffic) == ["CheckFileInfo", "GetFile", "PutRelativeFile"]
    put = traffic[2]
    assert put.status == 200
    assert "x-wopi-fileconversion" in put.headers
    assert put.headers["x-wopi-suggestedtarget"] == "Old" + target
    assert put.headers["x-wopi-size"] == str(len(put.body))
    assert boot["mode"] == "converted"
    assert boot["fileName"] == "Old" + target
    # wopihost returns a HostEditUrl for the new file; the page sends the top window there.
    assert boot["navigateTop"].startswith(host.base_url + "/files/")
    _assert_signed_like_office(traffic, keys)


def test_convert_real_doc_keeps_its_text(devclient: DevClientUnderTest, files: Files) -> None:
    memo = files["Memo.doc"]

    boot = boot_of(devclient.open("convert", "doc", memo.tokens["alice"]).text)

    put = devclient.recorder.for_file(memo.file_id)[-1]
    assert put.operation == "PutRelativeFile"
    assert put.status == 200
    assert "Minutes of the meeting" in word_paragraphs(put.body)
    assert boot["continueUrl"]


def test_rename_calls_rename_file_with_the_session_lock(
    devclient: DevClientUnderTest, files: Files, keys: ProofKeys
) -> None:
    draft = files["Draft.docx"]
    pid = boot_of(devclient.open("edit", "docx", draft.tokens["alice"]).text)["pid"]

    renamed = _post(devclient, pid, "rename", {"name": "Final ✓"})

    assert renamed.status_code == 200
    assert renamed.json() == {"name": "Final ✓", "fileName": "Final ✓.docx"}
    traffic = devclient.recorder.for_file(draft.file_id)
    rename = traffic[-1]
    assert rename.operation == "RenameFile"
    assert rename.status == 200
    assert rename.headers["x-wopi-requestedname"] == "Final +JxM-"  # UTF-7, without the extension
    assert rename.headers["x-wopi-lock"] == traffic[1].headers["x-wopi-lock"]
    assert _state(devclient, pid).json()["fileName"] == "Final ✓.docx"
    _post(devclient, pid, "leave")
    _assert_signed_like_office(devclient.recorder.for_file(draft.file_id), keys)


def test_edit_file_locked_by_another_client_shows_file_in_use(
    devclient: DevClientUnderTest, host: HostUnderTest, files: Files
) -> None:
    busy = files["Busy.docx"]
    host.lock_foreign(busy.tokens["alice"], "some-other-client-lock")

    boot = boot_of(devclient.open("edit", "docx", busy.tokens["alice"]).text)

    assert boot["mode"] == "error"
    assert boot["notice"]["title"] == "File in use"
    assert boot["notice"]["canView"]
    assert devclient.recorder.for_file(busy.file_id)[-1].status == 409
    readonly = httpx.get(f"{devclient.base_url}/page/{boot['pid']}/view", timeout=30)
    assert boot_of(readonly.text)["mode"] == "view"


def test_edit_by_a_viewer_opens_read_only(devclient: DevClientUnderTest, files: Files) -> None:
    shared = files["ReadOnly.docx"]

    boot = boot_of(devclient.open("edit", "docx", shared.tokens["bob"]).text)

    assert boot["mode"] == "view"
    assert boot["notice"]["title"] == "Read-only"
    assert "Lock" not in _operations(devclient.recorder.for_file(shared.file_id))


def test_edit_session_expires_with_access_token_ttl(devclient: DevClientUnderTest, files: Files) -> None:
    alice = files["Expiring.docx"].tokens["alice"]
    soon = Token(alice.wopi_src, alice.access_token, int(time.time() * 1000) + 1500)

    pid = boot_of(devclient.open("edit", "docx", soon).text)["pid"]
    _wait_for(lambda: _state(devclient, pid).status_code == 410, "the session to expire")

    ended = _state(devclient, pid).json()["ended"]
    assert ended["reason"] == "expired"
    assert ended["title"] == "Session expired"


def test_edit_revoked_coauthor_is_removed_at_the_next_permission_check(
    devclient: DevClientUnderTest, host: HostUnderTest, files: Files
) -> None:
    revoked = files["Revoked.docx"]
    alice_pid = boot_of(devclient.open("edit", "docx", revoked.tokens["alice"]).text)["pid"]
    bob_pid = boot_of(devclient.open("edit", "docx", revoked.tokens["bob"]).text)["pid"]

    host.cli("unshare", revoked.file_id, "--with", "bob")
    _wait_for(lambda: _state(devclient, bob_pid).status_code == 410, "Bob's removal")

    assert _state(devclient, bob_pid).json()["ended"]["reason"] == "permission"
    assert _state(devclient, alice_pid).status_code == 200, "Alice keeps editing"
    checks = [ex for ex in devclient.recorder.for_file(revoked.file_id) if ex.operation == "CheckFileInfo"]
    assert checks[-1].status in (401, 404)
    assert checks[-1].token == revoked.tokens["bob"].access_token
    _post(devclient, alice_pid, "leave")


def test_getinfo_on_wopitest_file_reports_checks(devclient: DevClientUnderTest, files: Files) -> None:
    response = devclient.open("getinfo", "wopitest", files["Validator.wopitest"].tokens["alice"])

    assert response.status_code == 200
    report = response.json()
    assert report["Passed"] is True
    assert report["CheckFileInfo"]["BaseFileName"] == "Validator.wopitest"


def test_action_page_without_form_post_explains_it_needs_a_host_page(devclient: DevClientUnderTest) -> None:
    response = httpx.get(
        f"{devclient.base_url}/word/view?WOPISrc=http%3A%2F%2Fexample.com%2Fwopi%2Ffiles%2F1"
    )

    assert response.status_code == 400
    assert boot_of(response.text)["notice"]["title"] == "Sorry, this page needs a host page"


def test_rotated_keys_are_published_and_accepted_by_a_host_that_cached_the_old_ones(
    devclient: DevClientUnderTest, files: Files, keys: ProofKeys
) -> None:
    rotated = files["Rotated.docx"]

    DevClientKeys.load(devclient.keys_file).rotate(devclient.keys_file)
    boot = boot_of(devclient.open("view", "docx", rotated.tokens["alice"]).text)

    assert boot["mode"] == "view", "the host, verifying with the keys it had, still accepts the requests"
    fresh = devclient.proof_keys()
    assert fresh.old == keys.current
    for ex in devclient.recorder.for_file(rotated.file_id):
        assert ex.verify(fresh).match is ProofMatch.PROOF_WITH_CURRENT_KEY
        assert ex.verify(keys).match is ProofMatch.PROOF_OLD_WITH_CURRENT_KEY
