"""Comments in the development client: a pane beside the document, reported to the host with AddActivities.

Like Office for the web, the client keeps comments itself (here in memory, per WOPISrc, for as long as it
runs; they are not written into the document) and tells the host about each one it creates, edits or
deletes. A person is mentioned by typing @ and their user name ("@bob"): the client knows no directory of
people, so each mention goes to the host as a Person with that Name and Mentioned: true, and the host
decides whom it names.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wopihost.devclient.pages import NO_STORE, Page
from wopihost.devclient.wopi_client import WopiResponse
from wopihost.errors import InvalidRequest

if TYPE_CHECKING:
    from wopihost.devclient.runtime import Runtime

MAX_TEXT = 2000
MAX_COMMENTS = 500
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][\w.-]{0,63})")


@dataclass(slots=True)
class Comment:
    """One comment: its ContentId, the NavigationId that opens the document at it, and who wrote what."""

    content_id: str
    navigation_id: str
    author: str
    text: str
    created_at: str
    # The UserId of CheckFileInfo: only its author edits or deletes a comment.
    author_id: str = ""


@dataclass(slots=True)
class CommentBoard:
    """The comments of every document this client has open, by WOPISrc (without the token)."""

    documents: dict[str, dict[str, Comment]] = field(default_factory=dict)

    def of(self, wopi_src: str) -> dict[str, Comment]:
        """A document's comments by ContentId, oldest first."""
        return self.documents.setdefault(wopi_src.split("?", 1)[0], {})


def mentioned_names(text: str) -> list[str]:
    """The user names a comment mentions with @, each once, in order."""
    return list(dict.fromkeys(match.group(1).rstrip(".") for match in _MENTION.finditer(text)))


def activity(comment: Comment, action: str) -> dict[str, Any]:
    """The AddActivities entry Office for the web sends for a comment created, updated or deleted."""
    entry: dict[str, Any] = {
        "Type": "comment",
        "Id": str(uuid.uuid4()),
        "Timestamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "Data": {
            "ContentId": comment.content_id,
            "ContentAction": action,
            "CommentText": comment.text,
            "NavigationId": comment.navigation_id,
            "IsReply": False,
        },
    }
    if action != "deleted":
        entry["People"] = [
            {"Name": name, "Provider": "wopihost-devclient", "Mentioned": True}
            for name in mentioned_names(comment.text)
        ]
    return entry


def _page(request: Request) -> tuple[Runtime, Page]:
    runtime: Runtime = request.app.state.runtime
    page = runtime.pages.find(request.path_params["pid"])
    if page is None or page.mode == "error":
        raise LookupError("no such page")
    return runtime, page


def _json(data: object, status_code: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status_code, headers=NO_STORE)


def _listing(runtime: Runtime, page: Page) -> list[dict[str, object]]:
    return [
        {"id": c.content_id, "navigationId": c.navigation_id, "author": c.author, "text": c.text,
         "createdAt": c.created_at, "mine": c.author_id == _author_id(page)}
        for c in runtime.comments.of(page.launch.wopi_src).values()
    ]  # fmt: skip


def _author(page: Page) -> str:
    return page.info.user_name if page.info and page.info.user_name else "Guest"


def _author_id(page: Page) -> str:
    # Pages without a UserId never match one another: their comments cannot be changed.
    return page.info.user_id if page.info and page.info.user_id else f"page:{page.pid}"


async def _text(request: Request) -> str:
    try:
        body = await request.json()
    except ValueError as exc:
        raise InvalidRequest("the body is not JSON") from exc
    text = body.get("text") if isinstance(body, Mapping) else None
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        raise InvalidRequest(f"text must be 1 to {MAX_TEXT} characters")
    return text.strip()


async def _report(runtime: Runtime, page: Page, comment: Comment, action: str) -> WopiResponse:
    return await runtime.wopi.add_activities(page.launch.target(), [activity(comment, action)])


def _answer(runtime: Runtime, page: Page, response: WopiResponse) -> Response:
    reported = response.ok and _statuses(response) == [0]
    return _json({"comments": _listing(runtime, page), "reported": reported, "status": response.status})


def _statuses(response: WopiResponse) -> list[object]:
    body = response.json_object() or {}
    answers = body.get("ActivityResponses")
    return [a.get("Status") for a in answers if isinstance(a, dict)] if isinstance(answers, list) else []


async def list_comments(request: Request) -> Response:
    """GET: the document's comments."""
    try:
        runtime, page = _page(request)
    except LookupError:
        return _json({"error": "no such page"}, 404)
    return _json({"comments": _listing(runtime, page)})


async def add_comment(request: Request) -> Response:
    """POST {"text"}: a new comment, reported as ContentAction "created"."""
    try:
        runtime, page = _page(request)
        text = await _text(request)
    except LookupError:
        return _json({"error": "no such page"}, 404)
    except InvalidRequest as error:
        return _json({"error": str(error)}, 400)
    comments = runtime.comments.of(page.launch.wopi_src)
    if len(comments) >= MAX_COMMENTS:
        return _json({"error": "this document has too many comments"}, 409)
    content_id = str(uuid.uuid4())
    created = datetime.now(UTC).isoformat(timespec="seconds")
    comment = Comment(content_id, f"comment-{content_id}", _author(page), text, created, _author_id(page))
    comments[content_id] = comment
    return _answer(runtime, page, await _report(runtime, page, comment, "created"))


async def change_comment(request: Request) -> Response:
    """POST {"text"} to edit one's comment ("updated"), or to .../delete to delete it ("deleted")."""
    deleting = request.url.path.endswith("/delete")
    try:
        runtime, page = _page(request)
        text = "" if deleting else await _text(request)
    except LookupError:
        return _json({"error": "no such page"}, 404)
    except InvalidRequest as error:
        return _json({"error": str(error)}, 400)
    comments = runtime.comments.of(page.launch.wopi_src)
    comment = comments.get(request.path_params["cid"])
    if comment is None:
        return _json({"error": "no such comment"}, 404)
    if comment.author_id != _author_id(page):
        return _json({"error": "only its author changes a comment"}, 403)
    if deleting:
        del comments[comment.content_id]
    else:
        comment.text = text
    response = await _report(runtime, page, comment, "deleted" if deleting else "updated")
    return _answer(runtime, page, response)
