"""AddActivities: the validator's request shapes, bad input, rights, retries, and the notifications made."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.integration.conftest import Host
from wopihost.domain.links import visitor_id
from wopihost.domain.permissions import Role
from wopihost.domain.records import User

pytestmark = pytest.mark.anyio
VALIDATOR_CASES = Path("/work/shared/tools/wopi-validator/data/TestCases.xml")
GUID = "0000a0a0-0000-0000-0000-00000000000{}"


def comment(
    n: int,
    action: str = "created",
    *,
    text: str = "",
    content: str = "c1",
    nav: str = "n1",
    people: Any = None,
) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "Type": "comment",
        "Id": GUID.format(n),
        "Timestamp": "2017-03-15T13:47:13000000Z",
        "Data": {"ContentId": content, "ContentAction": action, "CommentText": text, "NavigationId": nav},
    }
    if people is not None:
        activity["People"] = people
    return activity


def mention(user: User, **extra: Any) -> dict[str, Any]:
    return {"Name": user.display_name, "Id": user.id, "Provider": "wopi", "Mentioned": True, **extra}


async def add(host: Host, *activities: dict[str, Any], user: User | None = None, **kw: Any) -> Any:
    body = orjson.dumps({"Activities": list(activities)})
    return await host.call(override="ADD_ACTIVITIES", body=body, user=user, **kw)


async def inbox(host: Host, user: User) -> list[tuple[str, str, bool]]:
    views = await host.services.activities.notifications(user)
    return [(v.notification.excerpt, v.notification.navigation_id, v.notification.read) for v in views]


def _validator_bodies() -> list[tuple[str, str]]:
    if not VALIDATOR_CASES.exists():
        return []
    text = VALIDATOR_CASES.read_text(encoding="utf-8")
    found = re.findall(
        r'<TestCase Name="(files\.AddActivities[^"]*)".*?<!\[CDATA\[(.*?)\]\]>', text, flags=re.DOTALL
    )
    return [(name, body) for name, body in found]


@pytest.mark.parametrize(("name", "body"), _validator_bodies())
async def test_add_activities_validator_case_answers_each_id_with_0_or_3(
    host: Host, name: str, body: str
) -> None:
    response = await host.call(override="ADD_ACTIVITIES", body=body.encode())
    assert response.status_code == 200, response.text
    sent = [a["Id"] for a in json.loads(body)["Activities"]]
    answered = response.json()["ActivityResponses"]
    assert [a["Id"] for a in answered] == sent
    for sent_activity, answer in zip(json.loads(body)["Activities"], answered, strict=True):
        expected = 0 if sent_activity["Type"] == "comment" else 3
        assert answer["Status"] == expected, name


def test_validator_cases_were_found() -> None:
    if VALIDATOR_CASES.exists():
        assert len(_validator_bodies()) == 17


async def test_check_file_info_advertises_add_activities(host: Host) -> None:
    assert (await host.check_file_info()).json()["SupportsAddActivities"] is True


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b'{"Activities": {}}', b'{"Activities": [1]}', b'{"Activities": [{"Id": 5}]}',
     b'{"Activities": [{"Id": "00000001-0000-0000-0000-000000000000", "Type": 7}]}'],
)  # fmt: skip
async def test_add_activities_malformed_body_is_400(host: Host, body: bytes) -> None:
    response = await host.call(override="ADD_ACTIVITIES", body=body)
    assert response.status_code == 400
    assert response.headers.get("X-WOPI-ServerError")


async def test_add_activities_duplicate_ids_in_one_request_is_400(host: Host) -> None:
    one = comment(1)
    twin = {**comment(2), "Id": one["Id"].upper()}
    assert (await add(host, one, twin)).status_code == 400


@pytest.mark.parametrize(
    ("change", "status"),
    [
        (lambda a: a["Data"].pop("ContentId"), 1),
        (lambda a: a["Data"].update(ContentId="x" * 1025), 1),
        (lambda a: a["Data"].update(NavigationId="x" * 1025), 1),
        (lambda a: a["Data"].update(ContentAction="resolved"), 3),
        (lambda a: a["Data"].update(IsReply="yes"), 1),
        (lambda a: a.update(Data=None), 1),
        (lambda a: a.update(People=[{"Mentioned": "yes"}]), 1),
        (lambda a: a.update(Id="not-a-guid"), 1),
    ],
)
async def test_add_activities_bad_activity_gets_its_own_status(host: Host, change: Any, status: int) -> None:
    bad, good = comment(1), comment(2)
    change(bad)
    answered = (await add(host, bad, good)).json()["ActivityResponses"]
    assert answered[0]["Status"] == status
    assert answered[0]["Message"]
    assert answered[1] == {"Id": good["Id"], "Status": 0}


async def test_mention_notifies_user_who_can_read_and_nobody_else(host: Host) -> None:
    people = [mention(host.editor), mention(host.stranger), mention(host.owner)]
    people.append({"Name": "Nobody", "Id": "no-such-user", "Mentioned": True})
    people.append({**mention(host.viewer), "Mentioned": False, "InThread": True})
    response = await add(host, comment(1, text="Please look @Bob", people=people), user=host.owner)
    assert response.json()["ActivityResponses"][0]["Status"] == 0
    assert await inbox(host, host.editor) == [("Please look @Bob", "n1", False)]
    # No access (stranger), only in the thread (viewer), or the author themself: nothing.
    for user in (host.stranger, host.viewer, host.owner):
        assert await inbox(host, user) == []
    assert await host.services.activities.unread_count(host.editor) == 1


async def test_viewer_may_comment_and_mention(host: Host) -> None:
    response = await add(host, comment(1, text="hi", people=[mention(host.owner)]), user=host.viewer)
    assert response.json()["ActivityResponses"][0]["Status"] == 0
    assert [n for n, *_ in await inbox(host, host.owner)] == ["hi"]


async def test_mention_by_user_name_resolves(host: Host) -> None:
    people = [{"Name": "@BOB", "Mentioned": True}]
    await add(host, comment(1, text="by name", people=people))
    assert [n for n, *_ in await inbox(host, host.editor)] == ["by name"]


async def test_edit_updates_notification_and_delete_removes_it(host: Host) -> None:
    await add(host, comment(1, text="first", people=[mention(host.editor)]))
    host.clock.advance(timedelta(seconds=5))
    await add(host, comment(2, "updated", text="second", nav="n2"))
    assert await inbox(host, host.editor) == [("second", "n2", False)]
    await add(host, comment(3, "deleted"))
    assert await inbox(host, host.editor) == []


async def test_edit_naming_other_people_moves_the_notification(host: Host) -> None:
    await add(host, comment(1, text="x", people=[mention(host.editor)]))
    await add(host, comment(2, "updated", text="y", people=[mention(host.viewer)]))
    assert await inbox(host, host.editor) == []
    assert [n for n, *_ in await inbox(host, host.viewer)] == ["y"]


async def test_retried_activity_changes_nothing(host: Host) -> None:
    first = comment(1, text="one", people=[mention(host.editor)])
    await add(host, first)
    await add(host, comment(2, "deleted"))
    retried = {**first, "Id": first["Id"].upper()}
    response = await add(host, retried)
    assert response.json()["ActivityResponses"] == [{"Id": retried["Id"], "Status": 0}]
    assert await inbox(host, host.editor) == []


async def test_user_who_lost_access_gets_404_and_loses_the_notification(host: Host) -> None:
    await add(host, comment(1, text="x", people=[mention(host.editor)]))
    token = host.token(host.editor)
    await host.services.files.unshare(
        await host.services.files.access_as_owner(host.doc.id), host.editor.username
    )
    response = await add(host, comment(2), token=token)
    assert response.status_code == 404
    assert await inbox(host, host.editor) == []
    assert await host.services.activities.unread_count(host.editor) == 0
    await host.share(host.doc.id, host.editor, Role.VIEW)
    assert len(await inbox(host, host.editor)) == 1


async def test_add_activities_without_token_is_401(host: Host) -> None:
    response = await host.call(override="ADD_ACTIVITIES", body=b'{"Activities": []}', token="")
    assert response.status_code == 401


async def test_link_visitor_comments_but_notifies_nobody(host: Host) -> None:
    access = await host.services.files.access_as_owner(host.doc.id)
    link = await host.services.links.create(access, "view")
    visitor = visitor_id(link.id, "aaaaaaaa")
    token = host.services.tokens.issue(visitor, host.doc.id, link_id=link.id, display_name="Bob Editor").token
    response = await add(host, comment(1, text="x", people=[mention(host.editor)]), token=token)
    assert response.json()["ActivityResponses"][0]["Status"] == 0
    assert await inbox(host, host.editor) == []


async def test_open_notification_marks_read_and_mark_all(host: Host) -> None:
    await add(host, comment(1, text="a", people=[mention(host.editor)]))
    await add(host, comment(2, text="b", content="c2", people=[mention(host.editor)]))
    views = await host.services.activities.notifications(host.editor)
    opened = await host.services.activities.open_notification(host.editor, views[0].notification.id)
    assert opened is not None
    assert opened.access.file.id == host.doc.id
    assert await host.services.activities.unread_count(host.editor) == 1
    assert await host.services.activities.open_notification(host.viewer, views[0].notification.id) is None
    assert await host.services.activities.mark_all_read(host.editor) == 1
    assert await host.services.activities.unread_count(host.editor) == 0
