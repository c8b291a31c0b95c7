"""The audit trail: who did what to which file or folder, when, and through which client from where."""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from wopihost.domain.records import FileRecord
from wopihost.errors import InvalidRequest

# A client name or address longer than this is cut: the column has a fixed width and the rest says nothing.
MAX_CLIENT_NAME = 200
MAX_ADDRESS = 64
MAX_DETAIL = 500


class AuditAction(enum.StrEnum):
    """What happened."""

    CREATED = "created"
    OPENED_VIEW = "opened_view"
    OPENED_EDIT = "opened_edit"
    SAVED = "saved"
    VERSION_RESTORED = "version_restored"
    SHARED = "shared"
    ROLE_CHANGED = "role_changed"
    UNSHARED = "unshared"
    RENAMED = "renamed"
    MOVED = "moved"
    TRASHED = "trashed"
    RESTORED = "restored"
    PURGED = "purged"
    SESSION_ENDED = "session_ended"
    LINK_CREATED = "link_created"
    LINK_REVOKED = "link_revoked"
    LINK_OPENED = "link_opened"


class AuditChannel(enum.StrEnum):
    """Which kind of client acted: the web UI, a WOPI client, the command line, or the system itself."""

    WEB = "web"
    WOPI = "wopi"
    CLI = "cli"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class AuditClient:
    """Where a request came from: its channel, its name (a User-Agent or WOPI application) and address."""

    channel: AuditChannel
    name: str = ""
    address: str = ""

    def cut(self) -> AuditClient:
        """The same client with its name and address cut to what the trail stores."""
        return AuditClient(self.channel, self.name[:MAX_CLIENT_NAME], self.address[:MAX_ADDRESS])


SYSTEM_CLIENT = AuditClient(AuditChannel.SYSTEM)
CLI_CLIENT = AuditClient(AuditChannel.CLI, "wopihost-cli", "local")

# The client of the request or command being handled. It travels with the task (set by the web and WOPI
# surfaces per request and by the CLI per command) because every use case records it, and threading it
# through each service call would add a parameter to dozens of signatures that none of them otherwise read.
_current_client: ContextVar[AuditClient] = ContextVar("wopihost_audit_client", default=SYSTEM_CLIENT)


def current_client() -> AuditClient:
    """The client of the request or command being handled; the system when none is."""
    return _current_client.get()


@contextlib.contextmanager
def acting_client(client: AuditClient) -> Iterator[None]:
    """Attribute what happens inside the block to `client`."""
    token = _current_client.set(client.cut())
    try:
        yield
    finally:
        _current_client.reset(token)


class ItemKind(enum.StrEnum):
    """What an event is about."""

    FILE = "file"
    FOLDER = "folder"


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One recorded action. `detail` is short text (a new name, a role, a version number), never a secret."""

    at: datetime
    action: AuditAction
    item_id: str
    item_kind: ItemKind
    item_name: str
    user_id: str | None
    client: AuditClient
    detail: str = ""
    id: int | None = None

    def as_json(self) -> dict[str, object]:
        """The event as one line of the JSON export."""
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "action": self.action.value,
            "item_id": self.item_id,
            "item_kind": self.item_kind.value,
            "item_name": self.item_name,
            "user_id": self.user_id,
            "client": self.client.channel.value,
            "client_name": self.client.name,
            "address": self.client.address,
            "detail": self.detail,
        }


# The event that records a save, made from the saved file by the store, in the save's own transaction.
SavedEvent = Callable[[FileRecord], AuditEvent]


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Which events an export or a listing wants; every condition is optional."""

    since: datetime | None = None
    until: datetime | None = None
    item_id: str | None = None
    user_id: str | None = None


def parse_moment(text: str) -> datetime:
    """An ISO 8601 date or date and time (UTC unless it says otherwise); InvalidRequest if it is not one."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidRequest("not an ISO 8601 date or time: %(value)s", value=text[:40]) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
