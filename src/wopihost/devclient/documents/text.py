"""Plain-text files: one block per line, keyed `line1`, `line2`, ...

Only UTF-8 content without NUL bytes is text here: anything else (a Word document renamed .txt) is
refused as unreadable, so that its bytes are never shown as editable text nor saved over. Lines are
edited as bytes, so lines nobody touched keep their exact bytes and line endings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wopihost.devclient.documents.model import Block, TextModel
from wopihost.devclient.documents.safety import Limits
from wopihost.domain.sniffing import Kind, sniff
from wopihost.errors import InvalidRequest, UnreadableDocument

_BOM = b"\xef\xbb\xbf"
_KEY = re.compile(r"line([1-9][0-9]{0,9})")
_LINE_BREAK = re.compile("\r\n|[\r\n]")


@dataclass(slots=True)
class _Lines:
    bom: bytes
    lines: list[bytes]  # each without its "\n", but with a "\r" before it if the file has one
    final_newline: bool

    @property
    def ending(self) -> bytes:
        return b"\r\n" if self.lines and self.lines[0].endswith(b"\r") else b"\n"

    def encode(self) -> bytes:
        body = b"\n".join(self.lines)
        return self.bom + body + (b"\n" if self.final_newline and self.lines else b"")


def read(content: bytes, limits: Limits) -> TextModel:
    """Return the lines of a UTF-8 text file; UnreadableDocument if the content is not text."""
    require_text(content)
    lines = _split(content).lines
    shown = lines[: limits.max_blocks]
    blocks = tuple(Block(key=f"line{n}", text=_decode(line)) for n, line in enumerate(shown, start=1))
    return TextModel(kind="text", blocks=blocks, truncated=len(shown) < len(lines))


def apply(
    ext: str, content: bytes, edits: Mapping[str, str], appended: Sequence[str], limits: Limits
) -> bytes:
    """Replace the keyed lines and append new lines at the end; never of content that is not text."""
    require_text(content)
    parsed = _split(content)
    changes = [(_index(key, len(parsed.lines)), text) for key, text in edits.items()]
    for index, text in changes:
        old = parsed.lines[index]
        parsed.lines[index] = _encode(text) + (b"\r" if old.endswith(b"\r") else b"")
    if appended:
        cr = b"\r" if parsed.ending == b"\r\n" else b""
        parsed.final_newline = parsed.final_newline or not parsed.lines
        for text in appended:
            parsed.lines.extend(_encode(line) + cr for line in _LINE_BREAK.split(text))
    return parsed.encode()


def blank(ext: str) -> bytes:
    """Return the blank text file, which is empty."""
    return b""


def require_text(content: bytes) -> None:
    """Refuse content that is not UTF-8 text, naming what it seems to be."""
    found = sniff(content, complete=True)
    if found.kind not in (Kind.TEXT, Kind.EMPTY):
        raise UnreadableDocument(f"the file is {found.label}, not text; it cannot be opened as text")


def _split(content: bytes) -> _Lines:
    bom = _BOM if content.startswith(_BOM) else b""
    body = content[len(bom) :]
    if not body:
        return _Lines(bom, [], final_newline=False)
    lines = body.split(b"\n")
    final_newline = lines[-1] == b""
    if final_newline:
        lines.pop()
    return _Lines(bom, lines, final_newline)


def _index(key: str, count: int) -> int:
    match = _KEY.fullmatch(key)
    if match is None or int(match.group(1)) > count:
        raise InvalidRequest(f"no such line: {key}")
    return int(match.group(1)) - 1


def _decode(line: bytes) -> str:
    return line.removesuffix(b"\r").decode("utf-8", errors="replace")


def _encode(text: str) -> bytes:
    if "\n" in text or "\r" in text:
        raise InvalidRequest("an edited line cannot contain a line break")
    return text.encode("utf-8", errors="replace")
