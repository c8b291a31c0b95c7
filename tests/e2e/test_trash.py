"""The trash in Chromium: delete, find it in the Trash, restore it, Undo, and empty the trash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import HostServer

pytestmark = pytest.mark.e2e


def file_row(page: Page, name: str) -> Locator:
    return page.locator(f'tr[data-file-name="{name}"]')


def trash_row(page: Page, name: str) -> Locator:
    return page.locator(f'tr[data-trash-name="{name}"]')


def focused(page: Page) -> Any:
    return page.evaluate(
        "() => { const a = document.activeElement;"
        " return {text: a.textContent.trim(), danger: a.classList.contains('btn-danger')}; }"
    )


def move_to_trash(page: Page, name: str) -> None:
    """Delete a file from its folder's page through its menu and the confirmation dialog."""
    file_row(page, name).get_by_label(f"More actions for {name}").click()
    file_row(page, name).get_by_role("menuitem", name="Move to trash").click()
    dialog = page.locator("#delete-dialog")
    expect(dialog.get_by_role("heading")).to_have_text(f"Move “{name}” to the trash?")
    assert focused(page) == {"text": "Cancel", "danger": False}
    dialog.get_by_role("button", name="Move to trash").click()
    expect(page.locator(".flash")).to_contain_text(f"Moved “{name}” to the trash.")
    expect(file_row(page, name)).to_have_count(0)


def test_delete_then_restore_from_trash_page_then_undo(
    alice: Page, host_server: HostServer, put_file: Callable[..., str], screenshots: Path
) -> None:
    put_file("/Trash test/Budget.xlsx", b"budget")
    alice.goto(f"{host_server.base}/")
    alice.get_by_role("link", name="Trash test", exact=True).click()
    folder_url = alice.url
    move_to_trash(alice, "Budget.xlsx")

    alice.get_by_role("navigation", name="Sections").get_by_role("link", name="Trash").click()
    expect(alice.get_by_role("heading", level=1)).to_have_text("Trash")
    entry = trash_row(alice, "Budget.xlsx")
    expect(entry).to_contain_text("My files/Trash test")
    expect(entry).to_contain_text("6 bytes")
    alice.screenshot(path=screenshots / "trash-01-page.png", full_page=True)
    entry.get_by_role("button", name="Restore Budget.xlsx").click()
    expect(alice.locator(".flash")).to_contain_text("Restored “Budget.xlsx”.")
    expect(trash_row(alice, "Budget.xlsx")).to_have_count(0)

    alice.goto(folder_url)
    expect(file_row(alice, "Budget.xlsx")).to_be_visible()
    move_to_trash(alice, "Budget.xlsx")
    alice.screenshot(path=screenshots / "trash-03-undo-flash.png")
    alice.locator(".flash").get_by_role("button", name="Undo").click()
    expect(alice.locator(".flash")).to_contain_text("Restored “Budget.xlsx”.")
    expect(alice).to_have_url(folder_url)
    expect(file_row(alice, "Budget.xlsx")).to_be_visible()


def test_empty_trash_asks_first_starting_on_cancel_then_empties(
    alice: Page, host_server: HostServer, put_file: Callable[..., str], screenshots: Path
) -> None:
    put_file("/Scratch.docx", b"scratch")
    alice.goto(f"{host_server.base}/")
    move_to_trash(alice, "Scratch.docx")
    alice.goto(f"{host_server.base}/trash")
    opener = alice.get_by_role("link", name="Empty trash")

    opener.click()
    dialog = alice.locator("#empty-trash-dialog")
    expect(dialog).to_be_visible()
    assert focused(alice) == {"text": "Cancel", "danger": False}
    alice.screenshot(path=screenshots / "trash-02-empty-dialog.png")
    alice.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()
    expect(trash_row(alice, "Scratch.docx")).to_be_visible()

    opener.click()
    dialog.get_by_role("button", name="Empty trash").click()
    expect(alice.locator(".flash")).to_contain_text("Emptied the trash:")
    expect(alice.get_by_text("The trash is empty")).to_be_visible()


def test_delete_permanently_one_item_leaves_the_others(
    alice: Page, host_server: HostServer, put_file: Callable[..., str]
) -> None:
    put_file("/Forever/Gone.docx")
    put_file("/Forever/Stays.docx")
    alice.goto(f"{host_server.base}/")
    alice.get_by_role("link", name="Forever", exact=True).click()
    move_to_trash(alice, "Gone.docx")
    move_to_trash(alice, "Stays.docx")
    alice.goto(f"{host_server.base}/trash")

    trash_row(alice, "Gone.docx").get_by_role("link", name="Delete permanently: Gone.docx").click()
    dialog = alice.locator("#delete-forever-dialog")
    expect(dialog.get_by_role("heading")).to_have_text("Delete “Gone.docx” permanently?")
    assert focused(alice) == {"text": "Cancel", "danger": False}
    dialog.get_by_role("button", name="Delete permanently").click()

    expect(alice.locator(".flash")).to_contain_text("Deleted “Gone.docx” permanently.")
    expect(trash_row(alice, "Gone.docx")).to_have_count(0)
    expect(trash_row(alice, "Stays.docx")).to_be_visible()
