"""The WOPI surface's own router: a request goes to its endpoint by method and path shape, in one lookup.

WOPI clients send a host most of its requests, each small. Starlette's error middleware, exception
middleware and router cost about a quarter of a CheckFileInfo's CPU; WOPI endpoints need none of them,
since they answer every error themselves. So the host app hands `/wopi` paths straight to this router
(wrapped in the WOPI access-log middleware) and everything else to Starlette.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Lifespan, Receive, Scope, Send

# Where a route's one path parameter stands: /wopi/<kind>/<id>/...
_PARAMETER_INDEX = 3
_PLACEHOLDER = "{}"


@dataclass(frozen=True, slots=True)
class WopiRoute:
    """An endpoint for `methods` on `path`, which holds at most one parameter, "{name}", third after /wopi."""

    path: str
    methods: tuple[str, ...]
    endpoint: ASGIApp


def is_wopi_path(path: str) -> bool:
    """Whether a request path belongs to the WOPI surface: /wopi and everything below it."""
    return path.startswith("/wopi") and (len(path) == 5 or path[5] == "/")


class WopiRouter:
    """Dispatches WOPI requests; what no route matches by path and method goes to `fallback`.

    A parameter matches one non-empty path segment, as Starlette's `{name}` does; HEAD is served wherever
    GET is, as Starlette's routes do. The matched route is left in the scope as Starlette leaves it
    (`scope["route"]`, whose `path` is the template), for the tracing span and the metrics.
    """

    def __init__(self, routes: Iterable[WopiRoute], fallback: WopiRoute) -> None:
        self._fallback = fallback
        self._fixed: dict[tuple[str, str], WopiRoute] = {}
        self._shaped: dict[tuple[str, str], tuple[WopiRoute, str]] = {}
        for route in routes:
            methods = (*route.methods, "HEAD") if "GET" in route.methods else route.methods
            parts = route.path.split("/")
            parameter = parts[_PARAMETER_INDEX] if len(parts) > _PARAMETER_INDEX else ""
            for method in methods:
                if parameter.startswith("{"):
                    parts[_PARAMETER_INDEX] = _PLACEHOLDER
                    key = (method, "/".join(parts))
                    self._shaped.setdefault(key, (route, parameter.strip("{}")))
                else:
                    self._fixed.setdefault((method, route.path), route)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope["path"]
        route = self._fixed.get((method, path))
        if route is None:
            parts = path.split("/")
            if len(parts) > _PARAMETER_INDEX and parts[_PARAMETER_INDEX]:
                value = parts[_PARAMETER_INDEX]
                parts[_PARAMETER_INDEX] = _PLACEHOLDER
                found = self._shaped.get((method, "/".join(parts)))
                if found is not None:
                    route, name = found
                    scope["path_params"] = {name: value}
        route = route or self._fallback
        scope["route"] = route
        await route.endpoint(scope, receive, send)


class WopiFirst(Starlette):
    """The host's app: WOPI requests go to `wopi` (the WOPI router in its own middleware), the rest through
    Starlette's middleware and routes."""

    def __init__(
        self,
        *,
        wopi: ASGIApp,
        routes: Sequence[BaseRoute],
        middleware: Sequence[Middleware],
        lifespan: Lifespan[Starlette],
    ) -> None:
        super().__init__(routes=routes, middleware=middleware, lifespan=lifespan)
        self._wopi = wopi

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_wopi_path(scope["path"]):
            scope["app"] = self
            await self._wopi(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def with_middleware(app: ASGIApp, middleware: Sequence[Middleware]) -> ASGIApp:
    """`app` wrapped in `middleware`, the first outermost, as Starlette stacks it."""
    for cls, args, kwargs in reversed(middleware):
        app = cls(app, *args, **kwargs)
    return app
