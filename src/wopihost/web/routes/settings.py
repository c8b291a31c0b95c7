"""The user's own settings: the language of the UI (and of the WOPI client it opens)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wopihost.domain.locales import AUTOMATIC, LOCALE_NAMES, SUPPORTED_LOCALES
from wopihost.web.context import WebContext, done, read_form

SETTINGS_PATH = "/settings"


class SettingsPages:
    """/settings: a form with the user's language."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def show(self, request: Request) -> Response:
        """The settings form, with the current choice selected."""
        user = await self.ctx.user(request)
        _ = self.ctx.localizer(request).gettext
        # Each language is offered in its own name: anyone finds theirs whatever the page's language.
        choices = [(AUTOMATIC, _("Automatic (browser language)"))]
        choices += [(code, LOCALE_NAMES[code]) for code in SUPPORTED_LOCALES]
        context = {"choices": choices, "current": user.locale or AUTOMATIC, "section": "settings"}
        return self.ctx.render(request, "settings.html", context)

    async def save(self, request: Request) -> Response:
        """Store the chosen language; the next page is shown in it."""
        user = await self.ctx.user(request)
        form = await read_form(request)
        request.state.user = await self.ctx.services.users.set_locale(user, form.get("locale", AUTOMATIC))
        message = self.ctx.localizer(request).gettext("Your settings are saved.")
        return done(request, SETTINGS_PATH, message)

    def routes(self) -> list[Route]:
        """The routes of this module."""
        return [
            Route(SETTINGS_PATH, self.show, methods=["GET"]),
            Route(SETTINGS_PATH, self.save, methods=["POST"]),
        ]
