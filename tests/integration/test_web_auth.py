"""Signing in and out: password check, throttling, session cookies, redirects, pages that need a user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.integration.web_support import (
    PASSWORD,
    Web,
    csrf_of,
    running_web,
    web_settings,
)

pytestmark = pytest.mark.anyio


async def test_signin_page_renders_form_with_csrf(web: Web) -> None:
    response = await web.client.get("/signin")
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.text
    assert 'autocomplete="current-password"' in response.text


async def test_signin_right_password_redirects_and_sets_httponly_lax_cookie(web: Web) -> None:
    response = await web.sign_in()
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("wopihost_session=")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie
    home = await web.client.get("/")
    assert home.status_code == 200
    assert "Alice Adams" in home.text


async def test_signin_wrong_password_refused_without_session(web: Web) -> None:
    response = await web.sign_in(password="wrong password")
    assert response.status_code == 401
    assert "Wrong username or password." in response.text
    assert (await web.client.get("/")).status_code == 303


async def test_signin_unknown_user_same_answer_as_wrong_password(web: Web) -> None:
    page = await web.client.get("/signin")
    data = {"username": "nobody", "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    response = await web.client.post("/signin", data=data)
    assert response.status_code == 401
    assert "Wrong username or password." in response.text


async def test_signin_without_csrf_token_forbidden(web: Web) -> None:
    await web.client.get("/signin")
    response = await web.client.post("/signin", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 403
    assert (await web.client.get("/")).status_code == 303


async def test_signin_after_five_failures_throttled_even_with_right_password(web: Web) -> None:
    for _ in range(5):
        assert (await web.sign_in(password="wrong password")).status_code == 401
    throttled = await web.sign_in()
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    assert "Too many failed attempts" in throttled.text
    assert (await web.sign_in(web.bob)).status_code == 303


async def test_signin_throttle_lifts_after_window(web: Web) -> None:
    for _ in range(5):
        await web.sign_in(password="wrong password")
    web.clock.advance(timedelta(minutes=16))
    assert (await web.sign_in()).status_code == 303


async def test_signin_next_local_path_followed(web: Web) -> None:
    page = await web.client.get("/signin", params={"next": "/shared"})
    assert 'value="/shared"' in page.text
    data = {"username": "alice", "password": PASSWORD, "next": "/shared", "csrf_token": csrf_of(page.text)}
    response = await web.client.post("/signin", data=data)
    assert response.headers["location"] == "/shared"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/x", "/\\evil.example"])
async def test_signin_next_other_site_ignored(web: Web, target: str) -> None:
    page = await web.client.get("/signin")
    data = {"username": "alice", "password": PASSWORD, "next": target, "csrf_token": csrf_of(page.text)}
    response = await web.client.post("/signin", data=data)
    assert response.headers["location"] == "/"


async def test_signin_rotates_csrf_token(web: Web) -> None:
    before = csrf_of((await web.client.get("/signin")).text)
    await web.sign_in()
    assert await web.csrf() != before


@pytest.mark.parametrize(
    "path", ["/", "/shared", "/folders/x", "/files/x/view", "/files/x/share", "/files/x/download"]
)
async def test_page_without_session_redirects_to_signin(web: Web, path: str) -> None:
    response = await web.client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin")


async def test_page_without_session_keeps_target_in_next(web: Web) -> None:
    response = await web.client.get("/files/x/edit", params={"wdOrigin": "A"})
    assert response.headers["location"] == "/signin?next=%2Ffiles%2Fx%2Fedit%3FwdOrigin%3DA"


async def test_script_request_without_session_gets_401_json(web: Web) -> None:
    response = await web.client.get("/files/x/share", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.json()["signin"] == "/signin"


async def test_signout_page_asks_then_post_ends_session(signed_in: Web) -> None:
    page = await signed_in.client.get("/signout")
    assert page.status_code == 200
    assert 'action="/signout"' in page.text
    assert (await signed_in.client.get("/")).status_code == 200
    response = await signed_in.post("/signout")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin"
    assert (await signed_in.client.get("/")).status_code == 303


async def test_signout_flash_shown_on_signin_page(signed_in: Web) -> None:
    await signed_in.post("/signout")
    page = await signed_in.client.get("/signin")
    assert "You are signed out." in page.text


async def test_session_of_deleted_cookie_secret_not_trusted(web: Web) -> None:
    web.client.cookies.set("wopihost_session", "forged.value.here")
    assert (await web.client.get("/")).status_code == 303


@pytest.fixture
async def https_web(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Web]:
    settings = web_settings(tmp_path, server={"public_url": "https://testserver"})
    async with running_web(tmp_path, monkeypatch, settings) as harness:
        yield harness


async def test_https_public_url_session_cookie_secure_host_prefixed_and_hsts(https_web: Web) -> None:
    response = await https_web.sign_in()
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("__host-wopihost=")
    for flag in ("secure", "httponly", "samesite=lax", "path=/"):
        assert flag in cookie
    assert "domain=" not in cookie
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
