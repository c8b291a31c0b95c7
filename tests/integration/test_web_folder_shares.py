"""Shared folders over HTTP: the owner shares a folder, the recipient browses it, opens and changes what is
inside as their role allows (WOPI included), and loses all of it on the next request once it is revoked."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from tests.integration.test_web_hostpage_clients import collabora
from tests.integration.web_support import Web, chunks, csrf_of
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord, Folder

pytestmark = pytest.mark.anyio
__all__ = ["collabora"]
JSON = {"Accept": "application/json"}


class Team:
    """alice's /Team/Drafts/draft.docx and /Team/plan.docx."""

    def __init__(self, team: Folder, drafts: Folder, plan: FileRecord, draft: FileRecord) -> None:
        self.team, self.drafts, self.plan, self.draft = team, drafts, plan, draft


@pytest.fixture
async def team(signed_in: Web) -> Team:
    team = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Team"])
    drafts = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Team", "Drafts"])
    plan = await signed_in.upload("plan.docx", b"plan", folder_parts=["Team"])
    draft = await signed_in.upload("draft.docx", b"draft", folder_parts=["Team", "Drafts"])
    return Team(team, drafts, plan, draft)


async def share(web: Web, folder: Folder, role: Role) -> None:
    response = await web.post(f"/folders/{folder.id}/share", {"username": "bob", "role": role.value})
    assert response.status_code == 303
    assert response.headers["location"] == f"/folders/{folder.id}/share"


async def as_bob(web: Web) -> None:
    await web.client.post("/signout", data={"csrf_token": await web.csrf()})
    assert (await web.sign_in(web.bob)).status_code == 303


async def check_file_info(web: Web, file: FileRecord, token: str) -> tuple[int, dict[str, object]]:
    response = await web.client.get(f"/wopi/files/{file.id}", params={"access_token": token})
    return response.status_code, response.json() if response.status_code == 200 else {}


async def test_owner_shares_folder_lists_person_and_marks_folder_shared(signed_in: Web, team: Team) -> None:
    await share(signed_in, team.team, Role.EDIT)

    body = (await signed_in.client.get(f"/folders/{team.team.id}/share", headers=JSON)).json()
    page = (await signed_in.client.get(f"/folders/{team.team.id}/share")).text
    listing = (await signed_in.client.get("/")).text

    assert body["can_share"] is True
    assert body["folder"] == {"id": team.team.id, "name": "Team"}
    assert body["shares"] == [
        {"username": "bob", "display_name": "Bob Brown", "role": "edit", "role_label": "Can edit"}
    ]
    assert "Shared with bob (can edit)." in page
    assert "Bob Brown" in page
    assert "Shared with 1 person" in listing


async def test_recipient_sees_folder_under_shared_with_me_and_browses_it_from_there(
    signed_in: Web, team: Team
) -> None:
    await share(signed_in, team.team, Role.VIEW)
    await as_bob(signed_in)

    shared = (await signed_in.client.get("/shared")).text
    top = await signed_in.client.get(f"/folders/{team.team.id}")
    inner = await signed_in.client.get(f"/folders/{team.drafts.id}")
    root = await signed_in.client.get(f"/folders/{signed_in.alice.root_folder_id}")

    assert f'href="/folders/{team.team.id}"' in shared
    assert "Shared by Alice Adams · can view" in shared
    assert top.status_code == 200
    assert "plan.docx" in top.text
    assert "Drafts" in top.text
    crumbs = re.findall(
        r'<a href="([^"]+)">([^<]+)</a>', inner.text.split('class="crumbs"')[1].split("</nav>")[0]
    )
    assert crumbs == [("/shared", "Shared with me"), (f"/folders/{team.team.id}", "Team")]
    assert "draft.docx" in inner.text
    assert "My files" not in inner.text.split('class="crumbs"')[1].split("</nav>")[0]
    # A viewer gets no New or Upload, and no owner's actions on subfolders.
    assert "data-upload-url" not in top.text
    assert f"/folders/{team.drafts.id}/rename" not in top.text
    assert root.status_code == 404


@pytest.mark.parametrize(
    ("role", "can_write"), [(Role.VIEW, False), (Role.VIEW_NO_DOWNLOAD, False), (Role.EDIT, True)]
)
async def test_check_file_info_by_recipient_follows_role_then_404_after_revoke(
    signed_in: Web, team: Team, role: Role, can_write: bool
) -> None:
    await share(signed_in, team.team, role)
    token = signed_in.services.tokens.issue(signed_in.bob.id, team.draft.id).token

    status, info = await check_file_info(signed_in, team.draft, token)
    await signed_in.post(f"/folders/{team.team.id}/share/revoke", {"username": "bob"})
    revoked, _info = await check_file_info(signed_in, team.draft, token)

    assert status == 200
    assert info["UserCanWrite"] is can_write
    assert info["UserId"] != info["OwnerId"]
    assert revoked == 404


async def test_check_file_info_breadcrumb_names_shared_folder_only_for_folder_recipients(
    signed_in: Web, team: Team
) -> None:
    token = signed_in.services.tokens.issue(signed_in.bob.id, team.draft.id).token
    await signed_in.services.files.share(
        await signed_in.services.files.access_as_owner(team.draft.id), "bob", Role.VIEW
    )
    _status, file_only = await check_file_info(signed_in, team.draft, token)
    await share(signed_in, team.team, Role.VIEW)
    _status, in_folder = await check_file_info(signed_in, team.draft, token)

    assert file_only["BreadcrumbFolderName"] == "Shared with me"
    assert str(file_only["BreadcrumbFolderUrl"]).endswith("/shared")
    assert in_folder["BreadcrumbFolderName"] == "Drafts"
    assert str(in_folder["BreadcrumbFolderUrl"]).endswith(f"/folders/{team.drafts.id}")


async def test_recipient_opens_file_inside_with_host_page_token_for_their_role(
    signed_in: Web, team: Team
) -> None:
    await share(signed_in, team.team, Role.EDIT)
    await as_bob(signed_in)

    page = await signed_in.client.get(f"/files/{team.draft.id}/edit")

    assert page.status_code == 200
    token = re.search(r'<input name="access_token" value="([^"]*)" type="hidden">', page.text)
    assert token is not None
    claims = signed_in.services.tokens.verify(token.group(1), file_id=team.draft.id)
    assert claims.user_id == signed_in.bob.id


async def test_editor_uploads_creates_folder_and_renames_inside_owned_by_folder_owner(
    signed_in: Web, team: Team
) -> None:
    await share(signed_in, team.team, Role.EDIT)
    await as_bob(signed_in)
    token = csrf_of((await signed_in.client.get(f"/folders/{team.drafts.id}")).text)
    headers = {"X-CSRF-Token": token, "Accept": "application/json"}

    uploaded = await signed_in.client.post(
        f"/folders/{team.drafts.id}/upload", params={"name": "notes.txt"}, content=b"notes", headers=headers
    )
    created = await signed_in.post(f"/folders/{team.drafts.id}/folders", {"name": "Bob's"})
    renamed = await signed_in.post(f"/files/{team.draft.id}/rename", {"name": "draft v2.docx"})

    assert uploaded.status_code == 201
    new_file = await signed_in.record(uploaded.json()["file"]["id"])
    assert new_file.owner_id == signed_in.alice.id
    assert new_file.modified_by == signed_in.bob.id
    assert created.status_code == 303
    subfolder = await signed_in.services.files.ensure_folder_path(
        signed_in.alice, ["Team", "Drafts", "Bob's"]
    )
    assert created.headers["location"] == f"/folders/{subfolder.id}"
    assert renamed.status_code == 303
    assert (await signed_in.record(team.draft.id)).name == "draft v2.docx"


async def test_recipient_owner_only_actions_refused_with_403(signed_in: Web, team: Team) -> None:
    await share(signed_in, team.team, Role.EDIT)
    await as_bob(signed_in)

    refused = [
        await signed_in.post(f"/folders/{team.drafts.id}/rename", {"name": "Mine"}),
        await signed_in.post(f"/folders/{team.drafts.id}/delete"),
        await signed_in.post(f"/folders/{team.drafts.id}/share", {"username": "alice", "role": "view"}),
        await signed_in.post(f"/files/{team.draft.id}/delete"),
        await signed_in.post(f"/folders/{team.drafts.id}/move", {"folder_id": signed_in.bob.root_folder_id}),
    ]
    page = await signed_in.client.get(f"/folders/{team.team.id}/share")

    assert [response.status_code for response in refused] == [403, 403, 403, 403, 403]
    assert "Only the owner, Alice Adams, can change who has access to this folder." in page.text
    assert (await signed_in.record(team.draft.id)).name == "draft.docx"


async def test_viewer_upload_refused(signed_in: Web, team: Team) -> None:
    await share(signed_in, team.team, Role.VIEW)
    await as_bob(signed_in)
    token = csrf_of((await signed_in.client.get(f"/folders/{team.team.id}")).text)
    headers = {"X-CSRF-Token": token, "Accept": "application/json"}

    response = await signed_in.client.post(
        f"/folders/{team.team.id}/upload", params={"name": "x.txt"}, content=b"x", headers=headers
    )
    created = await signed_in.post(f"/folders/{team.team.id}/folders", {"name": "Sneaky"})

    assert response.status_code == 403
    assert created.status_code == 403


async def test_revoked_folder_share_404_on_next_page_load(signed_in: Web, team: Team) -> None:
    await share(signed_in, team.team, Role.EDIT)
    access = await signed_in.services.browse.folder_access(signed_in.alice, team.team.id)
    await as_bob(signed_in)
    before = await signed_in.client.get(f"/folders/{team.drafts.id}")

    await signed_in.services.folder_shares.unshare(access, "bob")

    assert before.status_code == 200
    assert (await signed_in.client.get(f"/folders/{team.drafts.id}")).status_code == 404
    assert (await signed_in.client.get(f"/files/{team.draft.id}/edit")).status_code == 404
    assert "Team" not in (await signed_in.client.get("/shared")).text


async def test_file_moved_out_of_shared_folder_404_for_recipient(signed_in: Web, team: Team) -> None:
    await share(signed_in, team.team, Role.EDIT)
    token = signed_in.services.tokens.issue(signed_in.bob.id, team.draft.id).token
    other = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Private"])

    moved = await signed_in.post(f"/files/{team.draft.id}/move", {"folder_id": other.id})

    assert moved.status_code == 303
    assert (await check_file_info(signed_in, team.draft, token))[0] == 404


async def test_search_finds_file_inside_shared_folder(signed_in: Web, team: Team) -> None:
    await share(signed_in, team.team, Role.VIEW)
    await as_bob(signed_in)

    found = (await signed_in.client.get("/search", params={"q": "draft"})).text

    assert "draft.docx" in found
    assert "Shared by Alice Adams" in found


async def test_folder_share_unknown_user_and_bad_role_refused(signed_in: Web, team: Team) -> None:
    unknown = await signed_in.post(f"/folders/{team.team.id}/share", {"username": "nobody"}, json=True)
    bad = await signed_in.post(
        f"/folders/{team.team.id}/share", {"username": "bob", "role": "owner"}, json=True
    )
    root = await signed_in.post(
        f"/folders/{signed_in.alice.root_folder_id}/share", {"username": "bob"}, json=True
    )

    assert unknown.status_code == 400
    assert "no user called “nobody”" in unknown.json()["error"]
    assert bad.status_code == 400
    assert root.status_code == 403


async def test_people_suggestions_leave_out_owner_and_people_shared_with(signed_in: Web, team: Team) -> None:
    await signed_in.services.users.add_user("bobby", "Bobby Tables", password="x" * 12)
    await share(signed_in, team.team, Role.VIEW)

    found = (await signed_in.client.get(f"/folders/{team.team.id}/share/people", params={"q": "bob"})).json()

    assert found == {"people": [{"username": "bobby", "display_name": "Bobby Tables"}]}


async def test_services_upload_by_editor_keeps_folder_owner(signed_in: Web, team: Team) -> None:
    await share(signed_in, team.team, Role.EDIT)

    created = await signed_in.services.files.upload(signed_in.bob, team.team, "bob.txt", chunks(b"hi"))

    assert created.owner_id == signed_in.alice.id


async def test_nested_folder_shares_listed_once_from_the_highest_with_strongest_role(
    signed_in: Web, team: Team
) -> None:
    await share(signed_in, team.drafts, Role.EDIT)
    await share(signed_in, team.team, Role.VIEW)

    shared = await signed_in.services.browse.shared_folders(signed_in.bob)
    inner = await signed_in.services.browse.folder_access(signed_in.bob, team.drafts.id)

    assert [(s.folder.id, s.role, s.owner_name) for s in shared] == [(team.team.id, Role.VIEW, "Alice Adams")]
    assert inner.role is Role.EDIT
    assert [f.id for f in inner.path] == [team.team.id, team.drafts.id]


async def test_recipient_folder_change_pages_refused_with_403(signed_in: Web, team: Team) -> None:
    await share(signed_in, team.team, Role.EDIT)
    await as_bob(signed_in)

    pages = [
        await signed_in.client.get(f"/folders/{team.drafts.id}/{action}")
        for action in ("rename", "move", "delete")
    ]

    assert [page.status_code for page in pages] == [403, 403, 403]


async def test_zip_of_folder_shared_without_download_leaves_files_out(signed_in: Web, team: Team) -> None:
    await share(signed_in, team.team, Role.VIEW_NO_DOWNLOAD)
    await signed_in.services.files.share(
        await signed_in.services.files.access_as_owner(team.plan.id), "bob", Role.VIEW
    )
    await as_bob(signed_in)

    response = await signed_in.client.get(f"/folders/{team.team.id}/zip")

    assert response.status_code == 200
    names = sorted(zipfile.ZipFile(io.BytesIO(response.content)).namelist())
    assert names == ["Not included.txt", "Team/", "Team/Drafts/", "Team/plan.docx"]


async def test_insert_image_lists_downloadable_images_of_shared_folder_for_editor(collabora: Web) -> None:
    # Insert image from storage needs a client that offers it (Collabora's discovery).
    web = collabora
    team = await web.services.files.ensure_folder_path(web.alice, ["Team"])
    doc = await web.upload("Report.docx", b"content", folder_parts=["Team"])
    logo = await web.upload("Logo.png", b"\x89PNG", folder_parts=["Team"])
    hidden = await web.upload("Secret.png", b"png", folder_parts=["Private"])
    access = await web.services.browse.folder_access(web.alice, team.id)
    await web.services.folder_shares.share(access, "bob", Role.EDIT)
    await web.sign_in(web.bob)

    listed = (await web.client.get(f"/files/{doc.id}/images")).json()["images"]

    assert [(image["id"], image["name"]) for image in listed] == [(logo.id, "Logo.png")]
    assert hidden.id not in str(listed)


@pytest.mark.parametrize("change", ["revoke", "downgrade"])
async def test_revoking_or_downgrading_folder_share_ends_recipients_editing_session_inside(
    signed_in: Web, team: Team, change: str
) -> None:
    await share(signed_in, team.team, Role.EDIT)
    await signed_in.services.locks.lock(
        await signed_in.services.files.find_access(team.draft.id, signed_in.bob), "bob"
    )
    assert (await signed_in.record(team.draft.id)).active_lock(signed_in.clock.now()) is not None

    if change == "revoke":
        await signed_in.post(f"/folders/{team.team.id}/share/revoke", {"username": "bob"})
    else:
        form = {"username": "bob", "role": "view", "change": "1"}
        answer = await signed_in.post(f"/folders/{team.team.id}/share", form, json=True)
        assert answer.json()["message"] == "Changed bob to “can view”."

    assert (await signed_in.record(team.draft.id)).active_lock(signed_in.clock.now()) is None


async def test_owner_editing_session_inside_survives_revocation(signed_in: Web, team: Team) -> None:
    await share(signed_in, team.team, Role.EDIT)
    await signed_in.services.locks.lock(
        await signed_in.services.files.access_as_owner(team.draft.id), "alice"
    )

    await signed_in.post(f"/folders/{team.team.id}/share/revoke", {"username": "bob"})

    assert (await signed_in.record(team.draft.id)).active_lock(signed_in.clock.now()) is not None
