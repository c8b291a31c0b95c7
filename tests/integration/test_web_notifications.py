"""The notifications page: mentions listed for their recipient, the unread count, opening at the comment."""

from __future__ import annotations

import re

import pytest

from tests.integration.web_support import Web
from wopihost.domain.activities import parse_request
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord

pytestmark = pytest.mark.anyio


async def mention_bob(
    web: Web, file: FileRecord, n: int, text: str, *, action: str = "created", nav: str = "nav/1 ü"
) -> None:
    access = await web.services.files.access_as_owner(file.id)
    activity = {
        "Type": "comment",
        "Id": f"00000000-0000-0000-0000-00000000000{n}",
        "Data": {"ContentId": "c1", "ContentAction": action, "CommentText": text, "NavigationId": nav},
        "People": [{"Name": "Bob", "Id": web.bob.id, "Mentioned": True}],
    }
    await web.services.activities.add_activities(access, parse_request({"Activities": [activity]}))


def unread_badge(html: str) -> str | None:
    found = re.search(r"data-unread-count>(\d+)<", html)
    return found.group(1) if found else None


async def test_notifications_page_lists_mention_and_opens_document_at_comment(web: Web) -> None:
    file = await web.upload("plan.docx", b"plan")
    await web.share(file, web.bob, Role.EDIT)
    await mention_bob(web, file, 1, "Look at <this> @bob")
    await web.sign_in(web.bob)

    home = await web.client.get("/")
    assert unread_badge(home.text) == "1"
    page = await web.client.get("/notifications")
    assert page.status_code == 200
    assert "Alice Adams mentioned you in “plan.docx”" in page.text
    assert "Look at &lt;this&gt; @bob" in page.text
    link = re.search(r'href="(/notifications/\d+)"', page.text)
    assert link

    opened = await web.client.get(link.group(1))
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/files/{file.id}/edit?wdNavigationId=nav%2F1%20%C3%BC"
    assert unread_badge((await web.client.get("/")).text) is None


async def test_notification_edit_and_delete_reach_the_page(web: Web) -> None:
    file = await web.upload("plan.docx", b"plan")
    await web.share(file, web.bob, Role.VIEW)
    await mention_bob(web, file, 1, "old words")
    await mention_bob(web, file, 2, "new words", action="updated")
    await web.sign_in(web.bob)
    page = (await web.client.get("/notifications")).text
    assert "new words" in page
    assert "old words" not in page
    assert re.search(r'href="/notifications/\d+"', page)
    await mention_bob(web, file, 3, "", action="deleted")
    assert "No one has mentioned you yet." in (await web.client.get("/notifications")).text


async def test_mark_all_read_and_foreign_notification_is_404(web: Web) -> None:
    file = await web.upload("plan.docx", b"plan")
    await web.share(file, web.bob, Role.VIEW)
    await mention_bob(web, file, 1, "hello")
    note = (await web.services.activities.notifications(web.bob))[0].notification
    await web.sign_in()
    assert (await web.client.get(f"/notifications/{note.id}")).status_code == 404
    assert (await web.client.get("/notifications/999999999999999999999999")).status_code == 404
    await web.client.post("/signout", data={"csrf_token": await web.csrf()})
    await web.sign_in(web.bob)
    assert unread_badge((await web.client.get("/")).text) == "1"
    response = await web.post("/notifications/read-all")
    assert response.status_code == 303
    assert unread_badge((await web.client.get("/notifications")).text) is None


async def test_notifications_need_sign_in(web: Web) -> None:
    response = await web.client.get("/notifications")
    assert response.status_code in (302, 303)
    assert "/signin" in response.headers["location"]


async def test_navigation_id_too_long_for_an_action_url_opens_the_document_at_its_start(web: Web) -> None:
    file = await web.upload("plan.docx", b"plan")
    await web.share(file, web.bob, Role.VIEW)
    await mention_bob(web, file, 1, "long", nav="é" * 1000)
    note = (await web.services.activities.notifications(web.bob))[0].notification
    await web.sign_in(web.bob)
    opened = await web.client.get(f"/notifications/{note.id}")
    assert opened.headers["location"] == f"/files/{file.id}/view"
