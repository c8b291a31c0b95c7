"""Version history: the list, downloads of old versions, and restores (refused while locked)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from tests.integration.web_support import Web, chunks
from wopihost.domain.locks import LockGuard
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord, SaveKind

pytestmark = pytest.mark.anyio


async def two_versions(web: Web) -> FileRecord:
    await web.upload("Report.docx", b"first")
    folder = await web.services.files.ensure_folder_path(web.alice, [])
    return await web.services.files.upload(web.alice, folder, "Report.docx", chunks(b"second"), replace=True)


async def test_versions_page_lists_newest_first_with_current(signed_in: Web) -> None:
    file = await two_versions(signed_in)
    page = await signed_in.client.get(f"/files/{file.id}/versions")
    assert page.status_code == 200
    assert page.text.index('data-version="2"') < page.text.index('data-version="1"')
    current = page.text.split('data-version="2"', 1)[1].split("</tr>", 1)[0]
    assert "Current" in current
    assert "/restore" not in current
    assert f'action="/files/{file.id}/versions/1/restore"' in page.text
    assert "Alice Adams" in page.text


async def test_versions_json_for_host_page_dialog(signed_in: Web) -> None:
    file = await two_versions(signed_in)
    body = (
        await signed_in.client.get(f"/files/{file.id}/versions", headers={"Accept": "application/json"})
    ).json()
    assert [v["number"] for v in body["versions"]] == [2, 1]
    assert [v["current"] for v in body["versions"]] == [True, False]
    assert body["can_restore"] is True


async def test_version_download_old_content_with_version_name(signed_in: Web) -> None:
    file = await two_versions(signed_in)
    response = await signed_in.client.get(f"/files/{file.id}/versions/1/download")
    assert response.content == b"first"
    assert unquote(response.headers["content-disposition"].split("''")[1]) == "Report (version 1).docx"


@pytest.mark.parametrize("number", ["9", "0", "abc", "99999999999"])
async def test_version_download_missing_number_not_found(signed_in: Web, number: str) -> None:
    file = await two_versions(signed_in)
    assert (await signed_in.client.get(f"/files/{file.id}/versions/{number}/download")).status_code == 404


async def test_restore_makes_old_content_current_as_new_version(signed_in: Web) -> None:
    file = await two_versions(signed_in)
    response = await signed_in.post(f"/files/{file.id}/versions/1/restore")
    assert response.status_code == 303
    assert await signed_in.stored(file.id) == b"first"
    assert (await signed_in.record(file.id)).version == 3
    page = await signed_in.client.get(response.headers["location"])
    assert "Restored version 1 as version 3." in page.text


async def test_restore_locked_file_409_names_editor(signed_in: Web) -> None:
    file = await two_versions(signed_in)
    await signed_in.lock_as(file, signed_in.bob)
    response = await signed_in.post(f"/files/{file.id}/versions/1/restore", json=True)
    assert response.status_code == 409
    assert "Bob Brown" in response.json()["error"]
    assert await signed_in.stored(file.id) == b"second"


async def test_restore_by_viewer_forbidden_and_not_offered(signed_in: Web) -> None:
    await signed_in.upload("Plan.docx", b"one", owner=signed_in.bob)
    folder = await signed_in.services.files.ensure_folder_path(signed_in.bob, [])
    file = await signed_in.services.files.upload(
        signed_in.bob, folder, "Plan.docx", chunks(b"two"), replace=True
    )
    await signed_in.share(file, signed_in.alice, Role.VIEW)
    page = await signed_in.client.get(f"/files/{file.id}/versions")
    assert page.status_code == 200
    assert "/restore" not in page.text
    response = await signed_in.post(f"/files/{file.id}/versions/1/restore", json=True)
    assert response.status_code == 403


async def test_versions_show_co_editors_from_x_wopi_editors(signed_in: Web) -> None:
    file = await signed_in.upload("Shared.docx", b"first")
    services = signed_in.services
    blob = await services.content.store(chunks(b"second"))
    editors = f"{signed_in.alice.id},{signed_in.bob.id},unknown-user"
    await services.content.commit(
        file.id, blob, guard=LockGuard(None), author_id=signed_in.alice.id, editors=editors, source="putfile"
    )
    body = (
        await signed_in.client.get(f"/files/{file.id}/versions", headers={"Accept": "application/json"})
    ).json()
    assert [(v["author"], v["editors"]) for v in body["versions"]] == [
        ("Alice Adams", "Bob Brown"),
        ("Alice Adams", ""),
    ]
    page = await signed_in.client.get(f"/files/{file.id}/versions")
    assert "with Bob Brown" in page.text


async def test_version_number_with_non_ascii_digit_not_found(signed_in: Web) -> None:
    file = await two_versions(signed_in)
    response = await signed_in.client.get(f"/files/{file.id}/versions/%C2%B2/download")
    assert response.status_code == 404


async def test_versions_show_which_saves_were_autosaves_user_saves_and_exit_saves(signed_in: Web) -> None:
    file = await signed_in.upload("Saved.odt", b"first")
    services = signed_in.services
    kinds = [SaveKind(False, True, False), SaveKind(True, False, False), SaveKind(True, False, True)]
    for n, save in enumerate(kinds):
        blob = await services.content.store(chunks(b"v%d" % n))
        await services.content.commit(
            file.id, blob, guard=LockGuard(None), author_id=signed_in.alice.id, source="putfile", save=save
        )

    body = (
        await signed_in.client.get(f"/files/{file.id}/versions", headers={"Accept": "application/json"})
    ).json()
    page = (await signed_in.client.get(f"/files/{file.id}/versions")).text

    assert [v["save"] for v in body["versions"]] == ["exit save", "user save", "autosave", ""]
    rows = {n: page.split(f'data-version="{n}"', 1)[1].split("</tr>", 1)[0] for n in (1, 2, 3, 4)}
    assert 'data-save="autosave">Autosave<' in rows[2]
    assert 'data-save="user save">User save<' in rows[3]
    assert 'data-save="exit save">Exit save<' in rows[4]
    assert "data-save" not in rows[1]
