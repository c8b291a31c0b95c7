"""Content sniffing: what a file's first bytes say it is, and which extensions describe it truthfully."""

from __future__ import annotations

import pytest

from tests.samples import EXCEL_MAIN, POWERPOINT_MAIN, odf, ole2, ooxml
from wopihost.domain.sniffing import Kind, sniff, unsafe_to_open

DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


@pytest.mark.parametrize(
    ("content", "extension"),
    [
        (ooxml(), ".docx"),
        (ooxml(streamed=True), ".docx"),
        (ooxml(first="docProps/app.xml"), ".docx"),
        (ooxml(DOCM_MAIN), ".docm"),
        (ooxml(EXCEL_MAIN), ".xlsx"),
        (ooxml(POWERPOINT_MAIN, streamed=True), ".pptx"),
        (odf(), ".odt"),
        (odf("application/vnd.oasis.opendocument.spreadsheet"), ".ods"),
    ],
)
def test_sniff_packages_main_part_names_one_extension(content: bytes, extension: str) -> None:
    found = sniff(content, complete=True)
    assert found.extensions == {extension}
    assert found.matches(extension)
    assert found.matches(extension.upper())
    for other in (".txt", ".csv", ".pdf", ".doc", ".docx" if extension != ".docx" else ".xlsx"):
        assert not found.matches(other), other


def test_sniff_docx_is_not_a_docm() -> None:
    assert not sniff(ooxml(), complete=True).matches(".docm")


@pytest.mark.parametrize(
    ("stream", "ok", "wrong"), [("WordDocument", ".doc", ".xls"), ("Workbook", ".xls", ".ppt")]
)
def test_sniff_ole2_by_its_application_stream(stream: str, ok: str, wrong: str) -> None:
    found = sniff(ole2(stream), complete=True)
    assert found.kind is Kind.OLE
    assert found.matches(ok)
    assert not found.matches(wrong)
    assert not found.matches(".txt")
    assert not found.matches(".docx")


def test_sniff_pdf_only_pdf() -> None:
    found = sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", complete=False)
    assert found.kind is Kind.PDF
    assert found.matches(".pdf")
    assert not found.matches(".txt")


@pytest.mark.parametrize("extension", [".txt", ".csv", ".md", ".log", ""])
def test_sniff_utf8_text_fits_text_extensions(extension: str) -> None:
    assert sniff("Grüße, a;b\n".encode(), complete=True).matches(extension)


@pytest.mark.parametrize("extension", [".docx", ".xlsx", ".pdf", ".doc"])
def test_sniff_text_refuses_office_extensions(extension: str) -> None:
    assert not sniff(b"plain words\n", complete=True).matches(extension)


def test_sniff_prefix_cut_inside_a_character_still_text() -> None:
    head = ("x" * 10 + "é").encode()[:-1]
    assert sniff(head, complete=False).kind is Kind.TEXT
    assert sniff(head, complete=True).kind is Kind.OTHER_TEXT


@pytest.mark.parametrize("content", [b"abc\x00def", b"\xff\xfe\x00a", b"\x89PNG\r\n\x1a\n\x00\x00"])
def test_sniff_nul_or_invalid_utf8_is_binary_never_text(content: bytes) -> None:
    found = sniff(content, complete=True)
    assert found.kind is Kind.BINARY
    assert not found.matches(".txt")
    assert found.matches(".png")


def test_sniff_empty_fits_anything() -> None:
    assert sniff(b"", complete=True).matches(".txt")
    assert sniff(b"", complete=True).matches(".docx")


def test_sniff_unknown_zip_fits_package_extensions_only() -> None:
    found = sniff(ooxml(first="big.bin")[:40], complete=False)
    assert found.kind is Kind.ZIP
    assert found.matches(".docx")
    assert not found.matches(".txt")


@pytest.mark.parametrize(
    ("content", "extension", "unsafe"),
    [
        (ooxml(), ".txt", True),
        (ooxml(), ".csv", True),
        (ooxml(), ".xlsx", True),
        (ooxml(), ".docx", False),
        (b"\x89PNG\r\n\x1a\n\x00", ".txt", True),
        (b"%PDF-1.4", ".md", True),
        (b"just words", ".txt", False),
        (b"just words", ".docx", False),
        (b"\x00\x01\x02", ".docx", False),
        (ooxml(), ".bin", False),
        ("Straße;1\n".encode("cp1252"), ".csv", False),
    ],
)
def test_unsafe_to_open_binary_never_as_text(content: bytes, extension: str, unsafe: bool) -> None:
    assert unsafe_to_open(sniff(content, complete=True), extension) is unsafe


def test_sniff_legacy_encoded_text_is_not_text_for_renames() -> None:
    found = sniff("Straße;1\n".encode("cp1252"), complete=True)
    assert found.kind is Kind.OTHER_TEXT
    assert not found.matches(".txt")
