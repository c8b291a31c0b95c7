"""The main text of Word 97-2003 (.doc) files, read through the piece table as [MS-DOC] describes it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from wopihost.devclient.documents.ole import i16, read_streams, u16, u32
from wopihost.devclient.documents.safety import Limits
from wopihost.errors import UnreadableDocument

_WORD_IDENT = 0xA5EC
_FIRST_WORD97_NFIB = 0xC0
_F_ENCRYPTED = 0x0100
_F_WHICH_TABLE = 0x0200
_F_OBFUSCATED = 0x8000
_FC_CLX_INDEX = 33  # fcClx/lcbClx is the 34th pair of FibRgFcLcb97
_F_COMPRESSED = 0x40000000
_FIELD_MARKS = re.compile("([\x13\x14\x15])")
# A cell ends with 0x07 and a table row with one more; each run of them ends a paragraph, which
# puts every non-empty cell on its own line.
_CELL_MARKS = re.compile("\x07+")
# Word's other special characters: 0x0B line break, 0x0C page or section break, 0x1E non-breaking
# hyphen, 0x1F optional hyphen, and anchors of objects (pictures, notes, comments).
_SPECIALS = str.maketrans(
    {"\x0b": "\n", "\x0c": "\r", "\x1e": "-"} | dict.fromkeys("\x01\x02\x03\x04\x05\x06\x08\x1f", None)
)


@dataclass(frozen=True, slots=True)
class _Fib:
    table_stream: str
    ccp_text: int
    fc_clx: int
    lcb_clx: int


def doc_paragraphs(content: bytes, limits: Limits) -> list[str]:
    """Return the paragraphs of a .doc file's main document text."""
    streams = read_streams(content, ("WordDocument", "0Table", "1Table"), limits)
    word = streams.get("WordDocument")
    if word is None:
        raise UnreadableDocument("the OLE2 file has no WordDocument stream")
    fib = _parse_fib(word)
    table = streams.get(fib.table_stream)
    if table is None:
        raise UnreadableDocument(f"the .doc file has no {fib.table_stream} stream")
    clx = table[fib.fc_clx : fib.fc_clx + fib.lcb_clx]
    if len(clx) != fib.lcb_clx:
        raise UnreadableDocument("the piece table lies outside the table stream")
    return split_paragraphs(_main_text(word, clx, fib.ccp_text))


def split_paragraphs(text: str) -> list[str]:
    """Turn raw Word text into paragraphs: fields show their result, special characters are mapped."""
    cleaned = _CELL_MARKS.sub("\r", _field_results(text)).translate(_SPECIALS)
    paragraphs = cleaned.split("\r")
    if paragraphs and not paragraphs[-1]:
        paragraphs.pop()  # the text ends with a paragraph mark
    return paragraphs


def _parse_fib(word: bytes) -> _Fib:
    if u16(word, 0) != _WORD_IDENT:
        raise UnreadableDocument("the WordDocument stream has no Word signature")
    if u16(word, 2) < _FIRST_WORD97_NFIB:
        raise UnreadableDocument("Word 95 and older files are not supported")
    flags = u16(word, 10)
    if flags & (_F_ENCRYPTED | _F_OBFUSCATED):
        raise UnreadableDocument("the .doc file is encrypted")
    offset = 32
    offset += 2 + 2 * u16(word, offset)  # csw and fibRgW
    long_count = u16(word, offset)  # cslw
    if long_count < 4:
        raise UnreadableDocument("the FIB is too short")
    ccp_text = u32(word, offset + 2 + 12)
    offset += 2 + 4 * long_count
    if u16(word, offset) <= _FC_CLX_INDEX:  # cbRgFcLcb
        raise UnreadableDocument("the FIB has no piece table")
    pair = offset + 2 + 8 * _FC_CLX_INDEX
    table_stream = "1Table" if flags & _F_WHICH_TABLE else "0Table"
    return _Fib(table_stream, ccp_text, u32(word, pair), u32(word, pair + 4))


def _main_text(word: bytes, clx: bytes, ccp_text: int) -> str:
    cps, descriptors = _piece_table(clx)
    parts: list[str] = []
    for index, fc in enumerate(descriptors):
        start, end = cps[index], min(cps[index + 1], ccp_text)
        if end > start:
            parts.append(_piece_text(word, fc, end - start))
    return "".join(parts)


def _piece_table(clx: bytes) -> tuple[list[int], list[int]]:
    offset = 0
    while offset < len(clx) and clx[offset] == 0x01:  # Prc: formatting, skipped
        size = i16(clx, offset + 1)
        if size < 0:
            raise UnreadableDocument("the piece table is corrupt")
        offset += 3 + size
    if offset >= len(clx) or clx[offset] != 0x02:
        raise UnreadableDocument("the piece table is missing")
    size = u32(clx, offset + 1)
    plc = clx[offset + 5 : offset + 5 + size]
    if len(plc) != size or size < 4 or (size - 4) % 12:
        raise UnreadableDocument("the piece table is corrupt")
    count = (size - 4) // 12
    cps = [u32(plc, 4 * i) for i in range(count + 1)]
    descriptors = [u32(plc, 4 * (count + 1) + 8 * i + 2) for i in range(count)]
    return cps, descriptors


def _piece_text(word: bytes, fc: int, length: int) -> str:
    if fc & _F_COMPRESSED:
        start = (fc & ~_F_COMPRESSED) // 2
        raw = word[start : start + length]
        if len(raw) != length:
            raise UnreadableDocument("a text piece lies outside the WordDocument stream")
        return raw.decode("cp1252", errors="replace")
    raw = word[fc : fc + 2 * length]
    if len(raw) != 2 * length:
        raise UnreadableDocument("a text piece lies outside the WordDocument stream")
    return raw.decode("utf-16-le", errors="replace")


def _field_results(text: str) -> str:
    """Drop field instructions (between 0x13 and 0x14), keep field results (up to 0x15)."""
    if "\x13" not in text:
        return text
    out: list[str] = []
    showing: list[bool] = []  # per open field: has its result begun?
    for piece in _FIELD_MARKS.split(text):
        if piece == "\x13":
            showing.append(False)
        elif piece == "\x14" and showing:
            showing[-1] = True
        elif piece == "\x15" and showing:
            showing.pop()
        elif all(showing) and piece not in ("\x14", "\x15"):
            out.append(piece)
    return "".join(out)
