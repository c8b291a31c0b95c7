"""Metadata and locks: files, folders, versions, the trash and WOPI locks, from one transactional store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from wopihost.domain.audit import SavedEvent
from wopihost.domain.locks import Lock, LockBreak, LockGuard
from wopihost.domain.records import (
    FileAccess,
    FileRecord,
    Folder,
    FolderAccess,
    SaveKind,
    StoredBlob,
    Version,
)
from wopihost.domain.trash import Restored, TrashItem


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
        audit: SavedEvent | None = None,
    ) -> WriteOutcome | None:
        """Make `blob` the file's current content if `guard` holds, keeping the old content as a version.

        With `audit`, the event it makes of the saved file is appended to the audit trail in the same
        transaction: a save and its record are durable together, with one commit.

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
