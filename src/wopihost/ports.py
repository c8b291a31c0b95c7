"""The interfaces that services need from the outside world. Adapters implement them; app.py picks which."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from wopihost.domain.activities import CommentActivity, Mention, Notification
from wopihost.domain.admin import OpenSession, UserStorage, WopiError, WopiErrorQuery
from wopihost.domain.audit import AuditAction, AuditClient, AuditEvent, AuditQuery
from wopihost.domain.links import ShareLink
from wopihost.domain.listing import ListingPreference
from wopihost.domain.locks import Lock, LockBreak, LockGuard
from wopihost.domain.permissions import Role
from wopihost.domain.previews import Preview
from wopihost.domain.records import (
    FileAccess,
    FileRecord,
    Folder,
    FolderAccess,
    FolderShare,
    SaveKind,
    Share,
    StoredBlob,
    User,
    Version,
)
from wopihost.domain.search import SnippetPart
from wopihost.domain.signing import SigningKeyring
from wopihost.domain.throttling import Failures
from wopihost.domain.trash import Restored, TrashItem


class Clock(Protocol):
    """The current time, in UTC. Tests use a fake one to expire locks without sleeping."""

    def now(self) -> datetime: ...


class BlobStore(Protocol):
    """Content storage. Writes are atomic and durable; reads and writes stream."""

    async def put(self, chunks: AsyncIterable[bytes], *, max_size: int) -> StoredBlob:
        """Store the chunks under a new key; raise FileTooLarge past `max_size` bytes, keeping nothing."""
        ...

    async def open(self, key: str) -> AsyncIterator[bytes]:
        """Open a blob for streaming; raise NotFound now (not while streaming) if there is no such blob."""
        ...

    async def delete(self, key: str) -> None:
        """Remove a blob; removing a missing blob is not an error."""
        ...

    async def copy(self, key: str) -> str:
        """Duplicate a blob under a new key, without streaming it through this process where the back end
        can (a server-side copy, a hard link); return the new key. Raise NotFound if there is no such blob."""
        ...

    def keys(self) -> AsyncIterator[BlobEntry]:
        """Every complete blob, streamed in ascending order of key; uploads in progress are not listed."""
        ...

    async def download_url(self, key: str) -> str | None:
        """A short-lived URL by which a client reads the blob straight from the store, without any other
        credential; None when the store offers none (or it is switched off)."""
        ...


@dataclass(frozen=True, slots=True)
class BlobEntry:
    """A blob as the store lists it: its key and when it was stored."""

    key: str
    stored_at: datetime


class BlobReferences(Protocol):
    """What the metadata says about content: every blob key a file or version points at."""

    def referenced_keys(self) -> AsyncIterator[BlobReference]:
        """Every reference, streamed in ascending order of key (a key may come more than once)."""
        ...


@dataclass(frozen=True, slots=True)
class BlobReference:
    """One pointer at content: the file and its version number (None: the file's current content)."""

    key: str
    file_id: str
    version: int | None


@dataclass(frozen=True, slots=True)
class LockOutcome:
    """The result of a lock operation: whether it took effect, the lock now on the file, the file version."""

    ok: bool
    current: Lock | None
    version: int


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """The result of a lock-guarded write. `file` is the file after the write, None when it was refused.

    A refused write names the lock that blocked it, or is `stale`: the lock let it through but the file's
    modification time was no longer the expected one; `current` is then the file as it is.
    """

    file: FileRecord | None
    blocking_lock: Lock | None = None
    name_taken: bool = False
    released_blobs: tuple[str, ...] = ()
    stale: bool = False
    current: FileRecord | None = None


@dataclass(frozen=True, slots=True)
class FolderContents:
    """How many files and folders lie inside a folder, at any depth (the folder itself not counted)."""

    files: int
    folders: int


@dataclass(frozen=True, slots=True)
class FolderOutcome:
    """The result of renaming or deleting a folder.

    `folder` is the folder after a rename, or as it was before a deletion; None when the change was refused,
    because the name was taken, because `blocking_file`, somewhere inside, is locked by a WOPI client, or
    (for a move) because the target lies inside the folder (`cycle`).
    """

    folder: Folder | None
    name_taken: bool = False
    blocking_file: FileRecord | None = None
    deleted: FolderContents | None = None
    released_blobs: tuple[str, ...] = ()
    cycle: bool = False


class LockStore(Protocol):
    """WOPI locks, each change a compare-and-swap. Every method returns None for an unknown file.

    A lock store is not a back end of its own: the writes a lock guards check it in their own atomic step,
    so it comes with them from one LockedStorage.

    Each successful Lock, RefreshLock or UnlockAndRelock by a user records that user as a holder of the
    lock, with the time, in the same transaction (co-authors share one lock ID).
    """

    async def get(self, file_id: str, *, now: datetime) -> LockOutcome | None: ...

    async def acquire(self, file_id: str, lock_id: str, *, user_id: str, now: datetime) -> LockOutcome | None:
        """Lock an unlocked file, or refresh a lock that has this ID."""
        ...

    async def swap(
        self, file_id: str, new: str, expected: str, *, now: datetime, user_id: str | None = None
    ) -> LockOutcome | None:
        """Replace lock `expected` with `new` atomically (UnlockAndRelock); its holders follow."""
        ...

    async def refresh(
        self, file_id: str, lock_id: str, *, now: datetime, user_id: str | None = None
    ) -> LockOutcome | None:
        """Restart the lock's timer; `user_id`, if given, is recorded as a holder."""
        ...

    async def release(self, file_id: str, lock_id: str, *, now: datetime) -> LockOutcome | None:
        """Unlock, ending the session for all its holders."""
        ...

    async def join(self, file_id: str, lock_id: str, *, user_id: str, now: datetime) -> None:
        """Record `user_id` as a holder if the file still carries the unexpired lock `lock_id`.

        Co-authors join a session without any lock call of their own (one client service locks for all),
        so a writer's CheckFileInfo of a locked file counts as taking part in its session.
        """
        ...

    async def break_lock(
        self, file_id: str, expected: str, *, ended_by: str | None, now: datetime
    ) -> LockOutcome | None:
        """End the session holding lock `expected`, as a compare-and-swap, and record who ended it when."""
        ...

    async def release_holder(
        self, file_id: str, user_id: str, *, ended_by: str | None, now: datetime
    ) -> LockOutcome | None:
        """Drop `user_id` from the lock's holders; release the lock (ok) if they held it and no other
        holder was seen within the lock's lifetime, recording it as ended by `ended_by`. One transaction."""
        ...

    async def list_holders(self, file_id: str) -> Sequence[tuple[str, str, datetime]]:
        """Who was seen holding a lock on the file: (user ID, lock ID, last seen)."""
        ...

    async def list_breaks(self, file_id: str) -> Sequence[LockBreak]:
        """The file's sessions ended from outside the WOPI client, newest first."""
        ...


class UserStore(Protocol):
    """Users, their root folders and their UserInfo strings."""

    async def add_user(
        self,
        *,
        username: str,
        display_name: str,
        password_hash: str | None,
        is_admin: bool,
        now: datetime,
        is_business_user: bool = False,
    ) -> User:
        """Create a user and their root folder; raise AlreadyExists if the username is taken."""
        ...

    async def find_user(self, user_id: str) -> User | None: ...

    async def find_user_by_name(self, username: str) -> User | None: ...

    async def find_password_hash(self, username: str) -> tuple[User, str | None] | None: ...

    async def set_password_hash(self, user_id: str, password_hash: str | None) -> None: ...

    async def set_user_info(self, user_id: str, user_info: str) -> None: ...

    async def set_business_user(self, user_id: str, is_business_user: bool) -> bool:
        """Mark or unmark a Microsoft 365 business user; False if there is no such user."""
        ...

    async def set_locale(self, user_id: str, locale: str | None) -> bool:
        """Set (None: clear) the user's UI language; False if there is no such user."""
        ...

    async def list_users(self) -> Sequence[User]: ...

    async def search_users(self, text: str, *, limit: int, exclude: Sequence[str] = ()) -> Sequence[User]:
        """Users whose user name or display name contains `text` (any case), by display name, at most
        `limit`, leaving out the IDs in `exclude`. `text` is matched literally (no wildcards)."""
        ...


class AccessQueries(Protocol):
    """What a user may see: every rights check of the services goes through these two queries."""

    async def find_access(self, file_id: str, user_id: str) -> FileAccess | None:
        """The file as this user sees it, or None if it does not exist or the user has no right to it."""
        ...

    async def find_folder_access(self, folder_id: str, user_id: str) -> FolderAccess | None:
        """The folder as this user sees it, or None if it does not exist or the user has no right to it.

        The role is `effective_role` of the owner and the shares of this folder and every folder above it;
        the path starts at the highest folder the user may see.
        """
        ...


class Catalog(Protocol):
    """Live files and folders looked up by ID, by name and by place, with no rights checked."""

    async def find_file(self, file_id: str) -> FileRecord | None: ...

    async def find_file_by_name(self, folder_id: str, name: str) -> FileRecord | None: ...

    async def find_folder(self, folder_id: str) -> Folder | None: ...

    async def list_folder(self, folder_id: str) -> tuple[Sequence[Folder], Sequence[FileRecord]]: ...

    async def folder_path(self, folder_id: str) -> Sequence[Folder]:
        """The folders from the root down to this one, both included."""
        ...


class Folders(Protocol):
    """Folder changes, each one atomic transaction.

    `move_folder` and `delete_folder` are lock-guarded writes: see LockedStorage for what that requires.
    """

    async def ensure_folder(self, owner_id: str, parent_id: str, name: str, *, now: datetime) -> Folder:
        """Return the child folder with this name, creating it if needed."""
        ...

    async def create_folder(
        self, owner_id: str, parent_id: str, name: str, *, now: datetime
    ) -> Folder | None:
        """Create a child folder; None, creating nothing, if a sibling folder has the name in any case.

        NotFound if the parent does not exist (or is in the trash).
        """
        ...

    async def rename_folder(self, folder_id: str, name: str) -> FolderOutcome | None:
        """Rename a folder, keeping its ID; `name_taken` if a sibling folder has that name in any case."""
        ...

    async def move_folder(self, folder_id: str, parent_id: str, *, now: datetime) -> FolderOutcome | None:
        """Move a folder with its whole subtree under `parent_id`, keeping every ID.

        Refused, changing nothing, when `parent_id` is the folder or lies inside it (`cycle`), when a sibling
        there has the name (`name_taken`), or while a file inside holds a lock unexpired at `now`
        (`blocking_file`): the checks and the move are one transaction.
        """
        ...

    async def count_folder_contents(self, folder_id: str) -> FolderContents | None:
        """How many files and folders deleting the folder would delete along with it."""
        ...

    async def delete_folder(self, folder_id: str, *, now: datetime) -> FolderOutcome | None:
        """Delete a folder with every folder and file inside it, their versions and shares.

        Refused as a whole, deleting nothing, while any file inside holds a lock unexpired at `now`: the
        check and the deletion are one transaction. `released_blobs` lists the content to remove.
        """
        ...


class Files(Protocol):
    """File creation and the lock-guarded file writes, each one atomic transaction.

    Every method that takes a `LockGuard` checks it against the lock state of the LockStore of the same
    LockedStorage, in the same atomic step as the write: a guard is the caller's claim, which the store
    verifies; it is never a check the caller made earlier.
    """

    async def create_file(
        self,
        *,
        folder_id: str,
        owner_id: str,
        name: str,
        blob: StoredBlob,
        author_id: str,
        source: str,
        now: datetime,
        share_with: str | None = None,
    ) -> FileRecord | None:
        """Create a file with its first version; None if the folder already has a file of that name.

        With `share_with`, that user is given the edit role on the new file in the same transaction.
        """
        ...

    async def commit_version(
        self,
        file_id: str,
        blob: StoredBlob,
        *,
        guard: LockGuard,
        author_id: str,
        editors: str,
        source: str,
        now: datetime,
        save: SaveKind | None = None,
        expected_modified_at: datetime | None = None,
        keep_versions: int = 0,
    ) -> WriteOutcome | None:
        """Make `blob` the file's current content if `guard` holds, keeping the old content as a version.

        With `keep_versions` above 0, the same transaction drops all but that many newest versions, and
        `released_blobs` lists the content no version refers to any more.

        The new modification time is `next_modified_at(old, now)`, so that it moves with every change. With
        `expected_modified_at`, the write also requires the file's modification time to be exactly that, or
        is refused as `stale`; a lock that blocks the write is reported first. All of it is one atomic check.
        `save` records what the client said of the save (nothing when None).
        """
        ...

    async def rename_file(
        self, file_id: str, name: str, *, guard: LockGuard, now: datetime
    ) -> WriteOutcome | None: ...

    async def move_file(
        self, file_id: str, folder_id: str, *, guard: LockGuard, now: datetime
    ) -> WriteOutcome | None: ...

    async def delete_file(self, file_id: str, *, guard: LockGuard, now: datetime) -> WriteOutcome | None:
        """Delete a file, its versions and shares; `released_blobs` lists the content to remove."""
        ...


class Versions(Protocol):
    """The versions a file's content writes keep (`Files.commit_version` prunes them)."""

    async def list_versions(self, file_id: str) -> Sequence[Version]: ...

    async def find_version(self, file_id: str, number: int) -> Version | None: ...


@dataclass(frozen=True, slots=True)
class TrashOutcome:
    """The result of moving a file or folder to the trash: the new trash item, or None when refused.

    A refusal names `blocking_file`, a file (the file itself, or one inside the folder) locked by a WOPI
    client, or says `not_empty` when only an empty folder was to go; the move is then refused as a whole,
    changing nothing.
    """

    item: TrashItem | None
    blocking_file: FileRecord | None = None
    not_empty: bool = False


class TrashStore(Protocol):
    """Trashed files and folders. Each method is one atomic transaction; None means no such item.

    A file in the trash, directly or inside a trashed folder, is invisible to every other store: it is not
    found, listed, locked or written, and its name is free in its folder.
    """

    async def trash_file(self, file_id: str, *, deleted_by: str | None, now: datetime) -> TrashOutcome | None:
        """Move a live file to its owner's trash, unless it holds a lock unexpired at `now`."""
        ...

    async def trash_folder(
        self, folder_id: str, *, deleted_by: str | None, now: datetime, only_if_empty: bool = False
    ) -> TrashOutcome | None:
        """Move a live folder with everything live inside it to the trash, unless a file inside is locked
        (or, with `only_if_empty`, unless anything is inside it at all)."""
        ...

    async def list_trash(self, owner_id: str) -> Sequence[TrashItem]:
        """The owner's trash, most recently deleted first."""
        ...

    async def find_item(self, item_id: str) -> TrashItem | None: ...

    async def restore(self, item_id: str) -> Restored | None:
        """Put an item back where it was, or in the owner's root if that folder is not live, under a free
        name (its own, else "stem (2).ext" and so on); its versions and shares come back with it."""
        ...

    async def purge(self, item_id: str) -> Sequence[str] | None:
        """Delete an item for good with its versions and shares; return the blob keys no longer used."""
        ...

    async def list_expired(self, cutoff: datetime, *, limit: int) -> Sequence[TrashItem]:
        """Items deleted at or before `cutoff`, oldest first, at most `limit` of them."""
        ...


class LockedStorage(Protocol):
    """WOPI locks and every write they guard, from one transactional back end.

    A back end implementing it guarantees that the lock state `locks` reads and changes, and the writes that
    check it, live in one store with atomic transactions:

    - every guarded write (`Files.commit_version`, `rename_file`, `move_file`, `delete_file`,
      `Folders.move_folder`, `delete_folder`, `TrashStore.trash_file`, `trash_folder`) reads the file's lock
      and makes its change in one atomic step (a conditional UPDATE, a compare-and-swap, a transaction that
      serialises with the lock operations), so that no Lock, UnlockAndRelock or expiry can come between the
      check and the change;
    - a `LockGuard` is the caller's claim (the lock ID the client sent, or none); the store verifies it
      against the lock as it is at the moment of the write, and reports the lock that blocked a refusal;
    - a lock counts as absent from the instant it expires, for the lock operations and the writes alike.

    A lock store on another back end than the files (a Redis lock beside SQL rows) cannot keep these
    guarantees, so app.py takes `locks`, `files`, `folders` and `trash` from the same LockedStorage.
    """

    @property
    def locks(self) -> LockStore: ...

    @property
    def files(self) -> Files: ...

    @property
    def folders(self) -> Folders: ...

    @property
    def trash(self) -> TrashStore: ...


class DiscoverySource(Protocol):
    """Where the WOPI client's discovery XML comes from (an HTTP URL in production)."""

    async def fetch(self) -> bytes:
        """Return the discovery XML; raise DiscoveryUnavailable if it cannot be had."""
        ...


class CapabilitiesSource(Protocol):
    """Reads the /hosting/capabilities document that a client's discovery advertises."""

    async def fetch_capabilities(self, url: str) -> bytes:
        """Return the JSON at `url`; raise DiscoveryUnavailable (and nothing else) if it cannot be had."""
        ...


class ShareStore(Protocol):
    """Rights that owners grant other users on their files and folders."""

    async def set_share(self, file_id: str, user_id: str, role: Role, *, now: datetime) -> None:
        """Grant `role`, replacing any earlier share of this file with this user."""
        ...

    async def remove_share(self, file_id: str, user_id: str) -> bool:
        """Revoke a share; False if there was none."""
        ...

    async def list_shares(self, file_id: str) -> Sequence[Share]: ...

    async def list_shared_with(self, user_id: str) -> Sequence[tuple[FileRecord, Role]]:
        """The files other users shared with this user, with the role of each."""
        ...

    async def sharing_summary(
        self, file_ids: Sequence[str], *, now: datetime
    ) -> Mapping[str, SharingSummary]:
        """For each of these files shared with someone or by a link active at `now`: how. One query."""
        ...

    async def set_folder_share(self, folder_id: str, user_id: str, role: Role, *, now: datetime) -> None:
        """Grant `role` on a folder and everything in it, replacing any earlier share with this user."""
        ...

    async def remove_folder_share(self, folder_id: str, user_id: str) -> bool:
        """Revoke a folder share; False if there was none."""
        ...

    async def list_folder_shares(self, folder_id: str) -> Sequence[FolderShare]:
        """Who a folder is shared with, oldest share first."""
        ...

    async def list_folders_shared_with(self, user_id: str) -> Sequence[tuple[Folder, Role]]:
        """The live folders other users shared with this user, by name, with the role of each."""
        ...

    async def folder_sharing_summary(self, folder_ids: Sequence[str]) -> Mapping[str, int]:
        """For each of these folders shared with someone: with how many people."""
        ...


@dataclass(frozen=True, slots=True)
class SharingSummary:
    """How a file is shared: with how many people, and by how many links still active."""

    people: int
    links: int


class LinkStore(Protocol):
    """Share links. Revoking deletes the link, so that a lookup by ID is the whole check."""

    async def add_link(self, link: ShareLink) -> None: ...

    async def find_link(self, link_id: str) -> ShareLink | None: ...

    async def list_links(self, file_id: str) -> Sequence[ShareLink]:
        """The file's links, oldest first, expired ones included."""
        ...

    async def remove_link(self, file_id: str, link_id: str) -> bool:
        """Revoke a link of this file; False if it has no such link."""
        ...


class PreferenceStore(Protocol):
    """What each user chose for how file lists are ordered and filtered."""

    async def find_listing(self, user_id: str) -> ListingPreference | None:
        """The user's listing preference, or None if they never chose one."""
        ...

    async def save_listing(self, user_id: str, preference: ListingPreference, *, now: datetime) -> None:
        """Remember the user's listing preference, replacing any earlier one."""
        ...


class FailureCounter(Protocol):
    """Counters of failed sign-ins, shared by every process of the host, each within a time window."""

    async def add_failure(self, keys: Sequence[str], *, now: datetime, window: timedelta) -> None:
        """Count one failure on each key atomically; a counter whose window has passed starts again at 1."""
        ...

    async def failures(
        self, keys: Sequence[str], *, now: datetime, window: timedelta
    ) -> Mapping[str, Failures]:
        """The counters of these keys whose window is still running at `now`."""
        ...

    async def clear(self, key: str) -> None:
        """Forget a counter (after a successful sign-in)."""
        ...


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A web session's data (JSON) and when it ends."""

    data: bytes
    expires_at: datetime


class SessionStore(Protocol):
    """Web UI sessions kept by the server and shared by every node; the browser holds only an opaque ID.

    IDs reach the store already hashed. Deleting a session ends it on every node at once.
    """

    async def load(self, session_id: str, *, now: datetime) -> StoredSession | None:
        """The session, or None if there is none or it ended before `now`."""
        ...

    async def save(self, session_id: str, data: bytes, *, expires_at: datetime, now: datetime) -> None:
        """Create or replace the session, to end at `expires_at`."""
        ...

    async def delete(self, session_id: str) -> None:
        """End the session; nothing happens if there is none."""
        ...


@dataclass(frozen=True, slots=True)
class SharedDiscovery:
    """The cluster's copy of discovery: the last good XML and when any node last tried to fetch it."""

    xml: bytes | None
    capabilities: bytes | None
    fetched_at: datetime | None
    attempted_at: datetime
    error: str | None


class DiscoveryCache(Protocol):
    """Discovery shared by every node, and a lease so that one node at a time fetches it for all."""

    async def read(self) -> SharedDiscovery | None:
        """The shared copy, or None if no node has tried to fetch yet."""
        ...

    async def write(self, entry: SharedDiscovery) -> None:
        """Replace the shared copy."""
        ...

    async def claim(self, holder: str, *, now: datetime, ttl: timedelta) -> bool:
        """Take the refresh lease for `ttl` unless another holder has it; True if `holder` has it now."""
        ...

    async def release(self, holder: str) -> None:
        """Give the lease up, if `holder` still has it."""
        ...


class KeyringSource(Protocol):
    """The token signing keys, which an operator may rotate while servers run."""

    def current(self) -> SigningKeyring:
        """The keys as last loaded, re-read now and then so that every process picks up a rotation."""
        ...

    def reload(self) -> SigningKeyring:
        """Re-read the keys now (rate-limited), e.g. when a token names a key this process does not know."""
        ...


@dataclass(frozen=True, slots=True)
class NameMatch:
    """A file or folder whose name matched a search, as the searching user may see it.

    `owner_id` differs from the searcher's ID for files shared with them; `role` is None for their own.
    """

    kind: str  # "file" or "folder"
    id: str
    name: str
    folder_id: str | None
    owner_id: str
    role: Role | None
    modified_at: datetime | None


@dataclass(frozen=True, slots=True)
class TextMatch:
    """A file whose extracted text matched a full-text search, with a snippet around the match."""

    file: FileRecord
    role: Role | None
    snippet: tuple[SnippetPart, ...]


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """What the search index holds for a file: its text as of `version`, or why it has none."""

    file_id: str
    version: int
    status: str  # "ok", "unsupported", "failed", "too_large"
    text: str = ""


class SearchIndex(Protocol):
    """Names and extracted text, searched with the database's own full-text features.

    Every query filters by what the user may see at the moment of the query (their own files and folders,
    files shared with them), so a revoked share hides its file and its snippet at once. Deleting a file
    removes its entry in the same transaction.
    """

    async def search_names(self, user_id: str, query: str, *, limit: int) -> Sequence[NameMatch]:
        """Files and folders whose names contain `query` (folded), names starting with it first."""
        ...

    async def search_text(self, user_id: str, query: str, *, limit: int) -> Sequence[TextMatch]:
        """Files whose indexed text matches every word of `query`, best first, with snippets."""
        ...

    async def find_stale(self, *, limit: int) -> Sequence[FileRecord]:
        """Files whose index entry is missing or holds another version than the current one."""
        ...

    async def store(self, entry: IndexEntry) -> bool:
        """Record an entry if `entry.version` is still the file's version; False (nothing kept) if not.

        Idempotent: processes indexing the same version concurrently leave one entry.
        """
        ...

    async def clear(self) -> int:
        """Forget every entry so that everything is indexed again; return how many there were."""
        ...


class TextExtractor(Protocol):
    """Turns a document's content into plain text for the index."""

    def supports(self, extension: str) -> bool:
        """Whether files with this extension (".docx", lower case) have text to extract."""
        ...

    async def extract(self, extension: str, chunks: AsyncIterator[bytes]) -> str:
        """The document's text, cut at the configured maximum; raise UnreadableDocument if it has none."""


class PreviewStore(Protocol):
    """Which version of each file has its preview rendered, and the workers' claims on renderings.

    Every method is atomic; claims are compare-and-swaps, so that any number of processes may render.
    """

    async def find_previews(self, file_ids: Sequence[str]) -> Mapping[str, Preview]:
        """The recorded previews of these files (those that have one)."""
        ...

    async def claim_next(
        self, *, extensions: Sequence[str], worker: str, now: datetime, lease: timedelta, settle: timedelta
    ) -> FileRecord | None:
        """Claim a non-empty file with one of `extensions` whose preview is missing, failed and due for a
        retry, or of an older version while the file has not changed for `settle` (a document being edited
        is rendered once its saves pause); or whose claim expired (its worker died). The claim records the
        file's version as rendering by `worker` until `now + lease`, keeping the last complete images.
        None when there is nothing to do."""
        ...

    async def finish(self, file_id: str, version: int, *, worker: str, pages: int, now: datetime) -> bool:
        """Record the rendering as ready, its images as the ones to show, if `worker` still holds the claim;
        False otherwise."""
        ...

    async def fail(
        self, file_id: str, version: int, *, worker: str, error: str, retry_at: datetime | None, now: datetime
    ) -> bool:
        """Record a failed attempt (counted) if `worker` still holds the claim; False otherwise."""
        ...

    async def list_file_ids(self) -> Sequence[str]:
        """The files that have a preview record."""
        ...


class PreviewImages(Protocol):
    """Rendered images, by file, version and name. Images of one version never change once written."""

    async def put(self, file_id: str, version: int, name: str, data: bytes) -> None:
        """Store an image atomically, replacing one of the same name."""
        ...

    async def open(self, file_id: str, version: int, name: str) -> AsyncIterator[bytes]:
        """Stream an image; raise NotFound now if there is none."""
        ...

    async def keep_only(self, file_id: str, version: int | None) -> None:
        """Remove the file's images of every version but `version` (all of them when None)."""
        ...

    async def list_file_ids(self) -> Sequence[str]:
        """The files that have images stored."""
        ...


@dataclass(frozen=True, slots=True)
class RenderedPreview:
    """PNG images of a document: a small one of the first page, and larger ones of the first pages."""

    thumbnail: bytes
    pages: Sequence[bytes]


class DocumentRenderer(Protocol):
    """Renders documents to images; raises RenderFailed (bad or unsupported content, a timeout)."""

    @property
    def extensions(self) -> frozenset[str]:
        """The extensions (".docx") it renders."""
        ...

    async def render(
        self, chunks: AsyncIterator[bytes], *, extension: str, max_pages: int
    ) -> RenderedPreview:
        """Render the content (streamed), which has this extension, to at most `max_pages` page images."""
        ...


class Metrics(Protocol):
    """Where the host reports what it counts; labels are small fixed sets, never tokens, names or users."""

    def wopi_request(self, operation: str, status: int, seconds: float) -> None:
        """One WOPI request answered: `operation` is a name from wopihost.domain.operations."""

    def web_request(self, route: str, status: int, seconds: float) -> None:
        """One request of the web UI answered: `route` is the matched route's path template."""

    def put_file(self, size: int, seconds: float) -> None:
        """One PutFile stored `size` bytes in `seconds`."""

    def lock_expired(self, operation: str) -> None:
        """A lock operation found the file's lock expired (and replaced it, or refused for it)."""

    def proof_failure(self, reason: str) -> None:
        """A proof-key check failed for `reason`, one of wopihost.domain.operations.PROOF_FAILURE_REASONS."""

    def discovery_refresh(self, *, ok: bool) -> None:
        """One fetch of the WOPI client's discovery XML, successful or not."""


class NoMetrics:
    """Metrics that go nowhere: the default when no metrics endpoint is configured."""

    def wopi_request(self, operation: str, status: int, seconds: float) -> None:
        """Count nothing."""

    def web_request(self, route: str, status: int, seconds: float) -> None:
        """Count nothing."""

    def put_file(self, size: int, seconds: float) -> None:
        """Count nothing."""

    def lock_expired(self, operation: str) -> None:
        """Count nothing."""

    def proof_failure(self, reason: str) -> None:
        """Count nothing."""

    def discovery_refresh(self, *, ok: bool) -> None:
        """Count nothing."""


NO_METRICS: Metrics = NoMetrics()


class AuditLog(Protocol):
    """The audit trail: append-only; events are never changed or removed."""

    async def append(self, event: AuditEvent) -> None:
        """Store one event."""
        ...

    async def has_recent(
        self, item_id: str, user_id: str | None, action: AuditAction, client: AuditClient, *, since: datetime
    ) -> bool:
        """Whether this user already did this to this item through this client at or after `since`."""
        ...

    async def list_item(self, item_id: str, *, limit: int, offset: int) -> Sequence[AuditEvent]:
        """The events of one file or folder, newest first."""
        ...

    async def count_item(self, item_id: str) -> int:
        """How many events one file or folder has."""
        ...

    async def scan(self, query: AuditQuery, *, after_id: int, limit: int) -> Sequence[AuditEvent]:
        """Up to `limit` events matching `query` with IDs above `after_id`, oldest first (for exports)."""
        ...

    async def list_user(self, user_id: str, *, limit: int) -> Sequence[AuditEvent]:
        """The latest events done by one user, newest first."""
        ...


class AdminQueries(Protocol):
    """Aggregates for the administrators' console, each one query whatever the number of files."""

    async def open_sessions(self, *, now: datetime, limit: int) -> Sequence[OpenSession]:
        """Files with an unexpired lock, with the holders of the current lock."""
        ...

    async def storage_by_user(self) -> Sequence[UserStorage]:
        """Every user's storage: live files, their bytes, every version's bytes, and the trash's bytes."""
        ...


class WopiErrorLog(Protocol):
    """Recent WOPI error responses, kept for a while for the administrators' search."""

    async def add_many(self, errors: Sequence[WopiError]) -> None:
        """Store a batch of errors atomically."""
        ...

    async def search(
        self, query: WopiErrorQuery, *, limit: int, offset: int
    ) -> tuple[Sequence[WopiError], int]:
        """One page of matching errors, newest first, and how many match in all."""
        ...

    async def purge(self, *, before: datetime, keep_rows: int) -> int:
        """Delete errors older than `before` and all but the newest `keep_rows`; return how many went."""
        ...


class WopiErrorSink(Protocol):
    """Where the WOPI surface hands its error responses; must return at once, never wait for storage."""

    def submit(self, error: WopiError) -> None:
        """Queue one error for recording, or drop (and count) it when the queue is full."""


class ActivityStore(Protocol):
    """Comment activities of WOPI clients and the notifications of the people they mention.

    `apply_comment` is one transaction: a retried activity (same file and activity ID, in any case) changes
    nothing and answers False.
    """

    async def apply_comment(
        self,
        file_id: str,
        comment: CommentActivity,
        *,
        actor_id: str,
        actor_name: str,
        mentions: Sequence[Mention],
        now: datetime,
    ) -> bool:
        """Record the activity and update notifications: a creation notifies `mentions`; an update rewrites
        the comment's notifications (and, when the activity names people, notifies exactly `mentions`); a
        deletion marks them deleted. False if this activity was already applied."""
        ...

    async def list_notifications(
        self, recipient_id: str, *, unread_only: bool, limit: int
    ) -> Sequence[Notification]:
        """A person's notifications that are not deleted, most recently updated first."""
        ...

    async def count_unread(self, recipient_id: str) -> int:
        """How many of a person's notifications are unread and not deleted."""
        ...

    async def mark_read(self, recipient_id: str, notification_id: int, *, now: datetime) -> bool:
        """Mark one of a person's notifications read; False if they have no such notification."""
        ...

    async def mark_all_read(self, recipient_id: str, *, now: datetime) -> int:
        """Mark all a person's notifications read; how many were unread."""
        ...
