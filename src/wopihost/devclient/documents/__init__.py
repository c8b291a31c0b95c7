"""The development client's document layer: read text, edit it, create blanks, convert legacy files.

Documents are seen through a neutral `TextModel` of keyed blocks. Edits address blocks by key
and leave the rest of the file (styles, other parts, images) as the libraries allow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from wopihost.devclient.documents import excel, legacy, powerpoint, text, word
from wopihost.devclient.documents.model import Block, BlockJSON, Kind, TextModel, TextModelJSON
from wopihost.devclient.documents.ooxml import EXCEL_TYPES, POWERPOINT_TYPES, WORD_TYPES
from wopihost.devclient.documents.safety import DEFAULT_LIMITS, Limits, check_size
from wopihost.domain.names import split_extension
from wopihost.errors import InvalidRequest, UnreadableDocument

__all__ = [
    "DEFAULT_LIMITS",
    "Block",
    "BlockJSON",
    "Kind",
    "Limits",
    "TextModel",
    "TextModelJSON",
    "apply_edits",
    "blank_document",
    "convert_legacy",
    "converts_to",
    "kind_for",
    "read_model",
]

TEXT_EXTENSIONS = frozenset(
    {".txt", ".text", ".csv", ".tsv", ".md", ".markdown", ".log", ".json", ".xml", ".yaml", ".yml", ".ini"}
    | {".wopitest"}
)


@dataclass(frozen=True, slots=True)
class _Format:
    read: Callable[[bytes, Limits], TextModel]
    apply: Callable[[str, bytes, Mapping[str, str], Sequence[str], Limits], bytes]
    blank: Callable[[str], bytes]


_FORMATS: Mapping[Kind, _Format] = {
    "word": _Format(word.read, word.apply, word.blank),
    "excel": _Format(excel.read, excel.apply, excel.blank),
    "powerpoint": _Format(powerpoint.read, powerpoint.apply, powerpoint.blank),
    "text": _Format(text.read, text.apply, text.blank),
}
_FAMILIES: tuple[tuple[Kind, Iterable[str]], ...] = (
    ("word", WORD_TYPES),
    ("excel", EXCEL_TYPES),
    ("powerpoint", POWERPOINT_TYPES),
    ("text", TEXT_EXTENSIONS),
)
_KINDS: Mapping[str, Kind] = {ext: kind for kind, extensions in _FAMILIES for ext in extensions}


def kind_for(filename: str) -> Kind | None:
    """Return the kind of document a file name's extension stands for, or None."""
    return _KINDS.get(_extension(filename))


def read_model(filename: str, content: bytes, *, limits: Limits = DEFAULT_LIMITS) -> TextModel:
    """Return the text model of a document; empty content reads as the blank document of its type."""
    kind, ext = _kind(filename)
    check_size(content, limits)
    return _FORMATS[kind].read(content or _FORMATS[kind].blank(ext), limits)


def apply_edits(
    filename: str,
    content: bytes,
    edits: Mapping[str, str],
    appended: Sequence[str] = (),
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> bytes:
    """Return the document with the keyed blocks' text replaced and `appended` added as new blocks.

    Empty content is first made into a blank document. Unknown keys raise InvalidRequest and
    change nothing.
    """
    kind, ext = _kind(filename)
    check_size(content, limits)
    _check_strings(edits, appended)
    content = content or _FORMATS[kind].blank(ext)
    if not edits and not appended:
        return content
    return _FORMATS[kind].apply(ext, content, edits, appended, limits)


def blank_document(filename: str) -> bytes:
    """Return a valid, minimal blank document of the type the name says (b"" for plain text)."""
    kind, ext = _kind(filename)
    return _FORMATS[kind].blank(ext)


def converts_to(extension: str) -> str | None:
    """Return the extension (".docx") a legacy extension (".doc" or "doc") converts to, or None."""
    ext = extension.lower() if extension.startswith(".") else f".{extension.lower()}"
    return legacy.CONVERSIONS.get(ext)


def convert_legacy(filename: str, content: bytes, *, limits: Limits = DEFAULT_LIMITS) -> tuple[str, bytes]:
    """Convert a .doc, .xls or .ppt file; return the new name (same stem) and the new document."""
    stem, extension = split_extension(filename)
    ext = extension.lower()
    target = legacy.CONVERSIONS.get(ext)
    if target is None:
        raise UnreadableDocument(f"{filename!r} is not a .doc, .xls or .ppt file")
    check_size(content, limits)
    new_name = stem + target
    if not content:
        return new_name, blank_document(new_name)
    return new_name, legacy.convert(ext, content, limits)


def _check_strings(edits: Mapping[str, str], appended: Sequence[str]) -> None:
    # Edits usually arrive as JSON from a browser; anything but strings is a malformed request.
    pairs_ok = all(isinstance(key, str) and isinstance(value, str) for key, value in edits.items())
    if not pairs_ok or isinstance(appended, str) or not all(isinstance(text, str) for text in appended):
        raise InvalidRequest("edit keys, edited texts and appended texts must be strings")


def _kind(filename: str) -> tuple[Kind, str]:
    ext = _extension(filename)
    kind = _KINDS.get(ext)
    if kind is None:
        raise UnreadableDocument(f"{filename!r} is not a document type the development client handles")
    return kind, ext


def _extension(filename: str) -> str:
    return split_extension(filename)[1].lower()
