"""The web UI's integration harness, used by the test_web_* modules through `web` and `signed_in`.

The whole application runs over ASGI with a fresh data directory, a fake clock, a discovery document from
the e2e stand-in client (loaded from the discovery cache, so nothing is fetched), and two users.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import argon2
import httpx
import pytest

import wopihost.services.users
from tests.e2e.standin_client import discovery_xml
from wopihost.adapters.clock import FakeClock
from wopihost.app import Services, build_services, create_app, initialise
from wopihost.config import Settings
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord, User

UI = "http://testserver"
CLIENT = "http://client.test:9000"
PASSWORD = "correct horse battery"
MAX_UPLOAD = 256 * 1024
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@dataclass
class Web:
    """A running application, a browser-like client, and the people of the tests."""

    services: Services
    client: httpx.AsyncClient
    clock: FakeClock
    settings: Settings
    alice: User
    bob: User

    async def sign_in(self, user: User | None = None, password: str = PASSWORD) -> httpx.Response:
        """Sign in through the form, as a browser would."""
        user = user or self.alice
        page = await self.client.get("/signin")
        data = {"username": user.username, "password": password, "csrf_token": csrf_of(page.text)}
        return await self.client.post("/signin", data=data)

    async def csrf(self, path: str = "/") -> str:
        """The CSRF token of the session, read from a page."""
        return csrf_of((await self.client.get(path)).text)

    async def post(
        self, path: str, data: dict[str, str] | None = None, *, json: bool = False
    ) -> httpx.Response:
        """A form POST with the session's token, as a plain form or as the UI's script sends it."""
        token = await self.csrf()
        if json:
            headers = {"X-CSRF-Token": token, "Accept": "application/json"}
            return await self.client.post(path, data=data or {}, headers=headers)
        return await self.client.post(path, data={**(data or {}), "csrf_token": token})

    async def upload(
        self, name: str, content: bytes, owner: User | None = None, folder_parts: Iterable[str] = ()
    ) -> FileRecord:
        """Store a file directly through the services."""
        owner = owner or self.alice
        folder = await self.services.files.ensure_folder_path(owner, list(folder_parts))
        return await self.services.files.upload(owner, folder, name, chunks(content))

    async def share(self, file: FileRecord, user: User, role: Role) -> None:
        """Share a file of its owner with `user`."""
        access = await self.services.files.access_as_owner(file.id)
        await self.services.files.share(access, user.username, role)

    async def lock_as(self, file: FileRecord, user: User, lock_id: str = "lock-1") -> None:
        """Lock a file as a WOPI client editing for `user` would (sharing it for editing first)."""
        if user.id != file.owner_id:
            await self.share(file, user, Role.EDIT)
        access = await self.services.files.find_access(file.id, user)
        await self.services.locks.lock(access, lock_id)

    async def record(self, file_id: str) -> FileRecord:
        return (await self.services.files.access_as_owner(file_id)).file

    async def stored(self, file_id: str) -> bytes:
        record = await self.record(file_id)
        return b"".join([chunk async for chunk in await self.services.blobs.open(record.blob_key)])


def csrf_of(html: str) -> str:
    """The CSRF token in a page's meta tag."""
    found = _CSRF_META.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


async def chunks(data: bytes, size: int = 8192) -> AsyncIterator[bytes]:
    """`data` as a stream."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def web_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Settings for a test: the UI at http://testserver, discovery from the stand-in's XML."""
    values: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "server": {"public_url": UI},
        "storage": {"max_file_size": MAX_UPLOAD},
        "discovery": {"url": f"{CLIENT}/hosting/discovery"},
        "proof_keys": {"mode": "off"},
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


async def start_web(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> tuple[Web, Services]:
    """Initialise the data directory, seed discovery and users, and build the app and a client."""
    monkeypatch.setattr(
        wopihost.services.users,
        "PasswordHasher",
        lambda: argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
    )
    await initialise(settings)
    settings.discovery_cache_file.parent.mkdir(parents=True, exist_ok=True)
    settings.discovery_cache_file.write_bytes(discovery_xml(CLIENT))
    clock = FakeClock()
    services = build_services(settings, clock=clock)
    app = create_app(settings, services=services)
    alice = await services.users.add_user("alice", "Alice Adams", password=PASSWORD)
    bob = await services.users.add_user("bob", "Bob Brown", password=PASSWORD)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=settings.server.base_url)
    return Web(services, client, clock, settings, alice, bob), services


@asynccontextmanager
async def running_web(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings | None = None
) -> AsyncIterator[Web]:
    """The app with nobody signed in (each test module's `web` fixture)."""
    harness, services = await start_web(settings or web_settings(tmp_path), monkeypatch)
    try:
        yield harness
    finally:
        await harness.client.aclose()
        await services.aclose()


async def signed_in_as_alice(web: Web) -> Web:
    """The app with Alice signed in (each test module's `signed_in` fixture)."""
    response = await web.sign_in()
    assert response.status_code == 303
    return web
