"""Selecting several rows in Chromium: checkboxes, shift-click, keys, the toolbar's actions, and sorting.

The tests act as Carol, a user of their own, so that the sort order they choose (remembered per user on
the server) changes no other test's lists.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import PASSWORD, HostServer, _new_context, sign_in

pytestmark = pytest.mark.e2e

USER = "carol"


@pytest.fixture(scope="module")
def carol_state(browser: Browser, host_server: HostServer) -> Any:
    host_server.cli("user", "add", USER, "--name", "Carol Cho", "--password", PASSWORD)
    context = _new_context(browser)
    try:
        sign_in(context.new_page(), host_server.base, USER)
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture
def carol(browser: Browser, carol_state: Any) -> Iterator[Page]:
    context = _new_context(browser, carol_state)
    try:
        yield context.new_page()
    finally:
        context.close()


def _post(page: Page, host: HostServer, path: str, **kwargs: Any) -> Any:
    token = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    headers = {"X-CSRF-Token": token, "Accept": "application/json", **kwargs.pop("headers", {})}
    response = page.request.post(f"{host.base}{path}", headers=headers, **kwargs)
    assert response.ok, response.text()
    return response.json()


def folder_with(page: Page, host: HostServer, folder: str, names: list[str]) -> None:
    """Files in a new folder of Carol's (made through the UI's own endpoints), then that folder open."""
    page.goto(f"{host.base}/")
    folders: dict[str, str] = {}

    def folder_id(parts: list[str]) -> str:
        key = "/".join(parts)
        if key not in folders:
            parent = folder_id(parts[:-1]) if len(parts) > 1 else root
            made = _post(page, host, f"/folders/{parent}/folders", form={"name": parts[-1]})
            folders[key] = made["redirect"].rsplit("/", 1)[1]
        return folders[key]

    root = (page.locator("#browser").get_attribute("data-upload-url") or "").split("/")[2]
    folder_id([folder])
    for name in names:
        *parents, leaf = name.split("/")
        target = folder_id([folder, *parents])
        _post(
            page,
            host,
            f"/folders/{target}/upload?name={leaf}",
            data=name.encode() * 10,
            headers={"Content-Type": "application/octet-stream"},
        )
    page.goto(f"{host.base}/folders/{folder_id([folder])}")
    expect(page.get_by_role("heading", level=1)).to_have_text(folder)


def box(page: Page, name: str) -> Locator:
    return page.get_by_role("checkbox", name=f"Select {name}", exact=True)


def bar(page: Page) -> Locator:
    return page.locator("[data-selection-bar]")


def test_shift_click_selects_range_and_toolbar_counts(
    carol: Page, host_server: HostServer, screenshots: Path
) -> None:
    names = [f"Note {n}.docx" for n in (1, 2, 3, 4, 10)]
    folder_with(carol, host_server, "Range", names)
    expect(bar(carol)).to_be_hidden()

    box(carol, "Note 2.docx").click()
    box(carol, "Note 10.docx").click(modifiers=["Shift"])

    expect(bar(carol)).to_be_visible()
    expect(bar(carol)).to_contain_text("4 selected")
    expect(carol.locator("[data-selection-status]")).to_have_text("4 selected")
    for name in names[1:]:
        expect(box(carol, name)).to_be_checked()
    expect(box(carol, "Note 1.docx")).not_to_be_checked()
    carol.screenshot(path=screenshots / "selection-toolbar.png")
    carol.set_viewport_size({"width": 390, "height": 844})
    expect(bar(carol).get_by_role("button", name="Download as ZIP")).to_be_visible()
    carol.screenshot(path=screenshots / "selection-toolbar-mobile.png", full_page=True)
    carol.set_viewport_size({"width": 1280, "height": 800})

    carol.get_by_role("checkbox", name="Select all").check()
    expect(bar(carol)).to_contain_text("5 selected")
    bar(carol).get_by_role("button", name="Clear").click()
    expect(bar(carol)).to_be_hidden()


def test_keyboard_space_shift_arrows_ctrl_a_and_escape(carol: Page, host_server: HostServer) -> None:
    folder_with(carol, host_server, "Keys", ["a.docx", "b.docx", "c.docx", "d.docx"])

    box(carol, "a.docx").focus()
    carol.keyboard.press("Space")
    carol.keyboard.press("Shift+ArrowDown")
    carol.keyboard.press("Shift+ArrowDown")
    expect(bar(carol)).to_contain_text("3 selected")
    expect(box(carol, "c.docx")).to_be_focused()
    expect(box(carol, "d.docx")).not_to_be_checked()

    carol.keyboard.press("ArrowDown")
    carol.keyboard.press("Space")
    expect(box(carol, "d.docx")).to_be_checked()
    carol.keyboard.press("Space")
    expect(bar(carol)).to_contain_text("3 selected")

    carol.keyboard.press("Control+a")
    expect(bar(carol)).to_contain_text("4 selected")
    carol.keyboard.press("Escape")
    expect(bar(carol)).to_be_hidden()
    expect(carol.locator("[data-selection-status]")).to_have_text("Selection cleared")


def test_bulk_trash_from_toolbar_asks_once_with_cancel_focused(
    carol: Page, host_server: HostServer, screenshots: Path
) -> None:
    folder_with(carol, host_server, "Tidy", ["keep.docx", "old 1.docx", "old 2.docx"])
    box(carol, "old 1.docx").check()
    box(carol, "old 2.docx").check()

    bar(carol).get_by_role("button", name="Move to trash").click()
    dialog = carol.locator("#bulk-delete-dialog")
    expect(dialog.get_by_role("heading")).to_have_text("Move 2 items to the trash?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    expect(dialog.locator("[data-names] li")).to_have_text(["old 1.docx", "old 2.docx"])
    carol.screenshot(path=screenshots / "bulk-delete-dialog.png")
    dialog.get_by_role("button", name="Move to trash").click()

    expect(carol.locator("#flashes")).to_contain_text("Moved 2 items to the trash.")
    expect(carol.locator("tr[data-file-name]")).to_have_count(1)
    expect(carol.locator('tr[data-file-name="keep.docx"]')).to_be_visible()


def test_bulk_move_into_selected_folder_lists_refusal_and_moves_the_rest(
    carol: Page, host_server: HostServer, screenshots: Path
) -> None:
    folder_with(carol, host_server, "Sorting", ["loose.docx", "Inbox/inside.docx"])
    box(carol, "loose.docx").check()
    box(carol, "Inbox").check()

    bar(carol).get_by_role("button", name="Move", exact=True).click()
    dialog = carol.locator("#bulk-move-dialog")
    dialog.get_by_label("Move to folder").select_option(label="/Sorting/Inbox")
    dialog.get_by_role("button", name="Move", exact=True).click()

    expect(dialog.locator("[data-refused] li")).to_have_text(
        ["Inbox cannot move into itself or into a folder inside it"]
    )
    expect(dialog.locator("[data-result-summary]")).to_have_text("Moved 1 item. 1 item could not be moved.")
    carol.screenshot(path=screenshots / "bulk-move-refused.png")
    dialog.get_by_role("button", name="Done").click()
    expect(carol.locator('tr[data-file-name="loose.docx"]')).to_have_count(0)
    expect(carol.locator('tr[data-folder-name="Inbox"]')).to_be_visible()


def test_download_selection_as_zip_holds_files_and_folder_tree(
    carol: Page, host_server: HostServer, tmp_path: Path
) -> None:
    folder_with(carol, host_server, "Zipped", ["top.docx", "Sub/deep.xlsx", "other.pdf"])
    box(carol, "top.docx").check()
    box(carol, "Sub").check()

    with carol.expect_download() as waiting:
        bar(carol).get_by_role("button", name="Download as ZIP").click()
    download = waiting.value

    assert download.suggested_filename == "Zipped.zip"
    saved = tmp_path / "selection.zip"
    download.save_as(saved)
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as archive:
        assert sorted(archive.namelist()) == ["Sub/", "Sub/deep.xlsx", "top.docx"]
        assert archive.read("Sub/deep.xlsx") == b"Sub/deep.xlsx" * 10
    # The page stays as it was, selection and all.
    expect(bar(carol)).to_contain_text("2 selected")

    carol.get_by_role("button", name="Clear").click()
    carol.get_by_label("More actions for Sub").click()
    with carol.expect_download() as waiting:
        carol.locator('tr[data-folder-name="Sub"] .menu-item', has_text="Download as ZIP").click()
    folder_zip = tmp_path / "folder.zip"
    waiting.value.save_as(folder_zip)
    assert waiting.value.suggested_filename == "Sub.zip"
    with zipfile.ZipFile(folder_zip) as archive:
        assert archive.namelist() == ["Sub/", "Sub/deep.xlsx"]


def test_sort_by_header_persists_after_reload_and_in_new_browser(
    carol: Page,
    browser: Browser,
    host_server: HostServer,
    screenshots: Path,
) -> None:
    folder_with(carol, host_server, "Sized", ["a.docx", "zzzzzzzzzzzzzzz.docx", "mmmmmmmm.docx"])
    rows = carol.locator("tr[data-file-name]")
    expect(rows).to_have_count(3)
    expected = ["zzzzzzzzzzzzzzz.docx", "mmmmmmmm.docx", "a.docx"]

    carol.get_by_role("button", name="Size").click()
    header = carol.get_by_role("columnheader", name="Size")
    expect(header).to_have_attribute("aria-sort", "descending")
    assert [rows.nth(i).get_attribute("data-file-name") for i in range(3)] == expected
    carol.screenshot(path=screenshots / "sorted-by-size.png")

    carol.reload()
    expect(carol.get_by_role("columnheader", name="Size")).to_have_attribute("aria-sort", "descending")
    assert [rows.nth(i).get_attribute("data-file-name") for i in range(3)] == expected

    fresh = _new_context(browser)
    try:
        other = fresh.new_page()
        sign_in(other, host_server.base, USER)
        other.get_by_role("link", name="Sized", exact=True).click()
        other_rows = other.locator("tr[data-file-name]")
        expect(other_rows).to_have_count(3)
        expect(other.get_by_role("columnheader", name="Size")).to_have_attribute("aria-sort", "descending")
        assert [other_rows.nth(i).get_attribute("data-file-name") for i in range(3)] == expected
    finally:
        fresh.close()
    # Back to the default, by name, for the other tests of this user.
    carol.get_by_role("button", name="Name").click()
    expect(carol.get_by_role("columnheader", name="Name")).to_have_attribute("aria-sort", "ascending")


def test_folder_row_menu_moves_folder_with_contents(carol: Page, host_server: HostServer) -> None:
    folder_with(carol, host_server, "Shelf", ["Box/item.docx", "Cupboard/other.docx"])

    carol.get_by_label("More actions for Box").click()
    carol.locator('tr[data-folder-name="Box"] .menu-item[data-dialog="move"]').click()
    dialog = carol.locator("#move-dialog")
    expect(dialog.get_by_role("heading")).to_have_text("Move “Box”")
    expect(dialog.get_by_label("Move to folder").locator("option", has_text="/Shelf/Box")).to_have_count(0)
    dialog.get_by_label("Move to folder").select_option(label="/Shelf/Cupboard")
    dialog.get_by_role("button", name="Move", exact=True).click()

    expect(carol.get_by_role("heading", level=1)).to_have_text("Cupboard")
    expect(carol.locator("#flashes")).to_contain_text("Moved the folder “Box” to “Cupboard”.")
    carol.get_by_role("link", name="Box", exact=True).click()
    expect(carol.locator('tr[data-file-name="item.docx"]')).to_be_visible()


def test_name_filter_hides_rows_as_typed_and_select_all_takes_only_shown(
    carol: Page, host_server: HostServer
) -> None:
    folder_with(carol, host_server, "Filtered", ["Budget.xlsx", "budget notes.docx", "Plan.pptx"])

    carol.get_by_label("Filter by name").fill("budg")
    expect(carol.locator("tbody tr:visible")).to_have_count(2)
    carol.get_by_role("checkbox", name="Select all").check()
    expect(bar(carol)).to_contain_text("2 selected")

    carol.get_by_label("Filter by name").press("Enter")
    expect(carol).to_have_url(re.compile(r"\?q=budg$"))
    expect(carol.locator("tr[data-file-name]")).to_have_count(2)
    carol.get_by_label("Show").select_option("presentations")
    expect(carol.get_by_text("Nothing matches the filter")).to_be_visible()
    carol.get_by_label("Show").select_option("all")
    expect(carol.locator("tr[data-file-name]")).to_have_count(2)
