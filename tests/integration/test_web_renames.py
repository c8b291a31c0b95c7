"""Renames that change an extension: confirmed first, refused when the name would misdescribe the content.

A .docx renamed .txt would be offered to the WOPI client as text, which would show the ZIP bytes as editable
text and save typed text over the document.
"""

from __future__ import annotations

import pytest

from tests.integration.conftest import Host
from tests.integration.web_support import Web
from tests.samples import ooxml
from wopihost.errors import ExtensionChangeUnconfirmed, ExtensionMismatch

pytestmark = pytest.mark.anyio

DOCX = ooxml()


async def test_rename_docx_to_txt_without_confirmation_409_and_name_kept(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", DOCX)

    response = await signed_in.post(f"/files/{file.id}/rename", {"name": "Report.txt"}, json=True)

    assert response.status_code == 409
    assert response.json()["confirm"] == "change_extension"
    assert "Confirm" in response.json()["error"]
    assert (await signed_in.record(file.id)).name == "Report.docx"


async def test_rename_docx_to_txt_confirmed_still_refused_content_kept(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", DOCX)

    data = {"name": "Report.txt", "change_extension": "1"}
    response = await signed_in.post(f"/files/{file.id}/rename", data, json=True)

    assert response.status_code == 400
    assert "misdescribe" in response.json()["error"]
    assert ".docx" in response.json()["error"]
    assert (await signed_in.record(file.id)).name == "Report.docx"
    assert await signed_in.stored(file.id) == DOCX


async def test_rename_without_script_shows_confirmation_box_then_renames(signed_in: Web) -> None:
    file = await signed_in.upload("notes.txt", b"plain notes\n")

    page = await signed_in.post(f"/files/{file.id}/rename", {"name": "notes.md"})
    assert page.status_code == 409
    assert 'name="change_extension"' in page.text
    assert 'value="notes.md"' in page.text

    done = await signed_in.post(f"/files/{file.id}/rename", {"name": "notes.md", "change_extension": "1"})
    assert done.status_code == 303
    assert (await signed_in.record(file.id)).name == "notes.md"


async def test_rename_text_to_docx_confirmed_refused(signed_in: Web) -> None:
    file = await signed_in.upload("notes.txt", b"plain notes\n")

    data = {"name": "notes.docx", "change_extension": "1"}
    response = await signed_in.post(f"/files/{file.id}/rename", data, json=True)

    assert response.status_code == 400
    assert (await signed_in.record(file.id)).name == "notes.txt"


async def test_rename_same_extension_other_case_needs_no_confirmation(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", DOCX)

    response = await signed_in.post(f"/files/{file.id}/rename", {"name": "Final.DOCX"}, json=True)

    assert response.status_code == 200
    assert (await signed_in.record(file.id)).name == "Final.DOCX"


async def test_rename_dialog_has_extension_warning_and_confirm_box(signed_in: Web) -> None:
    await signed_in.upload("Report.docx", DOCX)

    page = await signed_in.client.get("/")

    assert "data-extension-warning" in page.text
    assert 'name="change_extension"' in page.text


async def test_service_rename_refuses_unconfirmed_and_misdescribing_changes(web: Web) -> None:
    file = await web.upload("Sheet.docx", DOCX)
    access = await web.services.files.access_as_owner(file.id)

    with pytest.raises(ExtensionChangeUnconfirmed):
        await web.services.files.rename(access, "Sheet.xlsx")
    with pytest.raises(ExtensionMismatch):
        await web.services.files.rename(access, "Sheet.xlsx", change_extension=True)
    renamed = await web.services.files.rename(access, "Sheet.bin", change_extension=True)
    assert renamed.name == "Sheet.bin"


async def test_upload_any_content_under_any_name_still_accepted(signed_in: Web) -> None:
    file = await signed_in.upload("looks-like.txt", DOCX)
    assert await signed_in.stored(file.id) == DOCX


async def test_wopi_rename_file_keeps_extension_whatever_is_requested(host: Host) -> None:
    response = await host.call(override="RENAME_FILE", headers={"X-WOPI-RequestedName": "Report.txt"})

    assert response.status_code == 200
    name = (await host.check_file_info()).json()["BaseFileName"]
    assert name.endswith(".docx")


async def test_row_of_word_document_named_xlsx_offers_no_open_link(signed_in: Web) -> None:
    good = await signed_in.upload("Good.docx", DOCX)
    bad = await signed_in.upload("Disguised.xlsx", DOCX)

    page = (await signed_in.client.get("/")).text

    assert f'href="/files/{good.id}/edit"' in page
    assert f"/files/{bad.id}/edit" not in page
    assert f"/files/{bad.id}/view" not in page
    assert "Name does not fit the content" in page


@pytest.mark.parametrize("action", ["edit", "view"])
async def test_host_page_of_misnamed_file_415_and_no_token(signed_in: Web, action: str) -> None:
    bad = await signed_in.upload("Disguised.xlsx", DOCX)

    page = await signed_in.client.get(f"/files/{bad.id}/{action}")

    assert page.status_code == 415
    assert "access_token" not in page.text
    assert "which its name does not describe" in page.text


async def test_host_page_of_matching_file_still_opens(signed_in: Web) -> None:
    good = await signed_in.upload("Good.docx", DOCX)

    page = await signed_in.client.get(f"/files/{good.id}/edit")

    assert page.status_code == 200
