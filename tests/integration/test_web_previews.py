"""Previews through the whole app, rendered by the real LibreOffice and pdftoppm: thumbnails, page images,
re-rendering after a WOPI PutFile, rights, caching, and the PDF viewer page."""

from __future__ import annotations

import io
import logging
import shutil
import struct
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import anyio
import openpyxl
import pytest
from docx import Document
from pptx import Presentation

from tests.integration.web_support import Web, running_web, signed_in_as_alice, web_settings
from tests.samples import numbered_pdf
from tests.services import service_unavailable
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.domain.locks import LockGuard
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord

pytestmark = pytest.mark.anyio

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WORKER = "test-worker"


def require_renderers() -> None:
    """Skip (fail in CI) without LibreOffice and poppler-utils."""
    for program, package in (("soffice", "LibreOffice"), ("pdftoppm", "poppler-utils")):
        if shutil.which(program) is None:
            service_unavailable(f"{program} ({package}) is not installed")


def docx_bytes(*paragraphs: str, pages: int = 1) -> bytes:
    """A Word document built with python-docx, with a page break between `pages` pages."""
    document = Document()
    document.add_heading("Quarterly report", 0)
    for number in range(1, pages + 1):
        for text in paragraphs:
            document.add_paragraph(f"{text} (page {number})")
        if number < pages:
            document.add_page_break()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def png_size(data: bytes) -> tuple[int, int]:
    """The width and height of a PNG image."""
    assert data.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture
async def signed_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Web]:
    settings = web_settings(tmp_path, storage={"max_file_size": 4 * 1024 * 1024})
    async with running_web(tmp_path, monkeypatch, settings) as harness:
        yield await signed_in_as_alice(harness)


async def render_all(web: Web) -> int:
    """Run the worker's step until nothing is due; how many files it rendered."""
    rendered = 0
    while await web.services.previews.render_next(WORKER):
        rendered += 1
    return rendered


async def preview_json(web: Web, file: FileRecord) -> dict[str, object]:
    response = await web.client.get(f"/files/{file.id}/preview", headers={"Accept": "application/json"})
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


async def test_preview_docx_rendered_by_libreoffice_thumbnail_and_pages(signed_in: Web) -> None:
    require_renderers()
    file = await signed_in.upload("Report.docx", docx_bytes("Sales went up.", pages=2))
    assert (await preview_json(signed_in, file))["state"] == "pending"

    assert await render_all(signed_in) == 1

    body = await preview_json(signed_in, file)
    assert body["state"] == "ready"
    assert body["thumbnail"] == f"/files/{file.id}/preview/thumb?v=1"
    assert body["pages"] == [f"/files/{file.id}/preview/page-1?v=1", f"/files/{file.id}/preview/page-2?v=1"]
    thumb = await signed_in.client.get(str(body["thumbnail"]))
    assert thumb.headers["content-type"] == "image/png"
    assert png_size(thumb.content)[0] == 256
    page = await signed_in.client.get(f"/files/{file.id}/preview/page-2?v=1")
    assert png_size(page.content)[0] == 1000
    listing = await signed_in.client.get("/")
    assert f'src="/files/{file.id}/preview/thumb?v=1"' in listing.text


async def test_preview_pdf_rendered_by_pdftoppm_up_to_max_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_renderers()
    settings = web_settings(tmp_path, previews={"max_pages": 3})
    async with running_web(tmp_path, monkeypatch, settings) as web:
        await signed_in_as_alice(web)
        file = await web.upload("Scan.pdf", numbered_pdf(5))
        await render_all(web)
        body = await preview_json(web, file)
        assert body["state"] == "ready"
        assert len(body["pages"]) == 3  # type: ignore[arg-type]
        width, height = png_size((await web.client.get(f"/files/{file.id}/preview/page-3")).content)
        assert width == 1000
        assert abs(height / width - 842 / 595) < 0.01  # A4's proportions kept
        assert (await web.client.get(f"/files/{file.id}/preview/page-4")).status_code == 404


async def test_preview_after_wopi_putfile_rendered_again_for_new_version(signed_in: Web) -> None:
    require_renderers()
    file = await signed_in.upload("Plan.docx", docx_bytes("First draft."))
    await render_all(signed_in)
    first = (await signed_in.client.get(f"/files/{file.id}/preview/page-1?v=1")).content
    token = signed_in.services.tokens.issue(signed_in.alice.id, file.id).token
    wopi = f"/wopi/files/{file.id}"
    lock = {"X-WOPI-Override": "LOCK", "X-WOPI-Lock": "L1"}
    assert (
        await signed_in.client.post(wopi, params={"access_token": token}, headers=lock)
    ).status_code == 200
    put = await signed_in.client.post(
        f"{wopi}/contents",
        params={"access_token": token},
        headers={"X-WOPI-Override": "PUT", "X-WOPI-Lock": "L1"},
        content=docx_bytes("Second draft, much longer. " * 40, pages=3),
    )
    assert put.status_code == 200

    # Until the new version is rendered, the previous one's images are shown; it is rendered once the file
    # has not changed for settle_seconds.
    pending = await preview_json(signed_in, file)
    assert pending["state"] == "pending"
    assert pending["pages"] == [f"/files/{file.id}/preview/page-1?v=1"]
    assert (await signed_in.client.get(f"/files/{file.id}/preview/page-1?v=1")).content == first
    assert f'src="/files/{file.id}/preview/thumb?v=1"' in (await signed_in.client.get("/")).text
    assert await render_all(signed_in) == 0
    signed_in.clock.advance(timedelta(seconds=31))
    assert await render_all(signed_in) == 1

    body = await preview_json(signed_in, file)
    assert body["state"] == "ready"
    assert len(body["pages"]) == 3  # type: ignore[arg-type]
    second = (await signed_in.client.get(f"/files/{file.id}/preview/page-1?v=2")).content
    assert second != first
    stored = signed_in.settings.preview_dir / file.id
    assert sorted(path.name for path in stored.iterdir()) == ["2"]  # the old version's images are gone


async def test_preview_of_other_users_file_not_found_and_of_shared_file_shown(signed_in: Web) -> None:
    require_renderers()
    file = await signed_in.upload("Bob.pdf", numbered_pdf(2), owner=signed_in.bob)
    await render_all(signed_in)
    for path in (
        f"/files/{file.id}/preview",
        f"/files/{file.id}/preview/thumb",
        f"/files/{file.id}/view-pdf",
    ):
        assert (await signed_in.client.get(path)).status_code == 404
    status = await signed_in.client.get(f"/previews?ids={file.id}", headers={"Accept": "application/json"})
    assert status.json() == {"files": {}}

    await signed_in.share(file, signed_in.alice, Role.VIEW_NO_DOWNLOAD)
    assert (await signed_in.client.get(f"/files/{file.id}/preview/thumb")).status_code == 200
    assert (await signed_in.client.get(f"/files/{file.id}/preview")).status_code == 200
    # Previews are views; the PDF itself is a download, which this role does not allow.
    assert (await signed_in.client.get(f"/files/{file.id}/pdf")).status_code == 403
    viewer = await signed_in.client.get(f"/files/{file.id}/view-pdf")
    assert viewer.status_code == 303
    assert viewer.headers["location"] == f"/files/{file.id}/preview"
    shared = await signed_in.client.get("/shared")
    assert f'href="/files/{file.id}/preview"' in shared.text
    assert f"/files/{file.id}/view-pdf" not in shared.text


async def test_preview_image_caching_immutable_with_version_and_etag_revalidates(signed_in: Web) -> None:
    require_renderers()
    file = await signed_in.upload("Cache.pdf", numbered_pdf(1))
    await render_all(signed_in)
    versioned = await signed_in.client.get(f"/files/{file.id}/preview/thumb?v=1")
    assert versioned.headers["cache-control"] == "private, max-age=604800, immutable"
    plain = await signed_in.client.get(f"/files/{file.id}/preview/thumb")
    assert plain.headers["cache-control"] == "private, no-cache"
    again = await signed_in.client.get(
        f"/files/{file.id}/preview/thumb", headers={"If-None-Match": plain.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""


async def test_preview_broken_document_failure_recorded_not_retried_at_once(signed_in: Web) -> None:
    require_renderers()
    file = await signed_in.upload("Broken.pdf", b"%PDF-1.4 this is not really a PDF")
    assert await render_all(signed_in) == 1  # one attempt, then the file waits for its retry time
    previews = await signed_in.services.previews.states([await signed_in.record(file.id)])
    assert previews[file.id].state.value == "pending"
    signed_in.clock.advance(timedelta(minutes=3))
    assert await render_all(signed_in) == 1
    signed_in.clock.advance(timedelta(minutes=11))
    assert await render_all(signed_in) == 1
    signed_in.clock.advance(timedelta(days=1))
    assert await render_all(signed_in) == 0  # given up after three attempts
    assert (await signed_in.sign_in()).status_code == 303  # a day later the session has ended
    body = await preview_json(signed_in, file)
    assert body == {"id": file.id, "name": "Broken.pdf", "state": "failed", "pages": []}
    listing = await signed_in.client.get("/")
    assert f"/files/{file.id}/preview/thumb" not in listing.text


async def test_pdf_viewer_page_for_downloaders_loads_vendored_pdfjs(signed_in: Web) -> None:
    file = await signed_in.upload("Manual.pdf", numbered_pdf(2))
    listing = await signed_in.client.get("/")
    assert f'href="/files/{file.id}/view-pdf"' in listing.text
    page = await signed_in.client.get(f"/files/{file.id}/view-pdf")
    assert page.status_code == 200
    assert f'data-pdf-url="/files/{file.id}/pdf"' in page.text
    assert "/static/vendor/pdfjs/pdf.worker.min.mjs?v=" in page.text
    assert f'href="/files/{file.id}/download"' in page.text
    script = await signed_in.client.get("/static/vendor/pdfjs/pdf.min.mjs")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    docx = await signed_in.upload("Letter.docx", b"not a pdf")
    assert (await signed_in.client.get(f"/files/{docx.id}/view-pdf")).status_code == 404


async def test_previews_disabled_no_thumbnails_and_nothing_rendered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = web_settings(tmp_path, previews={"pdftoppm_path": "/nonexistent/pdftoppm"})
    async with running_web(tmp_path, monkeypatch, settings) as web:
        await signed_in_as_alice(web)
        file = await web.upload("Report.pdf", numbered_pdf(2))
        assert not web.services.previews.enabled
        assert "pdftoppm not found" in web.services.previews.notice
        assert await web.services.previews.render_next(WORKER) is False
        assert (await preview_json(web, file))["state"] == "none"
        listing = await web.client.get("/")
        assert 'data-preview-state="none"' in listing.text
        assert "data-preview-open" not in listing.text


async def test_preview_worker_in_app_lifespan_renders_new_file_and_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_renderers()
    settings = web_settings(tmp_path, previews={"poll_seconds": 0.1})
    async with running_web(tmp_path, monkeypatch, settings) as web:
        app = web.client._transport.app  # type: ignore[attr-defined]
        async with app.router.lifespan_context(app):
            file = await web.upload("Live.pdf", numbered_pdf(2))
            for _poll in range(600):
                if (await web.services.previews.states([file]))[file.id].state.value == "ready":
                    break
                await anyio.sleep(0.1)
            else:
                pytest.fail("the worker did not render the file within a minute")


async def test_preview_worker_disabled_says_so_once_and_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings = web_settings(tmp_path, previews={"enabled": False})
    async with running_web(tmp_path, monkeypatch, settings) as web:
        with anyio.fail_after(5), caplog.at_level(logging.INFO, logger="wopihost.previews"):
            await web.services.preview_worker.run(anyio.Event())
    assert [record.getMessage() for record in caplog.records] == [
        "op=previews status=off reason=previews.enabled is false"
    ]


async def test_preview_images_of_deleted_file_removed_by_orphan_sweep(signed_in: Web) -> None:
    require_renderers()
    file = await signed_in.upload("Gone.pdf", numbered_pdf(2))
    await render_all(signed_in)
    stored = signed_in.settings.preview_dir / file.id
    assert stored.is_dir()
    # Deleted for good (as when a trash is emptied): the preview record goes with the file's row.
    deleted = await SqlFileStore(signed_in.services.db).delete_file(
        file.id, guard=LockGuard(None), now=signed_in.clock.now()
    )
    assert deleted is not None
    assert await signed_in.services.previews.remove_orphans() == 1
    assert not stored.exists()


def xlsx_bytes(sheets: int) -> bytes:
    workbook = openpyxl.Workbook()
    for number in range(sheets):
        sheet = workbook.create_sheet(f"Sheet {number}")
        for row in range(1, 80):
            sheet.cell(row, 1, f"Row {row} of sheet {number}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pptx_bytes(slides: int) -> bytes:
    presentation = Presentation()
    for number in range(slides):
        slide = presentation.slides.add_slide(presentation.slide_layouts[1])
        slide.shapes.title.text = f"Slide {number + 1}"
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("Budget.xlsx", lambda: xlsx_bytes(sheets=4)),
        ("Pitch.pptx", lambda: pptx_bytes(slides=5)),
        ("Book.docx", lambda: docx_bytes("Chapter text.", pages=6)),
    ],
)
async def test_preview_office_kinds_rendered_first_pages_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, content: Callable[[], bytes]
) -> None:
    require_renderers()
    settings = web_settings(tmp_path, previews={"max_pages": 2})
    async with running_web(tmp_path, monkeypatch, settings) as web:
        await signed_in_as_alice(web)
        file = await web.upload(name, content())
        assert await render_all(web) == 1
        body = await preview_json(web, file)
        assert body["state"] == "ready"
        assert len(body["pages"]) == 2  # type: ignore[arg-type]
