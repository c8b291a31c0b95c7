"""Save As in Collabora Online's shape, in Chromium: the host page follows the file the client opened.

The development client in Collabora's shape asks for a name (UI_SaveAs), creates the copy with
PutRelativeFile once the host page answers Action_SaveAs, reports Action_Save_Resp with the new name, and
loads the new file in the same frame, as Collabora Online does. The host page then refers to the copy: its
address, title, file ID, version history link and, for the old file, nothing any more (its lock is gone).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import sign_in
from tests.e2e.product_support import OPEN_MS, ROUND_TRIP_MS, client_frame, docx_bytes, wait_until_editing
from tests.e2e.shape_support import ShapedProduct, shaped_product, wait_for_content

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def collabora(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShapedProduct]:
    with shaped_product(tmp_path_factory.mktemp("collabora-save-as"), "collabora") as shaped:
        yield shaped


def test_collabora_save_as_moves_the_host_page_to_the_copy(
    browser: Browser, collabora: ShapedProduct
) -> None:
    base = collabora.product.base
    file_id = collabora.put("alice", "/Plan.docx", docx_bytes("The plan."))
    old_token = collabora.token("alice", file_id)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        sign_in(page, base, "alice")
        page.goto(f"{base}/files/{file_id}/edit")
        body = page.locator("body")
        expect(body).to_have_attribute("data-client-state", "loaded", timeout=OPEN_MS)
        expect(body).to_have_attribute("data-file-id", file_id)
        wait_until_editing(page)
        assert collabora.product.lock_of(old_token) != ""

        client_frame(page).locator("#btn-saveas").click()
        dialog = page.locator("#save-as-dialog")
        expect(dialog).to_be_visible()
        page.locator("#save-as-name").fill("Plan final.docx")
        page.locator("#save-as-submit").click()

        expect(body).not_to_have_attribute("data-file-id", file_id, timeout=ROUND_TRIP_MS)
        new_id = body.get_attribute("data-file-id")
        assert new_id
        # The address bar changed without a reload: the frame is the one the page created.
        expect(page).to_have_url(f"{base}/files/{new_id}/edit")
        expect(page).to_have_title(re.compile(r"^Plan final\.docx · "))
        expect(page.locator("h1 [data-doc-name]")).to_have_text("Plan final.docx")
        expect(page.locator("#versions-page-link")).to_have_attribute("href", f"/files/{new_id}/versions")
        config = page.evaluate("JSON.parse(document.getElementById('host-config').textContent).fileId")
        assert config == file_id, "the page was not reloaded"
        # The client loaded the copy in the same frame, as Collabora Online does.
        frame = page.frame(name="office_frame")
        assert frame is not None
        frame.wait_for_function(
            "() => window.devclient && window.devclient.boot.fileName === 'Plan final.docx'", timeout=OPEN_MS
        )
        info = collabora.check_file_info(collabora.token("alice", new_id))
        assert info["BaseFileName"] == "Plan final.docx"
        # The old file is no longer being edited from this page.
        lock = wait_for_content(
            lambda: collabora.product.lock_of(old_token).encode(),
            lambda held: held == b"",
            ROUND_TRIP_MS / 1000,
        )
        assert lock == b""
        # A reload of the new address opens the copy.
        page.reload()
        expect(body).to_have_attribute("data-file-id", new_id, timeout=OPEN_MS)
    finally:
        context.close()
