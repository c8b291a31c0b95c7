"""The share dialog's people search and in-place role changes, named new documents, and the shared
indicator of the file list."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.integration.web_support import PASSWORD, Web
from wopihost.domain.links import ShareLink
from wopihost.domain.permissions import Role

pytestmark = pytest.mark.anyio
JSON = {"Accept": "application/json"}


async def _people(web: Web, file_id: str, query: str) -> list[str]:
    response = await web.client.get(f"/files/{file_id}/share/people", params={"q": query}, headers=JSON)
    assert response.status_code == 200, response.text
    return [person["username"] for person in response.json()["people"]]


async def test_people_search_empty_query_lists_nobody(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    assert await _people(signed_in, file.id, "") == []
    assert await _people(signed_in, file.id, "   ") == []


async def test_people_search_matches_display_and_user_names(signed_in: Web) -> None:
    users = signed_in.services.users
    await users.add_user("carol", "Carol Brownstone", password=PASSWORD)
    await users.add_user("dave", "Dave Davis", password=PASSWORD)
    file = await signed_in.upload("Report.docx", b"x")
    assert await _people(signed_in, file.id, "brown") == ["bob", "carol"]
    assert await _people(signed_in, file.id, "DAV") == ["dave"]
    assert await _people(signed_in, file.id, "%") == []


async def test_people_search_leaves_out_owner_and_people_shared_with(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    assert "alice" not in await _people(signed_in, file.id, "a")
    assert "alice" not in await _people(signed_in, file.id, "alice")
    await signed_in.share(file, signed_in.bob, Role.VIEW)
    assert await _people(signed_in, file.id, "bob") == []


async def test_people_search_at_most_ten(signed_in: Web) -> None:
    for n in range(12):
        await signed_in.services.users.add_user(f"tester{n:02d}", f"Tester {n:02d}", password=None)
    file = await signed_in.upload("Report.docx", b"x")
    assert len(await _people(signed_in, file.id, "tester")) == 10


async def test_people_search_signed_out_refused(web: Web) -> None:
    file = await web.upload("Report.docx", b"x")
    response = await web.client.get(f"/files/{file.id}/share/people", params={"q": "b"}, headers=JSON)
    assert response.status_code == 401


async def test_people_search_by_non_owner_refused(signed_in: Web) -> None:
    file = await signed_in.upload("Plan.docx", b"x", owner=signed_in.bob)
    await signed_in.share(file, signed_in.alice, Role.EDIT)
    response = await signed_in.client.get(f"/files/{file.id}/share/people", params={"q": "b"}, headers=JSON)
    assert response.status_code == 403


async def test_role_change_in_place_keeps_one_share(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    await signed_in.share(file, signed_in.bob, Role.VIEW)
    response = await signed_in.post(
        f"/files/{file.id}/share", {"username": "bob", "role": "edit", "change": "1"}, json=True
    )
    assert response.json()["message"] == "Changed bob to “can edit”."
    shares = (await signed_in.client.get(f"/files/{file.id}/share", headers=JSON)).json()["shares"]
    assert [(s["username"], s["role"]) for s in shares] == [("bob", "edit")]


async def test_role_downgrade_from_edit_ends_editing_session(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    await signed_in.lock_as(file, signed_in.bob)
    assert (await signed_in.record(file.id)).lock is not None
    response = await signed_in.post(
        f"/files/{file.id}/share", {"username": "bob", "role": "view-no-download", "change": "1"}, json=True
    )
    assert response.json()["ok"] is True
    record = await signed_in.record(file.id)
    assert record.active_lock(signed_in.clock.now()) is None
    access = await signed_in.services.files.find_access(file.id, signed_in.bob)
    assert access.role is Role.VIEW_NO_DOWNLOAD


async def test_share_page_offers_role_select_per_person(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    await signed_in.share(file, signed_in.bob, Role.EDIT)
    page = (await signed_in.client.get(f"/files/{file.id}/share")).text
    assert 'aria-label="Access for Bob Brown"' in page
    assert re.search(r'<option value="edit" selected>', page)


async def test_new_document_named_by_user_keeps_extension(signed_in: Web) -> None:
    root = signed_in.alice.root_folder_id
    typed = await signed_in.post(f"/folders/{root}/new", {"kind": "docx", "name": "Minutes"})
    whole = await signed_in.post(f"/folders/{root}/new", {"kind": "xlsx", "name": "Budget 2027.xlsx"})
    other = await signed_in.post(f"/folders/{root}/new", {"kind": "pptx", "name": "Deck.txt"})
    names = [
        (await signed_in.record(r.headers["location"].split("/")[2])).name for r in (typed, whole, other)
    ]
    assert names == ["Minutes.docx", "Budget 2027.xlsx", "Deck.txt.pptx"]


async def test_new_document_taken_name_refused_with_suggestion(signed_in: Web) -> None:
    root = signed_in.alice.root_folder_id
    await signed_in.post(f"/folders/{root}/new", {"kind": "docx", "name": "Minutes.docx"})
    response = await signed_in.post(
        f"/folders/{root}/new", {"kind": "docx", "name": "Minutes.docx"}, json=True
    )
    assert response.status_code == 409
    assert response.json()["suggestion"] == "Minutes (2).docx"


async def test_new_document_illegal_name_refused(signed_in: Web) -> None:
    root = signed_in.alice.root_folder_id
    response = await signed_in.post(f"/folders/{root}/new", {"kind": "docx", "name": "a/b"}, json=True)
    assert response.status_code == 400


async def test_browser_page_offers_naming_dialog(signed_in: Web) -> None:
    page = (await signed_in.client.get("/")).text
    assert 'id="new-document-dialog"' in page
    assert 'data-default-name="Document.docx"' in page


async def test_shared_indicator_people_and_links(signed_in: Web) -> None:
    alone = await signed_in.upload("Alone.docx", b"x")
    people = await signed_in.upload("People.docx", b"x")
    linked = await signed_in.upload("Linked.docx", b"x")
    both = await signed_in.upload("Both.docx", b"x")
    carol = await signed_in.services.users.add_user("carol", "Carol C", password=None)
    await signed_in.share(people, signed_in.bob, Role.VIEW)
    await signed_in.share(people, carol, Role.EDIT)
    await signed_in.share(both, signed_in.bob, Role.VIEW)
    for file in (linked, both):
        access = await signed_in.services.files.access_as_owner(file.id)
        await signed_in.services.links.create(access, "view")
    page = (await signed_in.client.get("/")).text
    assert _flag(page, alone.id) == ""
    assert _flag(page, people.id) == "Shared with 2 people"
    assert _flag(page, linked.id) == "Shared by link"
    assert _flag(page, both.id) == "Shared with 1 person and by link"


async def test_shared_indicator_ignores_expired_links(signed_in: Web) -> None:
    file = await signed_in.upload("Report.docx", b"x")
    access = await signed_in.services.files.access_as_owner(file.id)
    link: ShareLink = await signed_in.services.links.create(
        access, "view", expires_at=signed_in.clock.now() + timedelta(hours=1)
    )
    assert link.expires_at is not None
    assert _flag((await signed_in.client.get("/")).text, file.id) == "Shared by link"
    signed_in.clock.advance(timedelta(hours=2))
    assert _flag((await signed_in.client.get("/")).text, file.id) == ""


async def test_shared_indicator_not_on_files_shared_with_me(signed_in: Web) -> None:
    file = await signed_in.upload("Plan.docx", b"x", owner=signed_in.bob)
    await signed_in.share(file, signed_in.alice, Role.VIEW)
    assert _flag((await signed_in.client.get("/shared")).text, file.id) == ""


async def test_shared_indicator_one_query_per_listing(signed_in: Web) -> None:
    files = [await signed_in.upload(f"F{n}.docx", b"x") for n in range(5)]
    await signed_in.share(files[0], signed_in.bob, Role.VIEW)
    store = signed_in.services.browse._shares
    calls: list[int] = []
    original = store.sharing_summary

    async def counting(file_ids: list[str], *, now: object) -> object:
        calls.append(len(file_ids))
        return await original(file_ids, now=now)  # type: ignore[arg-type]

    store.sharing_summary = counting  # type: ignore[method-assign]
    assert _flag((await signed_in.client.get("/")).text, files[0].id) == "Shared with 1 person"
    assert calls == [5]


def _flag(page: str, file_id: str) -> str:
    row = page.split(f'data-file-id="{file_id}"', 1)[1].split("</tr>", 1)[0]
    found = re.search(r"<span class=\"share-flag\" data-shared>.*?</svg>([^<]*)</span>", row, re.S)
    return found.group(1).strip() if found else ""
