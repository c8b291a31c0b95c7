"""The WOPI router: one lookup by method and path shape; what matches nothing goes to the fallback."""

from __future__ import annotations

from typing import Any

import pytest

from wopihost.wopi.router import WopiRoute, WopiRouter, is_wopi_path

pytestmark = pytest.mark.anyio


def recorder(name: str, calls: list[tuple[str, dict[str, str]]]) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        calls.append((name, scope.get("path_params", {})))

    return app


async def route(method: str, path: str) -> tuple[str, dict[str, str]]:
    calls: list[tuple[str, dict[str, str]]] = []
    router = WopiRouter(
        [
            WopiRoute("/wopi/files/{file_id}", ("GET",), recorder("check", calls)),
            WopiRoute("/wopi/files/{file_id}", ("POST",), recorder("override", calls)),
            WopiRoute("/wopi/files/{file_id}/contents", ("GET",), recorder("get_file", calls)),
            WopiRoute("/wopi/containers/{container_id}/children", ("GET",), recorder("children", calls)),
            WopiRoute("/wopi/ecosystem", ("GET",), recorder("ecosystem", calls)),
        ],
        fallback=WopiRoute("/wopi/{rest:path}", (), recorder("fallback", calls)),
    )
    await router({"type": "http", "method": method, "path": path}, None, None)
    [call] = calls
    return call


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/wopi/files/abc", ("check", {"file_id": "abc"})),
        ("HEAD", "/wopi/files/abc", ("check", {"file_id": "abc"})),
        ("POST", "/wopi/files/abc", ("override", {"file_id": "abc"})),
        ("GET", "/wopi/files/abc/contents", ("get_file", {"file_id": "abc"})),
        ("GET", "/wopi/containers/f1/children", ("children", {"container_id": "f1"})),
        ("GET", "/wopi/ecosystem", ("ecosystem", {})),
        # No route for the method, the path, or an empty or extra segment: the fallback answers.
        ("PUT", "/wopi/files/abc", ("fallback", {})),
        ("POST", "/wopi/files/abc/contents", ("fallback", {})),
        ("GET", "/wopi/files/", ("fallback", {})),
        ("GET", "/wopi/files//contents", ("fallback", {})),
        ("GET", "/wopi/files/abc/", ("fallback", {})),
        ("GET", "/wopi/files/abc/contents/more", ("fallback", {})),
        ("GET", "/wopi/ecosystem/", ("fallback", {})),
        ("GET", "/wopi/cobalt/abc", ("fallback", {})),
        ("GET", "/wopi", ("fallback", {})),
    ],
)
async def test_route_by_method_and_path_shape(method: str, path: str, expected: tuple[str, Any]) -> None:
    assert await route(method, path) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/wopi", True),
        ("/wopi/", True),
        ("/wopi/files/x", True),
        ("/wopix", False),
        ("/", False),
        ("/w", False),
    ],
)
def test_is_wopi_path(path: str, expected: bool) -> None:
    assert is_wopi_path(path) is expected


async def test_the_matched_route_is_left_in_the_scope_as_starlette_leaves_it() -> None:
    async def endpoint(scope: dict[str, Any], receive: Any, send: Any) -> None:
        pass

    router = WopiRouter(
        [WopiRoute("/wopi/files/{file_id}", ("GET",), endpoint)],
        fallback=WopiRoute("/wopi/{rest:path}", (), endpoint),
    )
    matched: dict[str, Any] = {"type": "http", "method": "GET", "path": "/wopi/files/abc"}
    unmatched: dict[str, Any] = {"type": "http", "method": "GET", "path": "/wopi/bootstrap"}
    await router(matched, None, None)
    await router(unmatched, None, None)

    assert matched["route"].path == "/wopi/files/{file_id}"
    assert unmatched["route"].path == "/wopi/{rest:path}"
