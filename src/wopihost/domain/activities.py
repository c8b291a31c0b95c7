"""AddActivities: the shape of a WOPI client's activities, validated, and the notifications they make.

The request and response bodies are those of Microsoft's WOPI validator (TestCases.xml, group AddActivities):
``{"Activities": [{"Type", "Id", "Timestamp"/"Created", "Data": {"ContentId", "ContentAction", "CommentText",
"NavigationId", "IsReply"}, "People": [{"Name", "Id", "Provider", "Mentioned", "InThread", "RepliedTo"}]}]}``
answered with ``{"ActivityResponses": [{"Id", "Status"}]}``, one per activity, in the order received.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime

from wopihost.errors import InvalidRequest

MAX_BODY = 1024 * 1024
MAX_ACTIVITIES = 100
MAX_PEOPLE = 100
# The validator's MaxLength cases send 1024-character ContentId and NavigationId values.
MAX_CONTENT_ID = 1024
MAX_NAVIGATION_ID = 1024
MAX_COMMENT_TEXT = 10_000
MAX_PERSON_FIELD = 256
EXCERPT_CHARS = 200
_GUID = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$")


class ActivityStatus(enum.IntEnum):
    """ActivityResponses[i].Status. The validator accepts 0 or 3 for every valid case and demands 3 for
    an unknown type; 1 is this host's answer to an activity it could not accept (a Message says why).
    """

    SUCCESS = 0
    FAILED = 1
    NOT_SUPPORTED = 3


class CommentAction(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class Person:
    """Someone an activity names: `mentioned` people are the ones to notify."""

    name: str
    person_id: str
    provider: str
    email: str
    mentioned: bool


@dataclass(frozen=True, slots=True)
class CommentActivity:
    """A comment created, updated or deleted in the document."""

    activity_id: str  # as the client sent it; stored and compared in lower case
    content_id: str
    action: CommentAction
    text: str
    navigation_id: str
    is_reply: bool
    people: tuple[Person, ...]

    @property
    def key(self) -> str:
        return self.activity_id.lower()

    @property
    def mentioned(self) -> tuple[Person, ...]:
        return tuple(p for p in self.people if p.mentioned)


@dataclass(frozen=True, slots=True)
class ActivityOutcome:
    """One entry of ActivityResponses: the activity's ID as sent, its status, and why when it failed."""

    activity_id: str
    status: ActivityStatus
    message: str = ""

    def as_json(self) -> dict[str, object]:
        body: dict[str, object] = {"Id": self.activity_id, "Status": int(self.status)}
        if self.message:
            body["Message"] = self.message
        return body


@dataclass(frozen=True, slots=True)
class ParsedActivity:
    """An activity of the request: a comment to apply, or its outcome already decided."""

    comment: CommentActivity | None
    outcome: ActivityOutcome | None


@dataclass(frozen=True, slots=True)
class Notification:
    """A mention of a person in a comment, as that person's notification."""

    id: int
    recipient_id: str
    file_id: str
    content_id: str
    navigation_id: str
    excerpt: str
    actor_id: str
    actor_name: str
    created_at: datetime
    updated_at: datetime
    read: bool


@dataclass(frozen=True, slots=True)
class Mention:
    """A notification to write: this recipient is mentioned in this comment."""

    recipient_id: str
    file_id: str
    content_id: str
    navigation_id: str
    excerpt: str
    actor_id: str
    actor_name: str


def excerpt(text: str) -> str:
    """The start of a comment's text on one line, cut at EXCERPT_CHARS with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1].rstrip() + "…"


def parse_request(data: object) -> list[ParsedActivity]:
    """The activities of a decoded request body; InvalidRequest when it is not of the AddActivities shape."""
    if not isinstance(data, dict):
        raise InvalidRequest("the AddActivities body must be a JSON object")
    activities = data.get("Activities")
    if not isinstance(activities, list):
        raise InvalidRequest("Activities must be an array")
    if len(activities) > MAX_ACTIVITIES:
        raise InvalidRequest(f"at most {MAX_ACTIVITIES} activities are accepted in one request")
    parsed = [_parse_activity(item, index) for index, item in enumerate(activities)]
    ids = [
        p.comment.key if p.comment else (p.outcome.activity_id.lower() if p.outcome else "") for p in parsed
    ]
    if len(set(ids)) != len(ids):
        raise InvalidRequest("two activities of the request have the same Id")
    return parsed


def _parse_activity(item: object, index: int) -> ParsedActivity:
    where = f"Activities[{index}]"
    if not isinstance(item, dict):
        raise InvalidRequest(f"{where} must be an object")
    activity_id = item.get("Id")
    if not isinstance(activity_id, str) or len(activity_id) > MAX_PERSON_FIELD:
        raise InvalidRequest(f"{where}.Id must be a string of at most {MAX_PERSON_FIELD} characters")
    kind = item.get("Type")
    if not isinstance(kind, str):
        raise InvalidRequest(f"{where}.Type must be a string")
    if not _GUID.match(activity_id):
        return ParsedActivity(None, ActivityOutcome(activity_id, ActivityStatus.FAILED, "Id must be a GUID"))
    if kind.lower() != "comment":
        return ParsedActivity(None, ActivityOutcome(activity_id, ActivityStatus.NOT_SUPPORTED))
    try:
        return ParsedActivity(_parse_comment(activity_id, item), None)
    except _Refused as exc:
        return ParsedActivity(None, ActivityOutcome(activity_id, exc.status, exc.message))


class _Refused(Exception):
    def __init__(self, status: ActivityStatus, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _parse_comment(activity_id: str, item: dict[str, object]) -> CommentActivity:
    data = item.get("Data")
    if not isinstance(data, dict):
        raise _Refused(ActivityStatus.FAILED, "a comment needs a Data object")
    content_id = _text(data, "ContentId", MAX_CONTENT_ID, required=True)
    action_text = _text(data, "ContentAction", 32, required=True).lower()
    actions = {a.value: a for a in CommentAction}
    if action_text not in actions:
        raise _Refused(ActivityStatus.NOT_SUPPORTED, f"ContentAction {action_text!r} is not supported")
    is_reply = data.get("IsReply", False)
    if not isinstance(is_reply, bool):
        raise _Refused(ActivityStatus.FAILED, "IsReply must be true or false")
    people = item.get("People", [])
    if people is None:
        people = []
    if not isinstance(people, list) or len(people) > MAX_PEOPLE:
        raise _Refused(ActivityStatus.FAILED, f"People must be an array of at most {MAX_PEOPLE} people")
    return CommentActivity(
        activity_id=activity_id,
        content_id=content_id,
        action=actions[action_text],
        text=_text(data, "CommentText", MAX_COMMENT_TEXT),
        navigation_id=_text(data, "NavigationId", MAX_NAVIGATION_ID),
        is_reply=is_reply,
        people=tuple(_parse_person(p) for p in people),
    )


def _parse_person(item: object) -> Person:
    if not isinstance(item, dict):
        raise _Refused(ActivityStatus.FAILED, "each of People must be an object")
    mentioned = item.get("Mentioned", item.get("IsMentioned", False))
    if not isinstance(mentioned, bool):
        raise _Refused(ActivityStatus.FAILED, "Mentioned must be true or false")
    return Person(
        name=_text(item, "Name", MAX_PERSON_FIELD),
        person_id=_text(item, "Id", MAX_PERSON_FIELD),
        provider=_text(item, "Provider", MAX_PERSON_FIELD),
        email=_text(item, "Email", MAX_PERSON_FIELD),
        mentioned=mentioned,
    )


def _text(data: dict[str, object], name: str, limit: int, *, required: bool = False) -> str:
    value = data.get(name)
    if value is None:
        if required:
            raise _Refused(ActivityStatus.FAILED, f"{name} is required")
        return ""
    if not isinstance(value, str):
        raise _Refused(ActivityStatus.FAILED, f"{name} must be a string")
    if required and not value:
        raise _Refused(ActivityStatus.FAILED, f"{name} must not be empty")
    if len(value) > limit:
        raise _Refused(ActivityStatus.FAILED, f"{name} is longer than {limit} characters")
    return value
