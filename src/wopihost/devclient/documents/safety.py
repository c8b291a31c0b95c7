"""Limits and guards for documents whose bytes come from untrusted users."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from wopihost.errors import FileTooLarge, UnreadableDocument, WopiHostError

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """How much the document layer agrees to parse."""

    max_bytes: int = 50 * MIB
    max_unpacked_bytes: int = 256 * MIB
    max_zip_entries: int = 10_000
    max_blocks: int = 200_000


DEFAULT_LIMITS = Limits()

# Characters XML 1.0 cannot carry; the libraries raise on them instead of escaping them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NEWLINES = re.compile("\r\n|[\r\v\f\u2028\u2029]")


def check_size(content: bytes, limits: Limits) -> None:
    """Raise FileTooLarge when `content` is over the parse limit."""
    if len(content) > limits.max_bytes:
        raise FileTooLarge(len(content), limits.max_bytes)


def xml_safe(text: str) -> str:
    """Return `text` with every line break as "\\n" and without characters XML cannot hold."""
    return _XML_ILLEGAL.sub("", _NEWLINES.sub("\n", text))


@contextmanager
def unreadable(what: str) -> Iterator[None]:
    """Turn any failure of a parsing library inside the block into UnreadableDocument."""
    try:
        yield
    except WopiHostError:
        raise
    # The libraries raise a zoo of types (zipfile, lxml, struct, KeyError, ...) on hostile bytes.
    except Exception as exc:
        raise UnreadableDocument(f"not a readable {what} file: {type(exc).__name__}") from exc
