"""The development client calls only the WOPI hosts it trusts, whatever WOPISrc a form names."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from wopihost.config import Settings
from wopihost.devclient.app import create_devclient_app, devclient_app_from_settings

pytestmark = pytest.mark.anyio


async def _launch(
    tmp_path: Path, wopi_src: str, allowed: set[str] | None
) -> tuple[httpx.Response, list[str]]:
    called: list[str] = []

    def host(request: httpx.Request) -> httpx.Response:
        called.append(str(request.url.host))
        return httpx.Response(404)

    app = create_devclient_app(
        keys_file=tmp_path / "keys.json",
        public_url="http://127.0.0.1:8081",
        transport=httpx.MockTransport(host),
        allowed_wopi_hosts=allowed,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://127.0.0.1:8081"
    ) as client:
        response = await client.post(
            "/word/view", params={"WOPISrc": wopi_src}, data={"access_token": "t", "access_token_ttl": "0"}
        )
    return response, called


async def test_launch_with_untrusted_wopisrc_refuses_without_calling_it(tmp_path: Path) -> None:
    response, called = await _launch(tmp_path, "http://169.254.169.254/wopi/files/x", {"127.0.0.1"})
    assert response.status_code == 403
    assert "isn" in response.text
    assert called == []


async def test_launch_with_trusted_wopisrc_calls_the_host(tmp_path: Path) -> None:
    _response, called = await _launch(tmp_path, "http://127.0.0.1:8080/wopi/files/x", {"127.0.0.1"})
    assert called == ["127.0.0.1"]


async def test_launch_without_allow_list_calls_any_host(tmp_path: Path) -> None:
    _response, called = await _launch(tmp_path, "http://files.example/wopi/files/x", None)
    assert called == ["files.example"]


def test_app_from_settings_trusts_loopback_and_the_hosts_own_wopi_url(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, server={"wopi_url": "https://wopi.example.com"})
    runtime = devclient_app_from_settings(settings).state.runtime
    assert runtime.allows("https://wopi.example.com/wopi/files/a")
    assert runtime.allows("http://localhost:9000/wopi/files/a")
    assert not runtime.allows("https://elsewhere.example.com/wopi/files/a")
    wildcard = Settings(data_dir=tmp_path, devclient={"allowed_wopi_hosts": ["*"]})
    assert devclient_app_from_settings(wildcard).state.runtime.allows("https://elsewhere.example.com/x")
