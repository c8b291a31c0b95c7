"""Editing sessions in Chromium: the live "Being edited by" badge and the owner's "End editing session"."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import HostServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]
LOCK = "e2e-session-lock"
# The file list polls every few seconds; a badge must go well within this.
BADGE_MS = 9000


def wopi(host: HostServer, file_id: str, user: str, override: str) -> httpx.Response:
    """A lock operation from `user`'s WOPI client (the e2e server runs without proof keys)."""
    token = json.loads(host.cli("token", "--user", user, "--file", file_id))["access_token"]
    headers = {"X-WOPI-Override": override, "X-WOPI-Lock": LOCK}
    url = f"{host.base}/wopi/files/{file_id}"
    return httpx.post(url, params={"access_token": token}, headers=headers, timeout=10)


def locked_by_bob(host: HostServer, put_file: Callable[..., str], name: str) -> str:
    file_id = put_file(f"/{name}")
    host.cli("share", file_id, "--with", "bob", "--role", "edit")
    assert wopi(host, file_id, "bob", "LOCK").status_code == 200
    return file_id


def test_badge_clears_without_reload_after_unlock(
    alice: Page, host_server: HostServer, put_file: Callable[..., str]
) -> None:
    name = "Live badge.docx"
    file_id = locked_by_bob(host_server, put_file, name)
    alice.goto(f"{host_server.base}/")
    row = alice.locator(f'tr[data-file-name="{name}"]')
    expect(row.locator(".badge-lock")).to_have_text("Being edited by Bob Brown")
    alice.evaluate("window.__notReloaded = true")

    assert wopi(host_server, file_id, "bob", "UNLOCK").status_code == 200

    expect(row.locator(".badge-lock")).to_have_count(0, timeout=BADGE_MS)
    assert alice.evaluate("window.__notReloaded") is True
    assert wopi(host_server, file_id, "bob", "LOCK").status_code == 200
    expect(row.locator(".badge-lock")).to_have_text("Being edited by Bob Brown", timeout=BADGE_MS)
    expect(row.get_by_role("link", name="End editing session")).to_be_visible()


def test_owner_ends_session_from_badge_with_cancel_focused(
    alice: Page, host_server: HostServer, put_file: Callable[..., str], screenshots: Path
) -> None:
    name = "End me.docx"
    file_id = locked_by_bob(host_server, put_file, name)
    alice.goto(f"{host_server.base}/")
    row = alice.locator(f'tr[data-file-name="{name}"]')

    row.get_by_role("link", name="End editing session").click()
    dialog = alice.locator("#end-session-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("It is being edited by Bob Brown")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    alice.screenshot(path=screenshots / "sessions-end-dialog.png")
    dialog.get_by_role("button", name="End editing session").click()

    expect(alice.locator("#flashes")).to_contain_text("Ended the editing session.")
    expect(row.locator(".badge-lock")).to_have_count(0)
    assert wopi(host_server, file_id, "bob", "GET_LOCK").headers["X-WOPI-Lock"] == ""
    alice.goto(f"{host_server.base}/files/{file_id}/versions")
    expect(alice.locator("[data-session-ended]")).to_contain_text("Editing session ended by Alice Adams at")
    alice.screenshot(path=screenshots / "sessions-version-history.png", full_page=True)


def test_rename_refusal_offers_end_session(
    alice: Page, host_server: HostServer, put_file: Callable[..., str], screenshots: Path
) -> None:
    name = "Refused rename.docx"
    locked_by_bob(host_server, put_file, name)
    alice.goto(f"{host_server.base}/")
    row = alice.locator(f'tr[data-file-name="{name}"]')

    row.get_by_label(f"More actions for {name}").click()
    row.get_by_role("menuitem", name="Rename", exact=True).click()
    dialog = alice.locator("#rename-dialog")
    dialog.get_by_label("New name").fill("Renamed.docx")
    dialog.get_by_role("button", name="Rename").click()

    error = dialog.locator("[data-error]")
    expect(error).to_contain_text("is being edited by Bob Brown")
    alice.screenshot(path=screenshots / "sessions-rename-refused.png")
    error.get_by_role("link", name="End editing session").click()
    expect(alice.get_by_role("heading", level=1)).to_contain_text("End the editing session")
