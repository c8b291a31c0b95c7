"""Search in Chromium: suggestions as one types, with where each file is, keyboard use, full-text results."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests import search_documents as docs
from tests.e2e.conftest import HostServer

pytestmark = pytest.mark.e2e

INDEXED_WITHIN_MS = 20_000


def test_search_box_suggests_with_folder_and_opens_with_keyboard(
    alice: Page, host_server: HostServer, put_file: Callable[..., str], screenshots: Path
) -> None:
    file_id = put_file("/Plans/2027/Zephyr plan.xlsx", docs.excel(("Zephyr", 1)))
    shared_id = put_file("/Zephyr notes.docx", docs.word("notes"), owner="bob")
    host_server.cli("share", shared_id, "--with", "alice")
    put_file("/Zephyr private.docx", docs.word("private"), owner="bob")
    alice.goto(f"{host_server.base}/")

    box = alice.get_by_role("combobox", name="Search files and folders")
    box.press_sequentially("zeph", delay=40)
    options = alice.get_by_role("listbox").get_by_role("option")
    expect(options.first).to_contain_text("Zephyr plan.xlsx")
    expect(options.first).to_contain_text("/Plans/2027")
    expect(options.nth(1)).to_contain_text("Zephyr notes.docx")
    expect(options.nth(1)).to_contain_text("Shared by Bob Brown")
    expect(alice.get_by_role("listbox")).not_to_contain_text("Zephyr private.docx")
    alice.screenshot(path=screenshots / "search-01-suggestions.png")

    box.press("Escape")
    expect(alice.get_by_role("listbox")).to_be_hidden()
    box.press_sequentially("y", delay=40)
    expect(options.first).to_contain_text("Zephyr plan.xlsx")
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    alice.wait_for_url(re.compile(f"/files/{file_id}/"))


def test_search_full_text_shows_highlighted_snippet(
    alice: Page, host_server: HostServer, put_file: Callable[..., str], screenshots: Path
) -> None:
    put_file("/Board/Minutes March.docx", docs.word("The merger with Quuxcorp closes in May."))
    put_file("/Board/Slides.pptx", docs.powerpoint("Quuxcorp integration plan"))
    alice.goto(f"{host_server.base}/")

    box = alice.get_by_role("combobox", name="Search files and folders")
    box.press_sequentially("quuxcorp", delay=30)
    alice.get_by_role("option", name=re.compile("Search in documents")).click()
    alice.wait_for_url(re.compile(r"/search\?q=quuxcorp"))
    results = alice.locator("[data-text-results]")
    # The server's indexer extracts the text in the background; reload until it has.
    deadline_checks = INDEXED_WITHIN_MS // 500
    for _ in range(deadline_checks):
        if results.locator(".search-result").count() == 2:
            break
        alice.wait_for_timeout(500)
        alice.reload()
    expect(results.locator(".search-result")).to_have_count(2)
    minutes = results.locator(".search-result", has_text="Minutes March.docx")
    expect(minutes.locator(".search-location")).to_have_text("/Board")
    expect(minutes.locator("mark")).to_have_text("Quuxcorp")
    expect(minutes.locator(".search-snippet")).to_contain_text("closes in May")
    alice.screenshot(path=screenshots / "search-02-full-text.png", full_page=True)
