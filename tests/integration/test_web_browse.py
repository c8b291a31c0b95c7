"""The file browser: folders, breadcrumbs, file rows and their actions, Shared with me, escaping."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.web_support import Web, running_web, signed_in_as_alice, web_settings
from wopihost.domain.permissions import Role

pytestmark = pytest.mark.anyio


def row_of(html: str, name: str) -> str:
    """The table row of the file called `name` (as escaped in the page)."""
    found = re.search(
        r'<tr data-file-id="[^"]+" data-file-name="' + re.escape(name) + r'">.*?</tr>', html, re.S
    )
    assert found, f"no row for {name}"
    return found.group(0)


async def test_home_lists_folders_and_files_with_type_icons(signed_in: Web) -> None:
    await signed_in.upload("Budget.xlsx", b"x", folder_parts=[])
    await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Reports"])
    page = await signed_in.client.get("/")
    assert page.status_code == 200
    assert ">Reports</a>" in page.text
    assert "#ft-folder" in page.text
    assert "#ft-excel" in page.text
    assert "<h1>My files</h1>" in page.text


@pytest.mark.parametrize(
    ("name", "size", "label", "action"),
    [
        ("Report.docx", 5, "Open in Word", "edit"),
        ("Budget.xlsx", 5, "Open in Excel", "edit"),
        ("Deck.pptx", 5, "Open in PowerPoint", "edit"),
        ("Blank.docx", 0, "Open in Word", "editnew"),
        ("Memo.doc", 5, "Open in Word", "convert"),
        ("validator.wopitest", 0, "Open in WopiTest", "view"),
    ],
)
async def test_file_row_open_button_named_after_app_links_to_action(
    signed_in: Web, name: str, size: int, label: str, action: str
) -> None:
    file = await signed_in.upload(name, b"x" * size)
    row = row_of((await signed_in.client.get("/")).text, name)
    assert f'href="/files/{file.id}/{action}"' in row
    assert f"<span>{label}</span>" in row


async def test_file_row_without_client_action_offers_download_only(signed_in: Web) -> None:
    file = await signed_in.upload("notes.txt", b"hello")
    row = row_of((await signed_in.client.get("/")).text, "notes.txt")
    assert "Open in" not in row
    assert f'class="file-link" href="/files/{file.id}/download"' in row


async def test_file_row_owner_menu_has_every_action(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    row = row_of((await signed_in.client.get("/")).text, "Report.docx")
    for path in ("view", "download", "share", "versions", "rename", "move", "delete"):
        assert f'href="/files/{file.id}/{path}"' in row


async def test_subfolder_page_shows_breadcrumbs_to_root(signed_in: Web) -> None:
    folder = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Reports", "2026"])
    page = await signed_in.client.get(f"/folders/{folder.id}")
    assert page.status_code == 200
    crumbs = page.text.split('aria-label="Breadcrumb"', 1)[1].split("</nav>", 1)[0]
    assert '<a href="/">My files</a>' in crumbs
    assert ">Reports</a>" in crumbs
    assert '<span aria-current="page">2026</span>' in crumbs


async def test_other_users_folder_not_found(signed_in: Web) -> None:
    page = await signed_in.client.get(f"/folders/{signed_in.bob.root_folder_id}")
    assert page.status_code == 404
    assert "Not found" in page.text


async def test_create_folder_redirects_to_it(signed_in: Web) -> None:
    response = await signed_in.post(f"/folders/{signed_in.alice.root_folder_id}/folders", {"name": "Plans"})
    assert response.status_code == 303
    target = response.headers["location"]
    assert target.startswith("/folders/")
    page = await signed_in.client.get(target)
    assert "<h1>Plans</h1>" in page.text
    assert "Folder “Plans” is ready." in page.text


async def test_create_folder_invalid_name_explained(signed_in: Web) -> None:
    response = await signed_in.post(
        f"/folders/{signed_in.alice.root_folder_id}/folders", {"name": "a/b"}, json=True
    )
    assert response.status_code == 400
    assert "not allowed" in response.json()["error"]


async def test_new_menu_lists_document_kinds_the_client_can_create(signed_in: Web) -> None:
    page = (await signed_in.client.get("/")).text
    for kind, label in (
        ("docx", "Word document"),
        ("xlsx", "Excel workbook"),
        ("pptx", "PowerPoint presentation"),
    ):
        assert f'data-new-kind="{kind}"' in page
        assert label in page


async def test_locked_file_shows_who_is_editing(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    await signed_in.lock_as(file, signed_in.bob)
    row = row_of((await signed_in.client.get("/")).text, "Report.docx")
    assert "Being edited by Bob Brown" in row


async def test_shared_with_me_lists_file_owner_and_role(signed_in: Web) -> None:
    file = await signed_in.upload("Plan.docx", b"x", owner=signed_in.bob)
    await signed_in.share(file, signed_in.alice, Role.VIEW)
    page = await signed_in.client.get("/shared")
    row = row_of(page.text, "Plan.docx")
    assert "Shared by Bob Brown · can view" in row
    assert f'href="/files/{file.id}/view"' in row
    assert "/rename" not in row
    assert "/delete" not in row
    assert "/share" not in row


async def test_shared_with_me_editor_can_rename_not_delete(signed_in: Web) -> None:
    file = await signed_in.upload("Plan.docx", b"x", owner=signed_in.bob)
    await signed_in.share(file, signed_in.alice, Role.EDIT)
    row = row_of((await signed_in.client.get("/shared")).text, "Plan.docx")
    assert f'href="/files/{file.id}/edit"' in row
    assert f'href="/files/{file.id}/rename"' in row
    assert f'href="/files/{file.id}/delete"' not in row


async def test_shared_with_me_empty_explains(signed_in: Web) -> None:
    page = await signed_in.client.get("/shared")
    assert "Nothing shared with you yet" in page.text


async def test_file_name_with_markup_escaped_everywhere(signed_in: Web) -> None:
    name = "&lt;img src=x onerror=alert(1)&gt; it's.docx"
    file = await signed_in.upload(name, b"x")
    for path in (
        "/",
        f"/files/{file.id}/share",
        f"/files/{file.id}/versions",
        f"/files/{file.id}/rename",
        f"/files/{file.id}/move",
        f"/files/{file.id}/delete",
        f"/files/{file.id}/edit",
    ):
        html = (await signed_in.client.get(path)).text
        assert "&lt;img" not in html.replace("&amp;lt;img", ""), path
        assert "&amp;lt;img src=x onerror=alert(1)&amp;gt; it&#39;s.docx" in html, path


async def test_display_name_with_markup_escaped_in_rows(signed_in: Web) -> None:
    mallory = await signed_in.services.users.add_user(
        "mallory", "<img src=x onerror=alert(1)>", password="x" * 8
    )
    file = await signed_in.upload("Report.docx", b"x")
    await signed_in.lock_as(file, mallory)
    shared = await signed_in.upload("Gift.docx", b"x", owner=mallory)
    await signed_in.share(shared, signed_in.alice, Role.VIEW)
    for path in ("/", "/shared", f"/files/{file.id}/share"):
        html = (await signed_in.client.get(path)).text
        assert "<img" not in html, path
    assert "&lt;img src=x onerror=alert(1)&gt;" in (await signed_in.client.get("/")).text


async def test_upload_of_markup_file_name_refused_harmlessly(signed_in: Web) -> None:
    token = await signed_in.csrf()
    response = await signed_in.client.post(
        f"/folders/{signed_in.alice.root_folder_id}/upload",
        params={"name": "<img src=x onerror=alert(1)>.docx"},
        content=b"x",
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert "not allowed" in response.json()["error"]
    assert "<img" not in (await signed_in.client.get("/")).text


@pytest.fixture
async def no_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Web]:
    settings = web_settings(tmp_path, discovery={"url": "http://127.0.0.1:9/hosting/discovery"})
    async with running_web(tmp_path, monkeypatch, settings) as harness:
        settings.discovery_cache_file.unlink()
        await signed_in_as_alice(harness)
        yield harness


async def test_client_unreachable_browser_still_lists_files_without_open(no_client: Web) -> None:
    await no_client.upload("Report.docx", b"x")
    page = await no_client.client.get("/")
    assert page.status_code == 200
    assert "Report.docx" in page.text
    assert "be reached right now" in page.text
    assert "Open in" not in page.text
    assert "data-new-kind" not in page.text


async def test_client_unreachable_host_page_503(no_client: Web) -> None:
    file = await no_client.upload("Report.docx", b"x")
    page = await no_client.client.get(f"/files/{file.id}/view")
    assert page.status_code == 503
    assert "The document editor is unavailable" in page.text
