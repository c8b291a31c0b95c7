"""Files: streamed uploads, new documents, downloads, rename, move and delete (refused while locked)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import unquote

import httpx
import pytest

from tests.integration.web_support import (
    MAX_UPLOAD,
    Web,
    chunks,
)
from wopihost.domain.permissions import Role

pytestmark = pytest.mark.anyio


async def upload(web: Web, name: str, body: bytes | AsyncIterator[bytes], **params: str) -> httpx.Response:
    token = await web.csrf()
    return await web.client.post(
        f"/folders/{web.alice.root_folder_id}/upload",
        params={"name": name, **params},
        content=body,
        headers={
            "X-CSRF-Token": token,
            "Accept": "application/json",
            "Content-Type": "application/octet-stream",
        },
    )


async def names_in_root(web: Web) -> list[str]:
    folder = await web.services.files.ensure_folder_path(web.alice, [])
    _folders, files = await web.services.files.list_folder(folder)
    return [file.name for file in files]


async def test_upload_streamed_body_stored_byte_for_byte(signed_in: Web) -> None:
    data = bytes(range(256)) * 400
    response = await upload(signed_in, "Data.xlsx", chunks(data, 1000))
    assert response.status_code == 201
    body = response.json()
    assert body["file"]["name"] == "Data.xlsx"
    assert await signed_in.stored(body["file"]["id"]) == data


async def test_upload_without_csrf_header_refused_and_nothing_stored(signed_in: Web) -> None:
    response = await signed_in.client.post(
        f"/folders/{signed_in.alice.root_folder_id}/upload", params={"name": "a.docx"}, content=b"x"
    )
    assert response.status_code == 403
    assert await names_in_root(signed_in) == []


async def test_upload_over_limit_413_and_no_blob_left(signed_in: Web) -> None:
    response = await upload(signed_in, "Big.docx", chunks(b"x" * (MAX_UPLOAD + 1)))
    assert response.status_code == 413
    assert "at most" in response.json()["error"]
    assert await names_in_root(signed_in) == []
    leftovers = [p for p in signed_in.settings.blob_dir.rglob("*") if p.is_file()]
    assert leftovers == []


async def test_upload_existing_name_conflict_with_suggestion(signed_in: Web) -> None:
    await signed_in.upload("Report.docx", b"one")
    response = await upload(signed_in, "report.docx", b"two")
    assert response.status_code == 409
    assert response.json()["conflict"] is True
    assert response.json()["suggestion"] == "report (2).docx"


async def test_upload_keep_both_stores_under_free_name(signed_in: Web) -> None:
    await signed_in.upload("Report.docx", b"one")
    response = await upload(signed_in, "Report.docx", b"two", conflict="rename")
    assert response.status_code == 201
    assert response.json()["file"]["name"] == "Report (2).docx"


async def test_upload_replace_adds_a_version(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"one")
    response = await upload(signed_in, "Report.docx", b"two", conflict="replace")
    assert response.status_code == 201
    assert response.json()["file"]["id"] == file.id
    assert await signed_in.stored(file.id) == b"two"
    assert (await signed_in.record(file.id)).version == 2


async def test_upload_replace_locked_file_names_editor(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"one")
    await signed_in.lock_as(file, signed_in.bob)
    response = await upload(signed_in, "Report.docx", b"two", conflict="replace")
    assert response.status_code == 409
    assert "being edited by Bob Brown" in response.json()["error"]
    assert await signed_in.stored(file.id) == b"one"


async def test_upload_into_other_users_folder_not_found(signed_in: Web) -> None:
    token = await signed_in.csrf()
    response = await signed_in.client.post(
        f"/folders/{signed_in.bob.root_folder_id}/upload",
        params={"name": "a.docx"},
        content=b"x",
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 404


async def test_new_document_creates_zero_byte_file_and_opens_editnew(signed_in: Web) -> None:
    root = signed_in.alice.root_folder_id
    response = await signed_in.post(f"/folders/{root}/new", {"kind": "docx"})
    assert response.status_code == 303
    file_id = response.headers["location"].split("/")[2]
    assert response.headers["location"] == f"/files/{file_id}/editnew"
    record = await signed_in.record(file_id)
    assert (record.name, record.size) == ("Document.docx", 0)
    again = await signed_in.post(f"/folders/{root}/new", {"kind": "docx"})
    assert (await signed_in.record(again.headers["location"].split("/")[2])).name == "Document (2).docx"


@pytest.mark.parametrize(("kind", "name"), [("xlsx", "Book.xlsx"), ("pptx", "Presentation.pptx")])
async def test_new_document_each_kind_default_name(signed_in: Web, kind: str, name: str) -> None:
    response = await signed_in.post(f"/folders/{signed_in.alice.root_folder_id}/new", {"kind": kind})
    assert (await signed_in.record(response.headers["location"].split("/")[2])).name == name


async def test_new_document_unknown_kind_refused(signed_in: Web) -> None:
    response = await signed_in.post(f"/folders/{signed_in.alice.root_folder_id}/new", {"kind": "exe"})
    assert response.status_code == 400
    assert await names_in_root(signed_in) == []


async def test_download_streams_content_with_rfc6266_filename(signed_in: Web) -> None:
    file = await signed_in.upload("Résumé ü.docx", b"content")
    response = await signed_in.client.get(f"/files/{file.id}/download")
    assert response.status_code == 200
    assert response.content == b"content"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="R_sum_ _.docx"; ')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "Résumé ü.docx"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-length"] == "7"


async def test_download_shared_viewer_allowed_stranger_not_found(signed_in: Web) -> None:
    file = await signed_in.upload("Plan.docx", b"plan", owner=signed_in.bob)
    assert (await signed_in.client.get(f"/files/{file.id}/download")).status_code == 404
    await signed_in.share(file, signed_in.alice, Role.VIEW)
    assert (await signed_in.client.get(f"/files/{file.id}/download")).content == b"plan"


async def test_rename_form_renames_and_flashes(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    response = await signed_in.post(f"/files/{file.id}/rename", {"name": "Final report.docx"})
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert (await signed_in.record(file.id)).name == "Final report.docx"
    assert "Renamed to “Final report.docx”." in (await signed_in.client.get("/")).text


async def test_rename_without_extension_keeps_it(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    response = await signed_in.post(f"/files/{file.id}/rename", {"name": "Summary"}, json=True)
    assert response.json()["ok"] is True
    assert (await signed_in.record(file.id)).name == "Summary.docx"


async def test_rename_taken_name_conflict_message(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    await signed_in.upload("Other.docx", b"y")
    response = await signed_in.post(f"/files/{file.id}/rename", {"name": "other.docx"}, json=True)
    assert response.status_code == 409
    assert "already exists" in response.json()["error"]


async def test_rename_locked_file_409_names_editor(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    await signed_in.lock_as(file, signed_in.bob)
    page = await signed_in.post(f"/files/{file.id}/rename", {"name": "New.docx"})
    assert page.status_code == 409
    assert "is being edited by Bob Brown" in page.text
    assert (await signed_in.record(file.id)).name == "Report.docx"


async def test_move_lists_folders_then_moves(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    target = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Archive"])
    listing = await signed_in.client.get(f"/files/{file.id}/move", headers={"Accept": "application/json"})
    paths = {entry["path"]: entry["id"] for entry in listing.json()["folders"]}
    assert paths == {"/": signed_in.alice.root_folder_id, "/Archive": target.id}
    response = await signed_in.post(f"/files/{file.id}/move", {"folder_id": target.id}, json=True)
    assert response.json()["redirect"] == f"/folders/{target.id}"
    assert (await signed_in.record(file.id)).folder_id == target.id


async def test_move_locked_file_409(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    target = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Archive"])
    await signed_in.lock_as(file, signed_in.bob)
    response = await signed_in.post(f"/files/{file.id}/move", {"folder_id": target.id}, json=True)
    assert response.status_code == 409
    assert (await signed_in.record(file.id)).folder_id == signed_in.alice.root_folder_id


async def test_delete_moves_file_to_trash_and_flash_offers_undo(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    response = await signed_in.post(f"/files/{file.id}/delete")
    assert response.status_code == 303
    assert await names_in_root(signed_in) == []
    page = (await signed_in.client.get("/")).text
    assert "Moved “Report.docx” to the trash." in page
    assert f'action="/trash/{file.id}/restore"' in page


async def test_delete_locked_file_409_and_kept(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    await signed_in.lock_as(file, signed_in.bob)
    response = await signed_in.post(f"/files/{file.id}/delete", json=True)
    assert response.status_code == 409
    assert "Bob Brown" in response.json()["error"]
    assert await names_in_root(signed_in) == ["Report.docx"]


async def test_delete_by_editor_forbidden(signed_in: Web) -> None:
    file = await signed_in.upload("Plan.docx", b"x", owner=signed_in.bob)
    await signed_in.share(file, signed_in.alice, Role.EDIT)
    response = await signed_in.post(f"/files/{file.id}/delete", json=True)
    assert response.status_code == 403
    assert (await signed_in.record(file.id)).name == "Plan.docx"


@pytest.mark.parametrize("page", ["rename", "move", "delete"])
async def test_confirmation_pages_render_for_owner(signed_in: Web, page: str) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    response = await signed_in.client.get(f"/files/{file.id}/{page}")
    assert response.status_code == 200
    assert f'action="/files/{file.id}/{page}"' in response.text


async def test_pdf_without_client_action_opens_in_viewer_from_file_list(signed_in: Web) -> None:
    file = await signed_in.upload("Scan.pdf", b"%PDF-1.4 scan")
    listing = await signed_in.client.get("/")
    assert f'href="/files/{file.id}/view-pdf"' in listing.text
    # The viewer page (pdf.js) reads the PDF from its inline URL.
    response = await signed_in.client.get(f"/files/{file.id}/pdf")
    assert response.status_code == 200
    assert response.content == b"%PDF-1.4 scan"
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith('inline; filename="Scan.pdf"')
    assert response.headers["x-content-type-options"] == "nosniff"
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "script-src" not in csp


async def test_pdf_inline_refused_for_other_types_and_no_download_role(signed_in: Web) -> None:
    doc = await signed_in.upload("Report.docx", b"x")
    assert (await signed_in.client.get(f"/files/{doc.id}/pdf")).status_code == 404
    shared = await signed_in.upload("Secret.pdf", b"%PDF-1.4", owner=signed_in.bob)
    await signed_in.share(shared, signed_in.alice, Role.VIEW_NO_DOWNLOAD)
    assert (await signed_in.client.get(f"/files/{shared.id}/pdf")).status_code == 403
