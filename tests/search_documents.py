"""Real documents with known text for the search tests: Word, Excel, PowerPoint, OpenDocument and PDF."""

from __future__ import annotations

import io
import zipfile

import docx
import openpyxl
import pptx


def word(*paragraphs: str) -> bytes:
    """A .docx with these paragraphs, written by python-docx."""
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def word_paragraphs(content: bytes) -> list[str]:
    """Every paragraph of a .docx, empty ones included."""
    return [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]


def excel(*rows: tuple[object, ...]) -> bytes:
    """A .xlsx with these rows on its first sheet, written by openpyxl."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def powerpoint(*titles: str) -> bytes:
    """A .pptx with one titled slide per title, written by python-pptx."""
    presentation = pptx.Presentation()
    for title in titles:
        slide = presentation.slides.add_slide(presentation.slide_layouts[5])
        assert slide.shapes.title is not None
        slide.shapes.title.text = title
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def opendocument_text(*paragraphs: str) -> bytes:
    """A minimal valid .odt with these paragraphs."""
    body = "".join(f"<text:p>{p}</text:p>" for p in paragraphs)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        package.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
