"""The trash: deleted files and folders, kept for a while so that their owner can restore them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class TrashKind(enum.StrEnum):
    """What went to the trash: one file, or a folder with everything in it."""

    FILE = "file"
    FOLDER = "folder"


@dataclass(frozen=True, slots=True)
class TrashItem:
    """A file or folder in its owner's trash; `id` is the trashed file's or folder's own ID.

    `files` counts the files that went with it (a file counts itself), `size` their current content and
    `stored_bytes` every version's content, which stays in storage until the item is deleted for good.
    """

    id: str
    owner_id: str
    kind: TrashKind
    name: str
    folder_id: str
    deleted_at: datetime
    deleted_by: str | None
    files: int
    folders: int
    size: int
    stored_bytes: int

    def purge_after(self, retention: timedelta) -> datetime:
        """When the retention sweep deletes the item for good."""
        return self.deleted_at + retention


@dataclass(frozen=True, slots=True)
class Restored:
    """Where a restored item went: its name (a numbered one if the old name was taken) and its folder.

    `to_root` says that its folder was gone or in the trash, so it went to the owner's root folder instead.
    """

    item: TrashItem
    name: str
    folder_id: str
    to_root: bool

    @property
    def renamed(self) -> bool:
        return self.name != self.item.name
