"""The host page in Chromium against the stand-in WOPI client: token by POST, wd*, title, PostMessages."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Frame, Page, expect

from tests.e2e.conftest import HostServer
from tests.e2e.standin_client import StandinClient

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def doc_id(host_server: HostServer) -> str:
    """A document of Alice's, in its own folder, shared once for all tests of the module."""
    source = host_server.data_dir / "Quarterly report.docx"
    source.write_bytes(b"PK quarterly")
    return host_server.cli(
        "file", "put", str(source), "--owner", "alice", "--to", "/Host page/Quarterly report.docx"
    )


def open_host_page(page: Page, base: str, path: str) -> Frame:
    """Load a host page and wait until the client reported App_LoadingStatus (the cover is gone)."""
    page.goto(f"{base}{path}")
    expect(page.locator("#loading")).to_have_class(re.compile(r"\bdone\b"))
    frame = page.frame(name="office_frame")
    assert frame is not None
    return frame


def received(frame: Frame) -> list[str]:
    messages: list[str] = frame.evaluate("window.received")
    return messages


def test_host_page_posts_token_into_client_frame(
    alice: Page, host_server: HostServer, standin: StandinClient, doc_id: str, screenshots: Path
) -> None:
    alice.goto(f"{host_server.base}/")
    alice.get_by_role("link", name="Host page", exact=True).click()
    alice.get_by_role("link", name="Open in Word: Quarterly report.docx").click()
    expect(alice).to_have_url(f"{host_server.base}/files/{doc_id}/edit")
    expect(alice.locator("#loading")).to_have_class(re.compile(r"\bdone\b"))
    launch = standin.launches[-1]
    assert launch.action == "edit"
    assert launch.token_in_body
    assert not launch.token_in_query
    assert launch.ttl.isdigit()
    assert launch.file_info is not None
    assert launch.file_info["BaseFileName"] == "Quarterly report.docx"
    assert launch.file_info["PostMessageOrigin"] == host_server.base
    assert "ui=en-US" in launch.raw_query
    expect(alice).to_have_title("Quarterly report.docx · wopihost")
    frame = alice.frame(name="office_frame")
    assert frame is not None
    expect(frame.locator("#doc-name")).to_have_text("Quarterly report.docx")
    assert received(frame)[:2] == ["Host_PostmessageReady", "Host_PerfTiming"]
    # The token left in the POST body; no URL (so no history entry) carries it, and the page forgot it.
    assert "access_token" not in alice.url
    assert "access_token" not in frame.url
    assert alice.locator('input[name="access_token"]').input_value() == ""
    alice.screenshot(path=screenshots / "05-host-page.png")


def test_host_page_wd_parameters_passed_and_previous_session_removed(
    alice: Page, host_server: HostServer, standin: StandinClient, doc_id: str
) -> None:
    query = "wdOrigin=OFFICECOM&wdPreviousSession=s-1&wdPreviousCorrelation=c-2&other=x"
    open_host_page(alice, host_server.base, f"/files/{doc_id}/view?{query}")
    assert (
        "wdOrigin=OFFICECOM&wdPreviousSession=s-1&wdPreviousCorrelation=c-2" in standin.launches[-1].raw_query
    )
    assert "other=x" not in standin.launches[-1].raw_query
    expect(alice).to_have_url(f"{host_server.base}/files/{doc_id}/view?wdOrigin=OFFICECOM&other=x")


def test_file_rename_message_updates_title_and_name(
    alice: Page, host_server: HostServer, doc_id: str
) -> None:
    frame = open_host_page(alice, host_server.base, f"/files/{doc_id}/edit")
    frame.get_by_role("button", name="File_Rename").click()
    expect(alice).to_have_title("Renamed by client.docx · wopihost")
    expect(alice.locator("h1 [data-doc-name]")).to_have_text("Renamed by client.docx")


def test_ui_sharing_opens_share_dialog_over_frame_with_focus_messages(
    alice: Page, host_server: HostServer, doc_id: str, screenshots: Path
) -> None:
    frame = open_host_page(alice, host_server.base, f"/files/{doc_id}/edit")
    frame.get_by_role("button", name="UI_Sharing").click()
    dialog = alice.locator("#share-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", level=2)).to_have_text("Share “Quarterly report.docx”")
    expect(dialog.locator(".share-entry").first).to_contain_text("Alice Adams")
    expect(frame.locator("#received")).to_contain_text("Blur_Focus")
    dialog.get_by_label("Share with (username)").fill("bob")
    dialog.get_by_role("button", name="Share", exact=True).click()
    expect(dialog.locator(".share-entry", has_text="Bob Brown")).to_contain_text("Can view")
    alice.screenshot(path=screenshots / "06-host-page-share.png")
    dialog.get_by_role("button", name="Done").click()
    expect(dialog).to_be_hidden()
    expect(frame.locator("#received")).to_contain_text("Grab_Focus")
    assert received(frame).index("Blur_Focus") < received(frame).index("Grab_Focus")


def test_ui_file_versions_opens_version_list(alice: Page, host_server: HostServer, doc_id: str) -> None:
    frame = open_host_page(alice, host_server.base, f"/files/{doc_id}/edit")
    frame.get_by_role("button", name="UI_FileVersions").click()
    dialog = alice.locator("#versions-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".version-list li").first).to_contain_text("Version 1")
    expect(dialog.get_by_role("link", name="Download version 1")).to_have_attribute(
        "href", f"/files/{doc_id}/versions/1/download"
    )


def test_edit_notification_shows_notice(alice: Page, host_server: HostServer, doc_id: str) -> None:
    frame = open_host_page(alice, host_server.base, f"/files/{doc_id}/edit")
    frame.get_by_role("button", name="Edit_Notification").click()
    expect(alice.locator("#notice")).to_be_visible()
    expect(alice.locator("#notice")).to_contain_text("changes are saved")


def test_ui_edit_from_view_goes_to_edit_host_page(
    alice: Page, host_server: HostServer, standin: StandinClient, doc_id: str
) -> None:
    frame = open_host_page(alice, host_server.base, f"/files/{doc_id}/view")
    assert standin.launches[-1].action == "view"
    frame.get_by_role("button", name="UI_Edit").click()
    expect(alice).to_have_url(f"{host_server.base}/files/{doc_id}/edit")
    expect(alice.locator("#loading")).to_have_class(re.compile(r"\bdone\b"))
    assert standin.launches[-1].action == "edit"


def test_ui_close_navigates_to_folder(alice: Page, host_server: HostServer, doc_id: str) -> None:
    frame = open_host_page(alice, host_server.base, f"/files/{doc_id}/edit")
    frame.get_by_role("button", name="UI_Close").click()
    expect(alice).to_have_url(re.compile(r"/folders/[a-z2-7]+$"))
    expect(alice.get_by_role("heading", level=1)).to_have_text("Host page")


def test_messages_from_other_origins_ignored(alice: Page, host_server: HostServer, doc_id: str) -> None:
    open_host_page(alice, host_server.base, f"/files/{doc_id}/edit")
    url = alice.url
    alice.evaluate("() => window.postMessage(JSON.stringify({MessageId: 'UI_Close', Values: {}}), '*')")
    alice.evaluate("() => window.postMessage(JSON.stringify({MessageId: 'UI_Sharing', Values: {}}), '*')")
    alice.wait_for_timeout(300)
    assert alice.url == url
    expect(alice.locator("#share-dialog")).to_be_hidden()


def test_shared_viewer_gets_view_action(
    bob: Page, host_server: HostServer, standin: StandinClient, put_file: Callable[..., str]
) -> None:
    file_id = put_file("/For Bob/Notes.docx")
    host_server.cli("share", file_id, "--with", "bob", "--role", "view")
    bob.goto(f"{host_server.base}/shared")
    bob.get_by_role("link", name="Open in Word: Notes.docx").click()
    expect(bob).to_have_url(f"{host_server.base}/files/{file_id}/view")
    expect(bob.locator("#loading")).to_have_class(re.compile(r"\bdone\b"))
    launch = standin.launches[-1]
    assert launch.action == "view"
    assert launch.file_info is not None
    assert launch.file_info["UserCanWrite"] is False
