"""Acting on several files and folders at once: each item is moved or deleted whole, or not at all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from wopihost.domain.records import FileAccess, Folder, User
from wopihost.errors import InvalidRequest, LockMismatch, NotFound, WopiHostError
from wopihost.ports import Clock
from wopihost.services.browse import BrowseService
from wopihost.services.files import FileService

# More items than this in one request are refused: a form of thousands of IDs is not a person's selection.
MAX_BULK_ITEMS = 1000


@dataclass(frozen=True, slots=True)
class Selection:
    """The IDs of the files and folders a person selected."""

    file_ids: tuple[str, ...] = ()
    folder_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.file_ids and not self.folder_ids:
            raise InvalidRequest("select at least one file or folder")
        if len(self.file_ids) + len(self.folder_ids) > MAX_BULK_ITEMS:
            raise InvalidRequest("at most %(max)s items can be changed at once", max=MAX_BULK_ITEMS)


@dataclass(frozen=True, slots=True)
class Refusal:
    """An item left as it was, and why; `editor` names who is editing it when that is the reason."""

    name: str
    kind: str
    error: WopiHostError
    editor: str | None = None


@dataclass(slots=True)
class BulkOutcome:
    """What a bulk action did: the names of the items done, and the items refused with the reason."""

    done: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


class BulkService:
    """Bulk move and delete, item by item through the same service methods single actions use."""

    def __init__(self, *, files: FileService, browse: BrowseService, clock: Clock) -> None:
        self._files = files
        self._browse = browse
        self._clock = clock

    async def move(self, user: User, selection: Selection, target: Folder) -> BulkOutcome:
        """Move each selected item into `target`; items that cannot move are reported, the rest move."""

        async def move_file(access: FileAccess) -> None:
            await self._files.move(access, target)

        async def move_folder(folder: Folder) -> None:
            await self._files.move_folder(user, folder, target)

        return await self._each(user, selection, move_file, move_folder)

    async def delete(self, user: User, selection: Selection) -> BulkOutcome:
        """Delete each selected item; items that cannot go are reported, the rest are deleted."""

        async def delete_file(access: FileAccess) -> None:
            await self._files.delete(access)

        async def delete_folder(folder: Folder) -> None:
            await self._files.delete_folder(user, folder)

        return await self._each(user, selection, delete_file, delete_folder)

    async def _each(
        self,
        user: User,
        selection: Selection,
        on_file: Callable[[FileAccess], Awaitable[None]],
        on_folder: Callable[[Folder], Awaitable[None]],
    ) -> BulkOutcome:
        outcome = BulkOutcome()
        for folder_id in _unique(selection.folder_ids):
            try:
                folder = await self._browse.get_folder(user, folder_id)
            except NotFound as exc:
                outcome.refused.append(Refusal("A folder", "folder", exc))
                continue
            try:
                await on_folder(folder)
            except WopiHostError as exc:
                outcome.refused.append(Refusal(folder.name, "folder", exc))
            else:
                outcome.done.append(folder.name)
        for file_id in _unique(selection.file_ids):
            try:
                access = await self._files.find_access(file_id, user)
            except NotFound as exc:
                outcome.refused.append(Refusal("A file", "file", exc))
                continue
            editor = await self._editor(access)
            if editor is not None:
                # The store checks the lock again atomically; this only names who is editing.
                outcome.refused.append(Refusal(access.file.name, "file", _being_edited(), editor))
                continue
            try:
                await on_file(access)
            except WopiHostError as exc:
                outcome.refused.append(Refusal(access.file.name, "file", exc))
            else:
                outcome.done.append(access.file.name)
        return outcome

    async def _editor(self, access: FileAccess) -> str | None:
        lock = access.file.active_lock(self._clock.now())
        if lock is None:
            return None
        holders = await self._browse.find_users([lock.user_id])
        holder = holders.get(lock.user_id or "")
        return holder.display_name if holder else "someone"


def _being_edited() -> WopiHostError:
    return LockMismatch("", "the file is being edited")


def _unique(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(ids))
