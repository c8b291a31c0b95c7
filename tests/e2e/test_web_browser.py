"""The web UI in Chromium: sign-in, uploads with progress and drag-and-drop, new documents, dialogs."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import HostServer
from tests.e2e.standin_client import StandinClient

pytestmark = pytest.mark.e2e


def row(page: Page, name: str) -> Locator:
    return page.locator(f'tr[data-file-name="{name}"]')


def open_folder(page: Page, base: str, name: str) -> None:
    page.goto(f"{base}/")
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def create_folder(page: Page, base: str, name: str) -> None:
    page.goto(f"{base}/")
    page.locator("summary", has_text="New").click()
    page.get_by_role("menuitem", name="Folder").click()
    dialog = page.locator("#folder-dialog")
    dialog.get_by_label("Folder name").fill(name)
    dialog.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def test_signin_page_then_file_browser(page: Page, host_server: HostServer, screenshots: Path) -> None:
    page.goto(f"{host_server.base}/")
    expect(page).to_have_url(re.compile(r"/signin\?next=%2F$"))
    expect(page.get_by_role("heading", name="Sign in to wopihost")).to_be_visible()
    page.screenshot(path=screenshots / "01-signin.png")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password.")
    page.get_by_label("Password").fill("e2e password 123")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My files")
    expect(page.get_by_role("navigation", name="Sections")).to_contain_text("Shared with me")


def test_upload_with_button_shows_progress_and_lists_file(
    alice: Page, host_server: HostServer, tmp_path: Path, screenshots: Path
) -> None:
    create_folder(alice, host_server.base, "Uploads")
    report = tmp_path / "Quarterly report.docx"
    report.write_bytes(b"PK" + b"x" * 300_000)
    sheet = tmp_path / "Budget 2026.xlsx"
    sheet.write_bytes(b"PK" + b"y" * 2000)
    with alice.expect_file_chooser() as chooser:
        alice.get_by_role("button", name="Upload").click()
    chooser.value.set_files([report, sheet])
    uploads = alice.locator("#upload-list")
    expect(uploads.locator(".upload-item")).to_have_count(2)
    expect(uploads.locator(".upload-item.done")).to_have_count(2)
    expect(row(alice, "Quarterly report.docx")).to_be_visible()
    expect(
        row(alice, "Budget 2026.xlsx").get_by_role("link", name=re.compile("^Open in Excel"))
    ).to_be_visible()
    expect(
        row(alice, "Quarterly report.docx").get_by_role("link", name=re.compile("^Open in Word"))
    ).to_be_visible()
    alice.screenshot(path=screenshots / "02-file-browser.png")
    alice.set_viewport_size({"width": 390, "height": 844})
    expect(alice.get_by_role("link", name="Open in Word: Quarterly report.docx")).to_be_visible()
    alice.screenshot(path=screenshots / "07-file-browser-mobile.png", full_page=True)


def test_upload_by_drag_and_drop(alice: Page, host_server: HostServer) -> None:
    create_folder(alice, host_server.base, "Dropped")
    alice.evaluate(
        """() => {
            const data = new DataTransfer();
            data.items.add(new File(["hello " .repeat(1000)], "Dropped notes.pptx"));
            window.dispatchEvent(new DragEvent("dragenter", {dataTransfer: data, bubbles: true}));
            window.__drop = data;
        }"""
    )
    expect(alice.locator("#drop-overlay")).to_be_visible()
    alice.evaluate(
        "() => window.dispatchEvent(new DragEvent('drop', {dataTransfer: window.__drop, bubbles: true}))"
    )
    expect(alice.locator("#drop-overlay")).to_be_hidden()
    expect(row(alice, "Dropped notes.pptx")).to_be_visible()
    expect(row(alice, "Dropped notes.pptx")).to_contain_text("5.9 KB")


def test_upload_same_name_offers_replace_then_keeps_version(
    alice: Page, host_server: HostServer, tmp_path: Path
) -> None:
    create_folder(alice, host_server.base, "Twice")
    draft = tmp_path / "Draft.docx"
    draft.write_bytes(b"first")
    with alice.expect_file_chooser() as chooser:
        alice.get_by_role("button", name="Upload").click()
    chooser.value.set_files(draft)
    expect(row(alice, "Draft.docx")).to_be_visible()
    draft.write_bytes(b"second version")
    with alice.expect_file_chooser() as chooser:
        alice.get_by_role("button", name="Upload").click()
    chooser.value.set_files(draft)
    item = alice.locator(".upload-item").first
    expect(item).to_contain_text("A file with this name exists")
    item.get_by_role("button", name="Replace").click()
    expect(row(alice, "Draft.docx")).to_contain_text("14 bytes")


def test_new_word_document_opens_editnew_in_client(
    alice: Page, host_server: HostServer, standin: StandinClient
) -> None:
    create_folder(alice, host_server.base, "Fresh")
    alice.locator("summary", has_text="New").click()
    alice.get_by_role("menuitem", name="Word document").click()
    alice.locator("#new-document-dialog").get_by_role("button", name="Create").click()
    expect(alice).to_have_url(re.compile(r"/files/[a-z2-7]+/editnew$"))
    frame = alice.frame_locator("#office_frame")
    expect(frame.locator("#doc-name")).to_have_text("Document.docx")
    launch = standin.launches[-1]
    assert launch.action == "editnew"
    assert launch.file_info is not None
    assert launch.file_info["Size"] == 0


def test_share_dialog_grants_edit_and_bob_sees_file(
    alice: Page,
    bob: Page,
    host_server: HostServer,
    put_file: Callable[..., str],
    screenshots: Path,
) -> None:
    put_file("/Team/Plan.docx", b"plan")
    open_folder(alice, host_server.base, "Team")
    file_row = row(alice, "Plan.docx")
    file_row.get_by_label("More actions for Plan.docx").click()
    file_row.get_by_role("menuitem", name="Share").click()
    dialog = alice.locator("#share-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", level=2)).to_have_text("Share “Plan.docx”")
    dialog.get_by_label("Share with (username)").fill("bob")
    dialog.get_by_label("Permission").select_option("edit")
    dialog.get_by_role("button", name="Share", exact=True).click()
    expect(dialog.locator(".share-entry", has_text="Bob Brown")).to_contain_text("Can edit")
    alice.screenshot(path=screenshots / "03-share-dialog.png")
    bob.goto(f"{host_server.base}/shared")
    shared = row(bob, "Plan.docx")
    expect(shared).to_contain_text("Shared by Alice Adams · can edit")
    expect(shared.get_by_role("link", name=re.compile("^Open in Word"))).to_have_attribute(
        "href", re.compile(r"/edit$")
    )
    dialog.locator(".share-entry", has_text="Bob Brown").get_by_role(
        "button", name="Stop sharing with Bob Brown"
    ).click()
    expect(dialog.locator(".share-entry", has_text="Bob Brown")).to_have_count(0)
    bob.reload()
    expect(row(bob, "Plan.docx")).to_have_count(0)


def test_rename_and_delete_dialogs(
    alice: Page, host_server: HostServer, put_file: Callable[..., str]
) -> None:
    put_file("/Tidy/Old name.docx")
    open_folder(alice, host_server.base, "Tidy")
    file_row = row(alice, "Old name.docx")
    file_row.get_by_label("More actions for Old name.docx").click()
    file_row.get_by_role("menuitem", name="Rename").click()
    dialog = alice.locator("#rename-dialog")
    name = dialog.get_by_label("New name")
    expect(name).to_have_value("Old name.docx")
    name.fill("New name")
    dialog.get_by_role("button", name="Rename").click()
    expect(alice.locator(".flash")).to_contain_text("Renamed to “New name.docx”.")
    renamed = row(alice, "New name.docx")
    renamed.get_by_label("More actions for New name.docx").click()
    renamed.get_by_role("menuitem", name="Move to trash").click()
    delete = alice.locator("#delete-dialog")
    expect(delete.get_by_role("heading")).to_have_text("Move “New name.docx” to the trash?")
    delete.get_by_role("button", name="Move to trash").click()
    expect(alice.locator(".flash")).to_contain_text("Moved “New name.docx” to the trash.")
    expect(alice.get_by_text("This folder is empty")).to_be_visible()


def folder_row(page: Page, name: str) -> Locator:
    return page.locator(f'tr[data-folder-name="{name}"]')


def test_folder_rename_and_delete_dialogs(
    alice: Page, host_server: HostServer, put_file: Callable[..., str], screenshots: Path
) -> None:
    put_file("/Sorting/Inner/a.docx")
    put_file("/Sorting/b.xlsx")
    put_file("/Taken/c.docx")
    alice.goto(f"{host_server.base}/")
    sorting = folder_row(alice, "Sorting")
    sorting.get_by_label("More actions for Sorting").click()
    sorting.get_by_role("menuitem", name="Rename").click()
    dialog = alice.locator("#rename-folder-dialog")
    name = dialog.get_by_label("New name")
    expect(name).to_have_value("Sorting")
    name.fill("taken")
    dialog.get_by_role("button", name="Rename").click()
    expect(dialog.get_by_role("alert")).to_have_text("A folder named “taken” already exists here.")
    name.fill("Sorted")
    dialog.get_by_role("button", name="Rename").click()
    expect(alice.locator(".flash")).to_contain_text("Renamed the folder to “Sorted”.")
    sorted_row = folder_row(alice, "Sorted")
    sorted_row.get_by_label("More actions for Sorted").click()
    sorted_row.get_by_role("menuitem", name="Move to trash").click()
    delete = alice.locator("#delete-folder-dialog")
    expect(delete.get_by_role("heading")).to_have_text("Move the folder “Sorted” to the trash?")
    expect(delete.locator("[data-notice]")).to_have_text(
        "2 files and 1 folder inside it will go to the trash with it, with every version of the files."
    )
    alice.screenshot(path=screenshots / "08-delete-folder-dialog.png")
    delete.get_by_role("button", name="Move to trash").click()
    expect(alice.locator(".flash")).to_contain_text(
        "Moved the folder “Sorted” with 2 files and 1 folder to the trash."
    )
    expect(folder_row(alice, "Sorted")).to_have_count(0)
    expect(folder_row(alice, "Taken")).to_be_visible()


def test_version_history_page_restores(
    alice: Page,
    host_server: HostServer,
    put_file: Callable[..., str],
    screenshots: Path,
) -> None:
    file_id = put_file("/History/Minutes.docx", b"first draft")
    put_file("/History/Minutes.docx", b"second draft", replace=True)
    alice.goto(f"{host_server.base}/files/{file_id}/versions")
    expect(alice.get_by_role("heading", level=1)).to_have_text("Version history")
    expect(alice.locator('tr[data-version="2"]')).to_contain_text("Current")
    alice.screenshot(path=screenshots / "04-versions.png")
    alice.locator('tr[data-version="1"]').get_by_role("button", name="Restore").click()
    expect(alice.locator(".flash")).to_contain_text("Restored version 1 as version 3.")
    expect(alice.locator('tr[data-version="3"]')).to_contain_text("Current")
