"""Bulk actions of the file browser: move and delete several items, each whole or not at all; folder moves."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.web_support import Web
from wopihost.errors import FolderCycle, FolderLocked, NotFound

pytestmark = pytest.mark.anyio

JSON = {"Accept": "application/json"}


async def bulk(web: Web, action: str, **fields: Any) -> Any:
    """POST a bulk form as the selection toolbar's script does; the JSON answer."""
    token = await web.csrf()
    response = await web.client.post(
        f"/bulk/{action}", data={**fields, "next": "/"}, headers={**JSON, "X-CSRF-Token": token}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_bulk_move_with_locked_file_moves_the_rest_and_names_the_editor(signed_in: Web) -> None:
    web = signed_in
    target = await web.services.files.ensure_folder_path(web.alice, ["Archive"])
    folder = await web.services.files.ensure_folder_path(web.alice, ["Reports"])
    inner = await web.upload("inner.docx", b"i", folder_parts=["Reports"])
    free = await web.upload("free.docx", b"f")
    busy = await web.upload("busy.docx", b"b")
    await web.lock_as(busy, web.bob)

    body = await bulk(web, "move", file_id=[free.id, busy.id], folder_id=[folder.id], target=target.id)

    assert sorted(body["done"]) == ["Reports", "free.docx"]
    assert body["refused"] == [
        {"name": "busy.docx", "kind": "file", "reason": "is being edited by Bob Brown"}
    ]
    assert body["message"] == "Moved 2 items. 1 item could not be moved."
    assert (await web.record(free.id)).folder_id == target.id
    assert (await web.record(busy.id)).folder_id == web.alice.root_folder_id
    moved = await web.services.browse.get_folder(web.alice, folder.id)
    assert moved.parent_id == target.id
    assert (await web.record(inner.id)).folder_id == folder.id


async def test_bulk_move_folder_into_itself_refuses_it_and_moves_files(signed_in: Web) -> None:
    web = signed_in
    folder = await web.services.files.ensure_folder_path(web.alice, ["Reports"])
    file = await web.upload("a.docx", b"a")

    body = await bulk(web, "move", file_id=[file.id], folder_id=[folder.id], target=folder.id)

    assert body["done"] == ["a.docx"]
    assert body["refused"] == [
        {"name": "Reports", "kind": "folder", "reason": "cannot move into itself or into a folder inside it"}
    ]
    assert (await web.services.browse.get_folder(web.alice, folder.id)).parent_id == web.alice.root_folder_id


async def test_bulk_move_name_taken_in_target_is_refused_with_reason(signed_in: Web) -> None:
    web = signed_in
    target = await web.services.files.ensure_folder_path(web.alice, ["Archive"])
    await web.upload("a.docx", b"old", folder_parts=["Archive"])
    file = await web.upload("a.docx", b"new")

    body = await bulk(web, "move", file_id=[file.id], target=target.id)

    assert body["done"] == []
    assert body["refused"] == [
        {"name": "a.docx", "kind": "file", "reason": "cannot go there: a file of that name is already there"}
    ]
    assert body["message"] == "Nothing was moved. 1 item could not be moved."


async def test_bulk_delete_with_locked_file_inside_folder_keeps_that_folder_whole(signed_in: Web) -> None:
    web = signed_in
    keep = await web.services.files.ensure_folder_path(web.alice, ["Busy"])
    busy = await web.upload("draft.docx", b"d", folder_parts=["Busy"])
    other = await web.upload("other.docx", b"o", folder_parts=["Busy"])
    gone_folder = await web.services.files.ensure_folder_path(web.alice, ["Old"])
    gone_inside = await web.upload("x.docx", b"x", folder_parts=["Old"])
    gone = await web.upload("gone.xlsx", b"g")
    await web.lock_as(busy, web.bob)

    body = await bulk(web, "delete", file_id=[gone.id], folder_id=[keep.id, gone_folder.id])

    assert sorted(body["done"]) == ["Old", "gone.xlsx"]
    assert body["refused"] == [
        {"name": "Busy", "kind": "folder", "reason": "holds “draft.docx”, which is being edited by Bob Brown"}
    ]
    for removed in (gone, gone_inside):
        with pytest.raises(NotFound):
            await web.record(removed.id)
    assert (await web.record(other.id)).folder_id == keep.id
    with pytest.raises(NotFound):
        await web.services.browse.get_folder(web.alice, gone_folder.id)


async def test_bulk_delete_of_other_users_items_refuses_without_revealing_them(signed_in: Web) -> None:
    web = signed_in
    bobs = await web.upload("bob.docx", b"b", owner=web.bob)
    bobs_folder = await web.services.files.ensure_folder_path(web.bob, ["Private"])

    body = await bulk(web, "delete", file_id=[bobs.id], folder_id=[bobs_folder.id])

    assert body["done"] == []
    assert body["refused"] == [
        {"name": "A folder", "kind": "folder", "reason": "no longer exists, or is not yours"},
        {"name": "A file", "kind": "file", "reason": "no longer exists, or is not yours"},
    ]
    assert (await web.record(bobs.id)).name == "bob.docx"


async def test_bulk_form_without_selection_is_refused(signed_in: Web) -> None:
    token = await signed_in.csrf()
    response = await signed_in.client.post(
        "/bulk/delete", data={"next": "/"}, headers={**JSON, "X-CSRF-Token": token}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Select at least one file or folder"


async def test_bulk_delete_without_csrf_token_is_refused(signed_in: Web) -> None:
    file = await signed_in.upload("a.docx", b"a")
    response = await signed_in.client.post("/bulk/delete", data={"file_id": file.id})
    assert response.status_code == 403
    assert (await signed_in.record(file.id)).name == "a.docx"


async def test_bulk_delete_plain_form_redirects_back_with_refusals_flashed(signed_in: Web) -> None:
    web = signed_in
    busy = await web.upload("busy.docx", b"b")
    await web.lock_as(busy, web.bob)

    response = await web.post("/bulk/delete", {"file_id": busy.id, "next": "/"})

    assert response.status_code == 303
    page = (await web.client.get(response.headers["location"])).text
    assert "Nothing was moved to the trash. 1 item could not be moved to the trash." in page
    assert "“busy.docx” is being edited by Bob Brown." in page


async def test_move_folder_service_refuses_descendant_and_locked_file_inside(signed_in: Web) -> None:
    web = signed_in
    files = web.services.files
    top = await files.ensure_folder_path(web.alice, ["Top"])
    inner = await files.ensure_folder_path(web.alice, ["Top", "Inner"])
    elsewhere = await files.ensure_folder_path(web.alice, ["Elsewhere"])
    locked = await web.upload("deep.docx", b"d", folder_parts=["Top", "Inner"])

    with pytest.raises(FolderCycle):
        await files.move_folder(web.alice, top, inner)
    await web.lock_as(locked, web.bob)
    with pytest.raises(FolderLocked) as refused:
        await files.move_folder(web.alice, top, elsewhere)
    assert (refused.value.file_name, refused.value.editor) == ("deep.docx", "Bob Brown")

    await web.services.locks.unlock(await files.find_access(locked.id, web.bob), "lock-1")
    moved = await files.move_folder(web.alice, top, elsewhere)

    assert moved.parent_id == elsewhere.id
    assert (await web.record(locked.id)).folder_id == inner.id
    path = (await web.services.browse.folder_access(web.alice, inner.id)).path
    assert [c.name for c in path] == ["", "Elsewhere", "Top", "Inner"]


async def test_move_folder_dialog_offers_no_folder_inside_it(signed_in: Web) -> None:
    web = signed_in
    folder = await web.services.files.ensure_folder_path(web.alice, ["Reports"])
    await web.services.files.ensure_folder_path(web.alice, ["Reports", "2026"])
    await web.services.files.ensure_folder_path(web.alice, ["Reports archive"])

    response = await web.client.get(f"/folders/{folder.id}/move", headers=JSON)

    assert [f["path"] for f in response.json()["folders"]] == ["/", "/Reports archive"]
    assert response.json()["current"] == web.alice.root_folder_id
    page = (await web.client.get("/")).text
    assert f'href="/folders/{folder.id}/move" data-dialog="move"' in page


async def test_move_folder_form_moves_tree_and_goes_to_target(signed_in: Web) -> None:
    web = signed_in
    folder = await web.services.files.ensure_folder_path(web.alice, ["Reports"])
    target = await web.services.files.ensure_folder_path(web.alice, ["Archive"])
    inside = await web.upload("q.xlsx", b"q", folder_parts=["Reports"])

    response = await web.post(f"/folders/{folder.id}/move", {"folder_id": target.id})

    assert response.status_code == 303
    assert response.headers["location"] == f"/folders/{target.id}"
    page = (await web.client.get(response.headers["location"])).text
    assert "Moved the folder “Reports” to “Archive”." in page
    assert (await web.record(inside.id)).folder_id == folder.id
    assert (await web.services.browse.get_folder(web.alice, folder.id)).parent_id == target.id


async def test_move_folder_into_its_child_by_form_is_refused_with_409(signed_in: Web) -> None:
    web = signed_in
    folder = await web.services.files.ensure_folder_path(web.alice, ["Reports"])
    child = await web.services.files.ensure_folder_path(web.alice, ["Reports", "2026"])

    response = await web.post(f"/folders/{folder.id}/move", {"folder_id": child.id}, json=True)

    assert response.status_code == 409
    assert response.json()["error"] == "“Reports” cannot move into itself or into a folder inside it."
