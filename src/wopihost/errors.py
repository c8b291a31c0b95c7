"""Domain exceptions. They carry no HTTP; each surface maps them to responses in one table."""

from __future__ import annotations


class WopiHostError(Exception):
    """Base of every error wopihost raises on purpose.

    A message with named %(placeholders)s takes its values as keywords; it reads in English as str(exc),
    and `template` and `values` let a UI show it in another language.
    """

    def __init__(self, *args: object, **values: object) -> None:
        template = args[0] if len(args) == 1 and isinstance(args[0], str) else None
        if values and template is not None:
            super().__init__(template % values)
        else:
            super().__init__(*args)
        self.template = template
        self.values = values


class NotFound(WopiHostError):
    """The thing does not exist, or the caller may not know that it exists."""


class LinkGone(NotFound):
    """A share link that was revoked, has expired, or never existed."""


class InvalidToken(WopiHostError):
    """An access token is missing, malformed, expired, tampered with or issued for another resource."""


class PermissionDenied(WopiHostError):
    """The caller is known and may see the resource, but may not do this to it."""


class LockMismatch(WopiHostError):
    """A lock precondition failed. `current_lock` is the lock now on the file ("" when unlocked)."""

    def __init__(self, current_lock: str, reason: str = "") -> None:
        super().__init__(reason or "lock mismatch")
        self.current_lock = current_lock
        self.reason = reason


class DocumentChanged(WopiHostError):
    """A save was based on content that is no longer current (its timestamp is not the file's).

    `current_lock` is the lock now on the file ("" when unlocked).
    """

    def __init__(self, current_lock: str) -> None:
        super().__init__("the file changed since the client last read it")
        self.current_lock = current_lock


class InvalidRequest(WopiHostError):
    """A request is malformed: a missing or invalid header, parameter or body."""


class InvalidFileName(WopiHostError):
    """A file or folder name is not allowed. `suggestion` is a legal name close to it, if one exists."""

    def __init__(self, reason: str, suggestion: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.suggestion = suggestion


class InvalidContainerName(InvalidFileName):
    """A folder name a WOPI client asked for is not legal; WOPI reports it in a header of its own."""


class ExtensionChangeUnconfirmed(InvalidFileName):
    """A rename would change the file's extension, and the caller did not confirm that it means to."""

    def __init__(self, old_extension: str, new_extension: str) -> None:
        old, new = old_extension or "no extension", new_extension or "no extension"
        super().__init__(f"the rename changes the file type from {old} to {new}; confirm to go ahead")
        self.old_extension = old_extension
        self.new_extension = new_extension


class ExtensionMismatch(InvalidFileName):
    """A new extension would misdescribe the file's content (a Word document named .txt)."""

    def __init__(self, extension: str, content: str) -> None:
        super().__init__(f"the file is {content}, which a {extension} name would misdescribe")
        self.extension = extension
        self.content = content


class NameConflict(WopiHostError):
    """A file (or, by `kind`, a folder) with the requested name already exists.

    `suggestion` is a free name close to it, if one was looked for.
    """

    def __init__(self, name: str, suggestion: str | None = None, *, kind: str = "file") -> None:
        super().__init__(f"{name!r} already exists")
        self.name = name
        self.suggestion = suggestion
        self.kind = kind


class FolderLocked(WopiHostError):
    """A folder cannot be deleted while a file inside it is locked by a WOPI client.

    `file_name` names one such file, `editor` is the display name of who holds its lock ("" if unknown).
    """

    def __init__(self, file_name: str, editor: str = "") -> None:
        super().__init__(f"{file_name!r} inside the folder is being edited")
        self.file_name = file_name
        self.editor = editor


class FolderNotEmpty(WopiHostError):
    """A WOPI client may only delete a container that has no files or folders in it (DeleteContainer)."""

    def __init__(self, folder_name: str) -> None:
        super().__init__(f"the folder {folder_name!r} is not empty")
        self.folder_name = folder_name


class FolderCycle(WopiHostError):
    """A folder cannot move into itself or into a folder inside it."""

    def __init__(self, folder_name: str) -> None:
        super().__init__(f"the folder {folder_name!r} cannot move into itself or a folder inside it")
        self.folder_name = folder_name


class FileTooLarge(WopiHostError):
    """A body is larger than the configured limit, or than what the client said it expects."""

    def __init__(self, size: int | None, limit: int) -> None:
        super().__init__(f"size {size} exceeds the limit of {limit} bytes")
        self.size = size
        self.limit = limit


class ArchiveTooLarge(WopiHostError):
    """A ZIP download would hold more files or bytes than the configured limits allow."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Unsupported(WopiHostError):
    """The host does not implement this operation, or not for this caller (WOPI's 501)."""


class AlreadyExists(WopiHostError):
    """A user, folder or other named entity already exists."""


class StorageUnavailable(WopiHostError):
    """A back end (database, blob store, cache) failed; the operation had no effect."""


class ProofKeyInvalid(WopiHostError):
    """A WOPI request's proof-key signature or timestamp did not verify."""


class ConfigurationError(WopiHostError):
    """The settings are inconsistent or unsafe for the chosen environment."""


class StartupError(WopiHostError):
    """A process the server needs, such as the development client, cannot be started."""


class DiscoveryUnavailable(WopiHostError):
    """The WOPI client's discovery XML could not be fetched or parsed, and no good copy is cached."""


class UnreadableDocument(WopiHostError):
    """A document's bytes are not a valid file of the type its name says."""


class LargerThanExpected(FileTooLarge):
    """A file is larger than the X-WOPI-MaxExpectedSize the client sent (GetFile's 412)."""


class RenderFailed(WopiHostError):
    """A document could not be rendered to preview images (broken content, a crash, a timeout)."""
