"""Every GET route of the web app that renders HTML is on the accessibility suite's page list.

A page added later fails here until it is added to tests/e2e/a11y_pages.PAGES (or, when it answers with
something other than HTML, to NOT_HTML with the reason).
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route

from tests.e2e.a11y_pages import NOT_HTML, PAGES
from wopihost.app import create_app
from wopihost.config import Settings


def _web_routes(tmp_path: Path) -> list[BaseRoute]:
    settings = Settings(data_dir=tmp_path, proof_keys={"mode": "off"})  # type: ignore[arg-type]
    app = create_app(settings)
    web = next(route for route in app.routes if isinstance(route, Mount) and route.path == "")
    return list(web.routes)


def _get_paths(routes: list[BaseRoute]) -> set[str]:
    paths: set[str] = set()
    for route in routes:
        # A Mount (static files) answers GET whatever its methods.
        get = isinstance(route, Route) and route.methods is not None and "GET" in route.methods
        if get or isinstance(route, Mount):
            paths.add(route.path)
    return paths


def test_web_get_routes_without_axe_page_fail(tmp_path: Path) -> None:
    covered = {page.route for page in PAGES if page.route is not None}
    missing = _get_paths(_web_routes(tmp_path)) - covered - set(NOT_HTML)
    assert not missing, (
        "GET routes of the web app that the accessibility suite does not visit: "
        f"{sorted(missing)}; add a page to tests/e2e/a11y_pages.PAGES, or the route to NOT_HTML if no page"
    )


def test_axe_page_list_names_only_existing_routes(tmp_path: Path) -> None:
    routes = _get_paths(_web_routes(tmp_path))
    stale = ({page.route for page in PAGES if page.route is not None} | set(NOT_HTML)) - routes
    assert not stale, f"the accessibility page list names routes the web app no longer has: {sorted(stale)}"
