"""The administrators' console: open editing sessions, recent WOPI errors, activity per user and storage."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wopihost.domain.admin import STATUS_CLASSES, WopiErrorQuery
from wopihost.domain.operations import UNKNOWN_OPERATION, WOPI_OPERATIONS
from wopihost.domain.records import User
from wopihost.errors import InvalidRequest
from wopihost.numbers import ascii_digits
from wopihost.services.admin import require_admin
from wopihost.web.context import WebContext, done
from wopihost.web.routes.activity import ACTION_LABELS
from wopihost.web.views import human_size, iso_time, short_time

SESSIONS_PATH = "/admin/sessions"
# The longest search text accepted; correlation and session IDs are GUIDs, usernames short.
_MAX_QUERY_CHARS = 200


class AdminPages:
    """/admin/sessions, /admin/errors, /admin/activity and /admin/storage, for administrators only."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    def _render(self, request: Request, template: str, page: str, context: dict[str, Any]) -> Response:
        return self.ctx.render(request, template, {**context, "section": "admin", "admin_page": page})

    async def _admin(self, request: Request) -> User:
        user = await self.ctx.user(request)
        require_admin(user)
        return user

    async def sessions(self, request: Request) -> Response:
        """Every file with an unexpired lock, who holds it, and an "End session" button."""
        admin = await self._admin(request)
        found = await self.ctx.services.admin.open_sessions(admin)
        admin_service = self.ctx.services.admin
        names = await admin_service.names(
            [s.owner_id for s in found]
            + [h.user_id for s in found for h in s.holders]
            + [s.lock_user_id for s in found]
        )
        i18n = self.ctx.localizer(request)
        rows = [
            {
                "file_id": s.file_id,
                "name": s.file_name,
                "owner": names.get(s.owner_id, s.owner_id),
                "holders": [names.get(h.user_id, h.user_id) for h in s.holders]
                or [names.get(s.lock_user_id or "", i18n.gettext("someone"))],
                "since": short_time(s.since, i18n) if s.since else "",
                "since_iso": iso_time(s.since) if s.since else "",
                "expires": short_time(s.expires_at, i18n),
                "expires_iso": iso_time(s.expires_at),
            }
            for s in found
        ]
        return self._render(request, "admin_sessions.html", "sessions", {"rows": rows})

    async def end_page(self, request: Request) -> Response:
        """The confirmation page of "End session", for browsers without scripts."""
        admin = await self._admin(request)
        file_id = request.path_params["file_id"]
        found = [s for s in await self.ctx.services.admin.open_sessions(admin) if s.file_id == file_id]
        context = {"file_id": file_id, "name": found[0].file_name if found else ""}
        return self._render(request, "admin_end_session.html", "sessions", context)

    async def end(self, request: Request) -> Response:
        """End a file's editing session as this administrator."""
        admin = await self._admin(request)
        ended = await self.ctx.services.admin.end_session(admin, request.path_params["file_id"])
        _ = self.ctx.localizer(request).gettext
        message = _("Ended the editing session.") if ended else _("Nobody was editing the file.")
        return done(request, SESSIONS_PATH, message)

    async def errors(self, request: Request) -> Response:
        """Recent WOPI errors, searched by correlation ID, session ID, user, operation and status class."""
        admin = await self._admin(request)
        params = request.query_params
        fields = {k: params.get(k, "").strip()[:_MAX_QUERY_CHARS] for k in _ERROR_FIELDS}
        if fields["status"] not in ("", *STATUS_CLASSES):
            raise InvalidRequest("status must be 4xx or 5xx")
        if fields["operation"] not in ("", UNKNOWN_OPERATION, *WOPI_OPERATIONS):
            raise InvalidRequest("unknown WOPI operation")
        admin_service = self.ctx.services.admin
        user_id = await admin_service.find_user_id(admin, fields["user"]) if fields["user"] else None
        query = WopiErrorQuery(
            correlation_id=fields["correlation"],
            session_id=fields["session"],
            user_id=user_id,
            operation=fields["operation"],
            status_class=fields["status"],
        )
        page = ascii_digits(params.get("page", "1"), max_digits=6) or 1
        found = await admin_service.search_errors(admin, query, page)
        names = await admin_service.names([e.user_id for e in found.errors])
        i18n = self.ctx.localizer(request)
        rows = [
            {
                "e": e,
                "at": short_time(e.at, i18n),
                "at_iso": iso_time(e.at),
                "user": names.get(e.user_id or ""),
            }
            for e in found.errors
        ]
        search = {k: v for k, v in fields.items() if v}
        context = {
            "rows": rows,
            "fields": fields,
            "found": found,
            "operations": sorted(WOPI_OPERATIONS),
            "statuses": STATUS_CLASSES,
            "page_query": lambda n: "?" + urlencode({**search, "page": n}),
        }
        return self._render(request, "admin_errors.html", "errors", context)

    async def activity(self, request: Request) -> Response:
        """Each user's latest audit events, linking to the files' Activity pages."""
        admin = await self._admin(request)
        i18n = self.ctx.localizer(request)
        people = [
            {
                "user": user,
                "events": [
                    {
                        "at": short_time(e.at, i18n),
                        "at_iso": iso_time(e.at),
                        "action": i18n.gettext(ACTION_LABELS[e.action]),
                        "name": e.item_name,
                        "href": f"/{e.item_kind.value}s/{e.item_id}/activity",
                    }
                    for e in events
                ],
            }
            for user, events in await self.ctx.services.admin.user_activity(admin)
        ]
        return self._render(request, "admin_activity.html", "activity", {"people": people})

    async def storage(self, request: Request) -> Response:
        """Storage used per user and in all, and how many versions the retention setting keeps."""
        admin = await self._admin(request)
        report = await self.ctx.services.admin.storage(admin)
        i18n = self.ctx.localizer(request)
        names = {u.id: u for u in await self.ctx.services.users.list_users()}
        rows = [
            {
                "user": names.get(s.user_id),
                "files": s.files,
                "current": human_size(s.current_bytes, i18n),
                "versions": s.versions,
                "version_bytes": human_size(s.version_bytes, i18n),
                "trash": human_size(s.trash_bytes, i18n),
                "raw": s,
            }
            for s in report.users
        ]
        total = report.total
        context = {
            "rows": rows,
            "total": total,
            "total_current": human_size(total.current_bytes, i18n),
            "total_versions": human_size(total.version_bytes, i18n),
            "total_trash": human_size(total.trash_bytes, i18n),
            "old_bytes": human_size(total.version_bytes - total.current_bytes, i18n),
            "retention": report.version_retention,
        }
        return self._render(request, "admin_storage.html", "storage", context)

    def routes(self) -> list[Route]:
        """The routes of this module."""
        return [
            Route(SESSIONS_PATH, self.sessions, methods=["GET"]),
            Route(SESSIONS_PATH + "/{file_id}/end", self.end_page, methods=["GET"]),
            Route(SESSIONS_PATH + "/{file_id}/end", self.end, methods=["POST"]),
            Route("/admin/errors", self.errors, methods=["GET"]),
            Route("/admin/activity", self.activity, methods=["GET"]),
            Route("/admin/storage", self.storage, methods=["GET"]),
        ]


# The search form's fields, as the query string names them.
_ERROR_FIELDS = ("correlation", "session", "user", "operation", "status")
