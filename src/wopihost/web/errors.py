"""The web UI's errors and how each becomes a status and a message people can act on."""

from __future__ import annotations

from dataclasses import dataclass

from wopihost.domain.records import User
from wopihost.errors import (
    AlreadyExists,
    ArchiveTooLarge,
    DiscoveryUnavailable,
    ExtensionChangeUnconfirmed,
    ExtensionMismatch,
    FileTooLarge,
    FolderCycle,
    FolderLocked,
    InvalidFileName,
    InvalidRequest,
    LinkGone,
    LockMismatch,
    NameConflict,
    NotFound,
    PermissionDenied,
    StorageUnavailable,
    WopiHostError,
)


class SignInRequired(WopiHostError):
    """The page needs a signed-in user."""


class FileLocked(WopiHostError):
    """A file cannot change now because someone has it open for editing in the WOPI client."""

    def __init__(self, name: str, editor: str | None, *, file_id: str = "", owner_id: str = "") -> None:
        who = editor or "someone"
        super().__init__(f"“{name}” is being edited by {who}. Try again when they have closed it.")
        self.file_id = file_id
        self.owner_id = owner_id


@dataclass(frozen=True, slots=True)
class ProblemAction:
    """A way out of an error that the UI offers beside its message."""

    url: str
    label: str


def end_session_action(exc: Exception, user: User | None) -> ProblemAction | None:
    """For a file being edited, the owner and administrators are offered to end the editing session."""
    if not isinstance(exc, FileLocked) or not exc.file_id or user is None:
        return None
    if not (user.is_admin or user.id == exc.owner_id):
        return None
    return ProblemAction(f"/files/{exc.file_id}/session/end", "End editing session")


@dataclass(frozen=True, slots=True)
class Problem:
    """What the UI shows for an error."""

    status: int
    title: str
    message: str


# Checked in order, so that subclasses come before their bases.
_PROBLEMS: tuple[tuple[type[Exception], int, str], ...] = (
    (FileLocked, 409, "The file is being edited"),
    (FolderLocked, 409, "A file in the folder is being edited"),
    (FolderCycle, 409, "A folder cannot move into itself"),
    (LockMismatch, 409, "The file is being edited"),
    (NameConflict, 409, "That name is taken"),
    (AlreadyExists, 409, "That already exists"),
    (ExtensionChangeUnconfirmed, 409, "Change the file type?"),
    (ExtensionMismatch, 400, "That extension does not fit the file"),
    (InvalidFileName, 400, "That name is not allowed"),
    (FileTooLarge, 413, "The file is too large"),
    (ArchiveTooLarge, 413, "Too much for one download"),
    (InvalidRequest, 400, "Something is missing"),
    (PermissionDenied, 403, "Not allowed"),
    (LinkGone, 410, "This link no longer works"),
    (NotFound, 404, "Not found"),
    (DiscoveryUnavailable, 503, "The document editor is unavailable"),
    (StorageUnavailable, 503, "Storage is unavailable"),
)


def problem_for(exc: Exception) -> Problem:
    """The status, title and message for an error raised while handling a page or form."""
    for kind, status, title in _PROBLEMS:
        if isinstance(exc, kind):
            return Problem(status, title, _message(exc, title))
    return Problem(500, "Something went wrong", "The server could not complete the request.")


def _message(exc: Exception, title: str) -> str:
    if isinstance(exc, LockMismatch):
        return "Someone has the file open for editing. Try again when they have closed it."
    if isinstance(exc, FolderLocked):
        who = exc.editor or "someone"
        name = exc.file_name
        return f"“{name}” in this folder is being edited by {who}. Try again when they have closed it."
    if isinstance(exc, FolderCycle):
        return f"“{exc.folder_name}” cannot move into itself or into a folder inside it."
    if isinstance(exc, NameConflict):
        hint = f" “{exc.suggestion}” is free." if exc.suggestion else ""
        return f"A {exc.kind} named “{exc.name}” already exists here.{hint}"
    if isinstance(exc, ExtensionChangeUnconfirmed):
        return (
            f"Changing the extension from “{exc.old_extension or 'none'}” to “{exc.new_extension or 'none'}” "
            "changes which app opens the file. Confirm the change to rename it."
        )
    if isinstance(exc, ExtensionMismatch):
        return (
            f"The file is {exc.content}; a “{exc.extension}” name would misdescribe it, and opening it "
            "could damage it. Keep its extension."
        )
    if isinstance(exc, InvalidFileName):
        hint = f" Try “{exc.suggestion}”." if exc.suggestion else ""
        return f"The name is not allowed: {exc.reason}.{hint}"
    if isinstance(exc, FileTooLarge):
        return f"Files can be at most {_size(exc.limit)}."
    if isinstance(exc, LinkGone):
        return "The owner removed the link, or it has expired. Ask them for a new one."
    if isinstance(exc, NotFound):
        return "It does not exist, or you do not have access to it."
    if isinstance(exc, DiscoveryUnavailable):
        return "The WOPI client cannot be reached right now. Try again in a minute."
    text = str(exc).strip()
    return (text[:1].upper() + text[1:]) if text else title


def _size(count: int) -> str:
    value = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} bytes"
