"""Search rules without I/O: folding names for matching, query terms, and highlighted snippets."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

# Searches shorter than this (after trimming) match too much to be useful; longer ones are cut.
MIN_QUERY_LENGTH = 1
MAX_QUERY_LENGTH = 200
MAX_QUERY_TERMS = 16
# The markers that the databases put around matches in snippets. Extracted text never contains them
# (clean_text removes control characters), so a document cannot forge a highlight.
MATCH_START = "\x02"
MATCH_END = "\x03"
LIKE_ESCAPE = "\\"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_TERM = re.compile(r"\w+", re.UNICODE)


@cache
def fold_table() -> tuple[str, str]:
    """Letters with diacritics and their base letters, one character each, for SQL's translate().

    Covers Latin-1 and Latin Extended-A/B, where the accented letters of most European names live.
    The same table folds names in Python and in PostgreSQL, so both agree on what matches.
    """
    sources, targets = [], []
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = unicodedata.normalize("NFKD", char)[:1]
        if base != char and base.isascii() and base.isalpha():
            sources.append(char)
            targets.append(base)
    return "".join(sources), "".join(targets)


@cache
def _translation() -> dict[int, str]:
    sources, targets = fold_table()
    return {ord(s): t for s, t in zip(sources, targets, strict=True)}


def fold(text: str) -> str:
    """The form in which names are matched: accents removed (where one letter maps to one), lower case."""
    return unicodedata.normalize("NFC", text).translate(_translation()).lower()


def normalise_query(query: str) -> str:
    """The query as searched: single spaces, trimmed, at most MAX_QUERY_LENGTH characters."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", query)).strip()[:MAX_QUERY_LENGTH]


def like_pattern(folded: str, *, prefix: bool) -> str:
    """A LIKE pattern matching names that contain (or, with `prefix`, start with) `folded` literally."""
    escaped = (
        folded.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"{escaped}%" if prefix else f"%{escaped}%"


def query_terms(query: str) -> list[str]:
    """The words of a full-text query, folded, at most MAX_QUERY_TERMS of them."""
    return [fold(term) for term in _TERM.findall(normalise_query(query))][:MAX_QUERY_TERMS]


def fts5_query(query: str) -> str:
    """A SQLite FTS5 query matching documents with every word of `query` (the last one as a prefix).

    Each term is quoted, so that FTS5 syntax in the user's text (NEAR, ", *, column filters) is inert.
    """
    terms = query_terms(query)
    quoted = [f'"{term}"' for term in terms]
    if quoted:
        quoted[-1] += "*"
    return " AND ".join(quoted)


def clean_text(text: str) -> str:
    """Extracted text as indexed: no control characters (nor the snippet markers), runs of spaces joined.

    It is cleaned a piece at a time. A regular expression holds the GIL until it is done with its string:
    over a whole document of 256 KiB that took about 15 ms here, during which the event loop, waiting for
    the GIL, answered nothing. Between pieces another thread gets its turn.
    """
    pieces = []
    start = 0
    while start < len(text):
        end = _cut(text, start + CLEAN_PIECE)
        pieces.append(_SPACES.sub(" ", _CONTROL.sub(" ", text[start:end])))
        start = end
    return "".join(pieces)


# How much text clean_text cleans at a time.
CLEAN_PIECE = 16 * 1024
# Two characters in a row of which neither is a space or a control character other than a newline:
# text cut between them cleans exactly as it would whole.
_CUTTABLE = re.compile(r"[^\x00-\x09\x0b-\x20\x7f]{2}")


def _cut(text: str, at: int) -> int:
    """The first place at or after `at` where `text` can be cut without changing how it cleans."""
    if at >= len(text):
        return len(text)
    found = _CUTTABLE.search(text, at - 1)
    return found.start() + 1 if found else len(text)


@dataclass(frozen=True, slots=True)
class SnippetPart:
    """A stretch of a snippet, highlighted where it matched the query."""

    text: str
    match: bool


def snippet_parts(marked: str) -> list[SnippetPart]:
    """Split a snippet with MATCH_START/MATCH_END markers into plain and highlighted parts."""
    parts: list[SnippetPart] = []
    rest = marked
    while rest:
        start = rest.find(MATCH_START)
        if start < 0:
            parts.append(SnippetPart(rest.replace(MATCH_END, ""), False))
            break
        if start:
            parts.append(SnippetPart(rest[:start].replace(MATCH_END, ""), False))
        end = rest.find(MATCH_END, start)
        end = len(rest) if end < 0 else end
        parts.append(SnippetPart(rest[start + 1 : end].replace(MATCH_START, ""), True))
        rest = rest[end + 1 :]
    return [part for part in parts if part.text]
