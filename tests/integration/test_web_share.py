"""Sharing: the share page and its JSON, granting view or edit, revoking, and who may do it."""

from __future__ import annotations

import pytest

from tests.integration.web_support import Web
from wopihost.domain.permissions import Role

pytestmark = pytest.mark.anyio
JSON = {"Accept": "application/json"}


async def test_share_with_edit_lists_user_and_gives_access(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    response = await signed_in.post(f"/files/{file.id}/share", {"username": "Bob", "role": "edit"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/files/{file.id}/share"
    page = await signed_in.client.get(f"/files/{file.id}/share")
    assert "Shared with bob (can edit)." in page.text
    assert "Bob Brown" in page.text
    access = await signed_in.services.files.find_access(file.id, signed_in.bob)
    assert access.role is Role.EDIT


async def test_share_json_lists_owner_and_shares(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    await signed_in.share(file, signed_in.bob, Role.VIEW)
    body = (await signed_in.client.get(f"/files/{file.id}/share", headers=JSON)).json()
    assert body["can_share"] is True
    assert body["owner"] == "Alice Adams"
    assert body["shares"] == [
        {"username": "bob", "display_name": "Bob Brown", "role": "view", "role_label": "Can view"}
    ]


async def test_share_from_script_answers_json(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    response = await signed_in.post(f"/files/{file.id}/share", {"username": "bob", "role": "view"}, json=True)
    assert response.json()["ok"] is True
    assert "bob" in response.json()["message"]


async def test_share_unknown_user_explained(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    response = await signed_in.post(f"/files/{file.id}/share", {"username": "nobody"}, json=True)
    assert response.status_code == 400
    assert "no user called “nobody”" in response.json()["error"]


async def test_share_bad_role_refused(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    response = await signed_in.post(
        f"/files/{file.id}/share", {"username": "bob", "role": "owner"}, json=True
    )
    assert response.status_code == 400


async def test_revoke_removes_access_and_wopi_refuses_next_call(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    await signed_in.share(file, signed_in.bob, Role.EDIT)
    token = signed_in.services.tokens.issue(signed_in.bob.id, file.id).token
    assert (
        await signed_in.client.get(f"/wopi/files/{file.id}", params={"access_token": token})
    ).status_code == 200
    response = await signed_in.post(f"/files/{file.id}/share/revoke", {"username": "bob"})
    assert response.status_code == 303
    assert "Stopped sharing with bob." in (await signed_in.client.get(f"/files/{file.id}/share")).text
    assert (
        await signed_in.client.get(f"/wopi/files/{file.id}", params={"access_token": token})
    ).status_code == 404


async def test_non_owner_sees_share_page_read_only_and_cannot_share(signed_in: Web) -> None:
    file = await signed_in.upload("Plan.docx", b"x", owner=signed_in.bob)
    await signed_in.share(file, signed_in.alice, Role.EDIT)
    page = await signed_in.client.get(f"/files/{file.id}/share")
    assert "Only the owner, Bob Brown, can change who has access" in page.text
    assert 'action="/files/' not in page.text
    response = await signed_in.post(f"/files/{file.id}/share", {"username": "alice"}, json=True)
    assert response.status_code == 403


async def test_share_page_of_invisible_file_not_found(signed_in: Web) -> None:
    file = await signed_in.upload("Plan.docx", b"x", owner=signed_in.bob)
    assert (await signed_in.client.get(f"/files/{file.id}/share")).status_code == 404


# The "view, no download" role in the web UI.


async def test_share_view_no_download_from_form_grants_that_role(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")

    response = await signed_in.post(
        f"/files/{file.id}/share", {"username": "bob", "role": "view-no-download"}
    )

    assert response.status_code == 303
    page = await signed_in.client.get(f"/files/{file.id}/share")
    assert "Shared with bob (can view (no download))." in page.text
    assert '<option value="view-no-download">Can view (no download)</option>' in page.text
    access = await signed_in.services.files.find_access(file.id, signed_in.bob)
    assert access.role is Role.VIEW_NO_DOWNLOAD


async def test_share_json_offers_every_share_role_with_labels(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    await signed_in.share(file, signed_in.bob, Role.VIEW_NO_DOWNLOAD)

    body = (await signed_in.client.get(f"/files/{file.id}/share", headers=JSON)).json()

    assert body["roles"] == [
        {"value": "view", "label": "Can view"},
        {"value": "view-no-download", "label": "Can view (no download)"},
        {"value": "edit", "label": "Can edit"},
    ]
    assert body["shares"][0]["role"] == "view-no-download"
    assert body["shares"][0]["role_label"] == "Can view (no download)"


async def test_download_view_no_download_role_refused_with_403_page(signed_in: Web) -> None:
    file = await signed_in.upload("Plan.docx", b"secret plan", owner=signed_in.bob)
    await signed_in.share(file, signed_in.alice, Role.VIEW_NO_DOWNLOAD)

    page = await signed_in.client.get(f"/files/{file.id}/download")
    version = await signed_in.client.get(f"/files/{file.id}/versions/1/download")
    scripted = await signed_in.client.get(f"/files/{file.id}/download", headers=JSON)

    assert page.status_code == 403
    assert "does not allow downloading it" in page.text
    assert b"secret plan" not in page.content
    assert version.status_code == 403
    assert b"secret plan" not in version.content
    assert scripted.status_code == 403
    assert "does not allow downloading" in scripted.json()["error"]


async def test_download_plain_view_role_still_allowed(signed_in: Web) -> None:
    file = await signed_in.upload("Plan.docx", b"plan", owner=signed_in.bob)
    await signed_in.share(file, signed_in.alice, Role.VIEW)

    response = await signed_in.client.get(f"/files/{file.id}/download")

    assert response.status_code == 200
    assert response.content == b"plan"


async def test_shared_list_and_versions_offer_no_download_for_view_no_download(signed_in: Web) -> None:
    restricted = await signed_in.upload("Plan.docx", b"plan", owner=signed_in.bob)
    open_one = await signed_in.upload("Notes.docx", b"notes", owner=signed_in.bob)
    await signed_in.share(restricted, signed_in.alice, Role.VIEW_NO_DOWNLOAD)
    await signed_in.share(open_one, signed_in.alice, Role.VIEW)

    shared = (await signed_in.client.get("/shared")).text
    versions = (await signed_in.client.get(f"/files/{restricted.id}/versions")).text
    versions_json = (await signed_in.client.get(f"/files/{restricted.id}/versions", headers=JSON)).json()

    assert f"/files/{restricted.id}/download" not in shared
    assert f"/files/{open_one.id}/download" in shared
    assert "can view (no download)" in shared
    assert "/download" not in versions
    assert versions_json["can_download"] is False
