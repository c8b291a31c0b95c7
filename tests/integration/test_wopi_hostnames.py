"""WOPI on a dedicated hostname: the UI hostname never serves WOPI, the WOPI hostname serves no pages."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from wopihost.app import build_services, create_app, initialise
from wopihost.config import Settings

pytestmark = pytest.mark.anyio

UI = "http://files.example.test"
WOPI = "http://wopi.example.test"


async def _app_with_file(tmp_path: Path) -> tuple[httpx.AsyncClient, str, str]:
    settings = Settings(
        data_dir=tmp_path, server={"public_url": UI, "wopi_url": WOPI}, proof_keys={"mode": "off"}
    )
    await initialise(settings)
    services = build_services(settings)
    user = await services.users.add_user("alice", "Alice")
    folder = await services.files.ensure_folder_path(user, [])

    async def body() -> object:
        yield b"hello"

    file = await services.files.upload(user, folder, "a.docx", body())  # type: ignore[arg-type]
    token = services.tokens.issue(user.id, file.id).token
    client = httpx.AsyncClient(transport=httpx.ASGITransport(create_app(settings, services=services)))
    return client, file.id, token


async def test_check_file_info_on_wopi_hostname_succeeds(tmp_path: Path) -> None:
    client, file_id, token = await _app_with_file(tmp_path)
    async with client:
        response = await client.get(f"{WOPI}/wopi/files/{file_id}", params={"access_token": token})
    assert response.status_code == 200
    assert response.json()["HostViewUrl"].startswith(UI)


async def test_check_file_info_on_ui_hostname_is_not_found(tmp_path: Path) -> None:
    client, file_id, token = await _app_with_file(tmp_path)
    async with client:
        response = await client.get(f"{UI}/wopi/files/{file_id}", params={"access_token": token})
        lock = await client.post(
            f"{UI}/wopi/files/{file_id}",
            params={"access_token": token},
            headers={"X-WOPI-Override": "LOCK", "X-WOPI-Lock": "L"},
        )
    assert response.status_code == 404
    assert lock.status_code == 404
    assert response.headers["X-WOPI-ServerVersion"]


async def test_ui_page_on_wopi_hostname_is_not_served(tmp_path: Path) -> None:
    client, _file_id, _token = await _app_with_file(tmp_path)
    async with client:
        page = await client.get(f"{WOPI}/signin")
        post = await client.post(f"{WOPI}/signin", data={"username": "alice"})
    assert page.status_code == 302
    assert page.headers["location"].startswith(UI)
    assert post.status_code == 404
