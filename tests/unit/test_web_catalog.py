"""Which action a host page invokes, the app names the UI shows, and the client's origins."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.standin_client import discovery_xml
from wopihost.domain.discovery import Discovery, parse_discovery
from wopihost.web.catalog import (
    client_origins,
    favicon_origins,
    friendly_app_name,
    new_document_kinds,
    plan_open,
    resolve_open,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "discovery"
CLIENT = "http://client.test:9000"


@pytest.fixture(scope="module")
def standin() -> Discovery:
    return parse_discovery(discovery_xml(CLIENT))


@pytest.fixture(scope="module")
def microsoft() -> Discovery:
    return parse_discovery((FIXTURES / "m365.xml").read_bytes())


@pytest.fixture(scope="module")
def collabora() -> Discovery:
    return parse_discovery((FIXTURES / "collabora.xml").read_bytes())


@pytest.mark.parametrize(
    ("ext", "requested", "can_write", "empty", "action", "redirect"),
    [
        (".docx", "edit", True, False, "edit", None),
        (".docx", "view", True, False, "view", None),
        (".docx", "view", False, False, "view", None),
        (".docx", "edit", False, False, None, "view"),
        (".docx", "editnew", False, True, None, "view"),
        (".docx", "edit", True, True, None, "editnew"),
        (".docx", "view", True, True, None, "editnew"),
        (".docx", "view", False, True, "view", None),
        (".docx", "editnew", True, True, "editnew", None),
        (".docx", "editnew", True, False, None, "edit"),
        (".docx", "embedview", False, False, "embedview", None),
        (".doc", "edit", True, False, "convert", None),
        (".doc", "convert", True, False, "convert", None),
        (".doc", "view", True, False, "view", None),
        (".xlsx", "convert", True, False, None, "edit"),
        (".wopitest", "edit", True, True, None, "view"),
        (".wopitest", "view", True, True, "view", None),
        (".txt", "view", True, False, None, None),
        (".txt", "edit", True, False, None, None),
        (".docx", "bogus", True, False, None, None),
    ],
)
def test_plan_open_request_and_rights_choose_action_or_redirect(
    standin: Discovery,
    ext: str,
    requested: str,
    can_write: bool,
    empty: bool,
    action: str | None,
    redirect: str | None,
) -> None:
    plan = plan_open(standin, ext, requested, can_write=can_write, empty=empty)
    assert (plan.action.name if plan.action else None) == action
    assert plan.redirect_to == redirect


@pytest.mark.parametrize(
    ("ext", "requested", "can_write", "empty", "final"),
    [
        (".docx", "edit", True, True, "editnew"),
        (".docx", "edit", False, False, "view"),
        (".wopitest", "edit", True, True, "view"),
        (".doc", "edit", True, False, "convert"),
        (".txt", "edit", True, False, None),
    ],
)
def test_resolve_open_redirect_chain_ends_at_action(
    standin: Discovery, ext: str, requested: str, can_write: bool, empty: bool, final: str | None
) -> None:
    action = resolve_open(standin, ext, requested, can_write=can_write, empty=empty)
    assert (action.name if action else None) == final


def test_plan_open_microsoft_doc_edit_converts(microsoft: Discovery) -> None:
    plan = plan_open(microsoft, ".doc", "edit", can_write=True, empty=False)
    assert plan.action is not None
    assert plan.action.name == "convert"


def test_plan_open_microsoft_empty_xlsx_uses_editnew(microsoft: Discovery) -> None:
    plan = plan_open(microsoft, ".xlsx", "edit", can_write=True, empty=True)
    assert plan.redirect_to == "editnew"


def test_new_document_kinds_standin_offers_word_excel_powerpoint(standin: Discovery) -> None:
    kinds = [(kind.ext, app) for kind, app in new_document_kinds(standin)]
    assert kinds == [("docx", "Word"), ("xlsx", "Excel"), ("pptx", "PowerPoint")]


def test_friendly_app_name_collabora_apps_named_after_their_module(collabora: Discovery) -> None:
    mime = collabora.find_app_named("application/vnd.oasis.opendocument.text")
    writer = collabora.find_app("docx")
    assert mime is not None
    assert writer is not None
    assert writer.name == "writer"
    assert friendly_app_name(mime) == "Writer"
    assert friendly_app_name(writer) == "Writer"
    assert friendly_app_name(collabora.find_app("xlsx")) == "Calc"
    assert friendly_app_name(collabora.find_app("pptx")) == "Impress"
    assert friendly_app_name(collabora.find_app("pdf")) == "Draw"


def test_friendly_app_name_office_app_keeps_its_name(microsoft: Discovery) -> None:
    assert friendly_app_name(microsoft.find_app("pptx")) == "PowerPoint"
    assert friendly_app_name(None) == "the editor"


def test_client_origins_standin_single_origin(standin: Discovery) -> None:
    assert client_origins(standin) == (CLIENT,)
    assert favicon_origins(standin) == (CLIENT,)


def test_client_origins_microsoft_lists_each_app_host_once(microsoft: Discovery) -> None:
    origins = client_origins(microsoft)
    assert len(origins) == len(set(origins))
    assert all(origin.startswith("https://") and origin.count("/") == 2 for origin in origins)
    assert "https://ffc-word-edit.officeapps.live.com" in origins
