"""The audit trail in Chromium: every action taken in the UI (and by the WOPI client) is on the Activity page
and in the export, with the right person and client."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import HostServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]
NAME = "Audited.docx"
RENAMED = "Audited plan.docx"
LOCK = "e2e-audit-lock"
SAVER = "StandIn-Saver/1.0"


def client_call(host: HostServer, file_id: str, user: str, override: str, body: bytes | None = None) -> int:
    """A request from `user`'s WOPI client, with the client's own User-Agent."""
    token = json.loads(host.cli("token", "--user", user, "--file", file_id))["access_token"]
    headers = {"X-WOPI-Override": override, "X-WOPI-Lock": LOCK, "User-Agent": SAVER}
    path = f"/wopi/files/{file_id}" + ("/contents" if body is not None else "")
    response = httpx.post(
        f"{host.base}{path}", params={"access_token": token}, headers=headers, content=body, timeout=10
    )
    return response.status_code


def submit(page: Page, url: str, button: str) -> None:
    """Open one of the UI's form pages and press its button."""
    page.goto(url)
    page.get_by_role("button", name=button, exact=True).first.click()
    page.wait_for_load_state()


def test_each_ui_action_is_on_the_activity_page_and_in_the_export(
    alice: Page, host_server: HostServer, put_file: Callable[..., str], screenshots: Path
) -> None:
    base = host_server.base
    file_id = put_file(f"/{NAME}", b"PK audit")
    put_file("/Audit target/keep.txt", b"k")

    alice.goto(f"{base}/files/{file_id}/share")
    alice.locator("form.share-form").first.get_by_label("Username").fill("bob")
    alice.locator("form.share-form").first.get_by_role("button", name="Share").click()
    expect(alice.get_by_role("button", name="Change the access of Bob Brown")).to_be_visible()
    alice.get_by_label("Access for Bob Brown").select_option("edit")
    alice.get_by_role("button", name="Change the access of Bob Brown").click()
    alice.wait_for_load_state()
    submit(alice, f"{base}/files/{file_id}/share", "Stop sharing with Bob Brown")

    alice.goto(f"{base}/files/{file_id}/rename")
    alice.get_by_label("New name").fill(RENAMED)
    alice.get_by_role("button", name="Rename", exact=True).click()
    alice.wait_for_load_state()
    alice.goto(f"{base}/files/{file_id}/move")
    target = next(
        text
        for text in alice.locator("select[name=folder_id] option").all_inner_texts()
        if text.strip().endswith("Audit target")
    )
    alice.get_by_label("Move to folder").select_option(label=target)
    alice.get_by_role("button", name="Move", exact=True).click()
    alice.wait_for_load_state()

    # Opening in the WOPI client (its CheckFileInfo) is "opened for editing"; then Bob's client saves.
    alice.goto(f"{base}/files/{file_id}/edit")
    expect(alice.frame_locator("iframe[name=office_frame]").locator("#doc-name")).to_have_text(RENAMED)
    host_server.cli("share", file_id, "--with", "bob", "--role", "edit")
    assert client_call(host_server, file_id, "bob", "LOCK") == 200
    assert client_call(host_server, file_id, "bob", "PUT", b"PK saved by bob") == 200
    submit(alice, f"{base}/files/{file_id}/session/end", "End editing session")

    submit(alice, f"{base}/files/{file_id}/delete", "Move to trash")
    submit(alice, f"{base}/trash", f"Restore {RENAMED}")

    alice.goto(f"{base}/")
    alice.get_by_role("link", name="Audit target", exact=True).first.click()
    expect(alice.locator(f'tr[data-file-name="{RENAMED}"]')).to_be_visible()
    alice.get_by_label(f"More actions for {RENAMED}", exact=True).click()
    alice.get_by_role("menuitem", name="Activity").click()
    alice.wait_for_url(f"{base}/files/{file_id}/activity")
    alice.screenshot(path=screenshots / "activity-page.png", full_page=True)

    rows = alice.locator("tr[data-action]")
    shown = [
        (
            row.get_attribute("data-action"),
            row.locator("[data-actor]").inner_text(),
            row.get_attribute("data-client"),
        )
        for row in rows.all()
    ]
    expected = [
        ("restored", "Alice Adams", "web"),
        ("trashed", "Alice Adams", "web"),
        ("session_ended", "Alice Adams", "web"),
        ("saved", "Bob Brown", "wopi"),
        ("shared", "Alice Adams", "cli"),  # the CLI acts as the file's owner
        ("opened_edit", "Alice Adams", "wopi"),
        ("moved", "Alice Adams", "web"),
        ("renamed", "Alice Adams", "web"),
        ("unshared", "Alice Adams", "web"),
        ("role_changed", "Alice Adams", "web"),
        ("shared", "Alice Adams", "web"),
        ("created", "Alice Adams", "cli"),
    ]
    assert shown == expected
    lines = host_server.cli("audit", "export", "--file", file_id).splitlines()
    exported = [json.loads(line) for line in lines]
    assert [(e["action"], e["client"]) for e in reversed(exported)] == [(a, c) for a, _, c in expected]
    saved = next(e for e in exported if e["action"] == "saved")
    assert saved["username"] == "bob"
    assert saved["client_name"] == SAVER
    assert saved["detail"] == "2"
    assert exported[1]["client_name"].startswith("Mozilla/")
