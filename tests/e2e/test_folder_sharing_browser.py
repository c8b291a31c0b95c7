"""Shared folders in Chromium: the owner shares a folder from its row menu, the recipient finds it under
Shared with me, browses into it and opens a document inside with the folder's role; revoking it takes the
folder away on the recipient's next page load."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import HostServer
from tests.e2e.standin_client import StandinClient

pytestmark = pytest.mark.e2e


def _folder_row(page: Page, name: str) -> Locator:
    return page.locator(f'tr[data-folder-name="{name}"]')


def _open_folder_share_dialog(page: Page, base: str, name: str) -> Locator:
    page.goto(f"{base}/")
    row = _folder_row(page, name)
    row.get_by_label(f"More actions for {name}").click()
    row.get_by_role("menuitem", name="Share").click()
    dialog = page.locator("#share-dialog")
    expect(dialog.get_by_role("heading", level=2).first).to_have_text(f"Share “{name}”")
    return dialog


def test_owner_shares_folder_recipient_opens_file_inside_then_loses_it(
    alice: Page,
    bob: Page,
    host_server: HostServer,
    standin: StandinClient,
    put_file: Callable[..., str],
    screenshots: Path,
) -> None:
    put_file("/Team room/Agenda.docx", b"agenda")
    put_file("/Team room/Drafts/Proposal.docx", b"proposal")

    dialog = _open_folder_share_dialog(alice, host_server.base, "Team room")
    # A folder is shared with people only: no links.
    expect(dialog.locator("[data-links]")).to_be_hidden()
    dialog.get_by_role("combobox", name="Share with (username)").fill("bob")
    dialog.get_by_label("Permission").select_option("edit")
    dialog.get_by_role("button", name="Share", exact=True).click()
    expect(dialog.get_by_label("Access for Bob Brown")).to_have_value("edit")
    alice.screenshot(path=screenshots / "folder-share-01-owner-shared.png")
    dialog.get_by_role("button", name="Done").click()
    alice.reload()
    expect(_folder_row(alice, "Team room").locator("[data-shared]")).to_have_text("Shared with 1 person")

    bob.goto(f"{host_server.base}/shared")
    shared = _folder_row(bob, "Team room")
    expect(shared).to_contain_text("Shared by Alice Adams · can edit")
    bob.screenshot(path=screenshots / "folder-share-02-shared-with-me.png")
    shared.get_by_role("link", name="Team room", exact=True).click()
    expect(bob.get_by_role("heading", level=1)).to_have_text("Team room")
    _folder_row(bob, "Drafts").get_by_role("link", name="Drafts", exact=True).click()
    crumbs = bob.get_by_role("navigation", name="Breadcrumb")
    expect(crumbs.get_by_role("link")).to_have_text(["Shared with me", "Team room"])
    bob.screenshot(path=screenshots / "folder-share-03-recipient-in-subfolder.png")
    bob.locator('tr[data-file-name="Proposal.docx"]').get_by_role(
        "link", name="Proposal.docx", exact=True
    ).click()
    expect(bob.frame_locator("#office_frame").locator("#doc-name")).to_have_text("Proposal.docx")
    info = standin.launches[-1].file_info or {}
    assert info["UserCanWrite"] is True
    assert info["UserFriendlyName"] == "Bob Brown"
    bob.screenshot(path=screenshots / "folder-share-04-recipient-editing.png")

    dialog = _open_folder_share_dialog(alice, host_server.base, "Team room")
    dialog.get_by_role("button", name="Stop sharing with Bob Brown").click()
    expect(dialog.locator("[data-status]")).to_have_text("Stopped sharing with bob.")

    bob.goto(f"{host_server.base}/shared")
    expect(_folder_row(bob, "Team room")).to_have_count(0)
    bob.go_back()
    bob.reload()
    expect(bob.get_by_role("heading", level=1)).to_have_text("Not found")
