"""The host page over HTTP: the form POST of the token, headers, wd* parameters, and action choice."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.integration.web_support import CLIENT, UI, Web
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord

pytestmark = pytest.mark.anyio
VIEWPORT = "width=device-width, initial-scale=1, maximum-scale=1, minimum-scale=1, user-scalable=no"
_ATTRIBUTE = re.compile(r'([a-zA-Z-]+)="([^"]*)"')


@pytest.fixture
async def doc(signed_in: Web) -> FileRecord:
    return await signed_in.upload("Quarterly report.docx", b"content")


def form_action(page: str) -> str:
    found = re.search(
        r'<form id="office_form" name="office_form" target="office_frame" action="([^"]+)" method="post">',
        page,
    )
    assert found, "the page has no office_form"
    return html.unescape(found.group(1))


def hidden_value(page: str, name: str) -> str:
    found = re.search(rf'<input name="{name}" value="([^"]*)" type="hidden">', page)
    assert found, f"no hidden {name}"
    return html.unescape(found.group(1))


def config_of(page: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="host-config">(.*?)</script>', page, re.S)
    assert found
    loaded: dict[str, object] = json.loads(found.group(1))
    return loaded


async def test_host_page_posts_token_and_ttl_by_form_to_action_url(signed_in: Web, doc: FileRecord) -> None:
    response = await signed_in.client.get(f"/files/{doc.id}/edit")
    assert response.status_code == 200
    action = form_action(response.text)
    assert action.startswith(f"{CLIENT}/hosting/edit?")
    assert parse_qs(urlsplit(action).query)["wopisrc"] == [f"{UI}/wopi/files/{doc.id}"]
    token = hidden_value(response.text, "access_token")
    claims = signed_in.services.tokens.verify(token, file_id=doc.id)
    assert claims.user_id == signed_in.alice.id
    ttl = int(hidden_value(response.text, "access_token_ttl"))
    assert ttl == int(claims.expires_at.timestamp() * 1000)


async def test_host_page_token_only_in_hidden_field_never_in_a_url(signed_in: Web, doc: FileRecord) -> None:
    page = (await signed_in.client.get(f"/files/{doc.id}/edit")).text
    token = hidden_value(page, "access_token")
    assert page.count(token) == 1
    for name, value in _ATTRIBUTE.findall(page):
        if token in html.unescape(value):
            assert name == "value"
    assert 'type="hidden">' in page.split(token, 1)[1][:20]
    assert "access_token=" not in page


async def test_host_page_meets_hostpage_rst_markup(signed_in: Web, doc: FileRecord) -> None:
    page = (await signed_in.client.get(f"/files/{doc.id}/edit")).text
    assert f'<meta name="viewport" content="{VIEWPORT}">' in page
    assert f'<link rel="icon" href="{CLIENT}/favicon/word.svg">' in page
    assert "<title>Quarterly report.docx · wopihost</title>" in page
    assert '<span id="frameholder"></span>' in page
    assert "<iframe" not in page
    style = re.search(r'<style nonce="([^"]+)">(.*?)</style>', page, re.S)
    assert style is not None
    assert "overflow: hidden" in style.group(2)
    assert "#office_frame" in style.group(2)
    assert "position: absolute" in style.group(2)


async def test_host_page_headers_no_cache_no_referrer_and_csp_for_client(
    signed_in: Web, doc: FileRecord
) -> None:
    response = await signed_in.client.get(f"/files/{doc.id}/view")
    headers = response.headers
    assert headers["cache-control"] == "no-cache, no-store"
    assert headers["expires"] == "-1"
    assert headers["pragma"] == "no-cache"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    csp = dict(part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";"))
    assert csp["frame-src"] == CLIENT
    assert csp["form-action"] == f"'self' {CLIENT}"
    nonce = re.search(r'<style nonce="([^"]+)">', response.text)
    assert nonce is not None
    assert csp["style-src"] == f"'self' 'nonce-{nonce.group(1)}'"


async def test_host_page_config_names_client_origin_and_urls(signed_in: Web, doc: FileRecord) -> None:
    config = config_of((await signed_in.client.get(f"/files/{doc.id}/edit")).text)
    assert config["clientOrigin"] == CLIENT
    assert config["closeUrl"] == "/"
    assert config["editUrl"] == f"/files/{doc.id}/edit"
    assert config["shareUrl"] == f"/files/{doc.id}/share"
    assert config["versionsUrl"] == f"/files/{doc.id}/versions"
    assert config["removeFromUrl"] == ["wdPreviousSession", "wdPreviousCorrelation"]


async def test_host_page_wd_parameters_passed_through_unchanged(signed_in: Web, doc: FileRecord) -> None:
    query = "wdOrigin=BROWSELIST&wdPreviousSession=abc%2Fdef&other=1&wdExample=a+b%20c"
    page = (await signed_in.client.get(f"/files/{doc.id}/edit?{query}")).text
    action = form_action(page)
    assert action.endswith("&wdOrigin=BROWSELIST&wdPreviousSession=abc%2Fdef&wdExample=a+b%20c")
    assert "other=1" not in action


async def test_host_page_language_from_accept_language(signed_in: Web, doc: FileRecord) -> None:
    page = await signed_in.client.get(f"/files/{doc.id}/view", headers={"Accept-Language": "fr-CA,fr;q=0.9"})
    params = parse_qs(urlsplit(form_action(page.text)).query)
    assert params["ui"] == ["fr-ca"]
    assert params["rs"] == ["fr-ca"]


async def test_host_page_new_host_session_each_load(signed_in: Web, doc: FileRecord) -> None:
    first = parse_qs(urlsplit(form_action((await signed_in.client.get(f"/files/{doc.id}/view")).text)).query)
    second = parse_qs(urlsplit(form_action((await signed_in.client.get(f"/files/{doc.id}/view")).text)).query)
    assert first["hid"] != second["hid"]


async def test_empty_document_edit_redirects_to_editnew_keeping_wd(signed_in: Web) -> None:
    file = await signed_in.upload("Blank.docx", b"")
    response = await signed_in.client.get(f"/files/{file.id}/edit?wdOrigin=X")
    assert response.status_code == 303
    assert response.headers["location"] == f"/files/{file.id}/editnew?wdOrigin=X"
    page = (await signed_in.client.get(response.headers["location"])).text
    assert form_action(page).startswith(f"{CLIENT}/hosting/editnew?")


async def test_editnew_on_non_empty_document_redirects_to_edit(signed_in: Web, doc: FileRecord) -> None:
    response = await signed_in.client.get(f"/files/{doc.id}/editnew")
    assert response.headers["location"] == f"/files/{doc.id}/edit"


async def test_viewer_edit_redirects_to_view(signed_in: Web) -> None:
    file = await signed_in.upload("Plan.docx", b"x", owner=signed_in.bob)
    await signed_in.share(file, signed_in.alice, Role.VIEW)
    response = await signed_in.client.get(f"/files/{file.id}/edit")
    assert response.headers["location"] == f"/files/{file.id}/view"
    page = (await signed_in.client.get(f"/files/{file.id}/view")).text
    config = config_of(page)
    assert config["editUrl"] is None
    assert config["closeUrl"] == "/shared"
    assert config["canShare"] is False


async def test_legacy_document_edit_invokes_convert(signed_in: Web) -> None:
    file = await signed_in.upload("Memo.doc", b"binary")
    page = (await signed_in.client.get(f"/files/{file.id}/edit")).text
    assert form_action(page).startswith(f"{CLIENT}/hosting/convert?")


async def test_wopitest_file_opens_validator_view(signed_in: Web) -> None:
    file = await signed_in.upload("validator.wopitest", b"")
    assert (await signed_in.client.get(f"/files/{file.id}/edit")).headers[
        "location"
    ] == f"/files/{file.id}/view"
    page = (await signed_in.client.get(f"/files/{file.id}/view")).text
    assert form_action(page).startswith(f"{CLIENT}/hosting/view?")


async def test_embedview_host_page_served(signed_in: Web, doc: FileRecord) -> None:
    page = (await signed_in.client.get(f"/files/{doc.id}/embedview")).text
    assert form_action(page).startswith(f"{CLIENT}/hosting/embedview?")


async def test_embedview_page_may_be_framed_by_host_pages_only(signed_in: Web, doc: FileRecord) -> None:
    # HostEmbeddedViewUrl is for embedding; the other host pages may not be framed at all.
    embed = await signed_in.client.get(f"/files/{doc.id}/embedview")
    assert "frame-ancestors 'self'" in embed.headers["content-security-policy"]
    assert embed.headers["x-frame-options"] == "SAMEORIGIN"
    view = await signed_in.client.get(f"/files/{doc.id}/view")
    assert "frame-ancestors 'none'" in view.headers["content-security-policy"]
    assert view.headers["x-frame-options"] == "DENY"


async def test_file_type_without_action_explained_with_download(signed_in: Web) -> None:
    file = await signed_in.upload("notes.txt", b"x")
    page = await signed_in.client.get(f"/files/{file.id}/view")
    assert page.status_code == 415
    assert f'href="/files/{file.id}/download"' in page.text


async def test_unknown_action_or_file_not_found(signed_in: Web, doc: FileRecord) -> None:
    assert (await signed_in.client.get(f"/files/{doc.id}/explode")).status_code == 404
    assert (await signed_in.client.get("/files/nosuchfile/view")).status_code == 404


async def test_check_file_info_urls_lead_to_working_pages(signed_in: Web, doc: FileRecord) -> None:
    token = signed_in.services.tokens.issue(signed_in.alice.id, doc.id).token
    info = (await signed_in.client.get(f"/wopi/files/{doc.id}", params={"access_token": token})).json()
    assert info["PostMessageOrigin"] == UI
    for key in ("HostViewUrl", "HostEditUrl", "DownloadUrl", "CloseUrl", "FileSharingUrl", "FileVersionUrl"):
        url = info[key]
        assert url.startswith(UI), key
        response = await signed_in.client.get(url.removeprefix(UI))
        assert response.status_code == 200, key


async def test_check_file_info_postmessage_flags_match_handled_messages(
    signed_in: Web, doc: FileRecord
) -> None:
    token = signed_in.services.tokens.issue(signed_in.alice.id, doc.id).token
    info = (await signed_in.client.get(f"/wopi/files/{doc.id}", params={"access_token": token})).json()
    host_js = (await signed_in.client.get("/static/js/host.js")).text
    flags = {
        "ClosePostMessage": "UI_Close",
        "EditModePostMessage": "UI_Edit",
        "FileSharingPostMessage": "UI_Sharing",
        "FileVersionPostMessage": "UI_FileVersions",
        "EditNotificationPostMessage": "Edit_Notification",
    }
    for flag, message in flags.items():
        assert info[flag] is True, flag
        assert f"  {message}: " in host_js, message
