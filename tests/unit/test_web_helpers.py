"""Small web helpers: downloads' Content-Disposition, the CSP, redirects, file rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest

from tests.e2e.standin_client import discovery_xml
from wopihost.domain.discovery import parse_discovery
from wopihost.domain.locks import Lock
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord, User
from wopihost.web.context import local_path
from wopihost.web.download import content_disposition
from wopihost.web.security import build_csp, origin_of
from wopihost.web.views import file_kind, file_row, human_size, open_links

NOW = datetime(2026, 1, 1, tzinfo=UTC)
DISCOVERY = parse_discovery(discovery_xml("http://client.test:9000"))


def make_file(name: str = "Report.docx", size: int = 10, lock: Lock | None = None) -> FileRecord:
    return FileRecord(
        id="f1",
        folder_id="d1",
        owner_id="u1",
        name=name,
        size=size,
        sha256="",
        version=1,
        blob_key="b",
        created_at=NOW,
        modified_at=NOW,
        modified_by=None,
        lock=lock,
    )


def test_content_disposition_non_ascii_name_uses_rfc8187_filename_star() -> None:
    header = content_disposition("Résumé 2026 (final).docx")
    assert header.startswith('attachment; filename="R_sum_ 2026 (final).docx"; ')
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "Résumé 2026 (final).docx"
    assert " " not in encoded
    assert "(" not in encoded


def test_content_disposition_quotes_and_semicolons_cannot_break_out() -> None:
    header = content_disposition('a"; filename=evil.exe; b.docx')
    assert header == (
        'attachment; filename="a__ filename=evil.exe_ b.docx"; '
        "filename*=UTF-8''a%22%3B%20filename%3Devil.exe%3B%20b.docx"
    )


def test_build_csp_default_allows_no_frames_and_only_self_scripts() -> None:
    directives = dict(part.strip().split(" ", 1) for part in build_csp().split(";"))
    assert directives["frame-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"


def test_origin_of_lowercases_and_drops_path() -> None:
    assert origin_of("HTTPS://Client.Example:8443/a/b?c") == "https://client.example:8443"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/folders/x?y=1", "/folders/x?y=1"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_local_path_only_same_site_paths_survive(target: str | None, expected: str) -> None:
    assert local_path(target) == expected


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 bytes"), (1, "1 byte"), (1536, "1.5 KB"), (20 * 1024, "20 KB"), (3 << 20, "3.0 MB")],
)
def test_human_size_units(size: int, text: str) -> None:
    assert human_size(size) == text


@pytest.mark.parametrize(
    ("name", "icon"),
    [("a.DOCX", "word"), ("b.xls", "excel"), ("c.pptx", "powerpoint"), ("t.wopitest", "test"), ("x", "file")],
)
def test_file_kind_by_extension(name: str, icon: str) -> None:
    assert file_kind(name).icon == icon


def test_open_links_writer_gets_open_in_app_and_separate_view() -> None:
    main, view = open_links(DISCOVERY, make_file("Report.docx"), Role.OWNER)
    assert main is not None
    assert view is not None
    assert (main.label, main.url) == ("Open in Word", "/files/f1/edit")
    assert view.url == "/files/f1/view"


def test_open_links_reader_gets_view_only() -> None:
    main, view = open_links(DISCOVERY, make_file("Budget.xlsx"), Role.VIEW)
    assert main is not None
    assert (main.label, main.url) == ("Open in Excel", "/files/f1/view")
    assert view is None


def test_open_links_empty_document_opens_with_editnew() -> None:
    main, view = open_links(DISCOVERY, make_file("New.pptx", size=0), Role.EDIT)
    assert main is not None
    assert main.url == "/files/f1/editnew"
    assert view is None


def test_open_links_legacy_document_converts_with_hint() -> None:
    main, _view = open_links(DISCOVERY, make_file("Old.doc"), Role.OWNER)
    assert main is not None
    assert main.action == "convert"
    assert "docx" in main.hint


def test_open_links_no_discovery_or_unknown_type_nothing() -> None:
    assert open_links(None, make_file(), Role.OWNER) == (None, None)
    assert open_links(DISCOVERY, make_file("notes.txt"), Role.OWNER) == (None, None)


def test_file_row_live_lock_names_editor_and_expired_lock_none() -> None:
    bob = User(id="u2", username="bob", display_name="Bob Brown", root_folder_id="r")
    live = make_file(lock=Lock("L", NOW + timedelta(minutes=5), user_id="u2"))
    expired = make_file(lock=Lock("L", NOW - timedelta(minutes=5), user_id="u2"))
    assert file_row(live, Role.OWNER, discovery=DISCOVERY, users={"u2": bob}, now=NOW).editor == "Bob Brown"
    assert file_row(expired, Role.OWNER, discovery=DISCOVERY, users={"u2": bob}, now=NOW).editor is None
