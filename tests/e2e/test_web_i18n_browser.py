"""The UI in the browser's language and in the one a user picks, in Chromium.

A German browser gets German pages (text from templates and from scripts, dates formatted the German way);
choosing French in the settings turns everything French, whatever the browser says.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import PASSWORD, HostServer

pytestmark = pytest.mark.e2e

USER = "carla"
# The user of the trash and search test: Carla's language changes in the settings test.
TRASH_USER = "dieter"


@pytest.fixture(scope="module")
def carla(host_server: HostServer) -> str:
    """A user of these tests alone, so that the language she picks touches no other test."""
    host_server.cli("user", "add", USER, "--name", "Carla Castillo", "--password", PASSWORD)
    return USER


@pytest.fixture
def german_page(browser: Browser) -> Iterator[Page]:
    """A browser whose language is German (Accept-Language: de-DE)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="de-DE")
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in_german(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/signin")
    expect(page.get_by_role("heading", name="Bei wopihost anmelden")).to_be_visible()
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{base}/")


def test_browser_in_german_shows_german_ui(
    german_page: Page,
    host_server: HostServer,
    carla: str,
    put_file: Callable[..., str],
    screenshots: Path,
    tmp_path: Path,
) -> None:
    put_file("Bericht.docx", b"PK" + b"x" * 1600, owner=carla)
    page = german_page
    sign_in_german(page, host_server.base, carla)
    expect(page.locator("html")).to_have_attribute("lang", "de-de")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Dateien")
    expect(page.get_by_role("navigation", name="Bereiche")).to_contain_text("Für mich freigegeben")
    row = page.locator("tr", has_text="Bericht.docx")
    expect(row.get_by_role("link", name=re.compile("^In Word öffnen"))).to_be_visible()
    expect(row.locator(".col-size")).to_have_text("1,6 KB")
    # The script re-formats times in the page's language: German dates are day.month.year.
    expect(row.locator("time")).to_have_text(re.compile(r"^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$"))
    page.locator("summary", has_text="Neu").click()
    page.get_by_role("menuitem", name="Ordner").click()
    dialog = page.locator("#folder-dialog")
    expect(dialog.get_by_role("heading")).to_have_text("Neuer Ordner")
    page.screenshot(path=screenshots / "i18n-01-file-browser-de.png")
    dialog.get_by_role("button", name="Abbrechen").click()
    # Messages the scripts show come translated from the page: an upload's status.
    notes = tmp_path / "Notizen.txt"
    notes.write_text("Hallo")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Hochladen").click()
    chooser.value.set_files(notes)
    expect(page.locator(".upload-item.done .upload-status")).to_have_text("Fertig")
    expect(page.locator("tr", has_text="Notizen.txt")).to_be_visible()
    # A message the script shows: the move dialog's folder list.
    row.get_by_label("Weitere Aktionen für Bericht.docx").click()
    row.get_by_role("menuitem", name="Verschieben").click()
    expect(page.locator("#move-dialog h2")).to_have_text("„Bericht.docx“ verschieben")


def test_user_switches_to_french_in_settings_and_sees_french(
    german_page: Page,
    host_server: HostServer,
    carla: str,
    put_file: Callable[..., str],
    screenshots: Path,
) -> None:
    # A file of this test's own, so that the list (and its column headers) shows whatever ran before.
    put_file("Rapport.docx", b"PK" + b"x" * 800, owner=carla, replace=True)
    page = german_page
    sign_in_german(page, host_server.base, carla)
    page.get_by_role("link", name="Einstellungen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Einstellungen")
    page.get_by_label("Sprache").select_option(label="Français")
    page.get_by_role("button", name="Speichern").click()
    try:
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page.get_by_role("heading", level=1)).to_have_text("Paramètres")
        expect(page.locator("#flashes")).to_contain_text("Vos paramètres sont enregistrés.")
        expect(page.get_by_label("Langue")).to_have_value("fr")
        page.screenshot(path=screenshots / "i18n-02-settings-fr.png")
        page.get_by_role("link", name="Mes fichiers").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Mes fichiers")
        expect(page.get_by_role("columnheader", name="Modifié")).to_be_visible()
        page.screenshot(path=screenshots / "i18n-03-file-browser-fr.png")
    finally:
        host_server.cli("user", "set", carla, "--locale", "auto")


@pytest.fixture(scope="module")
def dieter(host_server: HostServer) -> str:
    """A user of the trash and search test alone, whose language follows the browser."""
    host_server.cli("user", "add", TRASH_USER, "--name", "Dieter Dorn", "--password", PASSWORD)
    return TRASH_USER


def test_german_browser_sees_search_and_trash_in_german(
    german_page: Page,
    host_server: HostServer,
    dieter: str,
    put_file: Callable[..., str],
    screenshots: Path,
) -> None:
    put_file("/Sitzungen/Protokoll.docx", b"PK" + b"x" * 1600, owner=dieter)
    page = german_page
    sign_in_german(page, host_server.base, dieter)
    # The search box and the results page.
    search = page.get_by_role("combobox", name="Dateien und Ordner durchsuchen")
    search.fill("Protokoll")
    search.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ergebnisse für „Protokoll“")
    expect(page.get_by_role("heading", name="Namen")).to_be_visible()
    expect(page.get_by_role("heading", name="In Dokumenten")).to_be_visible()
    result = page.locator("[data-name-results] .search-result", has_text="Protokoll.docx")
    expect(result.locator(".search-location")).to_have_text("/Sitzungen")
    expect(result.locator(".meta")).to_contain_text(re.compile(r"\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} UTC"))
    page.screenshot(path=screenshots / "i18n-04-search-de.png")
    # Moving the file to the trash: its menu, the dialog, the flash with Undo.
    page.get_by_role("navigation", name="Bereiche").get_by_role("link", name="Meine Dateien").click()
    page.get_by_role("link", name="Sitzungen", exact=True).click()
    row = page.locator("tr", has_text="Protokoll.docx")
    row.get_by_label("Weitere Aktionen für Protokoll.docx").click()
    row.get_by_role("menuitem", name="In den Papierkorb").click()
    dialog = page.locator("#delete-dialog")
    expect(dialog.get_by_role("heading")).to_have_text("„Protokoll.docx“ in den Papierkorb verschieben?")
    expect(dialog).to_contain_text("30 Tage")
    dialog.get_by_role("button", name="In den Papierkorb").click()
    flash = page.locator(".flash")
    expect(flash).to_contain_text("„Protokoll.docx“ wurde in den Papierkorb verschoben.")
    expect(flash.get_by_role("button", name="Rückgängig")).to_be_visible()
    # The trash page: headings, location, German date and size.
    page.get_by_role("navigation", name="Bereiche").get_by_role("link", name="Papierkorb").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Papierkorb")
    expect(page.get_by_role("columnheader", name="Ursprünglicher Ort")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Gelöscht")).to_be_visible()
    expect(page.locator(".lead")).to_contain_text("bleiben 30 Tage hier")
    entry = page.locator('tr[data-trash-name="Protokoll.docx"]')
    expect(entry.locator(".trash-location")).to_have_text("Meine Dateien/Sitzungen")
    expect(entry.locator(".col-size")).to_have_text("1,6 KB")
    expect(entry.locator("time")).to_have_text(re.compile(r"^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$"))
    expect(entry.get_by_role("button", name="Protokoll.docx wiederherstellen")).to_be_visible()
    page.screenshot(path=screenshots / "i18n-05-trash-de.png")
    entry.get_by_role("button", name="Protokoll.docx wiederherstellen").click()
    expect(page.locator(".flash")).to_contain_text("„Protokoll.docx“ wurde wiederhergestellt.")
