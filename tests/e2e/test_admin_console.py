"""The administrators' console in Chromium: finding a WOPI error by its correlation ID, and ending someone's
editing session from the sessions page (with the audit trail showing who ended it)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import PASSWORD, HostServer, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]
ADMIN = "console-admin"
NAME = "Console locked.docx"
# The recorder writes errors about once a second; the search waits a few times that.
RECORDED_S = 8.0


def client_call(host: HostServer, file_id: str, user: str, override: str, lock: str, correlation: str) -> int:
    """A lock operation from `user`'s WOPI client, with the IDs a real client sends."""
    token = json.loads(host.cli("token", "--user", user, "--file", file_id))["access_token"]
    headers = {
        "X-WOPI-Override": override,
        "X-WOPI-Lock": lock,
        "X-WOPI-CorrelationId": correlation,
        "X-WOPI-SessionId": "e2e-session-" + correlation[:8],
        "User-Agent": "Console-Client/2.0",
    }
    response = httpx.post(
        f"{host.base}/wopi/files/{file_id}", params={"access_token": token}, headers=headers, timeout=10
    )
    return response.status_code


@pytest.fixture(scope="module")
def admin(browser: Browser, host_server: HostServer) -> Iterator[Page]:
    host_server.cli("user", "add", ADMIN, "--name", "Console Admin", "--password", PASSWORD, "--admin")
    context = browser.new_context()
    try:
        page = context.new_page()
        sign_in(page, host_server.base, ADMIN)
        yield page
    finally:
        context.close()


def test_admin_finds_error_by_correlation_id_and_ends_session(
    admin: Page, host_server: HostServer, put_file: Callable[..., str], screenshots: Path
) -> None:
    base = host_server.base
    file_id = put_file(f"/{NAME}")
    host_server.cli("share", file_id, "--with", "bob", "--role", "edit")
    correlation = str(uuid.uuid4())
    assert client_call(host_server, file_id, "bob", "LOCK", "lock-bob", str(uuid.uuid4())) == 200
    assert client_call(host_server, file_id, "alice", "LOCK", "lock-alice", correlation) == 409

    deadline = time.monotonic() + RECORDED_S
    while True:
        admin.goto(f"{base}/admin/errors")
        admin.get_by_label("Correlation ID").fill(correlation)
        admin.get_by_role("button", name="Search").click()
        admin.wait_for_load_state()
        if admin.locator("tr[data-error-id]").count() or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    row = admin.locator("tr[data-error-id]")
    expect(row).to_have_count(1)
    expect(row.locator("[data-status]")).to_have_text("409")
    expect(row).to_contain_text("Lock")
    expect(row).to_contain_text("Alice Adams")
    expect(row).to_contain_text("Console-Client/2.0")
    expect(admin.get_by_role("link", name="Errors")).to_have_attribute("aria-current", "page")
    admin.screenshot(path=screenshots / "admin-errors-by-correlation.png", full_page=True)

    admin.get_by_role("link", name="Sessions", exact=True).click()
    session = admin.locator(f'tr[data-file-id="{file_id}"]')
    expect(session.locator("[data-holders]")).to_have_text("Bob Brown")
    session.get_by_role("link", name=f"End session: {NAME}").click()
    dialog = admin.locator("#end-session-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(NAME)
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    admin.screenshot(path=screenshots / "admin-end-session-dialog.png")
    dialog.get_by_role("button", name="End session").click()

    expect(admin.locator("#flashes")).to_contain_text("Ended the editing session.")
    expect(admin.locator(f'tr[data-file-id="{file_id}"]')).to_have_count(0)
    assert client_call(host_server, file_id, "bob", "GET_LOCK", "", str(uuid.uuid4())) == 200
    admin.goto(f"{base}/files/{file_id}/activity")
    ended = admin.locator('tr[data-action="session_ended"]')
    expect(ended).to_have_count(1)
    expect(ended.locator("[data-actor]")).to_have_text("Console Admin")
    admin.screenshot(path=screenshots / "admin-session-ended-activity.png", full_page=True)
