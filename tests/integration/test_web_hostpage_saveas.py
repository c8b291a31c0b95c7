"""After a Save As in the client, the host page follows the new file: GET /files/{id}/saved-as?name=.

Collabora Online reports only the new name (Action_Save_Resp's fileName); the endpoint says which file that
is for the signed-in user, and host.js swaps its config, title and address bar to it.
"""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.integration.web_support import Web, chunks
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord, User
from wopihost.services.relative import RelativeTarget

pytestmark = pytest.mark.anyio
JSON = {"Accept": "application/json"}


async def save_as(web: Web, source: FileRecord, user: User, name: str) -> FileRecord:
    """The copy a WOPI client editing for `user` creates with PutRelativeFile (Collabora's Save As)."""
    access = await web.services.files.find_access(source.id, user)
    target = RelativeTarget(suggested=name)
    return await web.services.relative.put_relative_file(access, target, chunks(b"copy"))


async def saved_as(web: Web, source: FileRecord, name: str) -> httpx.Response:
    return await web.client.get(f"/files/{source.id}/saved-as", params={"name": name}, headers=JSON)


async def test_saved_as_by_owner_finds_the_copy_next_to_the_file(signed_in: Web) -> None:
    doc = await signed_in.upload("Report.docx", b"content")
    copy = await save_as(signed_in, doc, signed_in.alice, "Report final.docx")
    answer = await saved_as(signed_in, doc, "Report final.docx")
    assert answer.status_code == 200
    assert answer.json() == {
        "fileId": copy.id,
        "fileName": "Report final.docx",
        "extension": ".docx",
        "pageUrl": f"/files/{copy.id}/edit",
        "closeUrl": "/",
        "editUrl": f"/files/{copy.id}/edit",
        "versionsUrl": f"/files/{copy.id}/versions",
        "shareUrl": f"/files/{copy.id}/share",
        "canShare": True,
        "imagesUrl": f"/files/{copy.id}/images",
        "savedAsUrl": f"/files/{copy.id}/saved-as",
    }


async def test_saved_as_of_a_pdf_export_finds_it_by_its_extension(signed_in: Web) -> None:
    doc = await signed_in.upload("Report.docx", b"content")
    copy = await save_as(signed_in, doc, signed_in.alice, "Report.pdf")
    body = (await saved_as(signed_in, doc, "Report.pdf")).json()
    assert (body["fileId"], body["extension"]) == (copy.id, ".pdf")


async def test_saved_as_by_shared_editor_finds_the_copy_in_the_owners_folder(web: Web) -> None:
    doc = await web.upload("Report.docx", b"content")
    await web.share(doc, web.bob, Role.EDIT)
    copy = await save_as(web, doc, web.bob, "Report (Bob).docx")
    assert (copy.folder_id, copy.owner_id) == (doc.folder_id, web.alice.id)
    await web.sign_in(web.bob)
    body = (await saved_as(web, doc, "Report (Bob).docx")).json()
    assert body["fileId"] == copy.id
    assert body["pageUrl"] == f"/files/{copy.id}/edit"
    # The copy stays Alice's: Bob edits it through a share and may not share it on.
    assert body["canShare"] is False


async def test_saved_as_by_shared_viewer_finds_the_copy_in_their_own_folder(web: Web) -> None:
    doc = await web.upload("Report.docx", b"content")
    await web.share(doc, web.bob, Role.VIEW)
    copy = await save_as(web, doc, web.bob, "Report.docx")
    assert (copy.folder_id, copy.owner_id) == (web.bob.root_folder_id, web.bob.id)
    await web.sign_in(web.bob)
    body = (await saved_as(web, doc, "Report.docx")).json()
    # Not Alice's file of the same name: the copy Bob's Save As put in his own folder.
    assert body["fileId"] == copy.id
    assert (body["pageUrl"], body["canShare"]) == (f"/files/{copy.id}/edit", True)


async def test_saved_as_of_files_the_user_cannot_see_answers_404(web: Web) -> None:
    doc = await web.upload("Report.docx", b"content")
    await web.upload("Secret.docx", b"secret")
    private = await web.upload("Private.docx", b"private")
    await web.share(doc, web.bob, Role.EDIT)
    await web.sign_in(web.bob)
    # Alice's other file next to the shared one is not Bob's to see.
    assert (await saved_as(web, doc, "Secret.docx")).status_code == 404
    assert (await saved_as(web, doc, "Nothing.docx")).status_code == 404
    # Nor is anything next to a file not shared with him.
    assert (await saved_as(web, private, "Report.docx")).status_code == 404
    assert (await saved_as(web, doc, " ")).status_code == 400


async def test_saved_as_without_sign_in_answers_401(web: Web) -> None:
    doc = await web.upload("Report.docx", b"content")
    await save_as(web, doc, web.alice, "Copy.docx")
    answer = await saved_as(web, doc, "Copy.docx")
    assert answer.status_code == 401
    assert "fileId" not in answer.json()


async def test_host_page_names_its_file_and_saved_as_url(signed_in: Web) -> None:
    doc = await signed_in.upload("Report.docx", b"content")
    page = (await signed_in.client.get(f"/files/{doc.id}/edit")).text
    assert f'data-file-id="{doc.id}"' in page
    found = re.search(r'<script type="application/json" id="host-config">(.*?)</script>', page, re.S)
    assert found
    config = json.loads(found.group(1))
    assert config["savedAsUrl"] == f"/files/{doc.id}/saved-as"
    assert config["pageUrl"] == f"/files/{doc.id}/edit"
    assert 'id="versions-page-link"' in page


async def test_host_script_on_save_as_response_follows_the_new_file(web: Web) -> None:
    script = (await web.client.get("/static/js/host.js")).text
    response = script[script.index("function saveResponse") :]
    response = response[: response.index("\n}\n")]
    # Only a successful save that names a file (Collabora's answer to Save As) moves the page.
    assert "values.success === false" in response
    assert "followSavedCopy(values.fileName)" in response
    follow = script[script.index("async function followSavedCopy") :]
    follow = follow[: follow.index("\n}\n")]
    assert "getJson(`${config.savedAsUrl}?name=${encodeURIComponent(name)}`)" in follow
    for key in (
        "fileId",
        "fileName",
        "extension",
        "closeUrl",
        "editUrl",
        "versionsUrl",
        "shareUrl",
        "canShare",
    ):
        assert f'"{key}"' in follow, key
    assert "showName(copy.fileName)" in follow
    assert "state.fileId = copy.fileId" in follow
    assert "window.history.replaceState(" in follow
    assert "copy.pageUrl" in follow
    assert "window.location.assign" not in follow
    assert "reload" not in follow
    # The message still has to come from the client's frame and origin.
    assert "event.origin !== clientOrigin || !frame || event.source !== frame.contentWindow" in script
