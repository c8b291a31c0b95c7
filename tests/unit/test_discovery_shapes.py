"""Each real client's discovery shape: Collabora Online, ONLYOFFICE, Office Online Server, Microsoft 365.

Which action each role gets for each format, the app names the UI shows, and /hosting/capabilities.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from wopihost.adapters.discovery_http import HttpDiscoverySource
from wopihost.domain.action_urls import DEFAULT_CAPABILITIES, ActionUrlContext, build_action_url
from wopihost.domain.capabilities import format_capabilities, parse_capabilities
from wopihost.domain.discovery import (
    Discovery,
    document_kind,
    extensions_for_mime_type,
    format_discovery,
    parse_discovery,
)
from wopihost.errors import DiscoveryUnavailable
from wopihost.services.discovery import DiscoveryService
from wopihost.web.catalog import friendly_app_name, plan_open, resolve_page

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "discovery"
CLIENTS = ("collabora", "onlyoffice", "oos", "m365")
# Real answers of Collabora Online and ONLYOFFICE to GET /hosting/capabilities.
COLLABORA_CAPABILITIES = (
    b'{"convert-to":{"available":true,"endpoint":"/cool/convert-to"},"hasMobileSupport":true,'
    b'"hasProxyPrefix":false,"hasTemplateSaveAs":false,"hasTemplateSource":true,"hasWASMSupport":false,'
    b'"hasZoteroSupport":true,"productName":"Collabora Online Development Edition",'
    b'"productVersion":"24.04.9.2","productVersionHash":"a1b2c3d","serverId":"8bee4df3"}'
)
ONLYOFFICE_CAPABILITIES = (
    b'{"convert-to":{"available":true,"endpoint":"/lool/convert-to"},"hasMobileSupport":true,'
    b'"hasProxyPrefix":false,"hasTemplateSaveAs":false,"hasTemplateSource":true,"productVersion":"9.0.4"}'
)


def load(name: str) -> Discovery:
    return parse_discovery((FIXTURES / f"{name}.xml").read_bytes())


@pytest.fixture(scope="module")
def shapes() -> dict[str, Discovery]:
    return {name: load(name) for name in CLIENTS}


def open_as(discovery: Discovery, ext: str, *, can_write: bool, empty: bool = False) -> str | None:
    """The action the page a user's "Open" link leads to invokes (edit for writers, view for readers)."""
    requested = "edit" if can_write else "view"
    resolved = resolve_page(discovery, ext, requested, can_write=can_write, empty=empty)
    return resolved.action.name if resolved else None


# The recorded shapes


@pytest.mark.parametrize(
    ("client", "zone", "apps"),
    [
        ("collabora", "external-http", ["writer", "writer-global", "writer-web", "calc", "impress", "draw"]),
        ("onlyoffice", "external-http", ["Word", "Excel", "PowerPoint", "Pdf"]),
        ("oos", "internal-https", ["Excel", "OneNote", "PowerPoint", "WopiTest", "Word", "WordPdf"]),
        ("m365", "external-https", ["Excel", "OneNote", "PowerPoint", "Word", "WopiTest"]),
    ],
)
def test_parse_each_client_zone_and_named_apps(
    shapes: dict[str, Discovery], client: str, zone: str, apps: list[str]
) -> None:
    discovery = shapes[client]
    assert discovery.net_zone == zone
    named = [app.name for app in discovery.apps if "/" not in app.name and app.name != "Capabilities"]
    assert named == apps


def test_parse_oos_prefers_https_internal_zone(shapes: dict[str, Discovery]) -> None:
    edit = shapes["oos"].find_action("docx", "edit")
    assert edit is not None
    assert edit.urlsrc.startswith("https://oos.example.com/we/wordeditorframe.aspx?")
    assert edit.requires == frozenset({"locks", "update"})


def test_parse_collabora_mime_type_app_found_by_extension() -> None:
    # A discovery with MIME-type apps only (ext="") still opens .odt and .docx.
    xml = (
        b'<wopi-discovery><net-zone name="external-http">'
        b'<app name="application/vnd.oasis.opendocument.text">'
        b'<action default="true" ext="" name="edit" urlsrc="https://c.example/cool.html?"/></app>'
        b'<app name="application/vnd.openxmlformats-officedocument.wordprocessingml.document">'
        b'<action default="true" ext="" name="edit" urlsrc="https://c.example/cool.html?"/></app>'
        b'<app name="application/pdf"><action ext="" name="view_comment" urlsrc="https://c.example/cool.html?"/>'
        b"</app></net-zone></wopi-discovery>"
    )
    discovery = parse_discovery(xml)
    assert [action.name for action in discovery.actions_for("ODT")] == ["edit"]
    assert [action.name for action in discovery.actions_for(".docx")] == ["edit"]
    assert [action.name for action in discovery.actions_for("pdf")] == ["view_comment"]
    pdf_app = discovery.app_of(discovery.actions_for("pdf")[0])
    assert pdf_app is not None
    assert pdf_app.name == "application/pdf"
    assert friendly_app_name(pdf_app) == "Draw"
    assert friendly_app_name(discovery.find_app("odt")) == "Writer"


def test_parse_collabora_extension_named_actions_come_before_mime_type_ones(
    shapes: dict[str, Discovery],
) -> None:
    pairs = [
        (shapes["collabora"].app_of(action), action.name) for action in shapes["collabora"].actions_for("odt")
    ]
    assert [(app.name if app else None, name) for app, name in pairs] == [
        ("writer", "edit"),
        ("application/vnd.oasis.opendocument.text", "edit"),
    ]


def test_mime_type_table_case_insensitive_and_unknown_empty() -> None:
    assert extensions_for_mime_type("application/vnd.ms-word.document.macroEnabled.12") == ("docm",)
    assert extensions_for_mime_type("Application/MSWord") == ("doc", "dot")
    assert extensions_for_mime_type("application/x-unknown") == ()
    assert document_kind("text/csv") == "spreadsheet"
    assert document_kind("Word") is None


def test_capabilities_url_advertised_by_collabora_and_onlyoffice_only(shapes: dict[str, Discovery]) -> None:
    assert shapes["collabora"].capabilities_url == "https://collabora.example.com/hosting/capabilities"
    assert shapes["onlyoffice"].capabilities_url == "https://onlyoffice.example.com/hosting/capabilities"
    assert shapes["oos"].capabilities_url is None
    assert shapes["m365"].capabilities_url is None


def test_format_discovery_mime_type_action_names_its_extensions(shapes: dict[str, Discovery]) -> None:
    text = format_discovery(shapes["collabora"])
    assert "app application/vnd.oasis.opendocument.text\n  favicon: -\n  edit           (odt)" in text
    assert "getinfo        (any)" in text


# Which action each role gets


@pytest.mark.parametrize(
    ("client", "ext", "writer", "reader"),
    [
        # Collabora Online offers only edit for these; readers get it read-only (UserCanWrite false).
        ("collabora", "docx", "edit", "edit"),
        ("collabora", "xlsx", "edit", "edit"),
        ("collabora", "pptx", "edit", "edit"),
        ("collabora", "odt", "edit", "edit"),
        ("collabora", "ods", "edit", "edit"),
        ("collabora", "odp", "edit", "edit"),
        ("collabora", "doc", "edit", "edit"),
        ("collabora", "txt", "edit", "edit"),
        ("collabora", "pdf", "view_comment", "view_comment"),
        ("collabora", "ott", "view", "view"),
        ("collabora", "png", "view", "view"),
        ("collabora", "zip", None, None),
        ("onlyoffice", "docx", "edit", "view"),
        ("onlyoffice", "odt", "edit", "view"),
        ("onlyoffice", "pdf", "edit", "view"),
        ("onlyoffice", "doc", "convert", "view"),
        ("onlyoffice", "xls", "convert", "view"),
        ("oos", "docx", "edit", "view"),
        ("oos", "pdf", "view", "view"),
        ("oos", "doc", "convert", "view"),
        ("oos", "one", None, None),
        ("m365", "docx", "edit", "view"),
        ("m365", "doc", "convert", "view"),
    ],
)
def test_open_each_client_format_and_role_gets_supported_action(
    shapes: dict[str, Discovery], client: str, ext: str, writer: str | None, reader: str | None
) -> None:
    discovery = shapes[client]
    assert open_as(discovery, ext, can_write=True) == writer
    assert open_as(discovery, ext, can_write=False) == reader


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("ext", ["docx", "xlsx", "pptx", "odt", "ods", "odp", "pdf"])
@pytest.mark.parametrize("can_write", [True, False])
def test_open_supported_format_never_ends_without_action(
    shapes: dict[str, Discovery], client: str, ext: str, can_write: bool
) -> None:
    discovery = shapes[client]
    if not discovery.actions_for(ext):
        # A format the client does not open has no page at all (the file list offers no Open link).
        for requested in ("view", "edit"):
            assert resolve_page(discovery, ext, requested, can_write=can_write, empty=False) is None
        return
    for requested in ("view", "edit"):
        resolved = resolve_page(discovery, ext, requested, can_write=can_write, empty=False)
        assert resolved is not None, (client, ext, requested, can_write)


def test_plan_open_reader_on_edit_only_format_stays_on_view_page(shapes: dict[str, Discovery]) -> None:
    collabora = shapes["collabora"]
    edit = plan_open(collabora, "docx", "edit", can_write=False, empty=False)
    view = plan_open(collabora, "docx", "view", can_write=False, empty=False)
    assert edit.redirect_to == "view"
    assert view.action is not None
    assert view.action.name == "edit"


def test_plan_open_writer_view_page_on_edit_only_format_redirects_to_edit(
    shapes: dict[str, Discovery],
) -> None:
    plan = plan_open(shapes["collabora"], "docx", "view", can_write=True, empty=False)
    assert plan.redirect_to == "edit"


def test_plan_open_unsupported_format_no_redirect_loop(shapes: dict[str, Discovery]) -> None:
    for can_write in (True, False):
        for requested in ("view", "edit", "editnew", "convert", "embedview"):
            assert (
                resolve_page(shapes["collabora"], "zip", requested, can_write=can_write, empty=False) is None
            )


@pytest.mark.parametrize(
    ("can_write", "requested", "action"),
    [(True, "edit", "mobileEdit"), (False, "view", "mobileView"), (True, "view", "mobileView")],
)
def test_plan_open_mobile_browser_gets_onlyoffice_mobile_actions(
    shapes: dict[str, Discovery], can_write: bool, requested: str, action: str
) -> None:
    plan = plan_open(shapes["onlyoffice"], "docx", requested, can_write=can_write, empty=False, mobile=True)
    assert plan.action is not None
    assert plan.action.name == action


def test_plan_open_mobile_browser_without_mobile_actions_gets_usual_ones(
    shapes: dict[str, Discovery],
) -> None:
    plan = plan_open(shapes["collabora"], "docx", "edit", can_write=True, empty=False, mobile=True)
    assert plan.action is not None
    assert plan.action.name == "edit"


def test_plan_open_empty_file_onlyoffice_editnew(shapes: dict[str, Discovery]) -> None:
    resolved = resolve_page(shapes["onlyoffice"], "docx", "edit", can_write=True, empty=True)
    assert resolved is not None
    assert (resolved.page, resolved.action.name) == ("editnew", "editnew")


def test_plan_open_embedview_collabora_pdf_uses_view_comment(shapes: dict[str, Discovery]) -> None:
    plan = plan_open(shapes["collabora"], "pdf", "embedview", can_write=False, empty=False)
    assert plan.action is not None
    assert plan.action.name == "view_comment"


def test_onlyoffice_action_url_fills_placeholders_and_drops_trailing_separator(
    shapes: dict[str, Discovery],
) -> None:
    edit = shapes["onlyoffice"].find_action("docx", "edit")
    assert edit is not None
    url = build_action_url(
        edit, ActionUrlContext(wopi_src="https://host.example/wopi/files/F1", language="de")
    )
    assert url == (
        "https://onlyoffice.example.com/hosting/wopi/word/edit?rs=de-DE&ui=de-DE"
        "&wopisrc=https%3A%2F%2Fhost.example%2Fwopi%2Ffiles%2FF1"
    )


def test_default_capabilities_exclude_what_the_host_does_not_implement(shapes: dict[str, Discovery]) -> None:
    # OneNote needs cobalt as well as containers (MS-FSSHTTP): wopihost must not offer it.
    assert frozenset({"locks", "update", "containers"}) == DEFAULT_CAPABILITIES
    assert open_as(shapes["m365"], "one", can_write=True) is None


# App names in "Open in …"


@pytest.mark.parametrize(
    ("client", "ext", "name"),
    [
        ("collabora", "docx", "Writer"),
        ("collabora", "ods", "Calc"),
        ("collabora", "pptx", "Impress"),
        ("collabora", "pdf", "Draw"),
        ("collabora", "odg", "Draw"),
        ("onlyoffice", "docx", "Word"),
        ("onlyoffice", "xlsx", "Excel"),
        ("onlyoffice", "pdf", "PDF Editor"),
        ("oos", "pdf", "Word"),
        ("oos", "pptx", "PowerPoint"),
        ("m365", "xlsx", "Excel"),
    ],
)
def test_friendly_app_name_per_client(shapes: dict[str, Discovery], client: str, ext: str, name: str) -> None:
    discovery = shapes[client]
    resolved = resolve_page(discovery, ext, "view", can_write=False, empty=False)
    assert resolved is not None
    assert friendly_app_name(discovery.app_of(resolved.action)) == name


# /hosting/capabilities


def test_parse_capabilities_collabora_fields() -> None:
    capabilities = parse_capabilities(COLLABORA_CAPABILITIES)
    assert capabilities.product_name == "Collabora Online Development Edition"
    assert capabilities.product_version == "24.04.9.2"
    assert capabilities.convert_to_available
    assert capabilities.convert_to_endpoint == "/cool/convert-to"
    assert capabilities.flag("hasMobileSupport")
    assert not capabilities.flag("hasWASMSupport")
    assert not capabilities.flag("productName")
    assert json.loads(capabilities.to_json())["serverId"] == "8bee4df3"


@pytest.mark.parametrize("data", [b"[]", b"not json", b"\xff\xfe", b'"text"', b"{" + b" " * 70000 + b"}"])
def test_parse_capabilities_garbage_raises_discovery_unavailable(data: bytes) -> None:
    with pytest.raises(DiscoveryUnavailable):
        parse_capabilities(data)


def test_format_capabilities_shows_product_and_convert_to() -> None:
    text = format_capabilities(parse_capabilities(COLLABORA_CAPABILITIES), advertised=True, error=None)
    assert "  product: Collabora Online Development Edition 24.04.9.2 (a1b2c3d)\n" in text
    assert "  convert-to: yes, at /cool/convert-to\n" in text
    assert "  mobile support: yes\n" in text
    assert "  WASM (offline) support: no\n" in text
    onlyoffice = format_capabilities(parse_capabilities(ONLYOFFICE_CAPABILITIES), advertised=True, error=None)
    assert "  product: (not named) 9.0.4\n" in onlyoffice


def test_format_capabilities_not_advertised_or_failed() -> None:
    assert (
        format_capabilities(None, advertised=False, error=None)
        == "capabilities: not advertised by discovery\n"
    )
    assert "unavailable (HTTP 503)" in format_capabilities(None, advertised=True, error="HTTP 503")


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 1, 1, tzinfo=UTC)


class StaticSource:
    def __init__(self, xml: bytes) -> None:
        self.xml = xml

    async def fetch(self) -> bytes:
        return self.xml


class CapabilitiesAnswers:
    def __init__(self, *answers: bytes | Exception) -> None:
        self.answers = list(answers)
        self.urls: list[str] = []

    async def fetch_capabilities(self, url: str) -> bytes:
        self.urls.append(url)
        answer = self.answers[min(len(self.urls), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer


def make_service(tmp_path: Path, client: str, capabilities: CapabilitiesAnswers | None) -> DiscoveryService:
    return DiscoveryService(
        StaticSource((FIXTURES / f"{client}.xml").read_bytes()),
        cache_file=tmp_path / "cache" / "discovery.xml",
        clock=FixedClock(),
        capabilities=capabilities,
    )


@pytest.mark.anyio
async def test_discovery_service_reads_advertised_capabilities_and_caches_them(tmp_path: Path) -> None:
    answers = CapabilitiesAnswers(COLLABORA_CAPABILITIES)
    service = make_service(tmp_path, "collabora", answers)
    await service.get()
    assert answers.urls == ["https://collabora.example.com/hosting/capabilities"]
    assert service.capabilities is not None
    assert service.capabilities.product_version == "24.04.9.2"
    assert (tmp_path / "cache" / "discovery.capabilities.json").exists()
    # A new process serves both from disk before its first fetch.
    restarted = make_service(tmp_path, "collabora", CapabilitiesAnswers(DiscoveryUnavailable("down")))
    await restarted.get()
    assert restarted.capabilities is not None
    assert restarted.capabilities.product_name == "Collabora Online Development Edition"


@pytest.mark.anyio
async def test_discovery_service_capabilities_failure_keeps_discovery_and_last_good(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    answers = CapabilitiesAnswers(
        ONLYOFFICE_CAPABILITIES,
        DiscoveryUnavailable("capabilities endpoint answered HTTP 502"),
        RuntimeError("x"),
    )
    service = make_service(tmp_path, "onlyoffice", answers)
    await service.get()
    with caplog.at_level(logging.WARNING, logger="wopihost.discovery"):
        discovery = await service.refresh()
        assert discovery.find_action("docx", "edit") is not None
        assert service.capabilities_error == "capabilities endpoint answered HTTP 502"
        await service.refresh()
    assert service.capabilities is not None
    assert service.capabilities.product_version == "9.0.4"
    assert service.capabilities_error == "x"
    assert "op=capabilities_refresh status=failed serving=last_good" in caplog.text


@pytest.mark.anyio
async def test_discovery_service_without_capabilities_app_asks_nothing(tmp_path: Path) -> None:
    answers = CapabilitiesAnswers(COLLABORA_CAPABILITIES)
    service = make_service(tmp_path, "oos", answers)
    await service.get()
    assert answers.urls == []
    assert service.capabilities is None


@pytest.mark.anyio
async def test_http_source_fetch_capabilities_reads_json_and_hides_url_on_failure() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/hosting/capabilities":
            assert request.headers["accept"] == "application/json"
            return httpx.Response(200, content=COLLABORA_CAPABILITIES)
        if request.url.path == "/down":
            raise httpx.ConnectError(f"cannot reach {request.url}")
        return httpx.Response(503)

    source = HttpDiscoverySource(
        "https://c.example/hosting/discovery", timeout=5, transport=httpx.MockTransport(handler)
    )
    assert await source.fetch_capabilities("https://c.example/hosting/capabilities") == COLLABORA_CAPABILITIES
    with pytest.raises(DiscoveryUnavailable, match="capabilities endpoint answered HTTP 503"):
        await source.fetch_capabilities("https://c.example/elsewhere?token=s3cr3t")
    with pytest.raises(DiscoveryUnavailable) as caught:
        await source.fetch_capabilities("https://c.example/down?token=s3cr3t")
    assert "s3cr3t" not in str(caught.value)


@pytest.mark.anyio
async def test_http_source_fetch_capabilities_refuses_oversized_answer() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"{" + b" " * 70000 + b"}"))
    source = HttpDiscoverySource("https://c.example/hosting/discovery", timeout=5, transport=transport)
    with pytest.raises(DiscoveryUnavailable, match="larger than"):
        await source.fetch_capabilities("https://c.example/hosting/capabilities")


@pytest.mark.parametrize(("client", "ext"), [("m365", "doc"), ("onlyoffice", "xls"), ("oos", "doc")])
def test_resolve_page_legacy_file_links_to_convert_page(
    shapes: dict[str, Discovery], client: str, ext: str
) -> None:
    resolved = resolve_page(shapes[client], ext, "edit", can_write=True, empty=False)
    assert resolved is not None
    assert (resolved.page, resolved.action.name) == ("convert", "convert")


def test_resolve_page_reader_edit_action_stays_on_view_page(shapes: dict[str, Discovery]) -> None:
    resolved = resolve_page(shapes["collabora"], "odt", "view", can_write=False, empty=False)
    assert resolved is not None
    assert (resolved.page, resolved.action.name) == ("view", "edit")


def test_plan_open_embedview_without_view_action_served_by_view_page(shapes: dict[str, Discovery]) -> None:
    plan = plan_open(shapes["collabora"], "docx", "embedview", can_write=False, empty=False)
    assert plan.redirect_to == "view"
    resolved = resolve_page(shapes["collabora"], "docx", "embedview", can_write=False, empty=False)
    assert resolved is not None
    assert (resolved.page, resolved.action.name) == ("view", "edit")
