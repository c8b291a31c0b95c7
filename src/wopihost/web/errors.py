"""The web UI's errors and how each becomes a status and a message people can act on."""

from __future__ import annotations

from dataclasses import dataclass

from wopihost.domain.locales import N_
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
from wopihost.web.i18n import ENGLISH, Localizer


class SignInRequired(WopiHostError):
    """The page needs a signed-in user."""


class FileLocked(WopiHostError):
    """A file cannot change now because someone has it open for editing in the WOPI client."""

    def __init__(self, name: str, editor: str | None, *, file_id: str = "", owner_id: str = "") -> None:
        who = editor or "someone"
        super().__init__(f"“{name}” is being edited by {who}. Try again when they have closed it.")
        self.name = name
        self.editor = editor
        self.file_id = file_id
        self.owner_id = owner_id


class MissingField(InvalidRequest):
    """A form field that may not be blank was; `label` names it ("A folder name")."""

    def __init__(self, label: str) -> None:
        super().__init__(f"{label} is required")
        self.label = label


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
    return ProblemAction(f"/files/{exc.file_id}/session/end", N_("End editing session"))


@dataclass(frozen=True, slots=True)
class Problem:
    """What the UI shows for an error."""

    status: int
    title: str
    message: str


# Checked in order, so that subclasses come before their bases.
_PROBLEMS: tuple[tuple[type[Exception], int, str], ...] = (
    (FileLocked, 409, N_("The file is being edited")),
    (FolderLocked, 409, N_("A file in the folder is being edited")),
    (FolderCycle, 409, N_("A folder cannot move into itself")),
    (LockMismatch, 409, N_("The file is being edited")),
    (NameConflict, 409, N_("That name is taken")),
    (AlreadyExists, 409, N_("That already exists")),
    (ExtensionChangeUnconfirmed, 409, N_("Change the file type?")),
    (ExtensionMismatch, 400, N_("That extension does not fit the file")),
    (InvalidFileName, 400, N_("That name is not allowed")),
    (FileTooLarge, 413, N_("The file is too large")),
    (ArchiveTooLarge, 413, N_("Too much for one download")),
    (InvalidRequest, 400, N_("Something is missing")),
    (PermissionDenied, 403, N_("Not allowed")),
    (LinkGone, 410, N_("This link no longer works")),
    (NotFound, 404, N_("Not found")),
    (DiscoveryUnavailable, 503, N_("The document editor is unavailable")),
    (StorageUnavailable, 503, N_("Storage is unavailable")),
)


def problem_for(exc: Exception, i18n: Localizer = ENGLISH) -> Problem:
    """The status, title and message (in `i18n`'s language) for an error raised by a page or form."""
    for kind, status, title in _PROBLEMS:
        if isinstance(exc, kind):
            return Problem(status, i18n.gettext(title), _message(exc, title, i18n))
    return Problem(
        500,
        i18n.gettext("Something went wrong"),
        i18n.gettext("The server could not complete the request."),
    )


def _message(exc: Exception, title: str, i18n: Localizer) -> str:
    _ = i18n.gettext
    someone = _("someone")
    if isinstance(exc, FileLocked):
        return _(
            "“%(name)s” is being edited by %(editor)s. Try again when they have closed it.",
            name=exc.name,
            editor=exc.editor or someone,
        )
    if isinstance(exc, LockMismatch):
        return _("Someone has the file open for editing. Try again when they have closed it.")
    if isinstance(exc, FolderLocked):
        return _(
            "“%(name)s” in this folder is being edited by %(editor)s. Try again when they have closed it.",
            name=exc.file_name,
            editor=exc.editor or someone,
        )
    if isinstance(exc, FolderCycle):
        return _("“%(name)s” cannot move into itself or into a folder inside it.", name=exc.folder_name)
    if isinstance(exc, NameConflict):
        return _name_conflict(exc, i18n)
    if isinstance(exc, ExtensionChangeUnconfirmed):
        return _(
            "Changing the extension from “%(old)s” to “%(new)s” changes which app opens the file. "
            "Confirm the change to rename it.",
            old=exc.old_extension or _("none"),
            new=exc.new_extension or _("none"),
        )
    if isinstance(exc, ExtensionMismatch):
        return _(
            "The file is %(content)s; a “%(extension)s” name would misdescribe it, and opening it "
            "could damage it. Keep its extension.",
            content=_(exc.content),
            extension=exc.extension,
        )
    if isinstance(exc, InvalidFileName):
        reason = _("The name is not allowed: %(reason)s.", reason=_(exc.reason))
        return f"{reason} {_('Try “%(name)s”.', name=exc.suggestion)}" if exc.suggestion else reason
    if isinstance(exc, FileTooLarge):
        return _("Files can be at most %(size)s.", size=i18n.format_size(exc.limit))
    if isinstance(exc, LinkGone):
        return _("The owner removed the link, or it has expired. Ask them for a new one.")
    if isinstance(exc, NotFound):
        return _("It does not exist, or you do not have access to it.")
    if isinstance(exc, MissingField):
        return _("%(field)s is required.", field=_(exc.label))
    if isinstance(exc, DiscoveryUnavailable):
        return _("The WOPI client cannot be reached right now. Try again in a minute.")
    text = service_message(exc, i18n)
    return (text[:1].upper() + text[1:]) if text else _(title)


def service_message(exc: Exception, i18n: Localizer) -> str:
    """A service's or the domain's message in `i18n`'s language, when the catalog has it."""
    # The messages are extracted for translation by wopihost/locale/tool.py's keywords; one with
    # placeholders is translated before its values are put in.
    template, values = getattr(exc, "template", None), getattr(exc, "values", None)
    if isinstance(template, str) and values:
        return i18n.gettext(template.strip(), **values)
    return i18n.gettext(str(exc).strip())


def _name_conflict(exc: NameConflict, i18n: Localizer) -> str:
    _ = i18n.gettext
    if exc.kind == "folder":
        text = _("A folder named “%(name)s” already exists here.", name=exc.name)
    else:
        text = _("A file named “%(name)s” already exists here.", name=exc.name)
    return f"{text} {_('“%(name)s” is free.', name=exc.suggestion)}" if exc.suggestion else text
