"""A file's activity (the audit trail) for its owner and administrators, and the administrators' export."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from wopihost.domain.audit import AuditAction, AuditChannel, AuditEvent, AuditQuery, parse_moment
from wopihost.domain.links import is_visitor_id
from wopihost.domain.locales import N_
from wopihost.numbers import ascii_digits
from wopihost.services.audit import AuditPage, require_audit_export
from wopihost.web.context import WebContext
from wopihost.web.i18n import Localizer
from wopihost.web.views import ROLE_LABELS, iso_time, short_time

ACTION_LABELS = {
    AuditAction.CREATED: N_("Created"),
    AuditAction.OPENED_VIEW: N_("Opened for viewing"),
    AuditAction.OPENED_EDIT: N_("Opened for editing"),
    AuditAction.SAVED: N_("Saved"),
    AuditAction.VERSION_RESTORED: N_("Restored an old version"),
    AuditAction.SHARED: N_("Shared"),
    AuditAction.ROLE_CHANGED: N_("Changed a share's role"),
    AuditAction.UNSHARED: N_("Stopped sharing"),
    AuditAction.RENAMED: N_("Renamed"),
    AuditAction.MOVED: N_("Moved"),
    AuditAction.TRASHED: N_("Moved to trash"),
    AuditAction.RESTORED: N_("Restored from trash"),
    AuditAction.PURGED: N_("Deleted permanently"),
    AuditAction.SESSION_ENDED: N_("Ended an editing session"),
    AuditAction.LINK_CREATED: N_("Created a share link"),
    AuditAction.LINK_REVOKED: N_("Removed a share link"),
    AuditAction.LINK_OPENED: N_("Opened through a share link"),
}
CHANNEL_LABELS = {
    AuditChannel.WEB: N_("Web UI"),
    AuditChannel.WOPI: N_("WOPI client"),
    AuditChannel.CLI: N_("Command line"),
    AuditChannel.SYSTEM: N_("System"),
}
EXPORT_NAME = "audit.jsonl"


@dataclass(frozen=True, slots=True)
class ActivityRow:
    """One event as the page shows it, in the reader's language."""

    action: str
    action_label: str
    at_iso: str
    at: str
    actor: str
    detail: str
    client: str
    client_label: str
    client_name: str
    address: str


class ActivityPages:
    """The Activity page of a file and the JSON-lines export."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def show(self, request: Request) -> Response:
        """A file's activity, newest first, a page at a time."""
        user = await self.ctx.user(request)
        audit = self.ctx.services.audit
        file, found = await audit.file_activity(user, request.path_params["file_id"], _page_number(request))
        back = f"/folders/{file.folder_id}" if user.id == file.owner_id else "/"
        return await self._render(request, found, {"id": file.id, "name": file.name, "back": back})

    async def show_folder(self, request: Request) -> Response:
        """A folder's own activity (renamed, moved, trashed, restored), newest first, a page at a time."""
        user = await self.ctx.user(request)
        audit = self.ctx.services.audit
        folder, found = await audit.folder_activity(
            user, request.path_params["folder_id"], _page_number(request)
        )
        back = f"/folders/{folder.parent_id}" if user.id == folder.owner_id else "/"
        return await self._render(request, found, {"id": folder.id, "name": folder.name, "back": back})

    async def _render(self, request: Request, found: AuditPage, item: dict[str, str]) -> Response:
        i18n = self.ctx.localizer(request)
        names = await self.ctx.services.audit.names(
            [e.user_id for e in found.events] + [_holder(e) for e in found.events]
        )
        rows = [_row(event, names, i18n) for event in found.events]
        context = {"item": item, "rows": rows, "page": found.page, "pages": found.pages, "back": item["back"]}
        return self.ctx.render(request, "activity.html", context)

    async def export(self, request: Request) -> Response:
        """The audit trail as JSON lines, streamed; administrators only. Filters: since, until, file."""
        user = await self.ctx.user(request)
        require_audit_export(user)
        params = request.query_params
        query = AuditQuery(
            since=parse_moment(params["since"]) if params.get("since") else None,
            until=parse_moment(params["until"]) if params.get("until") else None,
            item_id=params.get("file") or None,
        )
        headers = {
            "Content-Disposition": f'attachment; filename="{EXPORT_NAME}"',
            "Cache-Control": "no-store",
        }
        lines = (line.encode("utf-8") async for line in self.ctx.services.audit.export_lines(query))
        return StreamingResponse(lines, media_type="application/jsonl", headers=headers)

    def routes(self) -> list[Route]:
        """The routes of this module."""
        return [
            Route("/files/{file_id}/activity", self.show, methods=["GET"]),
            Route("/folders/{folder_id}/activity", self.show_folder, methods=["GET"]),
            Route("/admin/audit.jsonl", self.export, methods=["GET"]),
        ]


def _page_number(request: Request) -> int:
    return ascii_digits(request.query_params.get("page", "1"), max_digits=6) or 1


def _holder(event: AuditEvent) -> str | None:
    return event.detail if event.action is AuditAction.SESSION_ENDED and event.detail else None


def _row(event: AuditEvent, names: dict[str, str], i18n: Localizer) -> ActivityRow:
    return ActivityRow(
        action=event.action.value,
        action_label=i18n.gettext(ACTION_LABELS[event.action]),
        at_iso=iso_time(event.at),
        at=short_time(event.at, i18n),
        actor=_actor(event, names, i18n),
        detail=_detail(event, names, i18n),
        client=event.client.channel.value,
        client_label=i18n.gettext(CHANNEL_LABELS[event.client.channel]),
        client_name=event.client.name,
        address=event.client.address,
    )


def _actor(event: AuditEvent, names: dict[str, str], i18n: Localizer) -> str:
    if event.user_id is None:
        return (
            i18n.gettext("System")
            if event.client.channel is not AuditChannel.CLI
            else i18n.gettext("Operator")
        )
    if is_visitor_id(event.user_id):
        return i18n.gettext("Link visitor")
    return names.get(event.user_id) or i18n.gettext("Deleted user")


def _detail(event: AuditEvent, names: dict[str, str], i18n: Localizer) -> str:
    detail = event.detail
    match event.action:
        case AuditAction.CREATED:
            return i18n.gettext("from “%(name)s”", name=detail) if detail else ""
        case AuditAction.RENAMED:
            return i18n.gettext("from “%(name)s”", name=detail)
        case AuditAction.MOVED:
            return i18n.gettext("to “%(name)s”", name=detail)
        case AuditAction.SAVED:
            return i18n.gettext("Version %(number)s", number=detail)
        case AuditAction.VERSION_RESTORED:
            old, _sep, new = detail.partition(":")
            return i18n.gettext("version %(old)s, as version %(new)s", old=old, new=new)
        case AuditAction.SESSION_ENDED:
            return i18n.gettext("of %(name)s", name=names.get(detail) or i18n.gettext("someone"))
        case AuditAction.LINK_OPENED:
            return i18n.gettext("as “%(name)s”", name=detail)
        case AuditAction.SHARED | AuditAction.ROLE_CHANGED:
            person, _sep, role = detail.rpartition(": ")
            return f"{person}: {_role_label(role, i18n)}"
        case AuditAction.LINK_CREATED:
            return _role_label(detail, i18n)
        case _:
            return detail


def _role_label(value: str, i18n: Localizer) -> str:
    label = next((label for role, label in ROLE_LABELS.items() if role.value == value), None)
    return i18n.gettext(label) if label is not None else value
