"""The trash in the browser: what deleting leaves there, restoring (Undo too), deleting for good, emptying."""

from __future__ import annotations

import pytest

from tests.integration.web_support import Web, chunks
from wopihost.domain.permissions import Role
from wopihost.errors import NotFound

pytestmark = pytest.mark.anyio

JSON = {"Accept": "application/json"}


def blob_keys(web: Web) -> set[str]:
    root = web.settings.blob_dir
    return {p.name for p in root.rglob("*") if p.is_file() and p.parent != root / "tmp"}


async def root_names(web: Web) -> list[str]:
    folders, files = await web.services.files.list_folder(await web.services.browse.root_folder(web.alice))
    return [f"{folder.name}/" for folder in folders] + [file.name for file in files]


async def test_trash_page_lists_deleted_file_with_location_time_and_size(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"12345", folder_parts=["Reports", "2026"])
    await signed_in.post(f"/files/{file.id}/delete")

    page = (await signed_in.client.get("/trash")).text

    assert 'href="/trash" class="nav-item" aria-current="page"' in page
    assert f'data-trash-id="{file.id}"' in page
    assert "Report.docx" in page
    assert "My files/Reports/2026" in page
    assert "Jan 1, 2026, 12:00\u202fAM UTC" in page
    assert "5 bytes" in page
    assert f'action="/trash/{file.id}/restore"' in page
    assert f'href="/trash/{file.id}/delete"' in page
    assert "Empty trash" in page
    assert "stay here for 30 days" in page


async def test_trash_page_lists_folder_with_what_went_with_it(signed_in: Web) -> None:
    folder = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Old", "Inner"])
    await signed_in.upload("a.docx", b"abc", folder_parts=["Old"])
    await signed_in.upload("b.docx", b"de", folder_parts=["Old", "Inner"])
    old = await signed_in.services.browse.get_folder(signed_in.alice, folder.parent_id or "")
    await signed_in.post(f"/folders/{old.id}/delete")

    page = (await signed_in.client.get("/trash")).text

    assert f'data-trash-id="{old.id}" data-trash-name="Old"' in page
    assert "Folder with 2 files and 1 folder" in page
    assert "5 bytes" in page
    assert 'href="/">My files</a>' in page


async def test_trash_page_empty_says_so_without_empty_button(signed_in: Web) -> None:
    page = (await signed_in.client.get("/trash")).text

    assert "The trash is empty" in page
    assert 'data-confirm="empty-trash-dialog"' not in page


async def test_restore_from_trash_page_returns_there_and_file_is_back(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    await signed_in.post(f"/files/{file.id}/delete")
    assert await root_names(signed_in) == []

    response = await signed_in.post(f"/trash/{file.id}/restore", {"back": "/trash"})

    assert response.status_code == 303
    assert response.headers["location"] == "/trash"
    assert await root_names(signed_in) == ["Report.docx"]
    page = (await signed_in.client.get("/trash")).text
    assert "Restored “Report.docx”." in page
    assert "The trash is empty" in page


async def test_undo_after_delete_restores_folder_and_returns_to_it(signed_in: Web) -> None:
    folder = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Reports"])
    await signed_in.upload("a.docx", b"a", folder_parts=["Reports"])
    await signed_in.post(f"/folders/{folder.id}/delete")

    response = await signed_in.post(f"/trash/{folder.id}/restore", json=True)

    assert response.status_code == 200
    assert response.json()["redirect"] == "/"
    assert response.json()["message"] == "Restored the folder “Reports”."
    assert await root_names(signed_in) == ["Reports/"]
    _sub, files = await signed_in.services.files.list_folder(folder)
    assert [f.name for f in files] == ["a.docx"]


async def test_restore_name_taken_meanwhile_restores_numbered_and_says_so(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"old")
    await signed_in.post(f"/files/{file.id}/delete")
    await signed_in.upload("Report.docx", b"new")

    response = await signed_in.post(f"/trash/{file.id}/restore", json=True)

    assert (
        response.json()["message"] == "Restored “Report.docx” as “Report (2).docx”, since the name was taken."
    )
    assert await root_names(signed_in) == ["Report (2).docx", "Report.docx"]
    assert await signed_in.stored(file.id) == b"old"


async def test_restore_file_whose_folder_is_gone_goes_to_root_and_says_so(signed_in: Web) -> None:
    folder = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Reports"])
    file = await signed_in.upload("a.docx", b"a", folder_parts=["Reports"])
    await signed_in.post(f"/files/{file.id}/delete")
    await signed_in.post(f"/folders/{folder.id}/delete")
    await signed_in.post(f"/trash/{folder.id}/delete")
    page = (await signed_in.client.get("/trash")).text
    assert "Folder no longer there: restores to My files" in page

    response = await signed_in.post(f"/trash/{file.id}/restore", json=True)

    assert response.json()["message"] == "Restored “a.docx” to My files, since its folder is no longer there."
    assert response.json()["redirect"] == "/"
    assert await root_names(signed_in) == ["a.docx"]


async def test_delete_permanently_by_script_frees_blobs_and_returns_to_trash(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    await signed_in.post(f"/files/{file.id}/delete")
    before = blob_keys(signed_in)

    response = await signed_in.post(f"/trash/{file.id}/delete", json=True)

    assert response.status_code == 200
    assert response.json()["redirect"] == "/trash"
    assert response.json()["message"] == "Deleted “Report.docx” permanently."
    assert blob_keys(signed_in) == before - {file.blob_key}
    with pytest.raises(NotFound):
        await signed_in.services.trash.get(file.id)


async def test_empty_trash_deletes_every_item_and_frees_blobs(signed_in: Web) -> None:
    keep = await signed_in.upload("Keep.docx", b"k")
    for name in ("a.docx", "b.docx"):
        file = await signed_in.upload(name, b"x")
        await signed_in.post(f"/files/{file.id}/delete")
    folder = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Old"])
    await signed_in.upload("c.docx", b"c", folder_parts=["Old"])
    await signed_in.post(f"/folders/{folder.id}/delete")

    response = await signed_in.post("/trash/empty")

    assert response.status_code == 303
    assert blob_keys(signed_in) == {keep.blob_key}
    page = (await signed_in.client.get("/trash")).text
    assert "Emptied the trash: 3 items deleted permanently." in page
    assert "The trash is empty" in page


async def test_empty_trash_without_csrf_token_403_and_kept(signed_in: Web) -> None:
    file = await signed_in.upload("a.docx", b"x")
    await signed_in.post(f"/files/{file.id}/delete")

    response = await signed_in.client.post("/trash/empty", headers=JSON)

    assert response.status_code == 403
    assert len(await signed_in.services.trash.entries(signed_in.alice)) == 1


async def test_other_users_trash_item_not_found_and_untouched(signed_in: Web) -> None:
    file = await signed_in.upload("Mine.docx", b"x", owner=signed_in.bob)
    await signed_in.share(file, signed_in.alice, Role.EDIT)
    await signed_in.services.files.delete(await signed_in.services.files.access_as_owner(file.id))

    responses = [
        await signed_in.post(f"/trash/{file.id}/restore", json=True),
        await signed_in.post(f"/trash/{file.id}/delete", json=True),
        await signed_in.client.get(f"/trash/{file.id}/delete"),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert "Mine.docx" not in (await signed_in.client.get("/trash")).text
    assert [e.item.id for e in await signed_in.services.trash.entries(signed_in.bob)] == [file.id]


async def test_shared_with_me_hides_trashed_file_until_restored(signed_in: Web) -> None:
    file = await signed_in.upload("Plan.docx", b"x", owner=signed_in.bob)
    await signed_in.share(file, signed_in.alice, Role.VIEW)
    await signed_in.services.files.delete(await signed_in.services.files.access_as_owner(file.id))

    hidden = (await signed_in.client.get("/shared")).text
    await signed_in.services.trash.restore(file.id, signed_in.bob)
    shown = (await signed_in.client.get("/shared")).text

    assert "Plan.docx" not in hidden
    assert "Plan.docx" in shown


async def test_confirmation_pages_without_scripts_offer_forms(signed_in: Web) -> None:
    file = await signed_in.upload("a.docx", b"x")
    await signed_in.post(f"/files/{file.id}/delete")

    one = (await signed_in.client.get(f"/trash/{file.id}/delete")).text
    every = (await signed_in.client.get("/trash/empty")).text

    assert "Delete “a.docx” permanently?" in one
    assert f'action="/trash/{file.id}/delete"' in one
    assert "Empty the trash?" in every
    assert 'action="/trash/empty"' in every


async def test_unknown_item_restore_404(signed_in: Web) -> None:
    response = await signed_in.post("/trash/nosuchitem/restore", json=True)

    assert response.status_code == 404


async def test_upload_into_folder_trashed_meanwhile_not_found_and_no_content_left(web: Web) -> None:
    folder = await web.services.files.ensure_folder_path(web.alice, ["Reports"])
    await web.services.files.delete_folder(web.alice, folder)
    before = blob_keys(web)

    with pytest.raises(NotFound):
        await web.services.files.upload(web.alice, folder, "late.docx", chunks(b"late"))

    assert blob_keys(web) == before
