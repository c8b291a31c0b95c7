"""Editing sessions: one per document and shared by its co-authors, with one lock and one text model."""

from __future__ import annotations

import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import urlsplit

import anyio

from wopihost.devclient.documents import TextModel
from wopihost.devclient.fileinfo import FileInfo
from wopihost.devclient.policies import CoauthPolicy
from wopihost.devclient.wopi_client import WopiResponse, WopiTarget
from wopihost.errors import WopiHostError

LOCK_OWNER = "wopihost-devclient"
LOG_LENGTH = 200


class Departure(StrEnum):
    """Why a participant is no longer in a session."""

    LEFT = "left"
    TIMEOUT = "timeout"
    PERMISSION = "permission"
    EXPIRED = "expired"
    SESSION_ENDED = "session_ended"
    LOCK_LOST = "lock_lost"
    # Collabora's "document has been changed in storage": a save was refused with COOLStatusCode 1010.
    DOC_CHANGED = "doc_changed"


FailureKind = Literal[
    "denied",
    "read_only",
    "locked",
    "unsupported",
    "unreadable",
    "unavailable",
    "create_failed",
    "too_large",
    "wrong_type",
]


def failure_kind(response: WopiResponse) -> FailureKind:
    """Return how a failed GetFile or CheckFileInfo is explained to the user."""
    if response.status == 412:
        return "too_large"
    return "denied" if response.denied else "unavailable"


class OpenFailure(WopiHostError):
    """A document could not be opened for editing; `kind` picks the dialog the user sees."""

    def __init__(self, kind: FailureKind, detail: str = "", *, lock_reason: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind: FailureKind = kind
        self.detail = detail
        self.lock_reason = lock_reason
        # The CheckFileInfo of the user, when the failure came after it.
        self.info: FileInfo | None = None


class SessionGone(WopiHostError):
    """The participant has left or was removed; `departure` says why."""

    def __init__(self, departure: Departure) -> None:
        super().__init__(departure.value)
        self.departure = departure


def new_lock_id() -> str:
    """Return a lock ID shaped like Office's JSON lock strings, marked as the development client's."""
    return f'{{"S":"{uuid.uuid4()}","F":"{LOCK_OWNER}","E":2}}'


def is_own_lock(lock_id: str) -> bool:
    """Tell whether a lock was taken by a development client (this process or an earlier one)."""
    return f'"F":"{LOCK_OWNER}"' in lock_id


def document_key(wopi_src: str) -> str:
    """Return what identifies a document across users: the WOPISrc without query, host lower-cased."""
    parts = urlsplit(wopi_src)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


@dataclass(frozen=True, slots=True)
class Resume:
    """A session another node held: the host's lock it took, and the revision its pages last saw."""

    lock_id: str
    revision: int


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a request or did something: the page's pid and the user's name."""

    pid: str
    name: str


@dataclass(slots=True)
class Participant:
    """One browser page editing a document as one user."""

    pid: str
    user_id: str
    name: str
    target: WopiTarget
    # access_token_ttl: when the token expires, in ms since the epoch; 0 when the host did not say.
    token_expires_ms: int
    session_context: str | None
    joined_at: float
    last_seen: float
    next_check_at: float
    last_change_at: float | None = None

    @property
    def actor(self) -> Actor:
        """Return the participant as the actor of events."""
        return Actor(self.pid, self.name)


@dataclass(frozen=True, slots=True)
class SessionEvent:
    """One thing that happened in a session: a WOPI request and its outcome, or a user joining or leaving."""

    at: float
    wall: datetime
    file_name: str
    operation: str
    user: str
    status: int = 0
    ok: bool = True
    detail: str = ""
    pid: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return the event for the page's WOPI log."""
        return {
            "time": self.wall.isoformat(timespec="seconds"),
            "operation": self.operation,
            "user": self.user,
            "status": self.status,
            "ok": self.ok,
            "detail": self.detail,
        }


@dataclass(slots=True)
class SaveState:
    """The last save as users see it."""

    state: Literal["saved", "pending", "saving", "failed"] = "saved"
    saved_at: datetime | None = None
    saved_by: str = ""
    message: str = ""


@dataclass(eq=False, slots=True)
class DocumentSession:
    """A document being edited: content, model, lock and co-authors, and when each timer is next due."""

    key: str
    wopi_src: str
    policy: CoauthPolicy
    file_name: str
    lock_id: str
    content: bytes
    model: TextModel
    lock_owner: str
    next_refresh_at: float
    participants: dict[str, Participant] = field(default_factory=dict)
    revision: int = 0
    saved_revision: int = 0
    last_change_by: str | None = None
    interval_editors: set[str] = field(default_factory=set)
    dirty_since: float | None = None
    next_save_at: float | None = None
    failing_since: float | None = None
    # The LastModifiedTime the client last saw (CheckFileInfo or a save's answer), sent back with each
    # save by Collabora and ONLYOFFICE; "" when it has none it can trust.
    last_modified: str = ""
    save: SaveState = field(default_factory=SaveState)
    log: deque[SessionEvent] = field(default_factory=lambda: deque(maxlen=LOG_LENGTH))
    ended: bool = False
    # WOPI requests of one session never overlap; edits are applied one at a time.
    op_lock: anyio.Lock = field(default_factory=anyio.Lock)
    edit_lock: anyio.Lock = field(default_factory=anyio.Lock)

    @property
    def dirty(self) -> bool:
        """Tell whether the model holds changes the host does not have yet."""
        return self.revision > self.saved_revision

    def saver(self) -> Participant | None:
        """Return whose token the next PutFile uses, per the application's documented rule."""
        present = list(self.participants.values())
        if not present:
            return None
        if self.policy.save_token == "principal":  # noqa: S105 - not a password
            return present[-1]  # participants are kept in the order they joined
        changed = [p for p in present if p.last_change_at is not None]
        return max(changed, key=lambda p: p.last_change_at or 0.0) if changed else present[0]


@dataclass(frozen=True, slots=True)
class Joined:
    """A participant now in a session, and the CheckFileInfo that admitted them."""

    participant: Participant
    session: DocumentSession
    info: FileInfo
