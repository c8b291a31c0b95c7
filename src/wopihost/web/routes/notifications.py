"""/notifications: the comments that mention the signed-in user, each opening the document at its comment."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from wopihost.errors import NotFound
from wopihost.numbers import ascii_digits
from wopihost.services.activities import NotificationView
from wopihost.web.context import WebContext, done
from wopihost.web.i18n import Localizer

NOTIFICATIONS_PATH = "/notifications"
# The host page passes every wd* parameter to the WOPI client unchanged (hostpage.rst); the development
# client opens at the comment this one names. Office for the web documents no such parameter.
NAVIGATION_PARAMETER = "wdNavigationId"
MAX_NAVIGATION_PARAMETER = 1024


class NotificationPages:
    """The notifications page, opening a notification, and marking them all read."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def show(self, request: Request) -> Response:
        """The user's notifications, most recent first, unread ones marked."""
        user = await self.ctx.user(request)
        views = await self.ctx.services.activities.notifications(user)
        i18n = self.ctx.localizer(request)
        rows = [_row(view, i18n) for view in views]
        context = {
            "rows": rows,
            "unread": sum(1 for row in rows if not row["read"]),
            "section": "notifications",
        }
        return self.ctx.render(request, "notifications.html", context)

    async def open(self, request: Request) -> Response:
        """Mark a notification read and open its document at the comment."""
        user = await self.ctx.user(request)
        number = ascii_digits(request.path_params["notification_id"], max_digits=18)
        view = await self.ctx.services.activities.open_notification(user, number) if number else None
        if view is None:
            raise NotFound("no such notification")
        return RedirectResponse(document_url(view), status_code=303)

    async def read_all(self, request: Request) -> Response:
        """Mark every notification read."""
        user = await self.ctx.user(request)
        await self.ctx.services.activities.mark_all_read(user)
        request.state.unread_notifications = 0
        message = self.ctx.localizer(request).gettext("All notifications are marked as read.")
        return done(request, NOTIFICATIONS_PATH, message)

    def routes(self) -> list[Route]:
        """The routes of this module."""
        return [
            Route(NOTIFICATIONS_PATH, self.show, methods=["GET"]),
            Route(f"{NOTIFICATIONS_PATH}/read-all", self.read_all, methods=["POST"]),
            Route(NOTIFICATIONS_PATH + "/{notification_id}", self.open, methods=["GET"]),
        ]


def document_url(view: NotificationView) -> str:
    """The host page of the notification's document (edit for writers), at the comment when it has one."""
    access = view.access
    action = "edit" if access.permissions.can_write else "view"
    url = f"/files/{access.file.id}/{action}"
    navigation = quote(view.notification.navigation_id, safe="")
    # Action URLs are limited to 2048 bytes (discovery.rst): a navigation ID that would crowd out the rest
    # is left out, and the document opens at its start.
    if not navigation or len(navigation) > MAX_NAVIGATION_PARAMETER:
        return url
    return f"{url}?{NAVIGATION_PARAMETER}={navigation}"


def _row(view: NotificationView, i18n: Localizer) -> dict[str, object]:
    note = view.notification
    return {
        "id": note.id,
        "actor": note.actor_name,
        "file_name": view.access.file.name,
        "excerpt": note.excerpt,
        "at": i18n.format_datetime(note.updated_at),
        "at_iso": note.updated_at.isoformat(),
        "read": note.read,
        "url": f"{NOTIFICATIONS_PATH}/{note.id}",
    }
