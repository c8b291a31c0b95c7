"""Small defects of the file browser and the development client, each checked in headless Chromium.

Uploads refused for their name, dialog focus, PDFs opened in the tab, and the development client's editor
(Ctrl+S, a phone-sized screen) through a real `wopihost serve` with its development client.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Frame, Page, expect

from tests.e2e.a11y_pages import AXE_JS, describe, serious_violations
from tests.e2e.conftest import SCREENSHOTS, HostServer
from tests.servers import free_port, wopihost_in_process, wopihost_server

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

# The smallest file a PDF viewer accepts; the test only needs its bytes back.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _focused(page: Page) -> Any:
    return page.evaluate(
        "() => { const a = document.activeElement;"
        " return {tag: a.tagName, text: a.textContent.trim(), label: a.getAttribute('aria-label'),"
        " danger: a.classList.contains('btn-danger')}; }"
    )


def test_upload_refused_for_name_shows_whole_reason(alice: Page, host_server: HostServer) -> None:
    alice.goto(f"{host_server.base}/")
    alice.locator("#upload-input").set_input_files(
        files=[{"name": "nul.docx", "mimeType": "application/octet-stream", "buffer": b"x"}]
    )
    status = alice.locator(".upload-item.failed .upload-status")
    expect(status).to_contain_text("reserved by Windows")
    text = status.inner_text()
    assert text.startswith("The name is not allowed: the name is reserved by Windows.")
    # Every line of the reason is inside the panel and none is cut off.
    clipped = status.evaluate("s => s.scrollWidth > s.clientWidth")
    panel = alice.locator("#uploads").bounding_box()
    box = status.bounding_box()
    assert panel is not None
    assert box is not None
    assert not clipped
    assert box["x"] + box["width"] <= panel["x"] + panel["width"]


def test_dialog_returns_focus_to_its_opener_and_delete_starts_on_cancel(
    alice: Page, host_server: HostServer, put_file: Any
) -> None:
    put_file("/Focus.docx")
    alice.goto(f"{host_server.base}/")
    menu = alice.get_by_label("More actions for Focus.docx")
    menu.click()
    alice.locator("[data-file-name='Focus.docx'] a[data-dialog='delete']").click()
    dialog = alice.locator("#delete-dialog")
    expect(dialog).to_be_visible()
    focused = _focused(alice)
    assert not focused["danger"]
    assert focused["text"] == "Cancel"
    alice.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert _focused(alice)["label"] == "More actions for Focus.docx"

    menu.click()
    alice.locator("[data-file-name='Focus.docx'] a[data-dialog='rename']").click()
    expect(alice.locator("#rename-dialog")).to_be_visible()
    alice.locator("#rename-dialog").get_by_role("button", name="Cancel").click()
    expect(alice.locator("#rename-dialog")).to_be_hidden()
    assert _focused(alice)["label"] == "More actions for Focus.docx"


def test_pdf_opens_in_the_browser_not_as_download(
    alice: Page, host_server: HostServer, put_file: Any
) -> None:
    file_id = put_file("/Scan.pdf", PDF)
    alice.goto(f"{host_server.base}/")
    link = alice.get_by_role("link", name="Open PDF: Scan.pdf")
    expect(link).to_have_attribute("href", f"/files/{file_id}/view-pdf")
    downloads: list[Any] = []
    alice.on("download", lambda download: downloads.append(download))
    link.click()
    alice.wait_for_url(f"{host_server.base}/files/{file_id}/view-pdf")
    # The pdf.js viewer reads the PDF; this one has no pages, which the viewer says instead of failing.
    expect(alice.get_by_role("heading", level=1)).to_have_text("Scan.pdf")
    expect(alice.locator("[data-pdf-status]")).to_have_text("The PDF could not be opened.")
    assert downloads == []
    response = alice.request.get(f"{host_server.base}/files/{file_id}/pdf")
    assert response.status == 200
    assert response.body() == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")


# ---- The development client beside a real `wopihost serve` ----------------------------------------------

DEMO_PASSWORD = "alice-demo-password"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, str]]:
    """A `wopihost serve` with its development client, the demo data, and Welcome.docx's file ID."""
    data = tmp_path_factory.mktemp("defects")
    # Autosave far away: only Ctrl+S can save within the test.
    env = {
        "WOPIHOST_DEVCLIENT__ENABLED": "true",
        "WOPIHOST_DEVCLIENT__PORT": str(free_port()),
        "WOPIHOST_DEVCLIENT__AUTOSAVE_SECONDS": "600",
    }
    wopihost_in_process(data, "demo-setup", env=env)
    listed = wopihost_in_process(data, "file", "list", "--owner", "alice", "/Documents", env=env)
    file_id = next(line.split("\t")[0] for line in listed.splitlines() if line.endswith("Welcome.docx"))
    with wopihost_server(data, env=env) as base:
        yield base, data, file_id


def _open_in_word(
    browser: Browser, base: str, file_id: str, width: int, height: int, scheme: str = "light"
) -> tuple[Page, Frame]:
    context = browser.new_context(
        viewport={"width": width, "height": height},
        locale="en-US",
        color_scheme=scheme,  # type: ignore[arg-type]
        reduced_motion="reduce",  # screenshots without the loading cover half faded
    )
    if AXE_JS.exists():
        context.add_init_script(path=str(AXE_JS))
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/signin")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/files/{file_id}/edit")
    page.wait_for_selector("iframe")
    frame = page.frame_locator("iframe").first
    expect(frame.locator("textarea.block").first).to_be_visible()
    found = next(f for f in page.frames if f != page.main_frame)
    return page, found


def _version(data: Path) -> str:
    listed = wopihost_in_process(data, "file", "list", "--owner", "alice", "/Documents")
    row = next(line for line in listed.splitlines() if line.endswith("Welcome.docx"))
    return row.split("\t")[2]


def test_ctrl_s_saves_now_in_devclient_editor(browser: Browser, served: tuple[str, Path, str]) -> None:
    base, data, file_id = served
    page, frame = _open_in_word(browser, base, file_id, 1280, 800)
    try:
        before = _version(data)
        block = frame.locator("textarea.block").first
        block.click()
        block.press("End")
        block.type(" Saved with Ctrl+S.")
        block.press("Control+s")
        deadline = time.monotonic() + 15
        while _version(data) == before and time.monotonic() < deadline:
            time.sleep(0.3)
        assert _version(data) != before
    finally:
        page.context.close()


def test_devclient_close_button_reachable_at_390_px(browser: Browser, served: tuple[str, Path, str]) -> None:
    base, _data, file_id = served
    page, frame = _open_in_word(browser, base, file_id, 390, 844)
    try:
        close = frame.get_by_role("button", name="Close")
        expect(close).to_be_visible()
        box = close.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390
        assert box["y"] >= 0
        assert box["y"] + box["height"] <= 844
        close.click()
        page.wait_for_url(re.compile(re.escape(base) + r"/(folders/.*)?$"))
    finally:
        page.context.close()


_BACKGROUND = """(node) => getComputedStyle(node).backgroundColor"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_devclient_editor_follows_color_scheme_with_paper_white(
    browser: Browser, served: tuple[str, Path, str], scheme: str
) -> None:
    base, _data, file_id = served
    page, frame = _open_in_word(browser, base, file_id, 1280, 800, scheme)
    try:
        canvas = frame.locator("body").evaluate(_BACKGROUND)
        paper = frame.locator(".page").first.evaluate(_BACKGROUND)
        ink = frame.locator("textarea.block").first.evaluate("(node) => getComputedStyle(node).color")
        assert canvas == ("rgb(27, 26, 25)" if scheme == "dark" else "rgb(243, 242, 241)")
        # A document is white paper with dark ink in both schemes, as Office for the web shows it.
        assert paper == "rgb(255, 255, 255)"
        assert ink == "rgb(32, 31, 30)"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        expect(page.locator("#loading")).to_have_class(re.compile(r"\bdone\b"))
        page.screenshot(path=SCREENSHOTS / f"devclient-word-{scheme}.png")
        if AXE_JS.exists():
            violations = serious_violations(frame)
            assert not violations, describe(violations)
    finally:
        page.context.close()
