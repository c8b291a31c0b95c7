"""The web UI in the user's language: by the browser's Accept-Language, by the user's setting, and passed on.

German, French and Spanish pages, the setting that persists, error messages and formatted sizes in the
chosen language, and the same language in the WOPI client's action URL (UI_LLCC).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.integration.test_cli import data_dir, isolated_logging, out, run  # noqa: F401 - fixtures
from tests.integration.web_support import Web

pytestmark = pytest.mark.anyio

_LANG = re.compile(r'<html lang="([^"]+)">')


def lang_of(page: str) -> str:
    found = _LANG.search(page)
    assert found, "the page has no <html lang>"
    return found.group(1)


def action_query(page: str) -> dict[str, list[str]]:
    found = re.search(
        r'<form id="office_form" name="office_form" target="office_frame" action="([^"]+)"', page
    )
    assert found, "the page has no office_form"
    return parse_qs(urlsplit(html.unescape(found.group(1))).query)


@pytest.mark.parametrize(
    ("header", "lang", "text"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", "de-de", "Anmelden"),
        ("fr-FR,fr;q=0.9", "fr-fr", "Se connecter"),
        ("es-ES", "es-es", "Iniciar sesión"),
        ("de-AT", "de-at", "Benutzername"),
        ("it-IT,it;q=0.9,fr;q=0.5", "fr", "Mot de passe"),
        ("it-IT", "en", "Sign in"),
        ("", "en", "Your documents, in the browser."),
    ],
)
async def test_signin_page_by_accept_language_is_translated(
    web: Web, header: str, lang: str, text: str
) -> None:
    page = await web.client.get("/signin", headers={"Accept-Language": header})
    assert page.status_code == 200
    assert lang_of(page.text) == lang
    assert text in page.text


async def test_wrong_password_message_in_browsers_language(web: Web) -> None:
    token = (await web.client.get("/signin")).text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', token)
    assert csrf
    data = {"username": "alice", "password": "wrong password!", "csrf_token": csrf.group(1)}
    page = await web.client.post("/signin", data=data, headers={"Accept-Language": "es"})
    assert page.status_code == 401
    assert "Nombre de usuario o contraseña incorrectos." in page.text


async def test_file_browser_by_accept_language_formats_sizes(signed_in: Web) -> None:
    await signed_in.upload("Bericht.docx", b"x" * 1536)
    page = await signed_in.client.get("/", headers={"Accept-Language": "de"})
    assert "<h1>Meine Dateien</h1>" in page.text
    assert "1,5 KB" in page.text
    assert "Weitere Aktionen für Bericht.docx" in page.text
    assert '"Loading…": "Wird geladen…"' in page.text.replace("\\u2026", "…")


async def test_settings_language_persists_and_overrides_browser(signed_in: Web) -> None:
    german = {"Accept-Language": "de-DE"}
    saved = await signed_in.client.post(
        "/settings", data={"locale": "fr", "csrf_token": await signed_in.csrf()}, headers=german
    )
    assert saved.status_code == 303
    settings = await signed_in.client.get("/settings", headers=german)
    assert lang_of(settings.text) == "fr"
    assert "Vos paramètres sont enregistrés." in settings.text
    assert '<option value="fr" selected lang="fr">Français</option>' in settings.text
    assert (await signed_in.services.users.get_user(signed_in.alice.id)).locale == "fr"

    await signed_in.post("/settings", {"locale": "auto"})
    home = await signed_in.client.get("/", headers=german)
    assert lang_of(home.text) == "de-de"
    assert (await signed_in.services.users.get_user(signed_in.alice.id)).locale is None


async def test_settings_unknown_language_refused_and_nothing_stored(signed_in: Web) -> None:
    refused = await signed_in.post("/settings", {"locale": "klingon"}, json=True)
    assert refused.status_code == 400
    assert "language must be one of" in refused.json()["error"]
    assert (await signed_in.services.users.get_user(signed_in.alice.id)).locale is None


async def test_error_messages_follow_the_users_language(signed_in: Web) -> None:
    await signed_in.services.users.set_locale(signed_in.alice, "de")
    missing = await signed_in.client.get("/files/nosuchfile/versions")
    assert missing.status_code == 404
    assert "Nicht gefunden" in missing.text
    file = await signed_in.upload("a.docx", b"a")
    await signed_in.upload("b.docx", b"b")
    taken = await signed_in.post(f"/files/{file.id}/rename", {"name": "b.docx"}, json=True)
    assert taken.status_code == 409
    assert taken.json()["title"] == "Dieser Name ist vergeben"
    assert "Hier gibt es bereits eine Datei namens „b.docx“." in taken.json()["error"]


async def test_flash_message_in_users_language(signed_in: Web) -> None:
    await signed_in.services.users.set_locale(signed_in.alice, "es")
    file = await signed_in.upload("Informe.docx", b"x")
    await signed_in.post(f"/files/{file.id}/rename", {"name": "Final.docx"})
    page = await signed_in.client.get("/")
    assert "Nombre cambiado a «Final.docx»." in page.text


@pytest.mark.parametrize(
    ("setting", "header", "ui"),
    [
        (None, "de-DE,de;q=0.9", "de-DE"),
        ("fr", "de-DE", "fr-FR"),
        (None, "es-MX", "es-mx"),
        (None, "", "en-US"),
    ],
)
async def test_host_page_passes_the_ui_language_to_the_wopi_client(
    signed_in: Web, setting: str | None, header: str, ui: str
) -> None:
    await signed_in.services.users.set_locale(signed_in.alice, setting)
    file = await signed_in.upload("Plan.docx", b"plan")
    page = await signed_in.client.get(f"/files/{file.id}/edit", headers={"Accept-Language": header})
    assert page.status_code == 200
    query = action_query(page.text)
    assert query["ui"] == [ui]
    assert query["rs"] == [ui]
    assert lang_of(page.text) == (setting or header.split(",")[0].lower() or "en")


def test_cli_user_set_locale_stores_and_clears(data_dir: Path) -> None:  # noqa: F811
    run(data_dir, "user", "add", "erin")
    assert out(run(data_dir, "user", "set", "erin", "--locale", "de")) == "erin\tlocale=de"
    assert out(run(data_dir, "user", "set", "ERIN", "--locale", "auto")) == "erin\tlocale=auto"
    refused = run(data_dir, "user", "set", "erin", "--locale", "it", ok=False)
    assert "--locale" in refused.stderr


async def test_name_rule_refusal_explained_in_users_language(signed_in: Web) -> None:
    await signed_in.services.users.set_locale(signed_in.alice, "de")
    file = await signed_in.upload("a.docx", b"a")
    refused = await signed_in.post(f"/files/{file.id}/rename", {"name": "a<b.docx"}, json=True)
    assert refused.status_code == 400
    assert refused.json()["error"].startswith(
        "Der Name ist nicht erlaubt: der Name enthält ein unzulässiges Zeichen"
    )


async def test_pages_say_their_language_and_vary_by_accept_language(web: Web) -> None:
    page = await web.client.get("/signin", headers={"Accept-Language": "fr"})
    assert page.headers["Content-Language"] == "fr"
    assert "Accept-Language" in page.headers["Vary"]


async def test_blank_required_field_named_in_users_language(signed_in: Web) -> None:
    await signed_in.services.users.set_locale(signed_in.alice, "fr")
    root = (await signed_in.services.browse.root_folder(signed_in.alice)).id
    refused = await signed_in.post(f"/folders/{root}/folders", {"name": "   "}, json=True)
    assert refused.status_code == 400
    assert refused.json()["error"] == "Un nom de dossier est requis."
