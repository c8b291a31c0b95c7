"""What a file's bytes are, whatever its name says, and which extensions describe them truthfully.

`sniff` works on the first bytes of the content only (`SNIFF_BYTES`), so that callers can read a bounded
prefix from the blob stream and never the whole file. ZIP packages are walked by their local file headers,
which come in stream order: OOXML writers put `[Content_Types].xml` near the start and ODF requires
`mimetype` to be the first entry, stored uncompressed.
"""

from __future__ import annotations

import codecs
import struct
import zlib
from dataclasses import dataclass
from enum import StrEnum

SNIFF_BYTES = 256 * 1024
# The content-types part is small; a larger one is not read (and the package stays "some ZIP").
_MAX_PART = 128 * 1024

_ZIP_LOCAL = b"PK\x03\x04"
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_ZIP_HEADER = struct.Struct("<4sHHHHHIIIHH")
_CONTENT_TYPES = "[Content_Types].xml"

TEXT_EXTENSIONS = frozenset({".txt", ".csv", ".md"})

# The main part's content type of each OOXML format, as written in [Content_Types].xml.
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": ".docx",
    "application/vnd.ms-word.document.macroenabled.main+xml": ".docm",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": ".dotx",
    "application/vnd.ms-word.template.macroenabledtemplate.main+xml": ".dotm",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": ".xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.main+xml": ".xlsm",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": ".xltx",
    "application/vnd.ms-excel.template.macroenabled.main+xml": ".xltm",
    "application/vnd.ms-excel.sheet.binary.macroenabled.main": ".xlsb",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": ".pptx",
    "application/vnd.ms-powerpoint.presentation.macroenabled.main+xml": ".pptm",
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml": ".ppsx",
    "application/vnd.ms-powerpoint.slideshow.macroenabled.main+xml": ".ppsm",
    "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml": ".potx",
    "application/vnd.ms-powerpoint.template.macroenabled.main+xml": ".potm",
}
_ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.text-template": ".ott",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.spreadsheet-template": ".ots",
    "application/vnd.oasis.opendocument.presentation": ".odp",
    "application/vnd.oasis.opendocument.presentation-template": ".otp",
    "application/vnd.oasis.opendocument.graphics": ".odg",
}
# Legacy Office files are OLE2 compound files; the stream naming the application tells them apart.
_OLE_STREAMS = {
    "worddocument": frozenset({".doc", ".dot"}),
    "workbook": frozenset({".xls", ".xlt"}),
    "book": frozenset({".xls", ".xlt"}),
    "powerpoint document": frozenset({".ppt", ".pot", ".pps"}),
}
_OLE_EXTENSIONS = frozenset().union(*_OLE_STREAMS.values())
_ZIP_EXTENSIONS = frozenset(_OOXML_MAIN.values()) | frozenset(_ODF_TYPES.values())
# The extensions whose content this module can recognise; any other extension claims nothing checkable.
KNOWN_EXTENSIONS = _ZIP_EXTENSIONS | _OLE_EXTENSIONS | TEXT_EXTENSIONS | {".pdf"}


class Kind(StrEnum):
    """The families of content that sniffing tells apart."""

    EMPTY = "empty"
    TEXT = "text"
    PDF = "pdf"
    OOXML = "ooxml"
    ODF = "odf"
    ZIP = "zip"
    OLE = "ole"
    # No NUL bytes, but not UTF-8 either: text in a legacy encoding, or binary data.
    OTHER_TEXT = "other-text"
    BINARY = "binary"


@dataclass(frozen=True, slots=True)
class Sniffed:
    """The kind of some content and, where it is known, the extensions that describe it."""

    kind: Kind
    extensions: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        """How people would call this content ("a .docx document", "text")."""
        if self.kind is Kind.TEXT:
            return "text"
        if self.kind is Kind.EMPTY:
            return "an empty file"
        if self.extensions:
            return f"a {' / '.join(sorted(self.extensions))} file"
        labels = {
            Kind.ZIP: "a ZIP package",
            Kind.OLE: "a legacy Office file",
            Kind.OTHER_TEXT: "not UTF-8 text",
        }
        return labels.get(self.kind, "binary data")

    def matches(self, extension: str) -> bool:
        """Whether a name ending in `extension` describes this content truthfully."""
        ext = extension.lower()
        if self.kind is Kind.EMPTY or ext not in KNOWN_EXTENSIONS:
            return True
        if self.kind is Kind.TEXT:
            return ext in TEXT_EXTENSIONS
        if self.extensions:
            return ext in self.extensions
        if self.kind is Kind.ZIP:
            return ext in _ZIP_EXTENSIONS
        if self.kind is Kind.OLE:
            return ext in _OLE_EXTENSIONS
        return False


def unsafe_to_open(found: Sniffed, extension: str) -> bool:
    """Whether a WOPI client must not be offered content under a name with `extension`.

    Looser than `matches`: recognised content (a package, a PDF, a legacy Office file) under another known
    extension, and binary content under a text extension. Unrecognised bytes under an Office name are left
    to the client, which refuses to parse them and so cannot save over them.
    """
    ext = extension.lower()
    if found.matches(ext):
        return False
    if ext in TEXT_EXTENSIONS:
        # Clients read legacy encodings (a cp1252 CSV); NUL bytes and recognised formats are never text.
        return found.kind is not Kind.OTHER_TEXT
    return found.kind not in (Kind.TEXT, Kind.OTHER_TEXT, Kind.BINARY)


def sniff(head: bytes, *, complete: bool = False) -> Sniffed:
    """What the content starting with `head` is. `complete` says `head` is the whole content."""
    if not head:
        return Sniffed(Kind.EMPTY)
    if head.startswith(b"%PDF-"):
        return Sniffed(Kind.PDF, frozenset({".pdf"}))
    if head.startswith(_ZIP_LOCAL):
        return _sniff_zip(head)
    if head.startswith(_OLE_MAGIC):
        return Sniffed(Kind.OLE, _ole_extensions(head))
    if b"\x00" in head:
        return Sniffed(Kind.BINARY)
    return Sniffed(Kind.TEXT) if _is_utf8(head, complete=complete) else Sniffed(Kind.OTHER_TEXT)


def _is_utf8(head: bytes, *, complete: bool) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # A prefix may end inside a multi-byte character; only the whole content must end on a boundary.
        decoder.decode(head, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def _sniff_zip(head: bytes) -> Sniffed:
    for name, data in _zip_entries(head):
        if name == "mimetype":
            ext = _ODF_TYPES.get(data.decode("ascii", "replace").strip())
            return Sniffed(Kind.ODF, frozenset({ext})) if ext else Sniffed(Kind.ZIP)
        if name == _CONTENT_TYPES:
            ext = _ooxml_extension(data)
            return Sniffed(Kind.OOXML, frozenset({ext})) if ext else Sniffed(Kind.ZIP)
    return Sniffed(Kind.ZIP)


def _ooxml_extension(content_types: bytes) -> str | None:
    text = content_types.decode("utf-8", "replace").lower()
    for content_type, ext in _OOXML_MAIN.items():
        if f'"{content_type}"' in text:
            return ext
    return None


def _zip_entries(head: bytes) -> list[tuple[str, bytes]]:
    """The entries of a ZIP prefix that matter for sniffing, with their (inflated) data, in stream order."""
    found: list[tuple[str, bytes]] = []
    offset = 0
    while offset + _ZIP_HEADER.size <= len(head) and head.startswith(_ZIP_LOCAL, offset):
        fields = _ZIP_HEADER.unpack_from(head, offset)
        flags, method, compressed, name_len, extra_len = (
            fields[2],
            fields[3],
            fields[7],
            fields[9],
            fields[10],
        )
        start = offset + _ZIP_HEADER.size + name_len + extra_len
        name = head[offset + _ZIP_HEADER.size : offset + _ZIP_HEADER.size + name_len].decode(
            "utf-8", "replace"
        )
        wanted = name in ("mimetype", _CONTENT_TYPES)
        data, end = _entry_data(head, start, method, compressed, sized=not flags & 0x08, inflate=wanted)
        if wanted and data is not None:
            found.append((name, data))
        if end is None:
            break
        offset = end + (_descriptor_length(head, end) if flags & 0x08 else 0)
    return found


def _entry_data(
    head: bytes, start: int, method: int, compressed: int, *, sized: bool, inflate: bool
) -> tuple[bytes | None, int | None]:
    """An entry's data (None if unwanted or unreadable) and where its data ends (None if unknown)."""
    if sized:
        raw = head[start : start + compressed]
        end = start + compressed if start + compressed <= len(head) else None
        if not inflate or end is None or compressed > _MAX_PART:
            return None, end
        if method == 0:
            return raw, end
        return (_inflate(raw)[0] if method == 8 else None), end
    if method != 8:
        # Stored data of unknown length cannot be skipped without the central directory.
        return None, None
    data, used = _inflate(head[start : start + _MAX_PART * 4])
    return (data if inflate else None), (start + used if used is not None else None)


def _inflate(raw: bytes) -> tuple[bytes | None, int | None]:
    """Raw DEFLATE data and how many input bytes it used, (None, None) if it did not end inside `raw`."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        data = inflater.decompress(raw, _MAX_PART)
    except zlib.error:
        return None, None
    if not inflater.eof:
        return None, None
    return data, len(raw) - len(inflater.unused_data)


def _descriptor_length(head: bytes, end: int) -> int:
    # The data descriptor has an optional signature; ZIP64 descriptors are not expected for a first part.
    return 16 if head.startswith(b"PK\x07\x08", end) else 12


def _ole_extensions(head: bytes) -> frozenset[str]:
    """The extensions the first directory sector's stream names point to (empty when not in `head`)."""
    if len(head) < 0x40:
        return frozenset()
    sector_size = 1 << struct.unpack_from("<H", head, 0x1E)[0]
    first_directory = struct.unpack_from("<I", head, 0x30)[0]
    start = (first_directory + 1) * sector_size
    sector = head[start : start + sector_size]
    for entry in range(0, len(sector) - 127, 128):
        name_len = struct.unpack_from("<H", sector, entry + 64)[0]
        name = sector[entry : entry + max(0, name_len - 2)].decode("utf-16-le", "replace").lower()
        if name in _OLE_STREAMS:
            return _OLE_STREAMS[name]
    return frozenset()
