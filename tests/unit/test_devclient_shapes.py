"""The development client presenting Collabora's, ONLYOFFICE's and Office Online Server's discovery shapes."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import orjson
import pytest
from click.testing import CliRunner

from tests.unit.devclient_starlette_host import HostFile, StarletteHost
from wopihost.config import DevClientSettings, Settings
from wopihost.devclient.app import create_devclient_app, devclient_app_from_settings, timings_for
from wopihost.devclient.catalog import APPS_BY_NAME
from wopihost.devclient.cli import devclient
from wopihost.devclient.documents import DEFAULT_LIMITS, blank_document, kind_for
from wopihost.devclient.documents.preview import NOT_AVAILABLE, preview_model
from wopihost.devclient.fileinfo import FileInfo
from wopihost.devclient.keys import DevClientKeys
from wopihost.devclient.pages import LaunchParams, Page, boot_data
from wopihost.devclient.shapes import (
    COOL_PATH,
    OOS_PAGES,
    SHAPE_NAMES,
    ShapeName,
    build_shaped_discovery,
    oos_action,
)
from wopihost.domain.action_urls import ActionUrlContext, build_action_url
from wopihost.domain.discovery import Discovery, parse_discovery

BASE = "http://127.0.0.1:8081"
KEYS = DevClientKeys.generate()
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "discovery"
_BOOT = re.compile(r'<script id="devclient-boot" type="application/json">(.*?)</script>', re.S)
Triple = tuple[str, str, str]
# Office actions the development client does not emulate (mobile, preload and preview pages, OneNote's).
NOT_EMULATED = frozenset(
    {"mobileView", "mobileEdit", "interactivepreview", "preloadview", "preloadedit", "imagepreview"}
    | {"attend", "attendservice", "present", "presentservice", "formsubmit", "formedit", "rtc"}
    | {"syndicate", "legacywebservice", "documentchat", "embededit", "collab", "formpreview", "rest"}
)
FIXTURE_FILES: dict[ShapeName, tuple[str, ...]] = {
    "collabora": ("collabora.xml",),
    "onlyoffice": ("onlyoffice.xml",),
    "oos": ("oos.xml",),
    "microsoft": ("m365.xml", "microsoft.xml"),
}


def _discovery(shape: ShapeName) -> Discovery:
    return parse_discovery(build_shaped_discovery(shape, BASE, KEYS.discovery_attributes()).encode())


def _triples(discovery: Discovery) -> set[Triple]:
    return {(app.name, action.name, action.ext) for app in discovery.apps for action in app.actions}


@pytest.mark.parametrize("shape", SHAPE_NAMES)
def test_shaped_discovery_parses_and_keeps_the_devclient_proof_keys(shape: ShapeName) -> None:
    discovery = _discovery(shape)

    assert discovery.proof_key is not None
    assert discovery.proof_key.as_attributes() == KEYS.discovery_attributes()
    assert all(action.urlsrc.startswith(BASE) for app in discovery.apps for action in app.actions), (
        "every action opens a page of the development client"
    )


def test_collabora_shape_has_mime_apps_office_apps_view_comment_and_capabilities() -> None:
    discovery = _discovery("collabora")
    triples = _triples(discovery)
    names = [app.name for app in discovery.apps]

    assert {"writer", "calc", "impress", "draw", "Capabilities"} <= set(names)
    assert ("application/pdf", "view_comment", "") in triples
    assert ("draw", "view_comment", "pdf") in triples
    assert ("application/vnd.oasis.opendocument.text", "edit", "") in triples
    # Edit-only formats: no view action for docx, xlsx, pptx or odt.
    for ext in ("docx", "xlsx", "pptx", "odt"):
        assert {name for _, name, e in triples if e == ext} == {"edit"}
    capabilities = discovery.find_app_named("Capabilities")
    assert capabilities is not None
    assert capabilities.actions[0].urlsrc == f"{BASE}/hosting/capabilities"
    cool = {a.urlsrc for app in discovery.apps if app.name != "Capabilities" for a in app.actions}
    assert cool == {f"{BASE}{COOL_PATH}?"}


def test_onlyoffice_shape_has_its_action_set_and_urlsrc_style() -> None:
    discovery = _discovery("onlyoffice")
    actions = {name for _, name, _ in _triples(discovery)}

    assert actions == {"view", "edit", "editnew", "embedview", "convert", "mobileView", "mobileEdit"} | {
        "formsubmit",
        "getinfo",
    }
    edit = discovery.find_action("docx", "edit")
    assert edit is not None
    assert edit.urlsrc.startswith(f"{BASE}/hosting/wopi/word/edit?")
    assert "<wopisrc=WOPI_SOURCE&>" in edit.urlsrc
    convert = discovery.find_action("doc", "convert")
    assert convert is not None
    assert convert.targetext == "docx"
    assert ("application/pdf", "formsubmit", "") in _triples(discovery)


def test_oos_shape_is_internal_and_every_frame_page_resolves_back() -> None:
    discovery = _discovery("oos")

    assert discovery.net_zone == "internal-http"
    assert [app.name for app in discovery.apps] == ["Word", "WordPdf", "Excel", "PowerPoint"]
    for (name, action), page in OOS_PAGES.items():
        path, _, query = page.partition("?")
        flags = dict(part.split("=") for part in query.split("&") if part)
        assert oos_action(path, flags) == (name, action)


@pytest.mark.parametrize("shape", SHAPE_NAMES)
def test_shape_matches_the_recorded_discovery_of_its_client(shape: ShapeName) -> None:
    fixture = next((FIXTURES / name for name in FIXTURE_FILES[shape] if (FIXTURES / name).exists()), None)
    if fixture is None:
        pytest.skip(f"no recorded discovery {FIXTURE_FILES[shape][0]} in tests/fixtures/discovery yet")
    recorded = _triples(parse_discovery(fixture.read_bytes()))
    shaped = _triples(_discovery(shape))
    apps = {app for app, _, _ in shaped}
    extensions = {ext for _, _, ext in shaped}

    # Every action the real client offers for an app and a file type the shape has, the shape offers.
    comparable = {t for t in recorded if t[0] in apps and t[2] in extensions and t[1] not in NOT_EMULATED}
    assert comparable, "the shape and the recording share no app and file type"
    assert sorted(comparable - shaped) == []
    assert {name for _, name, _ in shaped} - NOT_EMULATED <= {name for _, name, _ in recorded} | {"getinfo"}


def test_discovery_command_prints_the_chosen_shape(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        devclient, ["discovery", "--shape", "collabora"], obj=Settings(data_dir=tmp_path)
    )

    assert result.exit_code == 0, result.output
    assert 'name="view_comment"' in result.output


def test_devclient_settings_take_a_shape() -> None:
    assert DevClientSettings().shape == "microsoft"
    assert DevClientSettings(shape="onlyoffice").shape == "onlyoffice"


# Previews of what the development client cannot edit


def _odt(*paragraphs: str) -> bytes:
    body = "".join(f"<text:p>{text}</text:p>" for text in paragraphs)
    xml = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", xml)
    return out.getvalue()


def _pdf(text: str) -> bytes:
    stream = zlib.compress(f"BT /F1 12 Tf 72 712 Td ({text}) Tj ET".encode())
    header = f"1 0 obj << /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode()
    return b"%PDF-1.4\n" + header + stream + b"\nendstream\nendobj\n%%EOF\n"


def test_preview_reads_odt_paragraphs() -> None:
    model = preview_model("a.odt", _odt("First", "Second"), DEFAULT_LIMITS)

    assert [block.text for block in model.blocks] == ["First", "Second"]


def test_preview_reads_text_shown_by_a_compressed_pdf_stream() -> None:
    model = preview_model("a.pdf", _pdf("Hello \\(PDF\\)"), DEFAULT_LIMITS)

    assert [block.text for block in model.blocks] == ["Hello (PDF)"]


def test_preview_of_an_unreadable_type_says_so() -> None:
    model = preview_model("a.vsdx", b"\x00\x01", DEFAULT_LIMITS)

    assert [block.text for block in model.blocks] == [NOT_AVAILABLE]


# The shaped pages, against a small host


async def _launch(
    host: StarletteHost, shape: ShapeName, tmp_path: Path, path: str, file_id: str = "f1"
) -> tuple[httpx.AsyncClient, dict[str, object], httpx.Response]:
    app = create_devclient_app(
        keys_file=tmp_path / "keys.json",
        public_url=BASE,
        transport=httpx.ASGITransport(app=host.app()),
        shape=shape,
    )
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
    separator = "&" if "?" in path else "?"
    url = f"{path}{separator}WOPISrc={quote(host.url(file_id), safe='')}"
    response = await client.post(url, data={"access_token": "tok", "access_token_ttl": "0"})
    match = _BOOT.search(response.text)
    boot = orjson.loads(match.group(1)) if match else {}
    return client, boot, response


@pytest.mark.anyio
async def test_capabilities_are_served_as_json(tmp_path: Path) -> None:
    app = create_devclient_app(keys_file=tmp_path / "keys.json", public_url=BASE, shape="collabora")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        response = await client.get("/hosting/capabilities")

    assert response.status_code == 200
    assert response.json()["hasMobileSupport"] is True


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("name", "content", "shown"),
    [("a.pdf", _pdf("In the PDF"), "In the PDF"), ("a.odt", _odt("In the ODT"), "In the ODT")],
)
async def test_cool_html_opens_pdf_and_odf_read_only_after_check_file_info_and_get_file(
    tmp_path: Path, name: str, content: bytes, shown: str
) -> None:
    host = StarletteHost()
    host.files["f1"] = HostFile(name, content)

    client, boot, response = await _launch(host, "collabora", tmp_path, COOL_PATH)
    await client.aclose()

    assert response.status_code == 200
    assert boot["mode"] == "view"
    assert [b["text"] for b in boot["model"]["blocks"]] == [shown]  # type: ignore[index]
    assert host.overrides() == ["CHECK_FILE_INFO", "CHECK_FILE_INFO", "GET_FILE"]
    assert "LOCK" not in host.overrides()


@pytest.mark.anyio
async def test_collabora_shape_saves_like_collabora_and_shows_a_storage_conflict(tmp_path: Path) -> None:
    host = StarletteHost()
    host.files["f1"] = HostFile("a.docx", blank_document("a.docx"))
    client, boot, _ = await _launch(host, "collabora", tmp_path, COOL_PATH)
    api = f"/api/p/{boot['pid']}"

    assert boot["mode"] == "edit"
    assert boot["client"] == "collabora"
    await client.post(f"{api}/edits", json={"appended": ["typed"]})
    saved = await client.post(f"{api}/save")
    assert saved.status_code == 200
    put = host.files["f1"].headers[-1]
    assert put["x-wopi-lock"].startswith("cool-lock")
    assert put["x-cool-wopi-timestamp"] == "2026-01-01T00:00:00.0000000Z"
    assert (put["x-cool-wopi-isautosave"], put["x-cool-wopi-ismodifiedbyuser"]) == ("false", "true")

    host.files["f1"].saves += 1  # someone else saves
    await client.post(f"{api}/edits", json={"appended": ["more"]})
    refused = await client.post(f"{api}/save")
    await client.aclose()

    assert refused.status_code == 410
    assert refused.json()["ended"]["reason"] == "doc_changed"
    assert host.files["f1"].saves == 2, "the refused save changed nothing"


@pytest.mark.anyio
async def test_onlyoffice_shape_saves_with_editors_and_lool_headers(tmp_path: Path) -> None:
    host = StarletteHost()
    host.files["f1"] = HostFile("a.docx", b"")
    client, boot, _ = await _launch(host, "onlyoffice", tmp_path, "/hosting/wopi/word/edit")
    api = f"/api/p/{boot['pid']}"

    assert boot["mode"] == "edit"
    created = host.files["f1"].headers[0]
    assert "x-wopi-lock" not in created, "the new-document flow writes before locking"
    assert created["x-lool-wopi-ismodifiedbyuser"] == "false"
    assert host.files["f1"].lock == "f1", "ONLYOFFICE's lock ID is the document key"
    await client.post(f"{api}/edits", json={"appended": ["typed"]})
    await client.post(f"{api}/save")
    await client.post(f"{api}/leave")
    await client.aclose()

    put = host.files["f1"].headers[1]
    assert put["x-wopi-editors"] == "u"
    assert put["x-lool-wopi-timestamp"] == "2026-01-01T00:00:01.0000001Z", (
        "from the creating PutFile's answer"
    )
    assert "x-cool-wopi-timestamp" not in put
    assert host.files["f1"].lock == ""


@pytest.mark.anyio
async def test_oos_frame_page_opens_the_word_viewer(tmp_path: Path) -> None:
    host = StarletteHost()
    host.files["f1"] = HostFile("a.docx", blank_document("a.docx"))

    client, boot, response = await _launch(host, "oos", tmp_path, "/wv/wordviewerframe.aspx")
    await client.aclose()

    assert response.status_code == 200
    assert boot["mode"] == "view"
    assert urlsplit(host.url("f1")).path == "/wopi/files/f1"


def _page(mode: str, info: dict[str, object]) -> Page:
    page = Page("pid", mode, APPS_BY_NAME["Word"], LaunchParams("http://h/wopi/files/1", "t", 0), 0.0)  # type: ignore[arg-type]
    page.info = FileInfo(info)
    return page


def test_collabora_pages_offer_share_by_enable_share_and_save_as_by_post_message() -> None:
    info = {"PostMessageOrigin": "http://host.test", "EnableShare": True, "UserCanWrite": True}

    collabora = boot_data(_page("edit", info), poll_ms=1000, edit_notification_ms=1000, client="collabora")
    office = boot_data(_page("edit", info), poll_ms=1000, edit_notification_ms=1000)

    assert collabora["client"] == "collabora"
    assert collabora["buttons"]["share"] is True
    assert collabora["buttons"]["saveAs"] is True
    assert collabora["postMessage"]["EnableShare"] is True
    assert office["buttons"]["share"] is False, "Office shares by FileSharingUrl or FileSharingPostMessage"
    assert office["buttons"]["saveAs"] is False


def test_collabora_pages_without_write_relative_offer_no_save_as() -> None:
    info = {"PostMessageOrigin": "http://host.test", "UserCanNotWriteRelative": True}

    boot = boot_data(_page("edit", info), poll_ms=1000, edit_notification_ms=1000, client="collabora")

    assert boot["buttons"]["saveAs"] is False


@pytest.mark.anyio
@pytest.mark.parametrize("shape", SHAPE_NAMES)
async def test_every_favicon_a_shape_names_is_served(tmp_path: Path, shape: ShapeName) -> None:
    app = create_devclient_app(keys_file=tmp_path / "keys.json", public_url=BASE, shape=shape)
    icons = {a.fav_icon_url for a in _discovery(shape).apps if a.fav_icon_url}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        statuses = {url: (await client.get(url)).status_code for url in icons}

    assert icons
    assert set(statuses.values()) == {200}, statuses


@pytest.mark.anyio
async def test_cool_html_opens_a_format_collabora_only_views_read_only(tmp_path: Path) -> None:
    host = StarletteHost()
    host.files["f1"] = HostFile("letter.dotx", blank_document("letter.dotx"))

    client, boot, _ = await _launch(host, "collabora", tmp_path, COOL_PATH)
    await client.aclose()

    assert boot["mode"] == "view", "Collabora's discovery offers templates for viewing only"
    assert "LOCK" not in host.overrides()


@pytest.mark.anyio
async def test_app_from_settings_presents_the_configured_shape(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, devclient=DevClientSettings(shape="onlyoffice"))
    app = devclient_app_from_settings(settings, public_url=BASE)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        response = await client.get("/hosting/discovery")

    discovery = parse_discovery(response.content)
    assert discovery.find_action("docx", "mobileEdit") is not None


OPENED_BY = frozenset({"view", "view_comment", "edit", "embedview", "mobileView", "mobileEdit"})


@pytest.mark.anyio
@pytest.mark.parametrize("shape", SHAPE_NAMES)
async def test_every_file_type_a_shape_offers_opens(tmp_path: Path, shape: ShapeName) -> None:
    discovery = _discovery(shape)
    host = StarletteHost()
    app = create_devclient_app(
        keys_file=tmp_path / "keys.json",
        public_url=BASE,
        transport=httpx.ASGITransport(app=host.app()),
        shape=shape,
    )
    failures = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        for index, (app_name, action) in enumerate(
            (a.name, action) for a in discovery.apps for action in a.actions if action.ext
        ):
            if action.name not in OPENED_BY:
                continue
            name = f"file{index}.{action.ext}"
            host.files[f"f{index}"] = HostFile(name, blank_document(name) if kind_for(name) else b"")
            url = build_action_url(action, ActionUrlContext(wopi_src=host.url(f"f{index}")))
            response = await client.post(url, data={"access_token": "t", "access_token_ttl": "0"})
            match = _BOOT.search(response.text)
            mode = orjson.loads(match.group(1))["mode"] if match else None
            wanted = {"embedview": ("embedview",), "view_comment": ("view",)}.get(action.name)
            if response.status_code != 200 or mode not in (wanted or ("view", "edit")):
                failures.append((app_name, action.name, action.ext, response.status_code, mode))

    assert failures == [], "\n".join(map(str, failures))


def test_shapes_refresh_locks_at_their_clients_cadence_unless_configured() -> None:
    assert timings_for(DevClientSettings(), "onlyoffice").lock_refresh == 600.0
    assert timings_for(DevClientSettings(), "collabora").lock_refresh == 900.0
    assert timings_for(DevClientSettings(refresh_lock_seconds=60), "onlyoffice").lock_refresh == 60.0


@pytest.mark.anyio
async def test_collabora_shape_saves_a_copy_with_put_relative_file_after_saving_changes(
    tmp_path: Path,
) -> None:
    host = StarletteHost()
    host.files["f1"] = HostFile("a.docx", blank_document("a.docx"))
    client, boot, _ = await _launch(host, "collabora", tmp_path, COOL_PATH)
    api = f"/api/p/{boot['pid']}"
    await client.post(f"{api}/edits", json={"appended": ["typed"]})

    response = await client.post(f"{api}/saveas", json={"name": "Copy of a.docx"})
    await client.aclose()

    assert response.status_code == 200
    assert response.json()["name"] == "Copy of a.docx"
    assert host.overrides()[-2:] == ["PUT", "PUT_RELATIVE"], "pending changes are saved first"
    headers = host.requests[-1][2]
    assert headers["x-wopi-suggestedtarget"] == "Copy of a.docx"
    assert "x-wopi-lock" not in headers
    copy = next(f for f in host.files.values() if f.name == "Copy of a.docx")
    assert copy.content == host.files["f1"].content


@pytest.mark.anyio
async def test_start_page_names_the_client_the_shape_emulates(tmp_path: Path) -> None:
    app = create_devclient_app(keys_file=tmp_path / "keys.json", public_url=BASE, shape="collabora")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        page = (await client.get("/")).text

    assert "behaves like Collabora Online" in page


def test_collabora_pages_take_away_export_print_and_copy_from_a_view_no_download_user() -> None:
    info = {
        "PostMessageOrigin": "http://host.test",
        "DownloadUrl": "http://host.test/download",
        "HideExportOption": True,
        "HidePrintOption": True,
        "DisableCopy": True,
        "WatermarkText": "Bob",
    }

    collabora = boot_data(_page("view", info), poll_ms=1000, edit_notification_ms=1000, client="collabora")
    office = boot_data(_page("view", info), poll_ms=1000, edit_notification_ms=1000)

    assert (collabora["buttons"]["download"], collabora["buttons"]["print"]) == (False, False)
    assert (collabora["watermark"], collabora["disableCopy"]) == ("Bob", True)
    assert (office["buttons"]["download"], office["buttons"]["print"]) == (True, True)
    assert (office["watermark"], office["disableCopy"]) == ("", False)


@pytest.mark.anyio
async def test_collabora_shape_inserts_the_image_the_host_page_picked(tmp_path: Path) -> None:
    host = StarletteHost()
    host.files["f1"] = HostFile("a.docx", blank_document("a.docx"))
    client, boot, _ = await _launch(host, "collabora", tmp_path, COOL_PATH)
    api = f"/api/p/{boot['pid']}"

    response = await client.post(
        f"{api}/insertgraphic", json={"url": "http://wopi.test/images/pic.png", "filename": "pic.png"}
    )
    state = (await client.get(f"{api}/state")).json()
    await client.aclose()

    assert response.json() == {"filename": "pic.png", "size": 15}
    assert "IMAGE" in host.overrides()
    assert "[Image: pic.png (15 bytes)]" in [block["text"] for block in state["model"]["blocks"]]


@pytest.mark.anyio
async def test_collabora_shape_downloads_images_only_from_trusted_hosts(tmp_path: Path) -> None:
    host = StarletteHost()
    host.files["f1"] = HostFile("a.docx", blank_document("a.docx"))
    app = create_devclient_app(
        keys_file=tmp_path / "keys.json",
        public_url=BASE,
        transport=httpx.ASGITransport(app=host.app()),
        shape="collabora",
        allowed_wopi_hosts={"wopi.test"},
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        url = f"{COOL_PATH}?WOPISrc={quote(host.url('f1'), safe='')}"
        page = await client.post(url, data={"access_token": "tok"})
        match = _BOOT.search(page.text)
        assert match is not None
        pid = orjson.loads(match.group(1))["pid"]
        response = await client.post(
            f"/api/p/{pid}/insertgraphic", json={"url": "http://elsewhere.test/x.png", "filename": "x.png"}
        )

    assert response.status_code == 403
    assert "IMAGE" not in host.overrides()
