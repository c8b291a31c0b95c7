"""Sharing in Chromium: a password link opened by someone without an account, then revoked; people search
as the owner types; a person's role changed in place; the shared indicator of the file list."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import HostServer
from tests.e2e.standin_client import StandinClient

pytestmark = pytest.mark.e2e


def _row(page: Page, name: str) -> Locator:
    return page.locator(f'tr[data-file-name="{name}"]')


def _open_share_dialog(page: Page, base: str, folder: str, name: str) -> Locator:
    page.goto(f"{base}/")
    page.get_by_role("link", name=folder, exact=True).click()
    row = _row(page, name)
    row.get_by_label(f"More actions for {name}").click()
    row.get_by_role("menuitem", name="Share").click()
    dialog = page.locator("#share-dialog")
    expect(dialog.get_by_role("heading", level=2).first).to_have_text(f"Share “{name}”")
    return dialog


def test_password_link_visitor_opens_anonymously_then_revoked(
    alice: Page,
    page: Page,
    host_server: HostServer,
    standin: StandinClient,
    put_file: Callable[..., str],
    screenshots: Path,
) -> None:
    file_id = put_file("/Linked/Budget.docx", b"budget")
    dialog = _open_share_dialog(alice, host_server.base, "Linked", "Budget.docx")
    links = dialog.locator("[data-links]")
    links.get_by_label("Link lets people").select_option("edit")
    links.get_by_label("Password (optional)").fill("letmein42")
    links.get_by_role("button", name="Create link").click()
    entry = links.locator("[data-link-id]")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Can edit · password")
    url = entry.locator("input.link-url").input_value()
    assert re.fullmatch(rf"{re.escape(host_server.base)}/s/[A-Za-z0-9_-]{{32}}", url), url
    alice.screenshot(path=screenshots / "links-01-owner-created-link.png")

    visitor = page  # a fresh browser context: no account, no cookies
    visitor.goto(url)
    visitor.get_by_label("Password").fill("not it")
    visitor.get_by_role("button", name="Continue").click()
    expect(visitor.get_by_role("alert")).to_contain_text("That password is not right.")
    visitor.get_by_label("Password").fill("letmein42")
    visitor.get_by_role("button", name="Continue").click()
    visitor.get_by_label("Your name").fill("Guest Gina")
    visitor.screenshot(path=screenshots / "links-02-visitor-name.png")
    visitor.get_by_role("button", name="Open the document").click()
    expect(visitor).to_have_url(f"{url}/open")
    expect(visitor.frame_locator("#office_frame").locator("#doc-name")).to_have_text("Budget.docx")
    expect(visitor.locator("body")).to_have_attribute("data-client-state", "loaded")
    launch = standin.launches[-1]
    info = launch.file_info or {}
    assert info["IsAnonymousUser"] is True
    assert info["UserFriendlyName"] == "Guest Gina"
    assert info["UserId"].startswith("anon-")
    assert info["UserCanWrite"] is True
    assert info["UserCanNotWriteRelative"] is True
    assert launch.token_in_body
    assert not launch.token_in_query
    token = visitor.locator('input[name="access_token"]').input_value()
    visitor.screenshot(path=screenshots / "links-03-visitor-in-client.png")

    entry.get_by_role("button", name=re.compile("^Remove the link")).click()
    expect(links.locator("[data-link-id]")).to_have_count(0)
    expect(dialog.locator("[data-status]")).to_have_text("Link removed. It no longer opens the file.")
    wopi = httpx.get(f"{host_server.base}/wopi/files/{file_id}", params={"access_token": token}, timeout=10)
    assert wopi.status_code == 401
    visitor.goto(url)
    expect(visitor.get_by_role("heading", level=1)).to_have_text("This link no longer works")
    visitor.screenshot(path=screenshots / "links-04-visitor-after-revoke.png")


def test_people_search_suggests_as_owner_types_and_role_changes_in_place(
    alice: Page, host_server: HostServer, put_file: Callable[..., str], screenshots: Path
) -> None:
    put_file("/People/Minutes.docx", b"notes")
    dialog = _open_share_dialog(alice, host_server.base, "People", "Minutes.docx")
    person = dialog.get_by_role("combobox", name="Share with (username)")
    listbox = dialog.get_by_role("listbox", name="Matching people")
    person.press_sequentially("Bro", delay=30)
    expect(listbox).to_be_visible()
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(listbox.get_by_role("option")).to_contain_text("Bob Brown")
    expect(person).to_have_attribute("aria-expanded", "true")
    expect(dialog.locator("[data-people-count]")).to_have_text("1 person matches")
    alice.screenshot(path=screenshots / "links-05-people-search.png")
    person.press("ArrowDown")
    expect(listbox.get_by_role("option")).to_have_attribute("aria-selected", "true")
    person.press("Enter")
    expect(person).to_have_value("bob")
    expect(listbox).to_be_hidden()
    # Nobody is listed for an empty field.
    person.fill("")
    expect(listbox).to_be_hidden()
    person.fill("bob")
    dialog.get_by_label("Permission").select_option("view")
    dialog.get_by_role("button", name="Share", exact=True).click()
    access = dialog.get_by_label("Access for Bob Brown")
    expect(access).to_have_value("view")

    access.select_option("edit")
    expect(dialog.locator("[data-status]")).to_have_text("Changed bob to “can edit”.")
    expect(dialog.get_by_label("Access for Bob Brown")).to_have_value("edit")
    alice.screenshot(path=screenshots / "links-06-role-changed.png")
    # Bob is shared with already: he is no longer suggested.
    person.press_sequentially("Bro", delay=30)
    expect(dialog.locator("[data-people-count]")).to_have_text("Nobody matches")
    expect(listbox).to_be_hidden()

    alice.reload()
    flag = _row(alice, "Minutes.docx").locator("[data-shared]")
    expect(flag).to_have_text("Shared with 1 person")
    alice.screenshot(path=screenshots / "links-07-shared-indicator.png")


def test_new_document_named_in_dialog(alice: Page, host_server: HostServer) -> None:
    alice.goto(f"{host_server.base}/")
    alice.locator("summary", has_text="New").click()
    alice.get_by_role("menuitem", name="Word document").click()
    dialog = alice.locator("#new-document-dialog")
    name = dialog.get_by_label("File name")
    expect(name).to_have_value("Document.docx")
    # The stem is selected: typing replaces it and keeps the extension.
    alice.keyboard.type("Kick-off minutes")
    expect(name).to_have_value("Kick-off minutes.docx")
    dialog.get_by_role("button", name="Create").click()
    expect(alice).to_have_url(re.compile(r"/files/[a-z2-7]+/editnew$"))
    expect(alice.frame_locator("#office_frame").locator("#doc-name")).to_have_text("Kick-off minutes.docx")
