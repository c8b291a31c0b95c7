"""Sorting and filtering the file list: server-side, remembered per user in the database."""

from __future__ import annotations

import re

import pytest

from tests.integration.web_support import Web
from wopihost.domain.listing import ListingPreference, SortKey, TypeFilter
from wopihost.domain.permissions import Role

pytestmark = pytest.mark.anyio

_ROW = re.compile(r'data-(?:file|folder)-name="([^"]+)"')


async def listed(web: Web, path: str = "/") -> list[str]:
    response = await web.client.get(path)
    assert response.status_code == 200
    return _ROW.findall(response.text)


async def choose(web: Web, **fields: str) -> None:
    response = await web.post("/preferences/listing", {**fields, "next": "/"})
    assert response.status_code == 303
    assert response.headers["location"] == "/"


async def test_home_lists_folders_first_in_natural_name_order(signed_in: Web) -> None:
    web = signed_in
    for name in ("File 10.docx", "File 2.docx", "file 1.docx"):
        await web.upload(name, b"x")
    for folder in ("Q10", "Q9"):
        await web.services.files.ensure_folder_path(web.alice, [folder])

    assert await listed(web) == ["Q9", "Q10", "file 1.docx", "File 2.docx", "File 10.docx"]


async def test_sort_by_size_descending_keeps_folders_first_and_marks_header(signed_in: Web) -> None:
    web = signed_in
    await web.upload("small.docx", b"s")
    await web.upload("big.docx", b"b" * 500)
    await web.upload("mid.docx", b"m" * 50)
    await web.services.files.ensure_folder_path(web.alice, ["Folder"])

    await choose(web, sort="size", dir="desc")
    page = (await web.client.get("/")).text

    assert _ROW.findall(page) == ["Folder", "big.docx", "mid.docx", "small.docx"]
    header = page.split('aria-sort="descending"', 1)[1].split("</th>", 1)[0]
    assert 'name="sort" value="size"' in header
    assert 'name="dir" value="asc"' in header
    assert page.count("aria-sort=") == 1


async def test_listing_preference_is_per_user_and_survives_a_new_session(signed_in: Web) -> None:
    web = signed_in
    await choose(web, sort="modified", dir="asc", type="spreadsheets")
    web.client.cookies.clear()
    await web.sign_in(web.bob)

    assert await web.services.preferences.listing(web.bob) == ListingPreference()
    web.client.cookies.clear()
    await web.sign_in(web.alice)
    remembered = ListingPreference(SortKey.MODIFIED, descending=False, type_filter=TypeFilter.SPREADSHEETS)
    assert await web.services.preferences.listing(web.alice) == remembered
    page = (await web.client.get("/")).text
    assert '<option value="spreadsheets" selected>' in page


async def test_sort_form_changes_only_the_fields_it_sends(signed_in: Web) -> None:
    web = signed_in
    await choose(web, type="pdfs")
    await choose(web, sort="type", dir="desc")

    expected = ListingPreference(SortKey.TYPE, descending=True, type_filter=TypeFilter.PDFS)
    assert await web.services.preferences.listing(web.alice) == expected


async def test_type_filter_and_name_filter_apply_to_folder_page(signed_in: Web) -> None:
    web = signed_in
    for name in ("Budget.xlsx", "Budget notes.docx", "Plan.xlsx", "Slides.pptx", "scan.pdf"):
        await web.upload(name, b"x")
    await web.services.files.ensure_folder_path(web.alice, ["Budgets"])

    await choose(web, type="spreadsheets")
    assert await listed(web) == ["Budgets", "Budget.xlsx", "Plan.xlsx"]
    assert await listed(web, "/?q=budget") == ["Budgets", "Budget.xlsx"]
    await choose(web, type="all")
    assert await listed(web, "/?q=BUDGET") == ["Budgets", "Budget notes.docx", "Budget.xlsx"]


async def test_filter_that_hides_everything_says_so_instead_of_empty_folder(signed_in: Web) -> None:
    web = signed_in
    await web.upload("a.docx", b"x")

    page = (await web.client.get("/?q=zzz")).text

    assert "Nothing matches the filter" in page
    assert "This folder is empty" not in page
    assert 'value="zzz"' in page


async def test_shared_with_me_is_sorted_and_filtered_the_same_way(signed_in: Web) -> None:
    web = signed_in
    for name, size in (("Item 10.xlsx", 1), ("Item 9.docx", 30), ("Item 1.pdf", 10)):
        file = await web.upload(name, b"x" * size, owner=web.bob)
        await web.share(file, web.alice, Role.VIEW)

    assert await listed(web, "/shared") == ["Item 1.pdf", "Item 9.docx", "Item 10.xlsx"]
    await choose(web, sort="size", dir="desc")
    assert await listed(web, "/shared") == ["Item 9.docx", "Item 1.pdf", "Item 10.xlsx"]
    await choose(web, type="documents")
    assert await listed(web, "/shared") == ["Item 9.docx"]


async def test_unknown_sort_value_is_refused_and_nothing_saved(signed_in: Web) -> None:
    web = signed_in
    response = await web.post("/preferences/listing", {"sort": "colour", "next": "/"}, json=True)

    assert response.status_code == 400
    assert await web.services.preferences.listing(web.alice) == ListingPreference()


async def test_preference_form_next_elsewhere_returns_home(signed_in: Web) -> None:
    response = await signed_in.post("/preferences/listing", {"sort": "name", "next": "https://evil.test/"})
    assert response.headers["location"] == "/"


async def test_rows_offer_selection_checkboxes_and_folder_zip_link(signed_in: Web) -> None:
    web = signed_in
    file = await web.upload("a.docx", b"x")
    folder = await web.services.files.ensure_folder_path(web.alice, ["F"])

    page = (await web.client.get("/")).text

    assert f'form="bulk-form" name="file_id" value="{file.id}" aria-label="Select a.docx"' in page
    assert f'form="bulk-form" name="folder_id" value="{folder.id}" aria-label="Select F"' in page
    assert f'href="/folders/{folder.id}/zip" download' in page
    assert 'id="bulk-form" method="post" action="/bulk/zip"' in page
    assert 'aria-live="polite" data-selection-status' in page
