"""The administrators' console: editing sessions, WOPI errors, activity, storage and version retention."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from wopihost.domain.admin import OpenSession, UserStorage, WopiError, WopiErrorQuery
from wopihost.domain.audit import AuditEvent
from wopihost.domain.locks import LockBreak
from wopihost.domain.records import User
from wopihost.errors import PermissionDenied
from wopihost.ports import AdminQueries, AuditLog, Clock, UserStore, WopiErrorLog
from wopihost.services.sessions import EditingSessionService

# The most open sessions, activity events and errors one page shows.
MAX_SESSIONS = 500
ACTIVITY_PER_USER = 10
ERRORS_PER_PAGE = 50


def require_admin(user: User) -> None:
    """Refuse anyone but an administrator."""
    if not user.is_admin:
        raise PermissionDenied("only administrators may use the administration pages")


@dataclass(frozen=True, slots=True)
class ErrorPage:
    """One page of matching WOPI errors, newest first."""

    errors: Sequence[WopiError]
    total: int
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class StorageReport:
    """Every user's storage, the totals, and the version retention setting (0 keeps every version)."""

    users: Sequence[UserStorage]
    total: UserStorage
    version_retention: int


class AdminService:
    """What the administrators' pages read and do; every method checks that `admin` is an administrator."""

    def __init__(
        self,
        *,
        queries: AdminQueries,
        errors: WopiErrorLog,
        audit: AuditLog,
        users: UserStore,
        sessions: EditingSessionService,
        clock: Clock,
        version_retention: int,
    ) -> None:
        self._queries = queries
        self._errors = errors
        self._audit = audit
        self._users = users
        self._sessions = sessions
        self._clock = clock
        self._version_retention = version_retention

    async def open_sessions(self, admin: User) -> Sequence[OpenSession]:
        """Every file with an unexpired lock."""
        require_admin(admin)
        return await self._queries.open_sessions(now=self._clock.now(), limit=MAX_SESSIONS)

    async def end_session(self, admin: User, file_id: str) -> LockBreak | None:
        """End a file's editing session as this administrator (recorded in the audit trail)."""
        require_admin(admin)
        return await self._sessions.end_session(file_id, admin)

    async def search_errors(self, admin: User, query: WopiErrorQuery, page: int) -> ErrorPage:
        """One page of the recorded WOPI errors matching `query`."""
        require_admin(admin)
        page = max(page, 1)
        found, total = await self._errors.search(
            query, limit=ERRORS_PER_PAGE, offset=(page - 1) * ERRORS_PER_PAGE
        )
        return ErrorPage(found, total, page, max(1, -(-total // ERRORS_PER_PAGE)))

    async def find_user_id(self, admin: User, username: str) -> str:
        """The ID of the user with this username; a name nobody has matches nothing (an unused ID)."""
        require_admin(admin)
        user = await self._users.find_user_by_name(username)
        return user.id if user is not None else "-"

    async def user_activity(self, admin: User) -> Sequence[tuple[User, Sequence[AuditEvent]]]:
        """Each user with their latest audit events, newest first."""
        require_admin(admin)
        return [
            (user, await self._audit.list_user(user.id, limit=ACTIVITY_PER_USER))
            for user in await self._users.list_users()
        ]

    async def storage(self, admin: User) -> StorageReport:
        """Every user's storage and the totals, from one aggregate query."""
        require_admin(admin)
        users = await self._queries.storage_by_user()
        total = UserStorage(
            "",
            sum(u.files for u in users),
            sum(u.current_bytes for u in users),
            sum(u.version_bytes for u in users),
            sum(u.versions for u in users),
            sum(u.trash_bytes for u in users),
        )
        return StorageReport(users, total, self._version_retention)

    async def names(self, user_ids: Sequence[str | None]) -> dict[str, str]:
        """Display names of the users among `user_ids` that still exist."""
        found: dict[str, str] = {}
        for user_id in {u for u in user_ids if u}:
            user = await self._users.find_user(user_id)
            if user is not None:
                found[user_id] = user.display_name
        return found
