"""Security of the web UI: headers, CSRF on every state-changing route, no inline script, WOPI hostname."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.web_support import (
    PASSWORD,
    Web,
    csrf_of,
    running_web,
    web_settings,
)
from wopihost.domain.records import FileRecord

pytestmark = pytest.mark.anyio
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>")
_INLINE_HANDLER = re.compile(r"\son[a-z]+=", re.IGNORECASE)


@pytest.fixture
async def doc(signed_in: Web) -> FileRecord:
    return await signed_in.upload("Report.docx", b"x")


def page_paths(file: FileRecord, root: str) -> list[str]:
    return [
        "/",
        "/shared",
        f"/folders/{root}",
        f"/files/{file.id}/share",
        f"/files/{file.id}/versions",
        f"/files/{file.id}/rename",
        f"/files/{file.id}/move",
        f"/files/{file.id}/delete",
        "/signout",
        "/no/such/page",
    ]


async def test_pages_carry_csp_referrer_nosniff_and_frame_denial(signed_in: Web, doc: FileRecord) -> None:
    for path in page_paths(doc, signed_in.alice.root_folder_id):
        headers = (await signed_in.client.get(path)).headers
        csp = dict(part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";"))
        assert csp["script-src"] == "'self'", path
        assert csp["frame-src"] == "'none'", path
        assert csp["frame-ancestors"] == "'none'", path
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["cache-control"] == "no-store", path
        assert "strict-transport-security" not in headers, path


async def test_pages_have_no_inline_script_or_event_handler(signed_in: Web, doc: FileRecord) -> None:
    paths = [*page_paths(doc, signed_in.alice.root_folder_id), f"/files/{doc.id}/edit"]
    for path in paths:
        page = (await signed_in.client.get(path)).text
        assert not _INLINE_SCRIPT.search(page), path
        assert not _INLINE_HANDLER.search(page), path
    signin = (await signed_in.client.get("/signin", follow_redirects=True)).text
    assert not _INLINE_SCRIPT.search(signin)


def state_changing_routes(file: FileRecord, root: str) -> list[tuple[str, dict[str, str]]]:
    return [
        ("/signout", {}),
        (f"/folders/{root}/folders", {"name": "Evil"}),
        (f"/folders/{root}/new", {"kind": "docx"}),
        (f"/files/{file.id}/rename", {"name": "Evil.docx"}),
        (f"/files/{file.id}/move", {"folder_id": root}),
        (f"/files/{file.id}/share", {"username": "bob", "role": "edit"}),
        (f"/files/{file.id}/share/revoke", {"username": "bob"}),
        (f"/files/{file.id}/versions/1/restore", {}),
        (f"/files/{file.id}/delete", {}),
    ]


async def test_every_state_changing_route_refuses_missing_or_wrong_token(
    signed_in: Web, doc: FileRecord
) -> None:
    for path, data in state_changing_routes(doc, signed_in.alice.root_folder_id):
        assert (await signed_in.client.post(path, data=data)).status_code == 403, path
        wrong = {**data, "csrf_token": "not-the-token"}
        assert (await signed_in.client.post(path, data=wrong)).status_code == 403, path
        headers = {"X-CSRF-Token": "not-the-token"}
        assert (await signed_in.client.post(path, data=data, headers=headers)).status_code == 403, path
    record = await signed_in.record(doc.id)
    assert (record.name, record.version) == ("Report.docx", 1)
    assert (await signed_in.client.get("/")).status_code == 200
    assert await signed_in.services.browse.share_entries(doc.id) == []


async def test_upload_refuses_token_in_multipart_form(signed_in: Web) -> None:
    token = await signed_in.csrf()
    response = await signed_in.client.post(
        f"/folders/{signed_in.alice.root_folder_id}/upload",
        params={"name": "a.docx"},
        files={"file": ("a.docx", b"x")},
        data={"csrf_token": token},
    )
    assert response.status_code == 403


async def test_cross_origin_request_refused_even_with_token(signed_in: Web, doc: FileRecord) -> None:
    token = await signed_in.csrf()
    data = {"name": "Evil.docx", "csrf_token": token}
    foreign = await signed_in.client.post(
        f"/files/{doc.id}/rename", data=data, headers={"Origin": "http://evil.example"}
    )
    assert foreign.status_code == 403
    cross_site = await signed_in.client.post(
        f"/files/{doc.id}/rename", data=data, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert cross_site.status_code == 403
    same = await signed_in.client.post(
        f"/files/{doc.id}/rename",
        data=data,
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
    )
    assert same.status_code == 303


async def test_no_referrer_page_null_origin_still_accepted_with_token(
    signed_in: Web, doc: FileRecord
) -> None:
    token = await signed_in.csrf()
    response = await signed_in.client.post(
        f"/files/{doc.id}/rename", data={"name": "Ok.docx"}, headers={"X-CSRF-Token": token, "Origin": "null"}
    )
    assert response.status_code == 303


async def test_tokens_never_logged(signed_in: Web, doc: FileRecord, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    page = (await signed_in.client.get(f"/files/{doc.id}/edit")).text
    token = re.search(r'name="access_token" value="([^"]+)"', page)
    assert token is not None
    await signed_in.client.get(f"/wopi/files/{doc.id}", params={"access_token": token.group(1)})
    # The test's own HTTP client logs its request URLs; the server's loggers are wopihost.*.
    server_records = [record for record in caplog.records if record.name.startswith("wopihost")]
    assert server_records
    for record in server_records:
        assert token.group(1) not in record.getMessage()


@pytest.fixture
async def split_hosts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Web]:
    settings = web_settings(
        tmp_path, server={"public_url": "http://testserver", "wopi_url": "http://wopi.testserver"}
    )
    async with running_web(tmp_path, monkeypatch, settings) as harness:
        yield harness


async def test_separate_wopi_hostname_serves_no_ui(split_hosts: Web) -> None:
    wopi = {"Host": "wopi.testserver"}
    page = await split_hosts.client.get("/signin", headers=wopi)
    assert page.status_code == 302
    assert page.headers["location"] == "http://testserver/signin"
    assert "set-cookie" not in page.headers
    post = await split_hosts.client.post(
        "/signin", data={"username": "alice", "password": PASSWORD}, headers=wopi
    )
    assert post.status_code == 404


async def test_separate_wopi_hostname_wopisrc_points_there_and_wopi_works(split_hosts: Web) -> None:
    await split_hosts.sign_in()
    file = await split_hosts.upload("Report.docx", b"x")
    page = (await split_hosts.client.get(f"/files/{file.id}/edit")).text
    assert "wopisrc=http%3A%2F%2Fwopi.testserver%2Fwopi%2Ffiles%2F" in page
    token = re.search(r'name="access_token" value="([^"]+)"', page)
    assert token is not None
    info = await split_hosts.client.get(
        f"/wopi/files/{file.id}", params={"access_token": token.group(1)}, headers={"Host": "wopi.testserver"}
    )
    assert info.status_code == 200
    assert info.json()["PostMessageOrigin"] == "http://testserver"
    assert info.json()["HostEditUrl"] == f"http://testserver/files/{file.id}/edit"


async def test_csrf_token_differs_between_sessions(web: Web) -> None:
    first = csrf_of((await web.client.get("/signin")).text)
    web.client.cookies.clear()
    second = csrf_of((await web.client.get("/signin")).text)
    assert first != second
