"""The web application as a whole: health, static assets, and coexistence with the WOPI routes."""

from __future__ import annotations

import pytest

from tests.integration.web_support import Web

pytestmark = pytest.mark.anyio


# The harness itself


@pytest.mark.anyio
async def test_healthz_without_session_answers_ok(web: Web) -> None:
    response = await web.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "set-cookie" not in response.headers


@pytest.mark.anyio
async def test_static_asset_served_with_long_cache_and_nosniff(web: Web) -> None:
    response = await web.client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age" in response.headers["Cache-Control"]


@pytest.mark.anyio
async def test_wopi_routes_without_ui_headers_unaffected(signed_in: Web) -> None:
    file = await signed_in.upload("a.docx", b"x")
    token = signed_in.services.tokens.issue(signed_in.alice.id, file.id).token
    response = await signed_in.client.get(f"/wopi/files/{file.id}", params={"access_token": token})
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response.headers
    assert "set-cookie" not in response.headers
