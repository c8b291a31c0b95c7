"""Microsoft 365 business users end to end (scenarios/business.rst), in Chromium.

The development client presents Microsoft 365's discovery. Bob is a business user (`wopihost user set
bob --business`): his action URLs carry IsLicensedUser=1, so the client checks his licence before he edits
and reports it with PutUserInfo; the host hands that UserInfo back, and his next open skips the check.
Alice is not a business user and is never checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.conftest import sign_in
from tests.e2e.product_support import docx_bytes, row, wait_until_editing
from tests.e2e.shape_support import ShapedProduct, shaped_product
from wopihost.devclient.licensing import VERIFIED

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]
NAME = "Licensed.docx"


@pytest.fixture(scope="module")
def microsoft(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShapedProduct]:
    """A Microsoft-shaped product where Bob is a business user with an editor share of Alice's file."""
    with shaped_product(tmp_path_factory.mktemp("business"), "microsoft") as shaped:
        shaped.cli("user", "set", "bob", "--business")
        file_id = shaped.put("alice", f"/{NAME}", docx_bytes("Quarterly plan."))
        shaped.cli("share", file_id, "--with", "bob", "--role", "edit")
        yield shaped


def _open(browser: Browser, shaped: ShapedProduct, username: str) -> tuple[Page, str]:
    """Sign in, open the file from the list; returns the page and the action URL the frame loaded."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, shaped.product.base, username)
    page.goto(f"{shaped.product.base}/" if username == "alice" else f"{shaped.product.base}/shared")
    row(page, NAME).locator("a.btn-open").click()
    wait_until_editing(page)
    frame = page.frame(name="office_frame")
    assert frame is not None
    return page, frame.url


def _user_info(shaped: ShapedProduct, username: str, file_id: str) -> tuple[bool, str | None]:
    info = shaped.check_file_info(shaped.token(username, file_id))
    return info["LicenseCheckForEditIsEnabled"], info.get("UserInfo")


def test_microsoft_business_user_first_open_checks_licence_second_open_skips(
    microsoft: ShapedProduct, browser: Browser
) -> None:
    file_id = microsoft.cli("file", "list", "--owner", "alice").split()[0]
    assert _user_info(microsoft, "bob", file_id) == (True, None)

    page, action_url = _open(browser, microsoft, "bob")
    assert "IsLicensedUser=1" in action_url
    licensed, first = _user_info(microsoft, "bob", file_id)
    assert licensed is True
    assert first is not None
    assert first.startswith(f"{VERIFIED};checked="), first
    page.context.close()

    page, action_url = _open(browser, microsoft, "bob")
    assert "IsLicensedUser=1" in action_url
    # A second check would have stored a new string with its own time.
    assert _user_info(microsoft, "bob", file_id) == (True, first)
    page.context.close()
    log = microsoft.log.read_text()
    assert log.count("op=licence_check outcome=verified") == 1
    assert log.count("op=licence_check outcome=skipped") == 1


def test_microsoft_non_business_user_edits_without_licence_check(
    microsoft: ShapedProduct, browser: Browser
) -> None:
    file_id = microsoft.cli("file", "list", "--owner", "alice").split()[0]
    page, action_url = _open(browser, microsoft, "alice")
    assert "IsLicensedUser" not in action_url
    assert _user_info(microsoft, "alice", file_id) == (False, None)
    page.context.close()
