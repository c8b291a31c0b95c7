"""Text extraction for the search index on real documents: OOXML, OpenDocument, PDF, plain text, bombs."""

from __future__ import annotations

import codecs
import io
import shutil
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests import samples
from tests import search_documents as docs
from tests.services import service_unavailable
from wopihost.adapters.text_extraction import DocumentTextExtractor
from wopihost.errors import UnreadableDocument

pytestmark = pytest.mark.anyio


async def _chunks(data: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _extractor(**limits: int) -> DocumentTextExtractor:
    values = {"max_chars": 100_000, "max_entry_size": 10 * 1024 * 1024, **limits}
    return DocumentTextExtractor(max_chars=values["max_chars"], max_entry_size=values["max_entry_size"])


async def _extract(extension: str, data: bytes, **limits: int) -> str:
    return await _extractor(**limits).extract(extension, _chunks(data))


async def test_extract_docx_paragraphs_one_per_line() -> None:
    data = docs.word("Quarterly résumé", "Second paragraph")

    assert await _extract(".docx", data) == "Quarterly résumé\nSecond paragraph\n"


async def test_extract_xlsx_shared_strings_and_numbers() -> None:
    data = docs.excel(("Invoice", "Total"), ("ACME Corp", 1234.5))

    text = await _extract(".xlsx", data)

    assert {"Invoice", "Total", "ACME Corp", "1234.5"} <= set(text.split("\n"))


async def test_extract_pptx_slides_in_order() -> None:
    data = docs.powerpoint("Roadmap 2027", "Hiring plan")

    text = await _extract(".pptx", data)

    assert text.index("Roadmap 2027") < text.index("Hiring plan")


async def test_extract_odt_paragraphs() -> None:
    assert await _extract(".odt", docs.opendocument_text("Bonjour", "le monde")) == "Bonjour\nle monde\n"


@pytest.mark.parametrize(("extension", "data"), [(".txt", "naïve café\n".encode()), (".csv", b"a,b\n1,2\n")])
async def test_extract_plain_text_decoded(extension: str, data: bytes) -> None:
    assert await _extract(extension, data) == data.decode()


async def test_extract_plain_text_not_utf8_read_as_windows_1252() -> None:
    assert await _extract(".txt", "déjà vu".encode("cp1252")) == "déjà vu"


@pytest.mark.parametrize(
    "data",
    [
        "Notes de réunion".encode("utf-16-le"),
        "Notes de réunion".encode("utf-16-be"),
    ],
    ids=["little-endian", "big-endian"],
)
async def test_extract_plain_text_in_utf16_with_its_byte_order_mark(data: bytes) -> None:
    mark = codecs.BOM_UTF16_LE if data[1] == 0 else codecs.BOM_UTF16_BE
    assert await _extract(".txt", mark + data) == "Notes de réunion"


async def test_extract_binary_content_under_a_text_extension_gives_no_text() -> None:
    data = bytes(range(256)) * 64
    assert await _extract(".txt", data) == ""
    assert await _extract(".csv", b"a,b\n" + data) == ""


async def test_extract_pdf_with_pdftotext_reads_page_text() -> None:
    if shutil.which("pdftotext") is None:
        service_unavailable("pdftotext (Debian package poppler-utils) is not installed")

    text = await _extract(".pdf", samples.pdf("Confidential quarterly figures"))

    assert "Confidential quarterly figures" in text


async def test_extract_pdf_broken_raises_unreadable() -> None:
    if shutil.which("pdftotext") is None:
        service_unavailable("pdftotext (Debian package poppler-utils) is not installed")

    with pytest.raises(UnreadableDocument):
        await _extract(".pdf", b"%PDF-1.4 this is no PDF at all")


async def test_extract_without_pdftotext_pdf_unsupported() -> None:
    extractor = DocumentTextExtractor(
        max_chars=100, max_entry_size=1024, pdftotext="no-such-pdftotext-binary"
    )

    assert not extractor.supports(".pdf")
    with pytest.raises(UnreadableDocument):
        await extractor.extract(".pdf", _chunks(samples.pdf("x")))


async def test_extract_text_cut_at_max_chars() -> None:
    data = docs.word("a" * 5000, "never reached")

    assert await _extract(".docx", data, max_chars=1200) == "a" * 1200


async def test_extract_zip_bomb_entry_stops_at_size_cap() -> None:
    # 50 MB of one repeated paragraph compresses to a few kilobytes; only the first 64 KB is read.
    paragraph = "<w:p><w:r><w:t>bomb</w:t></w:r></w:p>"
    body = paragraph * (50 * 1024 * 1024 // len(paragraph))
    xml = f'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/document.xml", xml + "</w:body></w:document>")

    text = await _extract(".docx", buffer.getvalue(), max_entry_size=64 * 1024)

    assert 0 < text.count("bomb") < 64 * 1024 // len(paragraph) + 1


async def test_extract_xml_entity_expansion_refused_or_bounded() -> None:
    lol = '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
    )
    xml = (
        lol + ']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&i;</w:t></w:r></w:p></w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("word/document.xml", xml)

    try:
        text = await _extract(".docx", buffer.getvalue(), max_chars=10_000)
    except UnreadableDocument:
        return  # expat refused the amplification
    assert len(text) <= 10_000


@pytest.mark.parametrize("extension", [".docx", ".xlsx", ".pptx", ".odt"])
async def test_extract_not_a_zip_raises_unreadable(extension: str) -> None:
    with pytest.raises(UnreadableDocument):
        await _extract(extension, b"plain bytes, not a package")


async def test_extract_unknown_extension_raises_unreadable() -> None:
    extractor = _extractor()

    assert not extractor.supports(".png")
    with pytest.raises(UnreadableDocument):
        await extractor.extract(".png", _chunks(b"\x89PNG"))


async def test_extract_spooled_copy_removed_afterwards(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    extractor = DocumentTextExtractor(max_chars=1000, max_entry_size=1024 * 1024, spool_dir=spool)

    text = await extractor.extract(".docx", _chunks(docs.word("spooled")))
    with pytest.raises(UnreadableDocument):
        await extractor.extract(".xlsx", _chunks(b"broken"))

    assert text == "spooled\n"
    assert list(spool.iterdir()) == []
