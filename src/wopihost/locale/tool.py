"""Keep the catalogs in step with the sources: extract, update, compile and check (a developer's tool).

    python -m wopihost.locale.tool update    # extract the sources' messages and merge them into every .po
    python -m wopihost.locale.tool compile   # write each .mo from its .po (the .mo files are committed)
    python -m wopihost.locale.tool check     # what CI checks: complete, in sync, placeholders, .mo current

Run from the repository root (babel.cfg says where the messages are). New messages arrive in the .po files
with an empty msgstr; translate them, then compile.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from wopihost.domain.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES

LOCALE_DIR = Path(__file__).resolve().parent
ROOT = LOCALE_DIR.parents[2]
DOMAIN = "messages"
# The exceptions whose messages the web UI shows as they are (web/errors.py translates them), and the labels
# of required form fields (web/context.py's required(form, name, label)).
KEYWORDS = {**DEFAULT_KEYWORDS, "PermissionDenied": None, "InvalidRequest": None, "required": (3,)}
TRANSLATED = tuple(locale for locale in SUPPORTED_LOCALES if locale != DEFAULT_LOCALE)
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def po_path(locale: str) -> Path:
    """Where a locale's catalog is."""
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract(root: Path = ROOT) -> Catalog:
    """Every translatable message in the sources, as babel.cfg maps them."""
    with (root / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    catalog = Catalog(project="wopihost", charset="utf-8")
    # Babel warns on stderr of each f-string it cannot extract; those messages stay untranslated.
    for path, line, message, comments, context in extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
    ):
        if message and (message[0] if isinstance(message, tuple) else message):
            catalog.add(message, None, [(path, line)], auto_comments=comments, context=context)
    return catalog


def load(locale: str) -> Catalog:
    """A locale's catalog as it is on disk."""
    with po_path(locale).open("rb") as file:
        return read_po(file, locale=locale, domain=DOMAIN)


def update() -> None:
    """Merge the sources' messages into every catalog; messages no source has any more are dropped."""
    template = extract()
    for locale in TRANSLATED:
        path = po_path(locale)
        catalog = load(locale) if path.exists() else Catalog(locale=locale, project="wopihost")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        # The header is no draft: a fuzzy header would leave the plural rule out of the .mo.
        catalog.fuzzy = False
        catalog.project, catalog.version = "wopihost", ""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as file:
            # Sorted and without source lines, so that branches adding messages rarely conflict here.
            write_po(file, catalog, width=110, no_location=True, sort_output=True)


def compiled(locale: str) -> bytes:
    """The .mo bytes of a locale's .po."""
    buffer = io.BytesIO()
    write_mo(buffer, load(locale), use_fuzzy=False)
    return buffer.getvalue()


def compile_all() -> None:
    """Write each locale's .mo next to its .po."""
    for locale in TRANSLATED:
        po_path(locale).with_suffix(".mo").write_bytes(compiled(locale))


def placeholders(text: str) -> set[str]:
    """The named placeholders of a message: %(name)s for Python, {name} for the scripts."""
    return {a or b for a, b in _PLACEHOLDER.findall(text)}


def problems(locale: str, extracted: Catalog) -> list[str]:
    """What is wrong with a catalog: untranslated, fuzzy, missing, stale, placeholder mismatches, old .mo."""
    catalog = load(locale)
    found = [f"{locale}: missing {m.id!r}" for m in extracted if m.id and m.id not in catalog]
    known: set[object] = {_key(m.id) for m in extracted if m.id}
    for message in catalog:
        if not message.id:
            continue
        found.extend(_message_problems(locale, message, known))
    if po_path(locale).with_suffix(".mo").read_bytes() != compiled(locale):
        found.append(f"{locale}: messages.mo is older than messages.po (run the compile command)")
    return found


def _key(message_id: object) -> object:
    return tuple(message_id) if isinstance(message_id, list) else message_id


def _texts(value: object) -> list[str]:
    return [str(text or "") for text in value] if isinstance(value, (tuple, list)) else [str(value or "")]


def _message_problems(locale: str, message: Message, known: set[object]) -> Iterable[str]:
    if _key(message.id) not in known:
        yield f"{locale}: {message.id!r} is in no source any more (run the update command)"
    if message.fuzzy:
        yield f"{locale}: fuzzy {message.id!r}"
    ids = _texts(message.id)
    strings = _texts(message.string)
    if not all(strings):
        yield f"{locale}: untranslated {message.id!r}"
        return
    wanted = set().union(*(placeholders(text) for text in ids))
    for text in strings:
        # A singular form may leave out the count ("one file" for "%(num)s file"), never add a name.
        have = placeholders(text)
        if have - wanted or (wanted - have - {"num"}):
            yield f"{locale}: placeholders of {message.id!r} differ: {sorted(have)} vs {sorted(wanted)}"


def main(argv: list[str]) -> int:
    """The command line: update, compile or check."""
    command = argv[0] if argv else ""
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "check":
        extracted = extract()
        found = [problem for locale in TRANSLATED for problem in problems(locale, extracted)]
        print("\n".join(found) or "catalogs are complete and current")
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
