"""File names: validation, repair, numbered variants, collisions, and the UTF-7 of WOPI name headers."""

from __future__ import annotations

import unicodedata
from itertools import islice

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from wopihost.domain.names import (
    MAX_NAME_LENGTH,
    MAX_STEM_LENGTH,
    decode_utf7,
    encode_utf7,
    name_key,
    numbered_names,
    repair_name,
    split_extension,
    validate_name,
)
from wopihost.errors import InvalidFileName, InvalidRequest

LEGAL = [
    "a.docx",
    "Report 2026.xlsx",
    "\u00e9t\u00e9.docx",
    "a.b.c.pptx",
    "no extension",
    ".hidden",
    "x" * MAX_STEM_LENGTH + ".docx",
    "x" * MAX_STEM_LENGTH,
    "consul.docx",
    "com10.docx",
    "\U0001f600 smile.txt",
    "a+b=c (2).docx",
]

ILLEGAL = [
    ("", "empty"),
    ("   ", "blank"),
    (".", "dot"),
    ("..", "dot-dot"),
    ("a/b.docx", "slash"),
    ("a\\b.docx", "backslash"),
    ("a:b.docx", "colon"),
    ('a"b.docx', "quote"),
    ("a<b.docx", "less-than"),
    ("a>b.docx", "greater-than"),
    ("a|b.docx", "pipe"),
    ("a?b.docx", "question-mark"),
    ("a*b.docx", "star"),
    ("a\x00b.docx", "nul"),
    ("a\x1fb.docx", "control"),
    ("a\x7f.docx", "delete"),
    (" a.docx", "leading-space"),
    ("a.docx ", "trailing-space"),
    ("a.", "trailing-period"),
    ("con.docx", "reserved-con"),
    ("CON", "reserved-bare"),
    ("lpt1.txt", "reserved-lpt1"),
    ("Com9.a.docx", "reserved-first-segment"),
    ("nul", "reserved-nul"),
    ("x" * (MAX_STEM_LENGTH + 1) + ".docx", "stem-too-long"),
    ("x" * 200 + "." + "y" * 55, "name-too-long"),
    ("\ud83d.docx", "lone-surrogate"),
]


@pytest.mark.parametrize("name", LEGAL)
def test_validate_name_legal_returns_name(name: str) -> None:
    assert validate_name(name) == name


@pytest.mark.parametrize(("name", "why"), ILLEGAL, ids=[why for _, why in ILLEGAL])
def test_validate_name_illegal_raises_with_legal_suggestion(name: str, why: str) -> None:
    with pytest.raises(InvalidFileName) as caught:
        validate_name(name)

    assert caught.value.reason
    assert caught.value.suggestion is not None
    assert validate_name(caught.value.suggestion) == caught.value.suggestion


def test_validate_name_decomposed_returns_nfc() -> None:
    assert validate_name("e\u0301te\u0301.docx") == "\u00e9t\u00e9.docx"


@pytest.mark.parametrize(
    ("name", "repaired"),
    [
        ("a/b.docx", "a_b.docx"),
        ("a:b?.docx", "a_b_.docx"),
        ("", "Document"),
        ("???", "Document"),
        ("...", "Document"),
        (" a.docx ", "a.docx"),
        ("con.docx", "con_.docx"),
        ("con.a.docx", "con_.a.docx"),
        ("a.d|ocx", "a.docx"),
        ("report.", "report"),
        ("x" * 300 + ".docx", "x" * MAX_STEM_LENGTH + ".docx"),
        ("a." + "b" * 30, "a"),
    ],
)
def test_repair_name_illegal_returns_close_legal_name(name: str, repaired: str) -> None:
    assert repair_name(name) == repaired


names = st.text(max_size=300)


@given(names)
@example("." + " " * 300 + "a")
@example("a" + "\xa0" * 300 + "b")
@example("a.\x85")
@example("con.a.docx")
@example("\ud800")
def test_repair_name_any_text_returns_legal_name(name: str) -> None:
    repaired = repair_name(name)

    assert validate_name(repaired) == repaired


def _outcome(name: str) -> tuple[str | None, str | None]:
    """(the accepted name, None) or (None, the suggestion) for `name`."""
    try:
        return validate_name(name), None
    except InvalidFileName as exc:
        return None, exc.suggestion


@given(names)
def test_validate_name_either_accepts_or_suggests_legal_name(name: str) -> None:
    accepted, suggestion = _outcome(name)

    if accepted is not None:
        assert accepted == unicodedata.normalize("NFC", name)
    else:
        assert suggestion is not None
        assert validate_name(suggestion) == suggestion


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("a.docx", ["a.docx", "a (2).docx", "a (3).docx"]),
        ("a (2).docx", ["a (2).docx", "a (3).docx", "a (4).docx"]),
        ("a (x).docx", ["a (x).docx", "a (x) (2).docx", "a (x) (3).docx"]),
        ("notes", ["notes", "notes (2)", "notes (3)"]),
        ("a.b.xlsx", ["a.b.xlsx", "a.b (2).xlsx", "a.b (3).xlsx"]),
    ],
)
def test_numbered_names_yields_name_then_numbered_variants(name: str, first: list[str]) -> None:
    assert list(islice(numbered_names(name), 3)) == first


legal_names = st.builds(
    lambda stem, ext: f"{stem}{ext}",
    st.text(st.characters(codec="utf-8", categories=["L", "N"]), min_size=1, max_size=MAX_STEM_LENGTH),
    st.sampled_from(["", ".docx", ".x", ".abcdefghijklmnopqrs"]),
).filter(lambda n: len(n) <= MAX_NAME_LENGTH)


@given(legal_names)
@example("x" * 235 + ".abcdefghijklmnopqrs")
@example("x" * MAX_STEM_LENGTH + ".docx")
def test_numbered_names_of_legal_name_are_all_legal(name: str) -> None:
    assume(_outcome(name)[0] == name)

    for candidate in islice(numbered_names(name), 12):
        assert validate_name(candidate) == candidate
        assert split_extension(candidate)[1] == split_extension(name)[1]


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("a.docx", ("a", ".docx")),
        ("a.b.docx", ("a.b", ".docx")),
        ("noext", ("noext", "")),
        (".hidden", (".hidden", "")),
        ("trailing.", ("trailing", ".")),
    ],
)
def test_split_extension_splits_at_last_dot(name: str, parts: tuple[str, str]) -> None:
    assert split_extension(name) == parts


@pytest.mark.parametrize(
    ("one", "other"),
    [("a.docx", "A.DOCX"), ("\u00e9.docx", "e\u0301.docx"), ("Stra\u00dfe.docx", "STRASSE.docx")],
)
def test_name_key_spellings_of_one_name_collide(one: str, other: str) -> None:
    assert name_key(one) == name_key(other)


@pytest.mark.parametrize(("one", "other"), [("a.docx", "a.doc"), ("a.docx", "a .docx")])
def test_name_key_different_names_do_not_collide(one: str, other: str) -> None:
    assert name_key(one) != name_key(other)


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        ("a.docx", "a.docx"),
        ("", ""),
        ("+AOk-t+AOk-.docx", "\u00e9t\u00e9.docx"),
        ("+-1.docx", "+1.docx"),
        ("+ZeVnLIqe-", "\u65e5\u672c\u8a9e"),
        ("+2D3eAA-.txt", "\U0001f600.txt"),
        ("a b", "a b"),
    ],
)
def test_decode_utf7_valid_returns_text(encoded: str, decoded: str) -> None:
    assert decode_utf7(encoded, "X-WOPI-RequestedName") == decoded


@pytest.mark.parametrize(
    "encoded",
    [
        "\u00e9t\u00e9.docx",  # not ASCII
        "a+",  # ends inside a shift sequence
        "+",
        "+ZZZ-",  # padding bits set
        "+A-",  # partial character
        "+AB-",
        "+2D0-",  # a lone high surrogate
        "+3gA-",  # a lone low surrogate
        "+2D3YAA-",  # a high surrogate followed by another high surrogate
    ],
)
def test_decode_utf7_malformed_raises_invalid_request_naming_header(encoded: str) -> None:
    with pytest.raises(InvalidRequest, match="X-WOPI-RelativeTarget"):
        decode_utf7(encoded, "X-WOPI-RelativeTarget")


@given(st.text(st.characters(codec="utf-8")))
def test_encode_utf7_round_trips_through_decode(text: str) -> None:
    encoded = encode_utf7(text)

    assert encoded.isascii()
    assert decode_utf7(encoded, "X-WOPI-ValidRelativeTarget") == text


def test_encode_utf7_plain_ascii_name_is_unchanged() -> None:
    assert encode_utf7("Report (2).docx") == "Report (2).docx"
