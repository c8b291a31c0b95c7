"""The catalogs are complete, in step with the sources, keep every placeholder, and their .mo are current.

A message added to a template, a route or a script without a translation fails here; the fix is
`python -m wopihost.locale.tool update`, translating the new msgids in each .po, then `... compile`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message

from wopihost.locale import tool
from wopihost.web.i18n_js import JS_MESSAGES

JS_DIR = Path(tool.__file__).resolve().parents[1] / "web" / "static" / "js"
_JS_CALL = re.compile(r"""\bt\(\s*"((?:[^"\\]|\\.)*)\"""")


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    return tool.extract()


@pytest.mark.parametrize("locale", tool.TRANSLATED)
def test_catalog_complete_in_sync_and_compiled(locale: str, extracted: Catalog) -> None:
    assert tool.problems(locale, extracted) == []


def test_extraction_finds_templates_routes_scripts_and_services(extracted: Catalog) -> None:
    for msgid in (
        "Sign in",
        "Renamed to “%(name)s”.",
        "Being edited by {editor}",
        "only the owner may share this file",
    ):
        assert msgid in extracted


def test_every_script_message_is_handed_to_the_scripts() -> None:
    used = {match for path in JS_DIR.glob("*.js") for match in _JS_CALL.findall(path.read_text("utf-8"))}
    assert used, "the scripts translate their messages with t()"
    assert used - set(JS_MESSAGES) == set()


@pytest.mark.parametrize(
    ("msgid", "translation", "wrong"),
    [
        ("Renamed to “%(name)s”.", "Umbenannt in „%(nom)s“.", True),
        ("Saved as {name}", "Gespeichert als {name}", False),
        ("Saved as {name}", "Gespeichert", True),
        ("Move", "Verschieben", False),
    ],
)
def test_placeholder_check_catches_renamed_or_lost_placeholders(
    msgid: str, translation: str, wrong: bool
) -> None:
    message = Message(msgid, translation)
    found = list(tool._message_problems("de", message, {msgid}))
    assert bool(found) is wrong


def test_untranslated_fuzzy_and_stale_messages_are_reported() -> None:
    fuzzy = Message("Move", "Verschieben", flags=["fuzzy"])
    assert any("fuzzy" in p for p in tool._message_problems("de", fuzzy, {"Move"}))
    assert any("untranslated" in p for p in tool._message_problems("de", Message("Move", ""), {"Move"}))
    assert any("no source" in p for p in tool._message_problems("de", Message("Gone", "Weg"), {"Move"}))
