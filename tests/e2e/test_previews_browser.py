"""Previews in Chromium: thumbnails appear in the list, the light box pages through a document and closes
with Escape, and PDFs open in the pdf.js viewer under the app's Content-Security-Policy."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from docx import Document
from playwright.sync_api import ConsoleMessage, Locator, Page, expect

from tests.e2e.conftest import HostServer
from tests.samples import numbered_pdf
from tests.services import service_unavailable

pytestmark = pytest.mark.e2e

# The shared server renders one document at a time; other tests' files may be queued before these.
RENDER_TIMEOUT_MS = 60_000


@pytest.fixture(autouse=True)
def renderers() -> None:
    for program, package in (("soffice", "LibreOffice"), ("pdftoppm", "poppler-utils")):
        if shutil.which(program) is None:
            service_unavailable(f"{program} ({package}) is not installed")


def docx_bytes(pages: int) -> bytes:
    document = Document()
    for number in range(1, pages + 1):
        document.add_heading(f"Chapter {number}", 0)
        document.add_paragraph(f"This is page {number} of the preview test document. " * 12)
        if number < pages:
            document.add_page_break()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def row(page: Page, name: str) -> Locator:
    return page.locator(f'tr[data-file-name="{name}"]')


def csp_errors(page: Page) -> list[str]:
    """Console messages about the Content-Security-Policy blocking something, collected as they come."""
    found: list[str] = []

    def collect(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            found.append(message.text)

    page.on("console", collect)
    return found


def test_preview_thumbnail_and_light_box_pages_and_escape(
    alice: Page, host_server: HostServer, put_file: Callable[..., str], screenshots: Path
) -> None:
    put_file("Previews/Handbook.docx", docx_bytes(pages=3))
    alice.goto(f"{host_server.base}/")
    alice.get_by_role("link", name="Previews", exact=True).click()
    thumbnail = row(alice, "Handbook.docx").get_by_role("link", name="Preview Handbook.docx")
    # The list asks for pending previews and swaps the thumbnail in when it is ready.
    expect(thumbnail).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    image = thumbnail.locator("img")
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") == 256
    alice.screenshot(path=screenshots / "previews-01-thumbnails.png")

    thumbnail.click()
    dialog = alice.get_by_role("dialog", name="Preview of Handbook.docx")
    expect(dialog).to_be_visible()
    counter = dialog.locator("[data-preview-counter]")
    expect(counter).to_have_text("Page 1 of 3")
    expect(dialog.get_by_role("img", name="Page 1 of 3 of Handbook.docx")).to_be_visible()
    expect(dialog.get_by_role("button", name="Previous page")).to_be_disabled()
    alice.screenshot(path=screenshots / "previews-02-light-box.png")
    dialog.get_by_role("button", name="Next page").click()
    expect(counter).to_have_text("Page 2 of 3")
    alice.keyboard.press("ArrowRight")
    expect(counter).to_have_text("Page 3 of 3")
    expect(dialog.get_by_role("button", name="Next page")).to_be_disabled()
    alice.keyboard.press("ArrowLeft")
    expect(dialog.get_by_role("img", name="Page 2 of 3 of Handbook.docx")).to_be_visible()
    alice.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(thumbnail).to_be_focused()

    # The same light box from the row's menu; focus goes back to the menu button.
    menu = row(alice, "Handbook.docx").get_by_label("More actions for Handbook.docx")
    menu.click()
    row(alice, "Handbook.docx").get_by_role("menuitem", name="Preview", exact=True).click()
    expect(dialog).to_be_visible()
    expect(counter).to_have_text("Page 1 of 3")
    dialog.get_by_role("button", name="Close the preview").click()
    expect(dialog).to_be_hidden()
    expect(menu).to_be_focused()


def test_pdf_opens_in_pdfjs_viewer_with_pages_and_zoom(
    alice: Page, host_server: HostServer, put_file: Callable[..., str], screenshots: Path
) -> None:
    file_id = put_file("Viewer/Guide.pdf", numbered_pdf(3))
    blocked = csp_errors(alice)
    alice.goto(f"{host_server.base}/")
    alice.get_by_role("link", name="Viewer", exact=True).click()
    row(alice, "Guide.pdf").get_by_role("link", name="Open PDF: Guide.pdf").click()
    expect(alice).to_have_url(re.compile(rf"/files/{file_id}/view-pdf$"))
    canvas = alice.locator("canvas[data-pdf-canvas]")
    expect(canvas).to_have_attribute("data-rendered-page", "1")
    expect(canvas).to_have_attribute("aria-label", "Page 1 of 3 of Guide.pdf")
    expect(alice.locator("[data-pdf-pages]")).to_have_text("3")
    # Something was drawn: the canvas is not blank white.
    inked = canvas.evaluate(
        """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  for (let i = 0; i < d.length; i += 4) if (d[i] < 128) return true; return false; }"""
    )
    assert inked
    alice.screenshot(path=screenshots / "previews-03-pdf-viewer.png")
    alice.get_by_role("button", name="Next page").click()
    expect(canvas).to_have_attribute("data-rendered-page", "2")
    width = canvas.evaluate("c => c.width")
    zoom = alice.locator("[data-pdf-zoom]")
    before = zoom.text_content()
    alice.get_by_role("button", name="Zoom in").click()
    expect(zoom).not_to_have_text(before or "")
    alice.wait_for_function("w => document.querySelector('canvas[data-pdf-canvas]').width > w", arg=width)
    expect(alice.get_by_role("link", name="Download")).to_have_attribute("href", f"/files/{file_id}/download")
    alice.get_by_role("spinbutton", name="Page number").fill("3")
    alice.get_by_role("spinbutton", name="Page number").press("Enter")
    expect(canvas).to_have_attribute("data-rendered-page", "3")
    assert blocked == []
