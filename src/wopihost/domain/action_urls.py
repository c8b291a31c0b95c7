"""Action URLs: turning a discovery `urlsrc` into the URL that opens a file in the WOPI client.

Spec: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/discovery#action-urls
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from wopihost.domain.discovery import Action, Discovery
from wopihost.errors import InvalidRequest

# discovery.rst (SESSION_CONTEXT): "the overall Office for the web URL length limit of 2048 bytes".
MAX_ACTION_URL_LENGTH = 2048
# The requirements a host that implements PutFile, PutRelativeFile, the lock and the container operations
# meets; cobalt (MS-FSSHTTP) is not implemented, so actions that require it are never offered.
DEFAULT_CAPABILITIES = frozenset({"locks", "update", "containers"})

ValidatorTestCategory = Literal["All", "OfficeOnline", "OfficeNativeClient"]

# The Locale ID column of languages.csv, spelled as it is there: the values UI_LLCC and DC_LLCC take.
SUPPORTED_LANGUAGES = (
    "af-ZA", "am-ET", "ar-SA", "as-IN", "az-Latn-AZ", "be-BY", "bg-BG", "bn-BD", "bn-IN", "bs-Latn-BA",
    "ca-ES", "ca-ES-valencia", "chr-Cher-US", "cs-CZ", "cy-GB", "da-DK", "de-DE", "el-GR", "en-gb",
    "en-US", "es-ES", "es-mx", "et-EE", "eu-ES", "fa-IR", "fi-FI", "fil-PH", "fr-ca", "fr-FR", "ga-IE",
    "gd-GB", "gl-ES", "gu-IN", "ha-Latn-NG", "he-IL", "hi-IN", "hr-HR", "hu-HU", "hy-AM", "id-ID", "is-IS",
    "it-IT", "ja-JP", "ka-GE", "kk-KZ", "km-KH", "kn-IN", "kok-IN", "ko-KR", "ky-KG", "lb-LU", "lo-la",
    "lt-LT", "lv-LV", "mi-NZ", "mk-MK", "ml-IN", "mn-MN", "mr-IN", "ms-MY", "mt-MT", "nb-NO", "ne-NP",
    "nl-NL", "nn-NO", "or-IN", "pa-IN", "pl-PL", "prs-AF", "pt-BR", "pt-PT", "quz-PE", "ro-Ro", "ru-Ru",
    "sd-Arab-PK", "si-LK", "sk-SK", "sl-SI", "sq-AL", "sr-Cyrl-BA", "sr-Cyrl-RS", "sr-Latn-RS", "sv-SE",
    "sw-KE", "ta-IN", "te-IN", "th-TH", "tk-TM", "tr-TR", "tt-RU", "ug-CN", "uk-UA", "ur-PK", "uz-Latn-UZ",
    "vi-VN", "zh-CN", "zh-TW",
)  # fmt: skip
DEFAULT_LANGUAGE = "en-US"
# Tags that name no row of the table but mean one of them.
_LANGUAGE_ALIASES = {"no": "nb-NO", "zh-hant": "zh-TW", "zh-hk": "zh-TW", "zh-mo": "zh-TW", "zh-sg": "zh-CN"}
# A bare language with several rows and no row whose region repeats the language ("fr" -> "fr-FR").
_LANGUAGE_DEFAULTS = {"en": "en-US", "sr": "sr-Latn-RS"}
_LANGUAGE_TAG = re.compile(r"[a-z]{1,8}(?:-[a-z0-9]{1,8})*")

_SECTION = re.compile(r"<([^<>]*)>")
_PLACEHOLDER = re.compile(r"(?P<name>[^=&]+)=(?P<placeholder>[^=&]*)(?P<amp>&?)")


@dataclass(frozen=True, slots=True)
class ActionUrlContext:
    """What the host knows when it opens a file: the values for the urlsrc placeholders it understands.

    `None` or `False` leaves a placeholder out, so the WOPI client uses its default.
    """

    # The WOPISrc (https://host/wopi/files/<id>); None only for actions on no file (preloadview, preloadedit).
    wopi_src: str | None
    # The user's language in any common spelling ("de", "pt_BR", "fr-CA,fr;q=0.9"): UI_LLCC.
    language: str | None = None
    # The language for data calculation (DC_LLCC); defaults to `language`.
    data_language: str | None = None
    business_user: bool = False
    disable_chat: bool = False
    host_session_id: str | None = None
    # Sent back by the client in X-WOPI-SessionContext.
    session_context: str | None = None
    validator_test_category: ValidatorTestCategory | None = None
    # The EMBEDDED placeholder; always set for the embedview action.
    embedded: bool = False
    # Broadcast placeholders.
    disable_async: bool = False
    disable_broadcast: bool = False
    fullscreen: bool = False
    recording: bool = False
    theme_id: Literal[1, 2] | None = None


def build_action_url(
    action: Action, context: ActionUrlContext, *, max_length: int = MAX_ACTION_URL_LENGTH
) -> str:
    """Return the action URL for `action`; raise InvalidRequest if it would exceed `max_length` bytes."""
    filled = fill_placeholders(action.urlsrc, placeholder_values(action, context))
    # Older templates lack WOPI_SOURCE and SESSION_CONTEXT; hosts then add WOPISrc and sc themselves.
    offered = _placeholders_in(action.urlsrc)
    extra: list[tuple[str, str]] = []
    if context.wopi_src and "WOPI_SOURCE" not in offered:
        extra.append(("WOPISrc", context.wopi_src))
    if context.session_context and "SESSION_CONTEXT" not in offered:
        extra.append(("sc", context.session_context))
    # Collabora Online's urlsrc has no placeholders at all; it reads the UI language from a "lang" parameter.
    if context.language and not offered:
        extra.append(("lang", to_llcc(context.language)))
    url = _add_missing_params(filled, extra)
    size = len(url.encode("utf-8"))
    if size > max_length:
        raise InvalidRequest(
            f"the {action.name} action URL would be {size} bytes, over the WOPI client's limit of"
            f" {max_length}; shorten the session context, host session ID or WOPISrc"
        )
    return url


def placeholder_values(action: Action, context: ActionUrlContext) -> dict[str, str]:
    """Return the value of each placeholder the context fills; placeholders it leaves out are absent."""
    ui_language = to_llcc(context.language) if context.language else None
    data_language = context.data_language or context.language
    candidates: dict[str, str | None] = {
        "UI_LLCC": ui_language,
        "DC_LLCC": to_llcc(data_language) if data_language else None,
        "BUSINESS_USER": _flag(context.business_user, "1"),
        "DISABLE_CHAT": _flag(context.disable_chat, "1"),
        "HOST_SESSION_ID": context.host_session_id,
        "SESSION_CONTEXT": context.session_context,
        "WOPI_SOURCE": context.wopi_src,
        "VALIDATOR_TEST_CATEGORY": context.validator_test_category,
        "EMBEDDED": _flag(context.embedded or action.name == "embedview", "true"),
        "DISABLE_ASYNC": _flag(context.disable_async, "true"),
        "DISABLE_BROADCAST": _flag(context.disable_broadcast, "true"),
        "FULLSCREEN": _flag(context.fullscreen, "true"),
        "RECORDING": _flag(context.recording, "true"),
        "THEME_ID": str(context.theme_id) if context.theme_id else None,
    }
    return {name: value for name, value in candidates.items() if value}


def _flag(enabled: bool, value: str) -> str | None:
    return value if enabled else None


def fill_placeholders(urlsrc: str, values: Mapping[str, str]) -> str:
    """Replace each `<name=PLACEHOLDER[&]>` section by `name=value[&]`, or remove it when it has no value."""
    # re.split with one group alternates literal text (even indexes) and section contents (odd ones).
    parts = _SECTION.split(urlsrc)
    filled = ""
    for index, part in enumerate(parts):
        text = part if index % 2 == 0 else _fill_section(part, values)
        if index % 2 and text:
            filled += _separator_before_section(filled)
        filled += text
    return filled


def _separator_before_section(before: str) -> str:
    # A filled section is a query parameter of its own: it needs a "?" when the template put none before
    # it, and an "&" when the text before it (a fixed parameter or a section without "&") ends without one.
    if "?" not in before.partition("#")[0]:
        return "?"
    return "" if before.endswith(("?", "&")) else "&"


def _placeholders_in(urlsrc: str) -> set[str]:
    sections = (_PLACEHOLDER.fullmatch(section.strip()) for section in _SECTION.findall(urlsrc))
    return {section["placeholder"].strip() for section in sections if section}


def _fill_section(section: str, values: Mapping[str, str]) -> str:
    parsed = _PLACEHOLDER.fullmatch(section.strip())
    if parsed is None:
        return ""
    value = values.get(parsed["placeholder"].strip())
    if not value:
        return ""
    return f"{parsed['name'].strip()}={quote(value, safe='')}{parsed['amp']}"


def _add_missing_params(url: str, params: list[tuple[str, str]]) -> str:
    """Append the parameters the URL lacks, and drop the empty ones a removed placeholder leaves behind."""
    without_fragment, hash_sign, fragment = url.partition("#")
    base, _, query = without_fragment.partition("?")
    # A template's trailing "&" (ONLYOFFICE's) is a separator even when nothing precedes it.
    base = base.rstrip("&")
    pieces = [piece for piece in query.split("&") if piece]
    present = {piece.partition("=")[0].lower() for piece in pieces}
    pieces.extend(f"{name}={quote(value, safe='')}" for name, value in params if name.lower() not in present)
    result = f"{base}?{'&'.join(pieces)}" if pieces else base
    return f"{result}{hash_sign}{fragment}"


def to_llcc(language: str | None) -> str:
    """Map a user's language ("de", "pt_br", "fr-CA,fr;q=0.8") to languages.csv, else DEFAULT_LANGUAGE."""
    subtags = _subtags(language)
    if not subtags:
        return DEFAULT_LANGUAGE
    for count in range(len(subtags), 0, -1):
        alias = _LANGUAGE_ALIASES.get("-".join(subtags[:count]))
        if alias:
            return alias
    candidates = _LANGUAGES_BY_PRIMARY.get(subtags[0])
    if not candidates:
        return DEFAULT_LANGUAGE
    wanted = set(subtags[1:])
    # max() keeps the first of equal scores, and each candidate list starts with the language's default.
    return max(candidates, key=lambda locale: len(wanted & set(locale.lower().split("-")[1:])))


def _subtags(language: str | None) -> list[str]:
    # The first of an Accept-Language list, without its weight; POSIX's "de_DE.UTF-8@euro" too.
    tag = re.split(r"[,;.@]", language or "", maxsplit=1)[0].strip().replace("_", "-").lower()
    return tag.split("-") if _LANGUAGE_TAG.fullmatch(tag) else []


def _languages_by_primary() -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = {}
    for locale in SUPPORTED_LANGUAGES:
        groups.setdefault(locale.split("-")[0].lower(), []).append(locale)
    return {
        primary: tuple(sorted(locales, key=_default_first(primary))) for primary, locales in groups.items()
    }


def _default_first(primary: str) -> Callable[[str], int]:
    preferred = _LANGUAGE_DEFAULTS.get(primary, "")

    def key(locale: str) -> int:
        if locale == preferred:
            return 0
        return 1 if locale.lower().split("-")[-1] == primary else 2

    return key


_LANGUAGES_BY_PRIMARY = _languages_by_primary()


def choose_action(
    discovery: Discovery,
    ext: str,
    names: str | tuple[str, ...],
    *,
    capabilities: frozenset[str] = DEFAULT_CAPABILITIES,
) -> Action | None:
    """Return the first action for `ext` named `names` (in preference order) whose requires the host meets."""
    wanted = (names,) if isinstance(names, str) else names
    actions = discovery.actions_for(ext)
    for name in wanted:
        for action in actions:
            if action.name == name and action.requires <= capabilities:
                return action
    return None


def available_actions(
    discovery: Discovery, ext: str, *, capabilities: frozenset[str] = DEFAULT_CAPABILITIES
) -> tuple[str, ...]:
    """The names of the actions the host can invoke on files with this extension, in discovery order."""
    names = (action.name for action in discovery.actions_for(ext) if action.requires <= capabilities)
    return tuple(dict.fromkeys(names))


def app_name_for(discovery: Discovery, ext: str) -> str | None:
    """The name of the app that opens this extension ("Word", "Excel", "PowerPoint", …), or None."""
    app = discovery.find_app(ext)
    return app.name if app else None
