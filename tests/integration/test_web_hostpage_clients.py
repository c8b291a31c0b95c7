"""The host page and the file list against each real client's recorded discovery, for each role.

Collabora Online, ONLYOFFICE, Office Online Server and Microsoft 365: which action the page invokes, that
no format a client opens answers 415, the "Open in …" labels, and the markup host.js drives.
"""

from __future__ import annotations

import html
import logging
import os
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from tests.integration.web_support import Web, start_web, web_settings
from wopihost.cli import main
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord

pytestmark = pytest.mark.anyio
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "discovery"
ORIGINS = {
    "collabora": "https://collabora.example.com",
    "onlyoffice": "https://onlyoffice.example.com",
    "oos": "https://oos.example.com",
    "m365": "https://FFC-word-edit.officeapps.live.com",
}
PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36"
_ACTION = re.compile(r'<body class="host-page" data-action="([^"]+)"')
_FORM = re.compile(r'<form id="office_form" name="office_form" target="office_frame" action="([^"]+)"')


@pytest.fixture(params=list(ORIGINS))
def client_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


async def web_for(client: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Web]:
    settings = web_settings(tmp_path, discovery={"url": f"{ORIGINS[client]}/hosting/discovery"})
    harness, services = await start_web(settings, monkeypatch)
    # Discovery is read lazily, from the cache, on the first page that needs it: nothing is fetched.
    settings.discovery_cache_file.write_bytes((FIXTURES / f"{client}.xml").read_bytes())
    try:
        yield harness
    finally:
        await harness.client.aclose()
        await services.aclose()


@pytest.fixture
async def collabora(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Web]:
    async for harness in web_for("collabora", tmp_path, monkeypatch):
        yield harness


@pytest.fixture
async def onlyoffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Web]:
    async for harness in web_for("onlyoffice", tmp_path, monkeypatch):
        yield harness


@pytest.fixture
async def each_client(
    client_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Web]:
    async for harness in web_for(client_name, tmp_path, monkeypatch):
        yield harness


async def as_role(web: Web, file: FileRecord, role: str) -> None:
    """Sign in as the owner (alice) or as bob with an edit or view share."""
    if role == "owner":
        await web.sign_in()
        return
    await web.share(file, web.bob, Role.EDIT if role == "editor" else Role.VIEW)
    await web.sign_in(web.bob)


def form_action(page: str) -> str:
    found = _FORM.search(page)
    assert found, "the page has no office_form"
    return html.unescape(found.group(1))


async def open_page(web: Web, file: FileRecord, page: str, **headers: str) -> tuple[int, str, str]:
    """Follow the host page's redirects; the final status, path and invoked action ("" if none)."""
    response = await web.client.get(f"/files/{file.id}/{page}", headers=headers, follow_redirects=True)
    found = _ACTION.search(response.text)
    return response.status_code, response.url.path, found.group(1) if found else ""


# Every client, every role: the formats the client opens never answer 415


@pytest.mark.parametrize("role", ["owner", "editor", "viewer"])
@pytest.mark.parametrize("name", ["Report.docx", "Budget.xlsx", "Slides.pptx", "Notes.odt", "Manual.pdf"])
async def test_host_page_each_client_role_and_format_opens_or_says_unsupported(
    each_client: Web, client_name: str, role: str, name: str
) -> None:
    file = await each_client.upload(name, b"content")
    await as_role(each_client, file, role)
    discovery = await each_client.services.discovery.get()
    supported = bool(discovery.actions_for(file.extension))
    for page in ("view", "edit", "embedview"):
        status, _path, action = await open_page(each_client, file, page)
        if supported:
            assert status == 200, (client_name, role, name, page)
            assert action
        else:
            assert status == 415, (client_name, role, name, page)


@pytest.mark.parametrize(
    ("role", "name", "path", "action"),
    [
        ("viewer", "Report.docx", "view", "edit"),
        ("viewer", "Notes.odt", "view", "edit"),
        ("viewer", "Manual.pdf", "view", "view_comment"),
        ("editor", "Manual.pdf", "view", "view_comment"),
        ("editor", "Report.docx", "edit", "edit"),
        ("owner", "Notes.odt", "edit", "edit"),
    ],
)
async def test_host_page_collabora_action_per_role(
    collabora: Web, role: str, name: str, path: str, action: str
) -> None:
    file = await collabora.upload(name, b"content")
    await as_role(collabora, file, role)
    status, final, invoked = await open_page(collabora, file, "edit" if role != "viewer" else "view")
    assert (status, final, invoked) == (200, f"/files/{file.id}/{path}", action)


async def test_host_page_collabora_viewer_edit_url_lands_on_view_page_read_only(collabora: Web) -> None:
    file = await collabora.upload("Report.docx", b"content")
    await as_role(collabora, file, "viewer")
    response = await collabora.client.get(f"/files/{file.id}/edit")
    assert response.status_code == 303
    assert response.headers["location"] == f"/files/{file.id}/view"
    page = await collabora.client.get(f"/files/{file.id}/view")
    action = form_action(page.text)
    assert action.startswith("https://collabora.example.com/browser/8c1b4a2/cool.html?WOPISrc=")
    # The token tells the client the rights: the viewer's says no writing, whatever the action.
    token = re.search(r'<input name="access_token" value="([^"]+)"', page.text)
    assert token is not None
    claims = collabora.services.tokens.verify(html.unescape(token.group(1)), file_id=file.id)
    assert claims.user_id == collabora.bob.id


async def test_host_page_collabora_unsupported_format_415_without_redirect_loop(collabora: Web) -> None:
    file = await collabora.upload("Archive.zip", b"PK")
    await as_role(collabora, file, "owner")
    for page in ("view", "edit", "editnew", "convert", "embedview"):
        response = await collabora.client.get(f"/files/{file.id}/{page}", follow_redirects=True)
        assert response.status_code == 415


@pytest.mark.parametrize(("role", "action"), [("owner", "mobileEdit"), ("viewer", "mobileView")])
async def test_host_page_onlyoffice_phone_gets_mobile_actions(
    onlyoffice: Web, role: str, action: str
) -> None:
    file = await onlyoffice.upload("Report.docx", b"content")
    await as_role(onlyoffice, file, role)
    status, _path, invoked = await open_page(
        onlyoffice, file, "edit" if role == "owner" else "view", **{"User-Agent": PHONE}
    )
    assert (status, invoked) == (200, action)
    _status, _path, desktop = await open_page(onlyoffice, file, "edit" if role == "owner" else "view")
    assert desktop == ("edit" if role == "owner" else "view")


async def test_host_page_frame_origin_is_the_client_of_each_shape(each_client: Web, client_name: str) -> None:
    file = await each_client.upload("Report.docx", b"content")
    await as_role(each_client, file, "owner")
    page = await each_client.client.get(f"/files/{file.id}/view", follow_redirects=True)
    assert page.status_code == 200
    action = form_action(page.text)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(action))
    csp = page.headers["content-security-policy"]
    assert origin.lower() in csp.lower()
    if client_name != "m365":
        assert origin == ORIGINS[client_name]


# The file list uses the same plan


async def test_browse_collabora_labels_and_links_follow_host_pages(collabora: Web) -> None:
    docx = await collabora.upload("Report.docx", b"content")
    pdf = await collabora.upload("Manual.pdf", b"%PDF")
    sheet = await collabora.upload("Budget.ods", b"content")
    await collabora.sign_in()
    listing = (await collabora.client.get("/")).text
    assert f'href="/files/{docx.id}/edit" aria-label="Open in Writer: Report.docx"' in listing
    assert f'href="/files/{pdf.id}/view" aria-label="Open in Draw: Manual.pdf"' in listing
    assert f'href="/files/{sheet.id}/edit" aria-label="Open in Calc: Budget.ods"' in listing
    # Collabora has no view action for .docx: no separate View entry that would only open the editor.
    assert f'href="/files/{docx.id}/view"' not in listing


# The markup host.js drives


async def test_host_page_markup_for_postmessages(collabora: Web) -> None:
    file = await collabora.upload("Report.docx", b"content")
    await as_role(collabora, file, "owner")
    page = (await collabora.client.get(f"/files/{file.id}/edit")).text
    assert 'data-action="edit" data-client-state="loading"' in page
    for marker in (
        '<dialog id="save-as-dialog"',
        '<form id="save-as-form"',
        '<input id="save-as-name" name="filename"',
        'id="save-as-error"',
        'id="save-as-submit"',
        '<dialog id="versions-dialog"',
        '<dialog id="share-dialog"',
        '<dialog id="insert-image-dialog"',
        'id="insert-image-list"',
        "Opening <strong data-doc-name>Report.docx</strong> in Writer…",
    ):
        assert marker in page, marker


async def test_host_script_handles_collabora_and_office_messages(collabora: Web) -> None:
    script = (await collabora.client.get("/static/js/host.js")).text
    for message in (
        "App_LoadingStatus",
        "Frame_Ready",
        "Document_Loaded",
        "Host_PostmessageReady",
        "UI_Close",
        "UI_Share",
        "UI_Sharing",
        "UI_FileVersions",
        "File_Rename",
        "UI_SaveAs",
        "Action_SaveAs",
        "Action_Save_Resp",
        "Doc_ModifiedStatus",
        "Views_List",
        "Blur_Focus",
        "Grab_Focus",
        "UI_InsertGraphic",
        "Action_InsertGraphic",
    ):
        assert message in script, message
    # Messages are taken only from the client's frame and origin, and sent only to that origin.
    assert "event.origin !== clientOrigin || !frame || event.source !== frame.contentWindow" in script
    assert '"*"' not in script.replace('"*" is never used', "")


# Insert image from storage (UI_InsertGraphic)


async def test_insert_image_lists_folder_and_shared_images_for_writers(collabora: Web) -> None:
    doc = await collabora.upload("Report.docx", b"content")
    logo = await collabora.upload("Logo.PNG", b"\x89PNG logo")
    await collabora.upload("Notes.txt", b"text")
    elsewhere = await collabora.upload("Photo.jpg", b"jpeg", owner=collabora.bob)
    hidden = await collabora.upload("Secret.png", b"png", owner=collabora.bob)
    await collabora.share(elsewhere, collabora.alice, Role.VIEW)
    await collabora.share(hidden, collabora.alice, Role.VIEW_NO_DOWNLOAD)
    await collabora.sign_in()
    page = (await collabora.client.get(f"/files/{doc.id}/edit")).text
    assert f'"imagesUrl": "/files/{doc.id}/images"' in page
    listed = (await collabora.client.get(f"/files/{doc.id}/images")).json()["images"]
    assert [(image["id"], image["name"]) for image in listed] == [
        (logo.id, "Logo.PNG"),
        (elsewhere.id, "Photo.jpg"),
    ]


async def test_insert_image_url_fetches_the_image_with_its_own_token(collabora: Web) -> None:
    doc = await collabora.upload("Report.docx", b"content")
    logo = await collabora.upload("Logo.png", b"\x89PNG logo")
    await collabora.sign_in()
    answer = await collabora.post(f"/files/{doc.id}/images/{logo.id}", json=True)
    assert answer.status_code == 200
    body = answer.json()
    assert body["filename"] == "Logo.png"
    assert body["url"].startswith(f"{collabora.settings.server.base_url}/wopi/direct/{logo.id}?token=")
    # The client's server fetches it with no cookie and no proof headers.
    collabora.client.cookies.clear()
    fetched = await collabora.client.get(body["url"])
    assert (fetched.status_code, fetched.content) == (200, b"\x89PNG logo")


async def test_insert_image_refused_to_readers_and_for_other_files(collabora: Web) -> None:
    doc = await collabora.upload("Report.docx", b"content")
    logo = await collabora.upload("Logo.png", b"png")
    notes = await collabora.upload("Notes.txt", b"text")
    await collabora.sign_in()
    assert (await collabora.post(f"/files/{doc.id}/images/{notes.id}", json=True)).status_code == 403
    await collabora.share(doc, collabora.bob, Role.VIEW)
    await collabora.share(logo, collabora.bob, Role.VIEW)
    collabora.client.cookies.clear()
    await collabora.sign_in(collabora.bob)
    page = (await collabora.client.get(f"/files/{doc.id}/view")).text
    assert '"imagesUrl": null' in page
    assert (await collabora.client.get(f"/files/{doc.id}/images")).status_code == 403
    assert (await collabora.post(f"/files/{doc.id}/images/{logo.id}", json=True)).status_code == 403


# `wopihost discovery show`


@pytest.fixture
def cli_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_password_hashing: None
) -> Iterator[Path]:
    for name in [n for n in os.environ if n.startswith("WOPIHOST_")]:
        monkeypatch.delenv(name)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield tmp_path / "data"
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def show(data_dir: Path) -> str:
    result = CliRunner().invoke(
        main,
        ["--data-dir", str(data_dir), "discovery", "show"],
        catch_exceptions=False,
        env={"WOPIHOST_DISCOVERY__URL": "https://collabora.example.com/hosting/discovery"},
    )
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def test_discovery_show_prints_cached_capabilities(cli_data_dir: Path) -> None:
    cache = cli_data_dir / "cache"
    cache.mkdir(parents=True)
    (cache / "discovery.xml").write_bytes((FIXTURES / "collabora.xml").read_bytes())
    assert "capabilities: unavailable (not fetched yet)" in show(cli_data_dir)
    (cache / "discovery.capabilities.json").write_text(
        '{"convert-to": {"available": true, "endpoint": "/cool/convert-to"}, "hasMobileSupport": true,'
        ' "productName": "Collabora Online", "productVersion": "24.04.9.2"}'
    )
    text = show(cli_data_dir)
    assert "discovery URL: https://collabora.example.com/hosting/discovery" in text
    assert "app writer\n" in text
    assert (
        "capabilities:\n  product: Collabora Online 24.04.9.2\n  convert-to: yes, at /cool/convert-to\n"
        in text
    )
    assert "  mobile support: yes\n" in text
