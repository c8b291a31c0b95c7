"""Translations and locale formatting of the web UI: catalogs, sizes, dates, plurals and escaping."""

from __future__ import annotations

from datetime import UTC, datetime

import jinja2
import pytest

from wopihost.domain.links import MAX_VISITOR_NAME, visitor_name
from wopihost.domain.records import User
from wopihost.domain.sniffing import Kind, Sniffed
from wopihost.errors import InvalidRequest
from wopihost.ports import FolderContents
from wopihost.services.sessions import AN_ADMINISTRATOR, SOMEONE
from wopihost.web.errors import problem_for
from wopihost.web.i18n import ENGLISH, Catalogs
from wopihost.web.views import CONTENT_LABELS, content_label, contents_summary, deletion_notice

CATALOGS = Catalogs()
MOMENT = datetime(2026, 12, 6, 11, 14, 51, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "size", "text"),
    [
        ("en", 0, "0 bytes"),
        ("en", 1, "1 byte"),
        ("en", 1536, "1.5 KB"),
        ("de", 1536 * 1024, "1,5 MB"),
        ("de", 1, "1 Byte"),
        ("fr", 1536 * 1024, "1,5 Mo"),
        ("fr", 0, "0 octet"),
        ("es", 3 * 1024**3, "3,0 GB"),
        ("de", 12_345 * 1024**4, "12.345 TB"),
    ],
)
def test_format_size_uses_the_locales_separators_and_units(locale: str, size: int, text: str) -> None:
    assert CATALOGS.localizer(locale).format_size(size) == text


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("en", "Dec 6, 2026, 11:14 AM UTC"),
        ("de", "06.12.2026, 11:14 UTC"),
        ("fr", "6 déc. 2026, 11:14 UTC"),
        ("es", "6 dic 2026, 11:14 UTC"),
    ],
)
def test_format_datetime_follows_the_locale(locale: str, text: str) -> None:
    assert CATALOGS.localizer(locale).format_datetime(MOMENT).replace("\u202f", " ") == text


def test_gettext_translates_and_fills_named_placeholders() -> None:
    german = CATALOGS.localizer("de")
    assert german.gettext("My files") == "Meine Dateien"
    assert german.gettext("Renamed to “%(name)s”.", name="a.docx") == "Umbenannt in „a.docx“."
    assert ENGLISH.gettext("Renamed to “%(name)s”.", name="a.docx") == "Renamed to “a.docx”."


def test_ngettext_picks_the_plural_form_of_each_language() -> None:
    assert CATALOGS.localizer("fr").ngettext("%(num)s file", "%(num)s files", 0) == "0 fichier"
    assert CATALOGS.localizer("de").ngettext("%(num)s file", "%(num)s files", 0) == "0 Dateien"
    assert CATALOGS.localizer("es").ngettext("%(num)s file", "%(num)s files", 2500) == "2.500 archivos"


def test_folder_summaries_are_translated() -> None:
    german = CATALOGS.localizer("de")
    contents = FolderContents(files=2, folders=1)
    assert contents_summary(contents, german) == "2 Dateien und 1 Ordner"
    assert deletion_notice(contents, german).startswith(
        "2 Dateien und 1 Ordner darin kommen mit in den Papierkorb"
    )


def test_for_request_prefers_the_users_setting_over_the_browser() -> None:
    user = User(id="u1", username="u", display_name="U", root_folder_id="r", locale="es")
    assert CATALOGS.for_request(user, "de-DE").locale == "es"
    assert CATALOGS.for_request(None, "de-AT,en;q=0.5").tag == "de-at"
    assert CATALOGS.for_request(None, "ja").locale == "en"


def test_templates_escape_values_put_into_translations() -> None:
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    template = env.from_string(
        '{% trans name=n %}Move “{{ name }}” to the trash?{% endtrans %} {{ _("Open in %(app)s", app=n) }}'
    )
    html = template.render(n="<b>x</b>", **CATALOGS.localizer("de").jinja_globals())
    assert html == "„&lt;b&gt;x&lt;/b&gt;“ in den Papierkorb verschieben? In &lt;b&gt;x&lt;/b&gt; öffnen"


@pytest.mark.parametrize("kind", list(Kind))
def test_every_content_label_is_translated(kind: Kind) -> None:
    german = CATALOGS.localizer("de")
    for found in (Sniffed(kind), Sniffed(kind, frozenset({".docx"}))):
        label = content_label(found)
        assert label in CONTENT_LABELS or label == "a .docx file"
        assert content_label(found, german) != label


def test_person_translates_only_the_services_stand_ins() -> None:
    german = CATALOGS.localizer("de")
    assert german.person(SOMEONE) == "jemandem"
    assert german.person(AN_ADMINISTRATOR) == "einem Administrator"
    assert german.person("Bob Brown") == "Bob Brown"
    assert german.person("Owner") == "Owner"


def test_service_message_with_values_is_translated_before_they_are_filled_in() -> None:
    with pytest.raises(InvalidRequest) as caught:
        visitor_name("x" * (MAX_VISITOR_NAME + 1))
    assert str(caught.value) == f"the name may have at most {MAX_VISITOR_NAME} characters"
    german = problem_for(caught.value, CATALOGS.localizer("de")).message
    assert german == f"Der Name darf höchstens {MAX_VISITOR_NAME} Zeichen haben"
    assert problem_for(caught.value).message == f"The name may have at most {MAX_VISITOR_NAME} characters"
