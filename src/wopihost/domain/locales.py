"""The languages of the UI: which ones exist, reading Accept-Language, and choosing one for a request.

Pure rules with no I/O; the catalogs and locale formatting live in web/i18n.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from wopihost.errors import InvalidRequest

# The UI's languages: English is the source language, the others have catalogs in wopihost/locale.
SUPPORTED_LOCALES = ("en", "de", "fr", "es")
DEFAULT_LOCALE = "en"
# Each language in its own name, as the language menu offers it.
LOCALE_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español"}
# The user setting that follows the browser.
AUTOMATIC = "auto"

# RFC 9110 §12.5.4: a language range is "*" or 1-8 letters followed by "-" and 1-8 alphanumerics, repeatedly.
_RANGE = re.compile(r"\*|[a-z]{1,8}(?:-[a-z0-9]{1,8})*")
_QVALUE = re.compile(r"q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)")
# A header longer than this is cut; a browser sends a handful of entries.
MAX_HEADER_LENGTH = 1024
MAX_RANGES = 32


def N_(message: str) -> str:
    """Mark a message for extraction (python -m wopihost.locale.tool); it is translated where it is shown."""
    return message


def parse_accept_language(header: str | None) -> list[str]:
    """The language ranges of an Accept-Language header, most wanted first; q=0 and malformed ranges dropped.

    Ranges of equal weight keep the header's order; tags are lower-cased and "_" read as "-".
    """
    weighted: list[tuple[float, int, str]] = []
    for index, item in enumerate((header or "")[:MAX_HEADER_LENGTH].split(",")[:MAX_RANGES]):
        tag, _, params = item.partition(";")
        tag = tag.strip().lower().replace("_", "-")
        if not _RANGE.fullmatch(tag):
            continue
        weight = _weight(params)
        if weight is not None and weight > 0:
            weighted.append((-weight, index, tag))
    return [tag for _w, _i, tag in sorted(weighted)]


def _weight(params: str) -> float | None:
    params = params.strip()
    if not params:
        return 1.0
    match = _QVALUE.fullmatch(params)
    return float(match[1]) if match else None


def negotiate_locale(ranges: Sequence[str], supported: Sequence[str] = SUPPORTED_LOCALES) -> str | None:
    """The first supported locale the ranges ask for: an exact tag, else its language ("de-AT" -> "de")."""
    for tag in ranges:
        if tag == "*":
            continue
        if tag in supported:
            return tag
        primary = tag.split("-", 1)[0]
        if primary in supported:
            return primary
    return None


def choose_locale(setting: str | None, accept_language: str | None) -> str:
    """The UI language of a request: the user's setting, else the browser's languages, else English."""
    if setting in SUPPORTED_LOCALES:
        return setting
    return negotiate_locale(parse_accept_language(accept_language)) or DEFAULT_LOCALE


def language_tag(locale: str, accept_language: str | None) -> str:
    """The full tag for `locale` that the browser asks for ("fr-CA" for fr), else `locale` itself.

    WOPI clients get this tag, so that a Canadian keeps French-Canadian number formats in the editor.
    """
    for tag in parse_accept_language(accept_language):
        if tag != "*" and tag.split("-", 1)[0] == locale:
            return tag
    return locale


def check_locale_setting(value: str | None) -> str | None:
    """A user's language setting as stored: a supported locale, or None for automatic (the browser's)."""
    cleaned = (value or "").strip().lower().replace("_", "-")
    if cleaned in ("", AUTOMATIC):
        return None
    if cleaned not in SUPPORTED_LOCALES:
        offered = ", ".join((AUTOMATIC, *SUPPORTED_LOCALES))
        raise InvalidRequest(f"the language must be one of {offered}")
    return cleaned
