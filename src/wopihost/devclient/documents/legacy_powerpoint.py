"""The slide text of PowerPoint 97-2003 (.ppt) files, read from the records [MS-PPT] describes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from wopihost.devclient.documents.ole import read_streams, u16, u32
from wopihost.devclient.documents.powerpoint import SlideText
from wopihost.devclient.documents.safety import Limits
from wopihost.errors import UnreadableDocument

DOCUMENT = 0x03E8
SLIDE = 0x03EE
SLIDE_PERSIST_ATOM = 0x03F3
TEXT_HEADER_ATOM = 0x0F9F
TEXT_CHARS_ATOM = 0x0FA0
TEXT_BYTES_ATOM = 0x0FA8
SLIDE_LIST_WITH_TEXT = 0x0FF0
USER_EDIT_ATOM = 0x0FF5
PERSIST_DIRECTORY_ATOM = 0x1772
_ENCRYPTED_TOKEN = 0xF3D1C4DF
_TITLE_TYPES = frozenset({0, 6})  # Tx_TYPE_TITLE, Tx_TYPE_CENTERTITLE
_OTHER_TYPE = 4
_MAX_DEPTH = 32
_MAX_EDITS = 10_000


@dataclass(frozen=True, slots=True)
class _Record:
    type: int
    instance: int
    container: bool
    start: int  # of the record's data, after its 8-byte header
    end: int


@dataclass(slots=True)
class _Slide:
    persist_ref: int
    texts: list[tuple[int, str]] = field(default_factory=list)  # (TextHeaderAtom type, text)


def ppt_slides(content: bytes, limits: Limits) -> list[SlideText]:
    """Return the title and body paragraphs of each slide of a .ppt file, in slide order."""
    streams = read_streams(content, ("PowerPoint Document", "Current User"), limits)
    data = streams.get("PowerPoint Document")
    if data is None:
        raise UnreadableDocument("the OLE2 file has no PowerPoint Document stream")
    current_user = streams.get("Current User", b"")
    if len(current_user) >= 16 and u32(current_user, 12) == _ENCRYPTED_TOKEN:
        raise UnreadableDocument("the .ppt file is encrypted")
    try:
        offsets, document = _persisted(data, current_user)
    except UnreadableDocument:
        # Without a usable edit history, the last Document container still lists the slides.
        offsets, document = {}, _last_document(data)
    return [_slide_text(data, slide, offsets) for slide in _slide_list(data, document)]


def _persisted(data: bytes, current_user: bytes) -> tuple[dict[int, int], _Record]:
    """Follow the user edits, newest first, to the persist directory and the Document container."""
    offsets: dict[int, int] = {}
    document_ref: int | None = None
    edit_offset: int | None = u32(current_user, 16)
    seen: set[int] = set()
    while edit_offset is not None and edit_offset not in seen and len(seen) < _MAX_EDITS:
        seen.add(edit_offset)
        edit = _expect(data, edit_offset, USER_EDIT_ATOM)
        last_edit, directory_offset, doc_ref = (u32(data, edit.start + n) for n in (8, 12, 16))
        document_ref = doc_ref if document_ref is None else document_ref
        for persist_id, offset in _directory(data, _expect(data, directory_offset, PERSIST_DIRECTORY_ATOM)):
            offsets.setdefault(persist_id, offset)
        edit_offset = last_edit or None
    if document_ref not in offsets:
        raise UnreadableDocument("the persist directory has no Document")
    return offsets, _expect(data, offsets[document_ref], DOCUMENT)


def _directory(data: bytes, record: _Record) -> Iterator[tuple[int, int]]:
    offset = record.start
    while offset + 4 <= record.end:
        entry = u32(data, offset)
        first, count = entry & 0xFFFFF, entry >> 20
        offset += 4
        if offset + 4 * count > record.end:
            raise UnreadableDocument("the persist directory is corrupt")
        for index in range(count):
            yield first + index, u32(data, offset + 4 * index)
        offset += 4 * count


def _last_document(data: bytes) -> _Record:
    documents = [record for record in _records(data, 0, len(data)) if record.type == DOCUMENT]
    if not documents:
        raise UnreadableDocument("the PowerPoint Document stream has no Document container")
    return documents[-1]


def _slide_list(data: bytes, document: _Record) -> list[_Slide]:
    slides: list[_Slide] = []
    text_type = _OTHER_TYPE
    for listing in _children(data, document):
        if listing.type != SLIDE_LIST_WITH_TEXT or listing.instance != 0:  # 1: masters, 2: notes
            continue
        for record in _children(data, listing):
            if record.type == SLIDE_PERSIST_ATOM:
                slides.append(_Slide(persist_ref=u32(data, record.start)))
            elif record.type == TEXT_HEADER_ATOM:
                text_type = u32(data, record.start)
            elif slides and record.type in (TEXT_CHARS_ATOM, TEXT_BYTES_ATOM):
                slides[-1].texts.append((text_type, _atom_text(data, record)))
    return slides


def _slide_text(data: bytes, slide: _Slide, offsets: dict[int, int]) -> SlideText:
    texts = list(slide.texts)
    texts.extend(
        entry for entry in _slide_drawing_texts(data, offsets.get(slide.persist_ref)) if entry not in texts
    )
    title = [p for kind, text in texts if kind in _TITLE_TYPES for p in _paragraphs(text)]
    body = [p for kind, text in texts if kind not in _TITLE_TYPES for p in _paragraphs(text)]
    return SlideText(title=title, body=body)


def _slide_drawing_texts(data: bytes, offset: int | None) -> list[tuple[int, str]]:
    """Text boxes that are not placeholders keep their text in the slide's drawing, not the slide list."""
    if offset is None:
        return []
    try:
        return list(_drawing_texts(data, _expect(data, offset, SLIDE), 0))
    except UnreadableDocument:
        return []  # the slide list's text is still worth having


def _drawing_texts(data: bytes, record: _Record, depth: int) -> Iterator[tuple[int, str]]:
    text_type = _OTHER_TYPE
    for child in _children(data, record):
        if child.container and depth < _MAX_DEPTH:
            yield from _drawing_texts(data, child, depth + 1)
        elif child.type == TEXT_HEADER_ATOM:
            text_type = u32(data, child.start)
        elif child.type in (TEXT_CHARS_ATOM, TEXT_BYTES_ATOM):
            yield text_type, _atom_text(data, child)


def _atom_text(data: bytes, record: _Record) -> str:
    raw = data[record.start : record.end]
    if record.type == TEXT_BYTES_ATOM:
        return raw.decode("latin-1")  # each byte is the low byte of a UTF-16 code unit
    return raw.decode("utf-16-le", errors="replace")


def _paragraphs(text: str) -> list[str]:
    return [paragraph.replace("\x0b", "\n") for paragraph in text.split("\r")]


def _expect(data: bytes, offset: int, record_type: int) -> _Record:
    record = _record(data, offset, len(data))
    if record.type != record_type:
        raise UnreadableDocument(f"expected record 0x{record_type:04X} at {offset}")
    return record


def _children(data: bytes, parent: _Record) -> Iterator[_Record]:
    if parent.container:
        yield from _records(data, parent.start, parent.end)


def _records(data: bytes, start: int, end: int) -> Iterator[_Record]:
    offset = start
    while offset + 8 <= end:
        record = _record(data, offset, end)
        yield record
        offset = record.end


def _record(data: bytes, offset: int, limit: int) -> _Record:
    version_instance, record_type, length = u16(data, offset), u16(data, offset + 2), u32(data, offset + 4)
    start = offset + 8
    if start + length > limit:
        raise UnreadableDocument("a record runs past its container")
    return _Record(record_type, version_instance >> 4, version_instance & 0xF == 0xF, start, start + length)
