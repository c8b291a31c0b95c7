"""Editing sessions: a revoked editor's lock, ending a session from the UI, and live lock badges."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.integration.web_support import PASSWORD, Web, chunks
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord, User

pytestmark = pytest.mark.anyio
JSON = {"Accept": "application/json"}
LOCK = "session-lock-1"


async def wopi(web: Web, file: FileRecord, user: User, override: str, lock: str = LOCK) -> httpx.Response:
    """A WOPI lock operation by `user`'s client, as the WOPI client would send it."""
    token = web.services.tokens.issue(user.id, file.id).token
    headers = {"X-WOPI-Override": override, "X-WOPI-Lock": lock}
    return await web.client.post(f"/wopi/files/{file.id}", params={"access_token": token}, headers=headers)


async def put_file(web: Web, file: FileRecord, user: User, body: bytes) -> httpx.Response:
    token = web.services.tokens.issue(user.id, file.id).token
    headers = {"X-WOPI-Override": "PUT", "X-WOPI-Lock": LOCK}
    path = f"/wopi/files/{file.id}/contents"
    return await web.client.post(path, params={"access_token": token}, headers=headers, content=body)


async def editing(web: Web, user: User, name: str = "Report.docx") -> FileRecord:
    """Alice's file, shared with `user` for editing and locked by their client."""
    file = await web.upload(name, b"original")
    await web.share(file, user, Role.EDIT)
    assert (await wopi(web, file, user, "LOCK")).status_code == 200
    return file


async def add_user(web: Web, username: str, display_name: str, *, admin: bool = False) -> User:
    return await web.services.users.add_user(username, display_name, password=PASSWORD, is_admin=admin)


async def switch_to(web: Web, user: User) -> None:
    """Sign out and sign in again as `user`."""
    web.client.cookies.clear()
    assert (await web.sign_in(user)).status_code == 303


async def lock_of(web: Web, file: FileRecord) -> str:
    response = await wopi(web, file, web.alice, "GET_LOCK")
    assert response.status_code == 200
    return response.headers["X-WOPI-Lock"]


async def test_revoked_editor_lock_no_longer_blocks_owner_rename_and_delete(signed_in: Web) -> None:
    file = await editing(signed_in, signed_in.bob)

    revoked = await signed_in.post(f"/files/{file.id}/share/revoke", {"username": "bob"}, json=True)
    unlock = await wopi(signed_in, file, signed_in.bob, "UNLOCK")
    renamed = await signed_in.post(f"/files/{file.id}/rename", {"name": "Final.docx"}, json=True)
    deleted = await signed_in.post(f"/files/{file.id}/delete", json=True)

    assert revoked.status_code == 200
    assert unlock.status_code == 404
    assert renamed.status_code == 200, renamed.json()
    assert deleted.status_code == 200, deleted.json()


async def test_revoke_one_of_two_co_editors_keeps_the_session_until_the_last(signed_in: Web) -> None:
    carol = await add_user(signed_in, "carol", "Carol Chen")
    file = await editing(signed_in, signed_in.bob)
    await signed_in.share(file, carol, Role.EDIT)
    assert (await wopi(signed_in, file, carol, "LOCK")).status_code == 200

    await signed_in.post(f"/files/{file.id}/share/revoke", {"username": "bob"})
    still = await lock_of(signed_in, file)
    refused = await signed_in.post(f"/files/{file.id}/rename", {"name": "Final.docx"}, json=True)
    await signed_in.post(f"/files/{file.id}/share/revoke", {"username": "carol"})

    assert still == LOCK
    assert refused.status_code == 409
    assert "Carol Chen" in refused.json()["error"] or "Bob Brown" in refused.json()["error"]
    assert await lock_of(signed_in, file) == ""


async def test_revoke_keeps_the_session_of_a_co_author_who_only_opened_the_file(signed_in: Web) -> None:
    # Office's co-authoring service locks once for everyone; the others only send CheckFileInfo.
    carol = await add_user(signed_in, "carol", "Carol Chen")
    file = await editing(signed_in, signed_in.bob)
    await signed_in.share(file, carol, Role.EDIT)
    token = signed_in.services.tokens.issue(carol.id, file.id).token
    assert (await signed_in.client.get(f"/wopi/files/{file.id}", params={"access_token": token})).is_success

    await signed_in.post(f"/files/{file.id}/share/revoke", {"username": "bob"})

    assert await lock_of(signed_in, file) == LOCK
    assert (await put_file(signed_in, file, carol, b"carol's edit")).status_code == 200


async def test_revoke_viewer_leaves_editor_session_alone(signed_in: Web) -> None:
    carol = await add_user(signed_in, "carol", "Carol Chen")
    file = await editing(signed_in, signed_in.bob)
    await signed_in.share(file, carol, Role.VIEW)

    await signed_in.post(f"/files/{file.id}/share/revoke", {"username": "carol"})

    assert await lock_of(signed_in, file) == LOCK


async def test_changing_editor_to_viewer_ends_their_session(signed_in: Web) -> None:
    file = await editing(signed_in, signed_in.bob)

    await signed_in.post(f"/files/{file.id}/share", {"username": "bob", "role": "view"})

    assert await lock_of(signed_in, file) == ""


async def test_revoke_records_ended_session_on_version_history(signed_in: Web) -> None:
    file = await editing(signed_in, signed_in.bob)
    await signed_in.post(f"/files/{file.id}/share/revoke", {"username": "bob"})

    page = await signed_in.client.get(f"/files/{file.id}/versions")
    body = (await signed_in.client.get(f"/files/{file.id}/versions", headers=JSON)).json()

    assert "Editing session ended by Alice Adams at" in page.text
    assert "Bob Brown was editing; their access was revoked" in page.text
    assert body["sessions_ended"][0]["ended_by"] == "Alice Adams"
    assert body["sessions_ended"][0]["reason"] == "revoked"


async def test_owner_ends_session_from_ui_and_client_save_is_refused(signed_in: Web) -> None:
    file = await editing(signed_in, signed_in.bob)

    ended = await signed_in.post(f"/files/{file.id}/session/end", json=True)
    save = await put_file(signed_in, file, signed_in.bob, b"late save")
    history = await signed_in.client.get(f"/files/{file.id}/versions")

    assert ended.status_code == 200
    assert ended.json()["message"] == "Ended the editing session."
    assert await lock_of(signed_in, file) == ""
    assert save.status_code == 409
    assert await signed_in.stored(file.id) == b"original"
    assert "Editing session ended by Alice Adams at" in history.text


async def test_end_session_without_csrf_token_is_refused(signed_in: Web) -> None:
    file = await editing(signed_in, signed_in.bob)

    response = await signed_in.client.post(f"/files/{file.id}/session/end", headers=JSON)

    assert response.status_code == 403
    assert await lock_of(signed_in, file) == LOCK


@pytest.mark.parametrize("role", [Role.EDIT, Role.VIEW])
async def test_end_session_by_editor_or_viewer_is_refused(signed_in: Web, role: Role) -> None:
    carol = await add_user(signed_in, "carol", "Carol Chen")
    file = await editing(signed_in, signed_in.bob)
    await signed_in.share(file, carol, role)
    await switch_to(signed_in, carol)

    response = await signed_in.post(f"/files/{file.id}/session/end", json=True)

    assert response.status_code == 403
    assert await lock_of(signed_in, file) == LOCK


async def test_end_session_by_stranger_is_not_found(signed_in: Web) -> None:
    await add_user(signed_in, "carol", "Carol Chen")
    file = await editing(signed_in, signed_in.bob)
    carol = await signed_in.services.users.get_user_by_name("carol")
    await switch_to(signed_in, carol)

    response = await signed_in.post(f"/files/{file.id}/session/end", json=True)

    assert response.status_code == 404
    assert await lock_of(signed_in, file) == LOCK


async def test_admin_ends_session_on_a_file_not_shared_with_them(signed_in: Web) -> None:
    root = await add_user(signed_in, "root", "Rita Root", admin=True)
    file = await editing(signed_in, signed_in.bob)
    await switch_to(signed_in, root)

    response = await signed_in.post(f"/files/{file.id}/session/end", json=True)

    assert response.status_code == 200
    assert await lock_of(signed_in, file) == ""
    breaks = await signed_in.services.sessions.history(file.id)
    assert [(b.ended_by, b.editor) for b in breaks] == [("Rita Root", "Bob Brown")]


async def test_end_session_of_unlocked_file_says_so(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")

    response = await signed_in.post(f"/files/{file.id}/session/end", json=True)

    assert response.json()["message"] == "Nobody was editing the file."
    assert await signed_in.services.sessions.history(file.id) == []


async def test_end_session_page_without_scripts_confirms_then_ends(signed_in: Web) -> None:
    file = await editing(signed_in, signed_in.bob)

    page = await signed_in.client.get(f"/files/{file.id}/session/end")
    posted = await signed_in.post(f"/files/{file.id}/session/end")

    assert "is being edited by Bob Brown" in page.text
    assert 'action="/files/' + file.id + '/session/end"' in page.text
    assert "autofocus" not in page.text
    assert posted.status_code == 303
    assert await lock_of(signed_in, file) == ""


async def test_rename_refusal_offers_end_session_to_owner_only(signed_in: Web) -> None:
    file = await editing(signed_in, signed_in.bob)
    carol = await add_user(signed_in, "carol", "Carol Chen")
    await signed_in.share(file, carol, Role.EDIT)

    as_owner = await signed_in.post(f"/files/{file.id}/rename", {"name": "New.docx"}, json=True)
    as_owner_page = await signed_in.post(f"/files/{file.id}/delete")
    await switch_to(signed_in, carol)
    as_editor = await signed_in.post(f"/files/{file.id}/rename", {"name": "New.docx"}, json=True)

    assert as_owner.status_code == 409
    assert "is being edited by Bob Brown" in as_owner.json()["error"]
    assert as_owner.json()["action"] == {
        "url": f"/files/{file.id}/session/end",
        "label": "End editing session",
    }
    assert f'href="/files/{file.id}/session/end"' in as_owner_page.text
    assert as_editor.status_code == 409
    assert "action" not in as_editor.json()


async def test_file_list_badge_offers_end_session_to_owner_not_to_editor(signed_in: Web) -> None:
    file = await editing(signed_in, signed_in.bob)
    carol = await add_user(signed_in, "carol", "Carol Chen")
    await signed_in.share(file, carol, Role.EDIT)

    owner_page = (await signed_in.client.get("/")).text
    await switch_to(signed_in, carol)
    editor_page = (await signed_in.client.get("/shared")).text

    link = f'href="/files/{file.id}/session/end" data-end-session'
    assert "Being edited by Bob Brown" in owner_page
    assert link in owner_page
    assert 'id="end-session-dialog"' in owner_page
    assert "Being edited by Bob Brown" in editor_page
    assert link not in editor_page


async def test_lock_states_follow_lock_and_unlock_without_reload(signed_in: Web) -> None:
    file = await editing(signed_in, signed_in.bob)
    other = await signed_in.upload("Other.docx", b"x")
    hidden = await signed_in.services.files.upload(
        signed_in.bob,
        await signed_in.services.files.ensure_folder_path(signed_in.bob, []),
        "Private.docx",
        chunks(b"x"),
    )
    url = f"/locks?ids={file.id},{other.id},{hidden.id}"

    locked = (await signed_in.client.get(url, headers=JSON)).json()
    assert (await wopi(signed_in, file, signed_in.bob, "UNLOCK")).status_code == 200
    unlocked = (await signed_in.client.get(url, headers=JSON)).json()

    assert locked["files"] == [
        {"id": file.id, "editor": "Bob Brown", "can_end": True},
        {"id": other.id, "editor": None, "can_end": True},
    ]
    assert unlocked["files"][0] == {"id": file.id, "editor": None, "can_end": True}
    assert 0 < locked["interval_ms"] <= 5000


async def test_lock_states_need_sign_in(web: Web) -> None:
    response = await web.client.get("/locks?ids=x", headers=JSON)
    assert response.status_code == 401


def test_browser_script_polls_lock_states() -> None:
    from wopihost.web.context import STATIC_DIR

    script = (STATIC_DIR / "js" / "locks.js").read_text()
    assert re.search(r"visibilityState", script)
    assert "/locks?ids=" in script
    assert 'import "./locks.js"' in (STATIC_DIR / "js" / "browser.js").read_text()
