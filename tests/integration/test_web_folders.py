"""Folders in the browser: renaming, and deleting with everything inside unless a file is being edited."""

from __future__ import annotations

import pytest

from tests.integration.web_support import Web, chunks
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord, Folder
from wopihost.errors import NotFound, PermissionDenied

pytestmark = pytest.mark.anyio

JSON = {"Accept": "application/json"}


def blob_keys(web: Web) -> set[str]:
    """The blobs in the blob directory, by key (uploads in progress left out)."""
    root = web.settings.blob_dir
    return {p.name for p in root.rglob("*") if p.is_file() and p.parent != root / "tmp"}


async def folder_names(web: Web, folder_id: str) -> list[str]:
    subfolders, _files = await web.services.files.list_folder(
        await web.services.browse.get_folder(web.alice, folder_id)
    )
    return [folder.name for folder in subfolders]


async def version_blob_keys(web: Web, files: list[FileRecord]) -> set[str]:
    """The blob keys of every version of these files."""
    keys: set[str] = set()
    for file in files:
        access = await web.services.files.access_as_owner(file.id)
        keys |= {version.blob_key for version in await web.services.content.list_versions(access)}
    return keys


async def exists(web: Web, file: FileRecord) -> bool:
    try:
        await web.services.files.access_as_owner(file.id)
    except NotFound:
        return False
    return True


async def reports_tree(web: Web) -> tuple[Folder, Folder, list[FileRecord]]:
    """/Reports with a.docx and 2026/ (b.docx in two versions), beside /Keep.docx outside it."""
    reports = await web.services.files.ensure_folder_path(web.alice, ["Reports"])
    inner = await web.services.files.ensure_folder_path(web.alice, ["Reports", "2026"])
    a = await web.upload("a.docx", b"a", folder_parts=["Reports"])
    b = await web.upload("b.docx", b"b1", folder_parts=["Reports", "2026"])
    b = await web.services.files.upload(web.alice, inner, "b.docx", chunks(b"b2"), replace=True)
    await web.upload("Keep.docx", b"keep")
    return reports, inner, [a, b]


async def test_folder_row_menu_offers_rename_and_delete_dialogs(signed_in: Web) -> None:
    folder = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Reports"])
    page = (await signed_in.client.get("/")).text
    row = page.split(f'data-folder-id="{folder.id}"', 1)[1].split("</tr>", 1)[0]
    assert 'aria-label="More actions for Reports"' in row
    assert f'href="/folders/{folder.id}/rename" data-dialog="rename-folder"' in row
    assert f'href="/folders/{folder.id}/delete" data-dialog="delete-folder"' in row
    assert 'id="rename-folder-dialog"' in page
    assert 'id="delete-folder-dialog"' in page


async def test_rename_subfolder_form_renames_and_returns_to_parent(signed_in: Web) -> None:
    reports = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Reports"])
    inner = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Reports", "2026"])
    file = await signed_in.upload("q1.xlsx", b"x", folder_parts=["Reports", "2026"])

    response = await signed_in.post(f"/folders/{inner.id}/rename", {"name": " 2027 "})

    assert response.status_code == 303
    assert response.headers["location"] == f"/folders/{reports.id}"
    assert await folder_names(signed_in, reports.id) == ["2027"]
    assert (await signed_in.record(file.id)).folder_id == inner.id
    assert "Renamed the folder to “2027”." in (await signed_in.client.get(f"/folders/{reports.id}")).text


async def test_rename_folder_by_script_answers_json_with_home_redirect(signed_in: Web) -> None:
    folder = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Reports"])

    response = await signed_in.post(f"/folders/{folder.id}/rename", {"name": "Plans v1.2"}, json=True)

    assert response.status_code == 200
    assert response.json() == {"ok": True, "redirect": "/", "message": "Renamed the folder to “Plans v1.2”."}
    assert await folder_names(signed_in, signed_in.alice.root_folder_id) == ["Plans v1.2"]


@pytest.mark.parametrize("taken", ["Archive", "archive", "ARCHIVE"])
async def test_rename_folder_to_sibling_name_in_any_case_409_without_renumbering(
    signed_in: Web, taken: str
) -> None:
    folder = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Reports"])
    await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Archive"])

    response = await signed_in.post(f"/folders/{folder.id}/rename", {"name": taken}, json=True)

    assert response.status_code == 409
    assert response.json()["error"] == f"A folder named “{taken}” already exists here."
    assert await folder_names(signed_in, signed_in.alice.root_folder_id) == ["Archive", "Reports"]


@pytest.mark.parametrize("name", ["a/b", "CON", "trailing.", "   "])
async def test_rename_folder_illegal_name_400_and_kept(signed_in: Web, name: str) -> None:
    folder = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Reports"])

    response = await signed_in.post(f"/folders/{folder.id}/rename", {"name": name}, json=True)

    assert response.status_code == 400
    assert response.json()["error"]
    assert await folder_names(signed_in, signed_in.alice.root_folder_id) == ["Reports"]


@pytest.mark.parametrize(
    ("path", "data"), [("rename", {"name": "Mine now"}), ("delete", {})], ids=["rename", "delete"]
)
async def test_folder_change_by_other_user_404_and_kept(web: Web, path: str, data: dict[str, str]) -> None:
    folder = await web.services.files.ensure_folder_path(web.alice, ["Reports"])
    file = await web.upload("a.docx", b"a", folder_parts=["Reports"])
    await web.sign_in(web.bob)

    page = await web.client.get(f"/folders/{folder.id}/{path}")
    response = await web.post(f"/folders/{folder.id}/{path}", data, json=True)

    assert (page.status_code, response.status_code) == (404, 404)
    assert await folder_names(web, web.alice.root_folder_id) == ["Reports"]
    assert await exists(web, file)


@pytest.mark.parametrize(
    ("path", "data"), [("rename", {"name": "Everything"}), ("delete", {})], ids=["rename", "delete"]
)
async def test_root_folder_change_403_and_kept(signed_in: Web, path: str, data: dict[str, str]) -> None:
    file = await signed_in.upload("a.docx", b"a")
    root = signed_in.alice.root_folder_id

    page = await signed_in.client.get(f"/folders/{root}/{path}")
    response = await signed_in.post(f"/folders/{root}/{path}", data, json=True)

    assert (page.status_code, response.status_code) == (403, 403)
    assert "root folder cannot be" in response.json()["error"]
    assert (await signed_in.services.browse.root_folder(signed_in.alice)).name == ""
    assert await exists(signed_in, file)


async def test_delete_folder_dialog_json_counts_files_and_folders_at_every_depth(signed_in: Web) -> None:
    reports, _inner, _files = await reports_tree(signed_in)
    await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Reports", "2026", "Empty"])

    response = await signed_in.client.get(f"/folders/{reports.id}/delete", headers=JSON)

    assert response.json() == {
        "name": "Reports",
        "files": 2,
        "folders": 2,
        "notice": (
            "2 files and 2 folders inside it will go to the trash with it, with every version of the files."
        ),
    }


async def test_delete_folder_page_without_scripts_states_what_goes_with_it(signed_in: Web) -> None:
    folder = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Reports"])
    await signed_in.upload("a.docx", b"a", folder_parts=["Reports"])

    page = await signed_in.client.get(f"/folders/{folder.id}/delete")

    assert page.status_code == 200
    assert "Move the folder “Reports” to the trash?" in page.text
    assert "1 file inside it will go to the trash with it, with every version of the file." in page.text
    assert f'action="/folders/{folder.id}/delete"' in page.text


async def test_rename_folder_page_without_scripts_offers_form(signed_in: Web) -> None:
    folder = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Reports"])

    page = await signed_in.client.get(f"/folders/{folder.id}/rename")

    assert page.status_code == 200
    assert f'action="/folders/{folder.id}/rename"' in page.text
    assert 'value="Reports"' in page.text


async def test_delete_folder_trashes_files_and_shares_until_emptied_then_frees_blobs(signed_in: Web) -> None:
    reports, inner, files = await reports_tree(signed_in)
    await signed_in.share(files[1], signed_in.bob, Role.EDIT)
    before = blob_keys(signed_in)
    history = await version_blob_keys(signed_in, files)
    assert len(history) == 3
    assert history <= before

    response = await signed_in.post(f"/folders/{reports.id}/delete")

    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert [await exists(signed_in, file) for file in files] == [False, False]
    assert blob_keys(signed_in) == before  # The trash keeps the content until it is emptied.
    assert await folder_names(signed_in, signed_in.alice.root_folder_id) == []
    for folder in (reports, inner):
        with pytest.raises(NotFound):
            await signed_in.services.browse.get_folder(signed_in.alice, folder.id)
    assert await signed_in.services.browse.shared_with(signed_in.bob) == []
    page = (await signed_in.client.get("/")).text
    assert "Moved the folder “Reports” with 2 files and 1 folder to the trash." in page
    assert f'action="/trash/{reports.id}/restore"' in page
    assert "Keep.docx" in page

    assert await signed_in.services.trash.empty(signed_in.alice) == 1

    assert blob_keys(signed_in) == before - history
    assert len(blob_keys(signed_in)) == 1  # Keep.docx's


async def test_delete_subfolder_by_script_returns_to_parent(signed_in: Web) -> None:
    reports, inner, _files = await reports_tree(signed_in)

    response = await signed_in.post(f"/folders/{inner.id}/delete", json=True)

    assert response.status_code == 200
    assert response.json()["redirect"] == f"/folders/{reports.id}"
    assert response.json()["message"] == "Moved the folder “2026” with 1 file to the trash."
    assert await folder_names(signed_in, reports.id) == []


async def test_delete_folder_with_locked_file_inside_409_names_it_and_editor_and_keeps_everything(
    signed_in: Web,
) -> None:
    reports, inner, files = await reports_tree(signed_in)
    await signed_in.lock_as(files[1], signed_in.bob)
    before = blob_keys(signed_in)

    response = await signed_in.post(f"/folders/{reports.id}/delete", json=True)

    assert response.status_code == 409
    assert response.json()["error"] == (
        "“b.docx” in this folder is being edited by Bob Brown. Try again when they have closed it."
    )
    assert [await exists(signed_in, file) for file in files] == [True, True]
    assert await folder_names(signed_in, reports.id) == ["2026"]
    assert (await signed_in.services.browse.get_folder(signed_in.alice, inner.id)) == inner
    assert blob_keys(signed_in) == before
    assert await signed_in.stored(files[1].id) == b"b2"


async def test_delete_folder_without_csrf_token_403_and_kept(signed_in: Web) -> None:
    reports, _inner, files = await reports_tree(signed_in)
    before = blob_keys(signed_in)

    response = await signed_in.client.post(f"/folders/{reports.id}/delete", headers=JSON)

    assert response.status_code == 403
    assert [await exists(signed_in, file) for file in files] == [True, True]
    assert await folder_names(signed_in, signed_in.alice.root_folder_id) == ["Reports"]
    assert blob_keys(signed_in) == before


async def test_rename_folder_without_csrf_token_403_and_kept(signed_in: Web) -> None:
    folder = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Reports"])

    response = await signed_in.client.post(f"/folders/{folder.id}/rename", data={"name": "Plans"})

    assert response.status_code == 403
    assert await folder_names(signed_in, signed_in.alice.root_folder_id) == ["Reports"]


async def test_folder_name_with_markup_escaped_in_row_and_pages(signed_in: Web) -> None:
    folder = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["&lt;b&gt; it's"])
    for path in ("/", f"/folders/{folder.id}/rename", f"/folders/{folder.id}/delete"):
        html = (await signed_in.client.get(path)).text
        assert "&lt;b&gt;" not in html.replace("&amp;lt;b&amp;gt;", ""), path
        assert "&amp;lt;b&amp;gt; it&#39;s" in html, path


# The service beneath the routes, for callers that skip the routes' own checks.


async def test_rename_folder_service_other_users_folder_permission_denied(web: Web) -> None:
    folder = await web.services.files.ensure_folder_path(web.alice, ["Reports"])

    with pytest.raises(PermissionDenied):
        await web.services.files.rename_folder(web.bob, folder, "Mine")

    assert await folder_names(web, web.alice.root_folder_id) == ["Reports"]


async def test_delete_folder_service_root_or_other_users_folder_permission_denied(web: Web) -> None:
    folder = await web.services.files.ensure_folder_path(web.alice, ["Reports"])
    root = await web.services.browse.root_folder(web.alice)
    file = await web.upload("a.docx", b"a", folder_parts=["Reports"])

    with pytest.raises(PermissionDenied, match="root folder cannot be deleted"):
        await web.services.files.delete_folder(web.alice, root)
    with pytest.raises(PermissionDenied, match="another user"):
        await web.services.files.delete_folder(web.bob, folder)

    assert await exists(web, file)
    assert await folder_names(web, root.id) == ["Reports"]


async def test_delete_folder_service_deleted_meanwhile_not_found(web: Web) -> None:
    folder = await web.services.files.ensure_folder_path(web.alice, ["Reports"])
    await web.services.files.delete_folder(web.alice, folder)

    with pytest.raises(NotFound):
        await web.services.files.delete_folder(web.alice, folder)
    with pytest.raises(NotFound):
        await web.services.files.rename_folder(web.alice, folder, "Again")
