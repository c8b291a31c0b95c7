"""Editing sessions seen from outside the WOPI client: who holds a file's lock, and ending a session.

A WOPI client's session holds the file's lock; while it does, nobody may rename or delete the file. When the
client cannot unlock any more (its user's access was revoked, the browser crashed), the owner or an
administrator ends the session here instead of waiting for the lock to expire.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wopihost.domain.audit import AuditAction
from wopihost.domain.locales import N_
from wopihost.domain.locks import LockBreak, SessionEndReason
from wopihost.domain.records import FileRecord, User
from wopihost.errors import NotFound, PermissionDenied
from wopihost.ports import AccessQueries, Catalog, Clock, LockStore, UserStore
from wopihost.services.audit import AuditService

# How often ending a session is retried when the client relocks under another ID at the same moment.
_BREAK_ATTEMPTS = 3
# The most files whose lock state one request may ask for (a page of the browser).
MAX_POLLED_FILES = 500


def may_end_session(file: FileRecord, user: User) -> bool:
    """The owner and administrators may end anyone's editing session of a file."""
    return user.is_admin or file.owner_id == user.id


# The names given to people the store no longer knows; the web UI translates them.
SOMEONE = N_("someone")
AN_ADMINISTRATOR = N_("an administrator")


@dataclass(frozen=True, slots=True)
class LockState:
    """Whether a file is being edited, by whom (display name), and whether the viewer may end it."""

    file_id: str
    editor: str | None
    can_end: bool


@dataclass(frozen=True, slots=True)
class EndedSession:
    """A session ended from outside, with the names of whose it was and who ended it."""

    ended: LockBreak
    editor: str
    ended_by: str


class EditingSessionService:
    """Ending editing sessions, their history, and lock states for the file list."""

    def __init__(
        self,
        *,
        locks: LockStore,
        access: AccessQueries,
        catalog: Catalog,
        users: UserStore,
        clock: Clock,
        audit: AuditService,
    ) -> None:
        self._locks = locks
        self._audit = audit
        self._access = access
        self._catalog = catalog
        self._users = users
        self._clock = clock

    async def end_session(self, file_id: str, by: User | None) -> LockBreak | None:
        """End the file's editing session; None when there is none. `by` None is the server's operator."""
        file = await self._catalog.find_file(file_id)
        if file is None:
            raise NotFound(f"no file {file_id}")
        if by is not None and not may_end_session(file, by):
            if await self._access.find_access(file_id, by.id) is None:
                raise NotFound("file not found or not visible to this user")
            raise PermissionDenied("only the owner or an administrator may end someone's editing session")
        ended_by = by.id if by else None
        for _attempt in range(_BREAK_ATTEMPTS):
            now = self._clock.now()
            seen = await self._locks.get(file_id, now=now)
            if seen is None:
                raise NotFound(f"no file {file_id}")
            if seen.current is None:
                return None
            broken = await self._locks.break_lock(file_id, seen.current.lock_id, ended_by=ended_by, now=now)
            if broken is not None and broken.ok:
                holder = seen.current.user_id
                await self._audit.record(
                    AuditAction.SESSION_ENDED,
                    item_id=file.id,
                    item_name=file.name,
                    by=ended_by,
                    detail=holder or "",
                )
                return LockBreak(
                    file_id, seen.current.user_id, by.id if by else None, now, SessionEndReason.ENDED
                )
        raise PermissionDenied("the editing session kept changing; try again")

    async def history(self, file_id: str) -> Sequence[EndedSession]:
        """The file's sessions ended from outside, newest first, with people's names."""
        breaks = await self._locks.list_breaks(file_id)
        names = await self._names([b.lock_user_id for b in breaks] + [b.ended_by for b in breaks])
        return [
            EndedSession(
                ended=b,
                editor=names.get(b.lock_user_id or "", SOMEONE),
                ended_by=names.get(b.ended_by or "", AN_ADMINISTRATOR),
            )
            for b in breaks
        ]

    async def lock_states(self, user: User, file_ids: Iterable[str]) -> list[LockState]:
        """The lock state of each of these files that `user` may see (others are left out)."""
        now = self._clock.now()
        files: list[FileRecord] = []
        for file_id in list(dict.fromkeys(file_ids))[:MAX_POLLED_FILES]:
            access = await self._access.find_access(file_id, user.id)
            if access is not None:
                files.append(access.file)
        locks = {f.id: f.active_lock(now) for f in files}
        names = await self._names([lock.user_id for lock in locks.values() if lock is not None])
        return [
            LockState(
                file_id=f.id,
                editor=names.get(lock.user_id or "", SOMEONE) if (lock := locks[f.id]) else None,
                can_end=may_end_session(f, user),
            )
            for f in files
        ]

    async def _names(self, user_ids: Iterable[str | None]) -> dict[str, str]:
        names: dict[str, str] = {}
        for user_id in {u for u in user_ids if u}:
            found = await self._users.find_user(user_id)
            if found is not None:
                names[user_id] = found.display_name
        return names
