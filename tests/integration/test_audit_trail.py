"""The audit trail through the app: each action in the UI and over WOPI leaves one event, failures none."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests.integration.test_web_links import _create as create_link
from tests.integration.test_web_links import _open as open_link
from tests.integration.test_web_links import _visitor as visitor_browser
from tests.integration.web_support import PASSWORD, Web, chunks, running_web, signed_in_as_alice, web_settings
from wopihost.domain.audit import AuditAction, AuditQuery
from wopihost.domain.locks import LockGuard
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord

pytestmark = pytest.mark.anyio
JSON = {"Accept": "application/json"}
BROWSER = {"User-Agent": "Mozilla/5.0 (AuditTest)"}
CLIENT_AGENT = "StandIn-WOPI-Client/1.0"


async def events(web: Web, item_id: str | None = None, *, created: bool = False) -> list[dict[str, object]]:
    """Every event, oldest first, as the export writes them; without the uploads that set tests up."""
    query = AuditQuery(item_id=item_id)
    found = [json.loads(line) async for line in web.services.audit.export_lines(query)]
    return [event for event in found if created or event["action"] != "created"]


def actions(found: list[dict[str, object]]) -> list[object]:
    return [event["action"] for event in found]


async def wopi_token(web: Web, file: FileRecord, user_id: str | None = None) -> str:
    return web.services.tokens.issue(user_id or web.alice.id, file.id).token


async def test_rename_in_ui_records_actor_web_client_agent_and_address(signed_in: Web) -> None:
    file = await signed_in.upload("Old.docx", b"x")
    signed_in.client.headers.update(BROWSER)

    await signed_in.post(f"/files/{file.id}/rename", {"name": "New.docx"})

    [event] = await events(signed_in, file.id)
    assert event["action"] == "renamed"
    assert event["user_id"] == signed_in.alice.id
    assert event["username"] == "alice"
    assert event["client"] == "web"
    assert event["client_name"] == BROWSER["User-Agent"]
    assert event["address"] == "127.0.0.1"
    assert event["item_name"] == "New.docx"
    assert event["detail"] == "Old.docx"


async def test_rename_refused_for_taken_name_records_nothing(signed_in: Web) -> None:
    file = await signed_in.upload("a.docx", b"x")
    await signed_in.upload("b.docx", b"y")

    response = await signed_in.post(f"/files/{file.id}/rename", {"name": "b.docx"}, json=True)

    assert response.status_code == 409
    assert await events(signed_in, file.id) == []


async def test_share_role_change_unshare_each_recorded_once(signed_in: Web) -> None:
    file = await signed_in.upload("a.docx", b"x")

    await signed_in.post(f"/files/{file.id}/share", {"username": "bob", "role": "view"})
    await signed_in.post(f"/files/{file.id}/share", {"username": "bob", "role": "view"})
    await signed_in.post(f"/files/{file.id}/share", {"username": "bob", "role": "edit", "change": "1"})
    await signed_in.post(f"/files/{file.id}/share/revoke", {"username": "bob"})

    found = await events(signed_in, file.id)
    assert actions(found) == ["shared", "role_changed", "unshared"]
    assert [e["detail"] for e in found] == ["bob: view", "bob: edit", "bob"]


async def test_move_trash_restore_purge_recorded_with_item_kind(signed_in: Web) -> None:
    file = await signed_in.upload("a.docx", b"x")
    folder = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Archive"])

    await signed_in.post(f"/files/{file.id}/move", {"folder_id": folder.id})
    await signed_in.post(f"/files/{file.id}/delete")
    await signed_in.post(f"/trash/{file.id}/restore")
    await signed_in.post(f"/files/{file.id}/delete")
    await signed_in.post(f"/trash/{file.id}/delete")
    await signed_in.post(f"/folders/{folder.id}/delete")

    found = await events(signed_in)
    assert [(e["action"], e["item_kind"], e["item_id"]) for e in found] == [
        ("moved", "file", file.id),
        ("trashed", "file", file.id),
        ("restored", "file", file.id),
        ("trashed", "file", file.id),
        ("purged", "file", file.id),
        ("trashed", "folder", folder.id),
    ]
    assert found[0]["detail"] == "Archive"
    assert {e["user_id"] for e in found} == {signed_in.alice.id}


async def test_check_file_info_records_one_open_per_session_window(signed_in: Web) -> None:
    file = await signed_in.upload("a.docx", b"x")
    token = await wopi_token(signed_in, file)
    headers = {"User-Agent": CLIENT_AGENT}

    for _ in range(3):
        response = await signed_in.client.get(f"/wopi/files/{file.id}?access_token={token}", headers=headers)
        assert response.status_code == 200
    signed_in.clock.advance(timedelta(minutes=31))
    await signed_in.client.get(f"/wopi/files/{file.id}?access_token={token}", headers=headers)

    found = await events(signed_in, file.id)
    assert actions(found) == ["opened_edit", "opened_edit"]
    assert found[0]["client"] == "wopi"
    assert found[0]["client_name"] == CLIENT_AGENT


async def test_viewer_open_is_recorded_as_viewing(signed_in: Web) -> None:
    file = await signed_in.upload("a.docx", b"x")
    await signed_in.share(file, signed_in.bob, Role.VIEW)
    token = await wopi_token(signed_in, file, signed_in.bob.id)

    await signed_in.client.get(f"/wopi/files/{file.id}?access_token={token}")

    assert [(e["action"], e["username"]) for e in await events(signed_in, file.id)][-1] == (
        "opened_view",
        "bob",
    )


async def test_put_file_records_save_with_version_and_never_the_token(signed_in: Web) -> None:
    file = await signed_in.upload("a.docx", b"")
    token = await wopi_token(signed_in, file)
    url = f"/wopi/files/{file.id}/contents?access_token={token}"

    response = await signed_in.client.post(url, content=b"new", headers={"X-WOPI-Override": "PUT"})

    assert response.status_code == 200
    found = await events(signed_in, file.id)
    assert [(e["action"], e["detail"]) for e in found] == [("saved", "2")]
    lines = "".join([line async for line in signed_in.services.audit.export_lines(AuditQuery())])
    assert token not in lines
    stored = b"".join(p.read_bytes() for p in signed_in.settings.data_dir.rglob("*.db*") if p.is_file())
    assert token.encode() not in stored


async def test_end_session_records_holder_and_ender(signed_in: Web) -> None:
    file = await signed_in.upload("a.docx", b"x")
    await signed_in.lock_as(file, signed_in.bob)

    await signed_in.post(f"/files/{file.id}/session/end")

    ended = [e for e in await events(signed_in, file.id) if e["action"] == "session_ended"]
    assert [(e["user_id"], e["detail"]) for e in ended] == [(signed_in.alice.id, signed_in.bob.id)]


async def test_share_link_created_opened_revoked_without_the_link_id(signed_in: Web) -> None:
    file = await signed_in.upload("a.docx", b"x")
    created = await signed_in.post(f"/files/{file.id}/links", {"role": "view"}, json=True)
    [link] = await signed_in.services.links.list_links(
        await signed_in.services.files.access_as_owner(file.id)
    )

    await signed_in.post(f"/files/{file.id}/links/{link.id}/revoke")

    assert created.status_code == 200
    found = await events(signed_in, file.id)
    assert actions(found) == ["link_created", "link_revoked"]
    assert link.id not in json.dumps(found)


async def test_activity_page_lists_events_for_owner_and_hides_them_from_others(signed_in: Web) -> None:
    file = await signed_in.upload("Old.docx", b"x")
    await signed_in.post(f"/files/{file.id}/rename", {"name": "New.docx"})
    await signed_in.share(file, signed_in.bob, Role.EDIT)

    page = await signed_in.client.get(f"/files/{file.id}/activity")
    listing = (await signed_in.client.get("/")).text
    await signed_in.client.post("/signout", data={"csrf_token": await signed_in.csrf()})
    await signed_in.sign_in(signed_in.bob)
    refused = await signed_in.client.get(f"/files/{file.id}/activity")

    assert page.status_code == 200
    assert 'data-action="renamed"' in page.text
    assert "from “Old.docx”" in page.text
    assert "Alice Adams" in page.text
    assert "Web UI" in page.text
    assert f'href="/files/{file.id}/activity"' in listing
    assert refused.status_code == 404


async def test_export_download_is_for_admins_only(signed_in: Web) -> None:
    file = await signed_in.upload("a.docx", b"x")
    kept = await signed_in.upload("kept.docx", b"x")
    await signed_in.post(f"/files/{file.id}/delete")

    refused = await signed_in.client.get("/admin/audit.jsonl")
    await signed_in.services.users.add_user("root", "Root", password=PASSWORD, is_admin=True)
    await signed_in.client.post("/signout", data={"csrf_token": await signed_in.csrf()})
    await signed_in.sign_in(await signed_in.services.users.get_user_by_name("root"))
    download = await signed_in.client.get(f"/admin/audit.jsonl?file={file.id}")
    page = await signed_in.client.get(f"/files/{kept.id}/activity")
    users_page = (await signed_in.client.get("/admin/users")).text

    assert refused.status_code == 403
    assert download.status_code == 200
    assert 'filename="audit.jsonl"' in download.headers["content-disposition"]
    assert [json.loads(line)["action"] for line in download.text.splitlines()] == ["created", "trashed"]
    assert page.status_code == 200
    assert "/admin/audit.jsonl?file=" in page.text
    assert 'href="/admin/audit.jsonl"' in users_page


async def test_address_comes_from_trusted_proxy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = web_settings(
        tmp_path, server={"public_url": "http://testserver", "trusted_proxies": ["127.0.0.1"]}
    )
    async with running_web(tmp_path, monkeypatch, settings) as web:
        await signed_in_as_alice(web)
        file = await web.upload("a.docx", b"x")
        token = await web.csrf()
        headers = {"X-Forwarded-For": "198.51.100.9"}

        await web.client.post(f"/files/{file.id}/delete", data={"csrf_token": token}, headers=headers)

        [event] = await events(web, file.id)
        assert event["action"] == AuditAction.TRASHED.value
        assert event["address"] == "198.51.100.9"


async def test_link_visitor_open_recorded_once_without_any_token(signed_in: Web) -> None:
    file = await signed_in.upload("a.docx", b"x")
    link = await create_link(signed_in, file)

    async with visitor_browser(signed_in) as visitor:
        token = await open_link(visitor, str(link["id"]), "Guest Gina")
        again = await open_link(visitor, str(link["id"]), "Guest Gina")
        await visitor.get(f"/wopi/files/{file.id}", params={"access_token": token})

    found = await events(signed_in, file.id)
    assert actions(found) == ["link_created", "link_opened", "opened_view"]
    opened = found[1]
    assert str(opened["user_id"]).startswith("anon-")
    assert opened["detail"] == "Guest Gina"
    assert found[2]["user_id"] == opened["user_id"]
    text = json.dumps(found)
    assert token not in text
    assert again not in text
    assert str(link["id"]) not in text
    page = (await signed_in.client.get(f"/files/{file.id}/activity")).text
    assert "Link visitor" in page
    assert "as “Guest Gina”" in page


async def test_upload_and_put_relative_record_created_and_replace_records_save(signed_in: Web) -> None:
    file = await signed_in.upload("a.docx", b"x")
    await signed_in.services.files.upload(
        signed_in.alice,
        await signed_in.services.browse.root_folder(signed_in.alice),
        "a.docx",
        chunks(b"yy"),
        replace=True,
    )
    token = await wopi_token(signed_in, file)
    headers = {
        "X-WOPI-Override": "PUT_RELATIVE",
        "X-WOPI-SuggestedTarget": ".pdf",
        "User-Agent": CLIENT_AGENT,
    }

    response = await signed_in.client.post(
        f"/wopi/files/{file.id}?access_token={token}", content=b"%PDF", headers=headers
    )

    assert response.status_code == 200, response.text
    found = await events(signed_in, created=True)
    assert [(e["action"], e["item_name"], e["detail"], e["client"]) for e in found] == [
        ("created", "a.docx", "", "system"),
        ("saved", "a.docx", "2", "system"),
        ("created", "a.pdf", "a.docx", "wopi"),
    ]


async def test_restore_version_in_ui_records_old_and_new_numbers(signed_in: Web) -> None:
    file = await signed_in.upload("a.docx", b"one")
    await signed_in.services.content.commit(
        file.id,
        await signed_in.services.content.store(chunks(b"two")),
        guard=LockGuard(None),
        author_id=signed_in.alice.id,
        source="upload",
    )

    await signed_in.post(f"/files/{file.id}/versions/1/restore")

    [event] = await events(signed_in, file.id)
    assert (event["action"], event["detail"], event["client"]) == ("version_restored", "1:3", "web")
    page = (await signed_in.client.get(f"/files/{file.id}/activity")).text
    assert "version 1, as version 3" in page


async def test_activity_page_in_users_language_with_local_date_format(signed_in: Web) -> None:
    file = await signed_in.upload("Old.docx", b"x")
    await signed_in.post(f"/files/{file.id}/rename", {"name": "New.docx"})
    await signed_in.services.users.set_locale(signed_in.alice, "de")

    page = (await signed_in.client.get(f"/files/{file.id}/activity")).text

    assert "<h1>Aktivität</h1>" in page
    assert "Umbenannt" in page
    assert "von „Old.docx“" in page
    assert "Weboberfläche" in page
    assert "01.01.2026" in page


async def test_folder_activity_page_lists_folder_rename_for_owner_only(signed_in: Web) -> None:
    folder = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Plans"])
    await signed_in.post(f"/folders/{folder.id}/rename", {"name": "Plans 2027"})

    page = await signed_in.client.get(f"/folders/{folder.id}/activity")
    listing = (await signed_in.client.get("/")).text
    root = await signed_in.client.get(f"/folders/{signed_in.alice.root_folder_id}/activity")
    await signed_in.client.post("/signout", data={"csrf_token": await signed_in.csrf()})
    await signed_in.sign_in(signed_in.bob)
    refused = await signed_in.client.get(f"/folders/{folder.id}/activity")

    assert page.status_code == 200
    assert 'data-action="renamed"' in page.text
    assert "from “Plans”" in page.text
    assert f'href="/folders/{folder.id}/activity"' in listing
    assert root.status_code == 404
    assert refused.status_code == 404
