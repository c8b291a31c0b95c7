"""Small real files of each family that content sniffing tells apart, built in memory."""

from __future__ import annotations

import io
import struct
import zipfile

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
POWERPOINT_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
ODT_TYPE = "application/vnd.oasis.opendocument.text"


def ooxml(main_type: str = WORD_MAIN, *, streamed: bool = False, first: str | None = None) -> bytes:
    """An OOXML package whose [Content_Types].xml names `main_type` for its main part.

    `streamed` writes it as a non-seekable writer does (sizes in data descriptors after each entry);
    `first` puts an entry of that name before the content types.
    """
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{main_type}"/></Types>'
    )
    buffer = io.BytesIO()
    target: io.RawIOBase | io.BytesIO = _Unseekable(buffer) if streamed else buffer
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as package:
        if first:
            package.writestr(first, b"<x/>" * 200)
        package.writestr("[Content_Types].xml", types)
        package.writestr("word/document.xml", "<w:document/>" * 50)
    return buffer.getvalue()


def odf(mimetype: str = ODT_TYPE) -> bytes:
    """An OpenDocument package: `mimetype` first and stored, as the ODF specification requires."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        package.writestr("content.xml", "<office:document-content/>", compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def ole2(stream: str = "WordDocument") -> bytes:
    """The start of an OLE2 compound file whose first directory sector names `stream`."""
    header = bytearray(512)
    header[:8] = bytes.fromhex("d0cf11e0a1b11ae1")
    struct.pack_into("<H", header, 0x1E, 9)  # 512-byte sectors
    struct.pack_into("<I", header, 0x30, 0)  # the directory starts at sector 0
    directory = bytearray(512)
    for index, name in enumerate(("Root Entry", stream)):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        directory[index * 128 : index * 128 + len(encoded)] = encoded
        struct.pack_into("<H", directory, index * 128 + 64, len(encoded))
    return bytes(header + directory) + b"\x00" * 1024


class _Unseekable(io.RawIOBase):
    def __init__(self, sink: io.BytesIO) -> None:
        self._sink = sink

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        return self._sink.write(data)


def pdf(*page_texts: str) -> bytes:
    """A PDF with one A4 page per text, showing it (ASCII) in Helvetica, with a correct xref table."""
    kids = " ".join(f"{4 + 2 * n} 0 R" for n in range(len(page_texts)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(page_texts)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for number, text in enumerate(page_texts):
        stream = f"BT /F1 36 Tf 72 700 Td ({text}) Tj ET".encode("ascii")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {5 + 2 * number} 0 R "
            "/Resources << /Font << /F1 3 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def numbered_pdf(pages: int) -> bytes:
    """A PDF whose pages say "Page 1", "Page 2" and so on."""
    return pdf(*(f"Page {number}" for number in range(1, pages + 1)))
