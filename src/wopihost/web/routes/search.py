"""Search: suggestions under the search box as people type, and the full results page."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wopihost.services.search import SearchResult
from wopihost.web.context import WebContext
from wopihost.web.i18n import ENGLISH, Localizer
from wopihost.web.views import file_kind, short_time


def result_url(result: SearchResult) -> str:
    """Where a result leads: the folder's page, or the file's own URL (which opens it)."""
    return f"/folders/{result.id}" if result.kind == "folder" else f"/files/{result.id}"


def _icon(result: SearchResult) -> str:
    return "folder" if result.kind == "folder" else file_kind(result.name).icon


def location_of(result: SearchResult, i18n: Localizer = ENGLISH) -> str:
    """Where a result is, in the page's language: its folder's path, or who shared it."""
    if result.shared_by:
        return i18n.gettext("Shared by %(name)s", name=i18n.person(result.shared_by))
    return result.location


def _suggestion(result: SearchResult, i18n: Localizer) -> dict[str, Any]:
    return {
        "kind": result.kind,
        "name": result.name,
        "location": location_of(result, i18n),
        "url": result_url(result),
        "icon": _icon(result),
    }


class SearchPages:
    """The search endpoints of the web UI."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def suggest(self, request: Request) -> Response:
        """Names matching what the user typed so far, as JSON for the list under the search box."""
        user = await self.ctx.user(request)
        results = await self.ctx.services.search.suggest(user, request.query_params.get("q", ""))
        body = {
            "query": results.query,
            "results": [_suggestion(result, self.ctx.localizer(request)) for result in results.names],
            "more": results.more_names,
        }
        # Results depend on rights that may change any moment: never cached.
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    async def results(self, request: Request) -> Response:
        """The results page: names and document text matching the query."""
        user = await self.ctx.user(request)
        results = await self.ctx.services.search.search(user, request.query_params.get("q", ""))
        i18n = self.ctx.localizer(request)
        context = {
            "results": results,
            "query": results.query,
            "icon_of": _icon,
            "url_of": result_url,
            "location_of": lambda result: location_of(result, i18n),
            "when": lambda result: short_time(result.modified_at, i18n) if result.modified_at else "",
        }
        return self.ctx.render(request, "search.html", context, headers={"Cache-Control": "no-store"})

    def routes(self) -> list[Route]:
        """The routes of this module."""
        return [
            Route("/search", self.results, methods=["GET"]),
            Route("/search/suggest", self.suggest, methods=["GET"]),
        ]
