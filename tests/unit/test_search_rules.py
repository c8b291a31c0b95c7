"""Search rules: folding, LIKE patterns, FTS5 queries that cannot inject syntax, snippets from markers."""

from __future__ import annotations

import random

import pytest

from wopihost.domain import search
from wopihost.domain.search import (
    MATCH_END,
    MATCH_START,
    SnippetPart,
    clean_text,
    fold,
    fts5_query,
    like_pattern,
    normalise_query,
    snippet_parts,
)


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("Résumé", "resume"),
        ("ÉCOLE Ñandú", "ecole nandu"),
        ("Straße", "straße"),
        ("Zürich.DOCX", "zurich.docx"),
    ],
)
def test_fold_accents_and_case_removed(name: str, folded: str) -> None:
    assert fold(name) == folded


def test_like_pattern_wildcards_escaped() -> None:
    assert like_pattern("50%_a\\b", prefix=False) == "%50\\%\\_a\\\\b%"
    assert like_pattern("rep", prefix=True) == "rep%"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("budget 2024", '"budget" AND "2024"*'),
        ('NEAR("a" b) OR col:x*', '"near" AND "a" AND "b" AND "or" AND "col" AND "x"*'),
        ("Ünïcode", '"unicode"*'),
        ('"', ""),
    ],
)
def test_fts5_query_quotes_every_term(query: str, expected: str) -> None:
    assert fts5_query(query) == expected


def test_normalise_query_trims_spaces_controls_and_length() -> None:
    assert normalise_query("  a \t\x00 b  ") == "a b"
    assert len(normalise_query("x" * 1000)) == 200


def test_clean_text_drops_control_characters_and_markers() -> None:
    assert clean_text(f"a\x00b{MATCH_START}c{MATCH_END}d\n e") == "a b c d\n e"


def test_snippet_parts_split_on_markers() -> None:
    marked = f"the {MATCH_START}budget{MATCH_END} of <b>{MATCH_START}2024{MATCH_END}"

    assert snippet_parts(marked) == [
        SnippetPart("the ", False),
        SnippetPart("budget", True),
        SnippetPart(" of <b>", False),
        SnippetPart("2024", True),
    ]


def test_snippet_parts_unbalanced_markers_never_fail() -> None:
    assert snippet_parts(f"{MATCH_END}a{MATCH_START}b") == [SnippetPart("a", False), SnippetPart("b", True)]


def test_clean_text_cleans_pieces_as_it_would_the_whole_text(monkeypatch: pytest.MonkeyPatch) -> None:
    def whole(text: str) -> str:
        return search._SPACES.sub(" ", search._CONTROL.sub(" ", text))

    monkeypatch.setattr(search, "CLEAN_PIECE", 3)
    generator = random.Random(7)
    alphabet = " \t\r\f\v\n\x00\x01\x0b\x7fab\u00e9"
    for _ in range(5000):
        text = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 40)))
        assert clean_text(text) == whole(text), repr(text)
