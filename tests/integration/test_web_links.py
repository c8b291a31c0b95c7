"""Share links: the owner creates, lists and revokes them; visitors open them without an account, as
anonymous WOPI users whose rights are checked again on every request."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import argon2
import httpx
import pytest

import wopihost.services.links
from tests.integration.web_support import Web, csrf_of
from wopihost.domain.links import visitor_id
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord

pytestmark = pytest.mark.anyio
JSON = {"Accept": "application/json"}
_TOKEN = re.compile(r'name="access_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        wopihost.services.links,
        "PasswordHasher",
        lambda: argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
    )


async def _create(web: Web, file: FileRecord, **fields: str) -> dict[str, object]:
    response = await web.post(f"/files/{file.id}/links", {"role": "view", **fields}, json=True)
    assert response.status_code == 200, response.text
    link: dict[str, object] = response.json()["link"]
    return link


@asynccontextmanager
async def _visitor(web: Web) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of someone without an account (no cookies of the signed-in user)."""
    transport = httpx.ASGITransport(app=web.client._transport.app)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url=str(web.client.base_url)) as client:
        yield client


async def _open(client: httpx.AsyncClient, link_id: str, name: str = "Guest Gina") -> str:
    """Go through the link's pages as a visitor; return the access token the host page holds."""
    page = await client.get(f"/s/{link_id}")
    assert page.status_code == 200, page.text
    response = await client.post(f"/s/{link_id}/open", data={"name": name, "csrf_token": csrf_of(page.text)})
    assert response.status_code == 303
    host = await client.get(f"/s/{link_id}/open")
    assert host.status_code == 200, host.text
    found = _TOKEN.search(host.text)
    assert found, "the host page has no token"
    return found.group(1)


async def _info(client: httpx.AsyncClient, file: FileRecord, token: str) -> httpx.Response:
    return await client.get(f"/wopi/files/{file.id}", params={"access_token": token})


async def test_create_link_owner_sees_url_and_listing(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    link = await _create(signed_in, file, role="edit")
    assert str(link["url"]).startswith("http://testserver/s/")
    assert len(str(link["id"])) >= 32
    listing = (await signed_in.client.get(f"/files/{file.id}/links", headers=JSON)).json()
    assert [(entry["id"], entry["role"]) for entry in listing["links"]] == [(link["id"], "edit")]
    assert [role["value"] for role in listing["roles"]] == ["view", "edit"]


async def test_create_link_by_editor_refused(signed_in: Web) -> None:
    file = await signed_in.upload("Plan.docx", b"x", owner=signed_in.bob)
    await signed_in.share(file, signed_in.alice, Role.EDIT)
    response = await signed_in.post(f"/files/{file.id}/links", {"role": "view"}, json=True)
    assert response.status_code == 403
    assert (await signed_in.client.get(f"/files/{file.id}/links", headers=JSON)).status_code == 403


async def test_create_link_with_owner_role_refused(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    response = await signed_in.post(f"/files/{file.id}/links", {"role": "owner"}, json=True)
    assert response.status_code == 400


async def test_open_view_link_anonymously_check_file_info_anonymous(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"content")
    link = await _create(signed_in, file)
    async with _visitor(signed_in) as visitor:
        token = await _open(visitor, str(link["id"]))
        info = (await _info(visitor, file, token)).json()
    assert info["IsAnonymousUser"] is True
    assert info["UserFriendlyName"] == "Guest Gina"
    assert info["UserId"].startswith("anon-")
    assert info["UserId"] not in {signed_in.alice.id, signed_in.bob.id}
    assert info["OwnerId"] == signed_in.alice.id
    assert "UserInfo" not in info
    assert info["SupportsUserInfo"] is False
    assert info["UserCanWrite"] is False
    assert info["ReadOnly"] is True
    assert info["UserCanNotWriteRelative"] is True
    assert info["UserCanRename"] is False
    assert info["IsAdminUser"] is False
    assert info["LicenseCheckForEditIsEnabled"] is False
    assert info["HostViewUrl"] == link["url"]
    for absent in ("HostEditUrl", "SignoutUrl", "FileSharingUrl", "FileVersionUrl", "DownloadUrl"):
        assert absent not in info, absent
    assert info["SupportedShareUrlTypes"] == []


async def test_view_link_visitor_cannot_write_or_put_user_info(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"content")
    link = await _create(signed_in, file)
    async with _visitor(signed_in) as visitor:
        token = await _open(visitor, str(link["id"]))
        params = {"access_token": token}
        put = await visitor.post(
            f"/wopi/files/{file.id}/contents",
            params=params,
            content=b"new",
            headers={"X-WOPI-Override": "PUT"},
        )
        user_info = await visitor.post(
            f"/wopi/files/{file.id}",
            params=params,
            content=b"{}",
            headers={"X-WOPI-Override": "PUT_USER_INFO"},
        )
        content = await visitor.get(f"/wopi/files/{file.id}/contents", params=params)
    assert put.status_code == 401
    assert user_info.status_code == 501
    assert content.status_code == 200
    assert content.content == b"content"
    assert await signed_in.stored(file.id) == b"content"


async def test_edit_link_visitor_saves_but_cannot_save_as_or_rename(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"content")
    link = await _create(signed_in, file, role="edit")
    async with _visitor(signed_in) as visitor:
        token = await _open(visitor, str(link["id"]), name="Editor Ed")
        params = {"access_token": token}
        info = (await _info(visitor, file, token)).json()
        lock = {"X-WOPI-Lock": "visitor-lock"}
        locked = await visitor.post(
            f"/wopi/files/{file.id}", params=params, headers={"X-WOPI-Override": "LOCK", **lock}
        )
        put = await visitor.post(
            f"/wopi/files/{file.id}/contents",
            params=params,
            content=b"edited",
            headers={"X-WOPI-Override": "PUT", **lock},
        )
        relative = await visitor.post(
            f"/wopi/files/{file.id}",
            params=params,
            content=b"copy",
            headers={"X-WOPI-Override": "PUT_RELATIVE", "X-WOPI-SuggestedTarget": ".docx"},
        )
        rename = await visitor.post(
            f"/wopi/files/{file.id}",
            params=params,
            headers={"X-WOPI-Override": "RENAME_FILE", "X-WOPI-RequestedName": "Other", **lock},
        )
    assert info["UserCanWrite"] is True
    assert info["HostEditUrl"] == link["url"]
    assert info["UserCanNotWriteRelative"] is True
    assert locked.status_code == 200
    assert put.status_code == 200
    assert await signed_in.stored(file.id) == b"edited"
    assert (await signed_in.record(file.id)).modified_by == info["UserId"]
    assert relative.status_code == 401
    assert rename.status_code in (400, 401)
    assert (await signed_in.record(file.id)).name == "Report.docx"


async def test_visitor_id_stable_in_session_and_differs_between_browsers(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    link = await _create(signed_in, file)
    async with _visitor(signed_in) as first, _visitor(signed_in) as second:
        one = (await _info(first, file, await _open(first, str(link["id"])))).json()["UserId"]
        again = (await _info(first, file, await _open(first, str(link["id"]), name="Gina B"))).json()
        other = (await _info(second, file, await _open(second, str(link["id"])))).json()["UserId"]
    assert again["UserId"] == one
    assert again["UserFriendlyName"] == "Gina B"
    assert other != one


async def test_password_link_requires_password_and_refuses_wrong_one(signed_in: Web) -> None:
    file = await signed_in.upload("Secret.docx", b"x")
    link = await _create(signed_in, file, password="open sesame")
    link_id = str(link["id"])
    assert link["has_password"] is True
    async with _visitor(signed_in) as visitor:
        page = await visitor.get(f"/s/{link_id}")
        assert 'name="password"' in page.text
        csrf = csrf_of(page.text)
        skipped = await visitor.post(f"/s/{link_id}/open", data={"name": "Eve", "csrf_token": csrf})
        assert skipped.headers["location"] == f"/s/{link_id}"
        assert (await visitor.get(f"/s/{link_id}/open")).headers["location"] == f"/s/{link_id}"
        wrong = await visitor.post(f"/s/{link_id}/password", data={"password": "guess", "csrf_token": csrf})
        assert wrong.status_code == 403
        assert "That password is not right." in wrong.text
        right = await visitor.post(
            f"/s/{link_id}/password", data={"password": "open sesame", "csrf_token": csrf}
        )
        assert right.status_code == 303
        token = await _open(visitor, link_id)
        assert (await _info(visitor, file, token)).json()["IsAnonymousUser"] is True


async def test_password_guessing_throttled(signed_in: Web) -> None:
    file = await signed_in.upload("Secret.docx", b"x")
    link_id = str((await _create(signed_in, file, password="open sesame"))["id"])
    async with _visitor(signed_in) as visitor:
        csrf = csrf_of((await visitor.get(f"/s/{link_id}")).text)
        statuses = [
            (
                await visitor.post(
                    f"/s/{link_id}/password", data={"password": f"guess{n}", "csrf_token": csrf}
                )
            ).status_code
            for n in range(6)
        ]
        # Even the right password waits once the counter is full.
        right = await visitor.post(
            f"/s/{link_id}/password", data={"password": "open sesame", "csrf_token": csrf}
        )
    assert statuses[:5] == [403] * 5
    assert statuses[5] == 429
    assert right.status_code == 429
    assert "Retry-After" in right.headers


async def test_expired_link_gone_and_its_tokens_refused(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    today = signed_in.clock.now().date()
    link = await _create(signed_in, file, expires=today.isoformat())
    assert "Expires after" in str(link["expires"])
    async with _visitor(signed_in) as visitor:
        token = await _open(visitor, str(link["id"]))
        assert (await _info(visitor, file, token)).status_code == 200
        signed_in.clock.advance(timedelta(days=1))
        refused = await _info(visitor, file, token)
        page = await visitor.get(f"/s/{link['id']}")
    assert refused.status_code == 401
    assert page.status_code == 410
    assert "This link no longer works" in page.text
    # A day later the owner's own session has ended too.
    assert (await signed_in.sign_in()).status_code == 303
    listing = (await signed_in.client.get(f"/files/{file.id}/links", headers=JSON)).json()
    assert listing["links"][0]["expired"] is True


async def test_expiry_in_the_past_refused(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    yesterday = (signed_in.clock.now() - timedelta(days=1)).date().isoformat()
    response = await signed_in.post(
        f"/files/{file.id}/links", {"role": "view", "expires": yesterday}, json=True
    )
    assert response.status_code == 400
    bad = await signed_in.post(f"/files/{file.id}/links", {"role": "view", "expires": "soon"}, json=True)
    assert bad.status_code == 400


async def test_revoke_link_next_wopi_request_refused(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    link = await _create(signed_in, file, role="edit")
    async with _visitor(signed_in) as visitor:
        token = await _open(visitor, str(link["id"]))
        assert (await _info(visitor, file, token)).status_code == 200
        revoked = await signed_in.post(f"/files/{file.id}/links/{link['id']}/revoke", json=True)
        assert revoked.json()["ok"] is True
        refused = await _info(visitor, file, token)
        put = await visitor.post(
            f"/wopi/files/{file.id}/contents",
            params={"access_token": token},
            content=b"late",
            headers={"X-WOPI-Override": "PUT"},
        )
        page = await visitor.get(f"/s/{link['id']}")
    assert refused.status_code == 401
    assert put.status_code == 401
    assert page.status_code == 410
    assert await signed_in.stored(file.id) == b"x"
    listing = (await signed_in.client.get(f"/files/{file.id}/links", headers=JSON)).json()
    assert listing["links"] == []


async def test_revoke_link_of_another_file_changes_nothing(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    other = await signed_in.upload("Other.docx", b"y")
    link = await _create(signed_in, file)
    response = await signed_in.post(f"/files/{other.id}/links/{link['id']}/revoke", json=True)
    assert response.json()["message"] == "That link was already removed."
    assert len((await signed_in.client.get(f"/files/{file.id}/links", headers=JSON)).json()["links"]) == 1


async def test_unknown_link_gone(web: Web) -> None:
    assert (await web.client.get("/s/" + "a" * 32)).status_code == 410
    assert (await web.client.get("/s/short")).status_code == 410


async def test_visitor_name_required(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    link_id = str((await _create(signed_in, file))["id"])
    async with _visitor(signed_in) as visitor:
        csrf = csrf_of((await visitor.get(f"/s/{link_id}")).text)
        response = await visitor.post(f"/s/{link_id}/open", data={"name": "   ", "csrf_token": csrf})
    assert response.status_code == 400
    assert "A name is required." in response.text


async def test_link_token_for_another_file_refused(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    other = await signed_in.upload("Other.docx", b"y")
    link = await _create(signed_in, file)
    async with _visitor(signed_in) as visitor:
        token = await _open(visitor, str(link["id"]))
        forged = signed_in.services.tokens.issue(
            visitor_id(str(link["id"]), "aaaaaaaa"), other.id, link_id=str(link["id"])
        )
        assert (await _info(visitor, other, token)).status_code == 401
        assert (await _info(visitor, other, forged.token)).status_code == 401


async def test_token_of_another_links_visitor_refused(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    first, second = await _create(signed_in, file), await _create(signed_in, file)
    crossed = signed_in.services.tokens.issue(
        visitor_id(str(first["id"]), "aaaaaaaa"), file.id, link_id=str(second["id"]), display_name="X"
    )
    async with _visitor(signed_in) as visitor:
        assert (await _info(visitor, file, crossed.token)).status_code == 401


async def test_revoke_edit_link_ends_visitors_editing_session(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    link = await _create(signed_in, file, role="edit")
    async with _visitor(signed_in) as visitor:
        token = await _open(visitor, str(link["id"]))
        locked = await visitor.post(
            f"/wopi/files/{file.id}",
            params={"access_token": token},
            headers={"X-WOPI-Override": "LOCK", "X-WOPI-Lock": "visitor-lock"},
        )
        assert locked.status_code == 200
        assert (await signed_in.record(file.id)).active_lock(signed_in.clock.now()) is not None
        await signed_in.post(f"/files/{file.id}/links/{link['id']}/revoke", json=True)
    assert (await signed_in.record(file.id)).active_lock(signed_in.clock.now()) is None


async def test_visitor_host_page_offers_no_account_pages(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    link_id = str((await _create(signed_in, file))["id"])
    async with _visitor(signed_in) as visitor:
        await _open(visitor, link_id)
        host = await visitor.get(f"/s/{link_id}/open")
    config = json.loads(
        host.text.split('<script type="application/json" id="host-config">')[1].split("</script>")[0]
    )
    assert config["closeUrl"] == f"/s/{link_id}"
    assert config["canShare"] is False
    for absent in ("versionsUrl", "shareUrl", "editUrl", "imagesUrl", "savedAsUrl"):
        assert config[absent] is None, absent
    assert "no-referrer" in host.headers["referrer-policy"]


async def test_visitor_of_unopenable_file_offered_no_download(signed_in: Web) -> None:
    file = await signed_in.upload("Archive.zip", b"PK\x03\x04")
    link_id = str((await _create(signed_in, file))["id"])
    async with _visitor(signed_in) as visitor:
        await _open_until_host(visitor, link_id)
        page = await visitor.get(f"/s/{link_id}/open")
    assert page.status_code == 415
    assert "/download" not in page.text
    assert f'href="/s/{link_id}"' in page.text


async def _open_until_host(client: httpx.AsyncClient, link_id: str) -> None:
    page = await client.get(f"/s/{link_id}")
    await client.post(f"/s/{link_id}/open", data={"name": "Gina", "csrf_token": csrf_of(page.text)})


async def test_link_ids_and_tokens_never_logged(signed_in: Web, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    file = await signed_in.upload("Report.docx", b"x")
    link_id = str((await _create(signed_in, file, password="open sesame"))["id"])
    async with _visitor(signed_in) as visitor:
        csrf = csrf_of((await visitor.get(f"/s/{link_id}")).text)
        await visitor.post(f"/s/{link_id}/password", data={"password": "open sesame", "csrf_token": csrf})
        token = await _open(visitor, link_id)
        await _info(visitor, file, token)
    await signed_in.post(f"/files/{file.id}/links/{link_id}/revoke", json=True)
    # The test's own HTTP client logs the URLs it requests; only the server's records count.
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    logged = "\n".join(record.getMessage() for record in server)
    assert "/s/…" in logged
    for secret in (link_id, token, "open sesame"):
        assert secret not in logged


async def test_share_page_without_scripts_creates_lists_and_revokes_links(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    created = await signed_in.post(f"/files/{file.id}/links", {"role": "edit", "password": "open sesame"})
    assert created.status_code == 303
    assert created.headers["location"] == f"/files/{file.id}/share"
    page = (await signed_in.client.get(f"/files/{file.id}/share")).text
    assert "Link created." in page
    assert "Can edit · password" in page
    link_id = re.search(r'action="/files/[^/]+/links/([^/]+)/revoke"', page)
    assert link_id
    assert f'value="http://testserver/s/{link_id.group(1)}"' in page
    revoked = await signed_in.post(f"/files/{file.id}/links/{link_id.group(1)}/revoke")
    assert revoked.status_code == 303
    page = (await signed_in.client.get(f"/files/{file.id}/share")).text
    assert "Link removed. It no longer opens the file." in page
    assert '/revoke"' not in page.split('<h2 class="subhead">Links</h2>')[1]


async def test_visitor_edits_shown_to_owner_as_someone_with_a_link(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    link = await _create(signed_in, file, role="edit")
    async with _visitor(signed_in) as visitor:
        params = {"access_token": await _open(visitor, str(link["id"]))}
        lock = {"X-WOPI-Lock": "visitor-lock"}
        await visitor.post(
            f"/wopi/files/{file.id}", params=params, headers={"X-WOPI-Override": "LOCK", **lock}
        )
        saved = await visitor.post(
            f"/wopi/files/{file.id}/contents",
            params=params,
            content=b"edited",
            headers={"X-WOPI-Override": "PUT", **lock},
        )
        assert saved.status_code == 200
    listing = (await signed_in.client.get("/")).text
    assert "Being edited by someone with a link" in listing
    versions = (await signed_in.client.get(f"/files/{file.id}/versions", headers=JSON)).json()["versions"]
    assert versions[0]["author"] == "Someone with a link"
