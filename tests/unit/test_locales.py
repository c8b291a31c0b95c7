"""Choosing the UI language: Accept-Language parsing, negotiation with region fallback, the user's setting."""

from __future__ import annotations

import pytest

from wopihost.domain.locales import (
    check_locale_setting,
    choose_locale,
    language_tag,
    negotiate_locale,
    parse_accept_language,
)
from wopihost.errors import InvalidRequest


@pytest.mark.parametrize(
    ("header", "ranges"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", ["de-de", "de", "en"]),
        ("en;q=0.5, fr;q=0.9, es", ["es", "fr", "en"]),
        ("fr;q=0.8, de;q=0.8", ["fr", "de"]),
        ("de;q=0, fr", ["fr"]),
        ("pt_BR, *;q=0.1", ["pt-br", "*"]),
        ("", []),
        (None, []),
        ("de;q=2, fr;q=abc, es;q=0.3, <script>, en-US", ["en-us", "es"]),
        ("DE-at ; q=0.7", ["de-at"]),
    ],
)
def test_parse_accept_language_orders_by_weight_and_drops_bad_ranges(
    header: str | None, ranges: list[str]
) -> None:
    assert parse_accept_language(header) == ranges


def test_parse_accept_language_huge_header_is_cut() -> None:
    assert len(parse_accept_language(",".join(["de"] * 10_000))) <= 32


@pytest.mark.parametrize(
    ("ranges", "locale"),
    [
        (["de-at", "en"], "de"),
        (["it", "fr-ca", "de"], "fr"),
        (["es-419"], "es"),
        (["it", "ja"], None),
        (["*"], None),
        ([], None),
    ],
)
def test_negotiate_locale_falls_back_from_region_to_language(ranges: list[str], locale: str | None) -> None:
    assert negotiate_locale(ranges) == locale


@pytest.mark.parametrize(
    ("setting", "header", "locale"),
    [
        ("fr", "de-DE,de;q=0.9", "fr"),
        (None, "de-AT,en;q=0.5", "de"),
        (None, "it-IT, es;q=0.4", "es"),
        (None, "it-IT", "en"),
        (None, None, "en"),
        ("xx", "es", "es"),
    ],
)
def test_choose_locale_prefers_setting_then_browser_then_english(
    setting: str | None, header: str | None, locale: str
) -> None:
    assert choose_locale(setting, header) == locale


def test_language_tag_keeps_the_browsers_region_for_the_chosen_language() -> None:
    assert language_tag("fr", "fr-CA,fr;q=0.9,en;q=0.5") == "fr-ca"
    assert language_tag("de", "fr-CA,fr;q=0.9") == "de"
    assert language_tag("en", None) == "en"


@pytest.mark.parametrize(
    ("value", "stored"), [("auto", None), ("", None), (None, None), ("DE", "de"), ("es", "es")]
)
def test_check_locale_setting_accepts_supported_and_automatic(value: str | None, stored: str | None) -> None:
    assert check_locale_setting(value) == stored


@pytest.mark.parametrize("value", ["it", "de-DE", "english", "../de"])
def test_check_locale_setting_unsupported_is_refused(value: str) -> None:
    with pytest.raises(InvalidRequest, match="language must be one of"):
        check_locale_setting(value)
