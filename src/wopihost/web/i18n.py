"""Translations and locale formatting for the web UI: one Localizer per request, never a global locale.

Catalogs are gettext .mo files under wopihost/locale, loaded once per application (they never change at run
time). A request's language comes from the signed-in user's setting, else the browser's Accept-Language,
else English (domain/locales.py). Templates use Jinja's i18n extension in its "newstyle" form: `_()`,
`gettext`, `ngettext` and `{% trans %}` take named placeholders and escape the values put into them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from gettext import NullTranslations
from pathlib import Path
from typing import Any

import jinja2
from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from babel.support import Translations
from markupsafe import Markup

from wopihost.domain.locales import N_, SUPPORTED_LOCALES, choose_locale, language_tag
from wopihost.domain.records import User

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
_SIZE_UNITS = ("KB", "MB", "GB", "TB")


class Catalogs:
    """The translations of every supported locale, read once from the compiled catalogs."""

    def __init__(self, directory: Path = LOCALE_DIR) -> None:
        self._translations: dict[str, NullTranslations] = {}
        for locale in SUPPORTED_LOCALES:
            if (directory / locale / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file():
                self._translations[locale] = Translations.load(str(directory), [locale], DOMAIN)
            else:
                # English is the source language: its messages are the msgids themselves.
                self._translations[locale] = NullTranslations()

    def localizer(self, locale: str, tag: str | None = None) -> Localizer:
        """The Localizer of a supported locale; `tag` is the full language tag for the WOPI client."""
        return Localizer(locale, tag or locale, self._translations.get(locale) or NullTranslations())

    def for_request(self, user: User | None, accept_language: str | None) -> Localizer:
        """The Localizer of a request: the user's language setting, else the browser's, else English."""
        locale = choose_locale(user.locale if user else None, accept_language)
        return self.localizer(locale, language_tag(locale, accept_language))


@dataclass(frozen=True, slots=True)
class Localizer:
    """A request's language: translating messages and formatting dates, numbers and sizes for it."""

    locale: str
    # The language tag of the <html lang> attribute and of UI_LLCC ("de", "fr-CA").
    tag: str
    translations: NullTranslations
    _babel: Locale = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_babel", Locale.parse(self.locale))

    def gettext(self, message: str, **variables: Any) -> str:
        """`message` translated, with its named %(placeholders)s filled."""
        text = self.translations.gettext(message)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, count: int, **variables: Any) -> str:
        """The singular or plural form for `count` (available to the message as %(num)s)."""
        text = self.translations.ngettext(singular, plural, count)
        return text % {"num": self.format_number(count), **variables}

    def format_number(self, number: float) -> str:
        """A number with the locale's separators: 1,234.5 / 1.234,5."""
        return format_decimal(number, locale=self._babel)

    def format_datetime(self, moment: datetime) -> str:
        """A UTC date and time for people: "6 Dec 2026, 11:14 UTC", "06.12.2026, 11:14 UTC" in German."""
        moment = moment.astimezone(UTC)
        date = format_date(moment, "medium", locale=self._babel)
        time = format_time(moment, "short", tzinfo=UTC, locale=self._babel)
        pattern = str(self._babel.datetime_formats.get("medium", "{1}, {0}"))
        return f"{pattern.replace('{1}', date).replace('{0}', time)} UTC"

    def format_date(self, day: date) -> str:
        """A calendar day for people: "31 Jan 2030", "31.01.2030" in German."""
        return format_date(day, "medium", locale=self._babel)

    def format_size(self, size: int) -> str:
        """A size for people: "0 bytes", "12 KB", "1.5 MB" ("1,5 MB" in German, "1,5 Mo" in French)."""
        if size < 1024:
            return self.ngettext("%(num)s byte", "%(num)s bytes", size)
        value = size / 1024
        unit = _SIZE_UNITS[0]
        for bigger in _SIZE_UNITS[1:]:
            if value < 1024:
                break
            value /= 1024
            unit = bigger
        pattern = "#,##0" if value >= 10 else "#,##0.0"
        number = format_decimal(value, format=pattern, locale=self._babel)
        return self.gettext(_UNIT_MESSAGES[unit], size=number)

    def jinja_globals(self) -> dict[str, Any]:
        """What templates use to translate and format: _, gettext, ngettext, format_* and the language tag."""
        gettext = _jinja_gettext(self.translations)
        return {
            "_": gettext,
            "gettext": gettext,
            "ngettext": _jinja_ngettext(self.translations, self.format_number),
            "format_size": self.format_size,
            "format_datetime": self.format_datetime,
            "format_number": self.format_number,
            "lang": self.tag,
            "locale": self.locale,
        }

    def person(self, name: str) -> str:
        """A person's display name; the services' stand-ins for unknown people ("someone") translated."""
        return self.gettext(name) if name in _STAND_INS else name

    def messages(self, msgids: tuple[str, ...]) -> Mapping[str, str]:
        """The translations of `msgids`, keyed by msgid: what the page's scripts show."""
        return {msgid: self.translations.gettext(msgid) for msgid in msgids}


# What the services call people they no longer know (services/sessions.py).
_STAND_INS = frozenset({N_("someone"), N_("an administrator"), N_("another user")})

# The source language, for code that formats outside a request.
ENGLISH = Localizer("en", "en", NullTranslations())

_UNIT_MESSAGES = {
    "KB": N_("%(size)s KB"),
    "MB": N_("%(size)s MB"),
    "GB": N_("%(size)s GB"),
    "TB": N_("%(size)s TB"),
}


def _jinja_gettext(translations: NullTranslations) -> Any:
    # Jinja's newstyle gettext: the translation is trusted markup, the values put into it are escaped.
    @jinja2.pass_context
    def gettext(context: jinja2.runtime.Context, message: str, **variables: Any) -> str:
        text: str = translations.gettext(message)
        if context.eval_ctx.autoescape:
            # The catalogs are ours and trusted; the values put into them are escaped by Markup's %.
            text = Markup(text)  # noqa: S704
        return text % variables

    return gettext


def _jinja_ngettext(translations: NullTranslations, number: Any) -> Any:
    @jinja2.pass_context
    def ngettext(
        context: jinja2.runtime.Context, singular: str, plural: str, num: int, **variables: Any
    ) -> str:
        text: str = translations.ngettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704
        variables.setdefault("num", number(num))
        return text % variables

    return ngettext
