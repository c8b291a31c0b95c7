"""Read-only previews of files the development client cannot edit: ODF text, PDF text, or a notice.

Collabora offers ODF formats and PDF; the development client still performs the WOPI calls a real
client makes (CheckFileInfo, GetFile) and shows what text it can find, one block per paragraph.
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
import zlib
from xml.etree import ElementTree as ET

from wopihost.devclient.documents.model import Block, TextModel
from wopihost.devclient.documents.safety import Limits, check_size

NOT_AVAILABLE = "Preview not available for this file type. The file was loaded from the host."
_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_PARAGRAPHS = {f"{{{_ODF_TEXT}}}p", f"{{{_ODF_TEXT}}}h"}
_FORBIDDEN_MARKUP = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_PDF_TEXT = re.compile(rb"\((?:[^()\\]|\\.)*\)\s*Tj|\[(?:[^\]\\]|\\.)*\]\s*TJ", re.S)
_PDF_STRING = re.compile(rb"\(((?:[^()\\]|\\.)*)\)", re.S)
_PDF_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_MAX_XML = 16 * 1024 * 1024


def preview_model(filename: str, content: bytes, limits: Limits) -> TextModel:
    """Return the text the file shows, or a single block saying no preview is available."""
    check_size(content, limits)
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext == "pdf" or content.startswith(b"%PDF"):
        paragraphs = _pdf_text(content)
    elif content.startswith(b"PK"):
        paragraphs = _odf_text(content)
    elif ext.startswith("fod") and not _FORBIDDEN_MARKUP.search(content[:4096]):
        paragraphs = _odf_paragraphs(content)
    else:
        paragraphs = []
    texts = [text for text in paragraphs if text.strip()][: limits.max_blocks] or [NOT_AVAILABLE]
    return TextModel("word", tuple(Block(f"p{index}", text) for index, text in enumerate(texts)))


def _odf_text(content: bytes) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            info = archive.getinfo("content.xml")
            if info.file_size > _MAX_XML:
                return []
            xml = archive.read(info)
    except (zipfile.BadZipFile, KeyError, OSError):
        return []
    return [] if _FORBIDDEN_MARKUP.search(xml) else _odf_paragraphs(xml)


def _odf_paragraphs(xml: bytes) -> list[str]:
    try:
        root = ET.fromstring(xml)  # noqa: S314 - no DTD: the caller refused DOCTYPE and ENTITY
    except ET.ParseError:
        return []
    return ["".join(element.itertext()) for element in root.iter() if element.tag in _ODF_PARAGRAPHS]


def _pdf_text(content: bytes) -> list[str]:
    lines: list[str] = []
    for match in _PDF_STREAM.finditer(content):
        data = match.group(1)
        # A stream that does not inflate is an uncompressed content stream.
        with contextlib.suppress(zlib.error):
            data = zlib.decompressobj().decompress(data, _MAX_XML)
        for shown in _PDF_TEXT.finditer(data):
            text = b"".join(_unescape(part) for part in _PDF_STRING.findall(shown.group(0)))
            lines.append(text.decode("latin-1"))
    return lines


def _unescape(raw: bytes) -> bytes:
    out, index = bytearray(), 0
    while index < len(raw):
        char = raw[index : index + 1]
        if char == b"\\" and index + 1 < len(raw):
            following = raw[index + 1 : index + 2]
            out += _PDF_ESCAPES.get(following, following)
            index += 2
            continue
        out += char
        index += 1
    return bytes(out)
