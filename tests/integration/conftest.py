"""The whole application over ASGI: a fresh data directory, four users and two shared files per test.

Every response of every integration test passes through `_invariants`, which asserts what the spec asks of
all of them: X-WOPI-ServerVersion and X-WOPI-MachineName on every response (errors included), X-WOPI-Lock on
every 409, and never a 500 (no test here sends anything that should break the server).
"""

from __future__ import annotations

import base64
import hashlib
import shutil
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import argon2
import httpx
import pytest
from starlette.applications import Starlette

import wopihost
import wopihost.services.users
from tests.integration.web_support import Web, running_web, signed_in_as_alice
from wopihost.adapters.clock import FakeClock
from wopihost.app import Services, build_services, create_app, initialise
from wopihost.config import Settings
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord, User, Version
from wopihost.errors import NotFound

MAX_FILE_SIZE = 64 * 1024
MACHINE_NAME = "wopi-test-host"
ORIGINAL = b"original content of report.docx"
NO_TOKEN = ""  # pass as `token=` to send a request without any access token


async def _invariants(response: httpx.Response) -> None:
    headers = response.headers
    assert headers.get("X-WOPI-ServerVersion") == wopihost.__version__, response.request.url.path
    assert headers.get("X-WOPI-MachineName") == MACHINE_NAME, response.request.url.path
    if response.status_code == 409:
        assert "X-WOPI-Lock" in headers, "every 409 carries X-WOPI-Lock"
    assert response.status_code < 500 or response.status_code == 501, (
        f"{response.request.method} {response.request.url.path} -> {response.status_code} "
        f"{headers.get('X-WOPI-ServerError')}"
    )


async def body_of(data: bytes, chunk: int = 8192) -> AsyncIterator[bytes]:
    """`data` as a stream of chunks (sent with Transfer-Encoding: chunked, without Content-Length)."""
    for start in range(0, len(data), chunk):
        yield data[start : start + chunk]


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


@dataclass
class Host:
    """A running application with its services, a client, and the people and files of the tests."""

    services: Services
    app: Starlette
    client: httpx.AsyncClient
    clock: FakeClock
    settings: Settings
    owner: User
    editor: User
    viewer: User
    stranger: User
    doc: FileRecord  # report.docx: ORIGINAL; shared with editor (edit) and viewer (view)
    empty: FileRecord  # new.docx: zero bytes, shared the same way

    def token(self, user: User | None = None, file_id: str | None = None) -> str:
        return self.services.tokens.issue((user or self.owner).id, file_id or self.doc.id).token

    async def call(
        self,
        file_id: str | None = None,
        override: str | None = None,
        *,
        user: User | None = None,
        token: str | None = None,
        headers: Mapping[str, str | bytes] | Iterable[tuple[str, str | bytes]] | None = None,
        body: bytes | AsyncIterator[bytes] | None = None,
        contents: bool = False,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One WOPI request: GET without an override, POST with one (or with a body)."""
        file_id = file_id or self.doc.id
        if token is None:
            token = self.token(user, file_id)
        all_headers = list(headers.items() if isinstance(headers, Mapping) else headers or [])
        if override is not None:
            all_headers.append(("X-WOPI-Override", override))
        query = dict(params or {})
        if token:
            query["access_token"] = token
        method = "POST" if override is not None or body is not None else "GET"
        path = f"/wopi/files/{file_id}" + ("/contents" if contents else "")
        return await self.client.request(method, path, params=query, headers=all_headers, content=body)

    # The operations, by name, for readable tests.
    async def check_file_info(self, file_id: str | None = None, **kw: Any) -> httpx.Response:
        return await self.call(file_id, **kw)

    async def get_file(self, file_id: str | None = None, **kw: Any) -> httpx.Response:
        return await self.call(file_id, contents=True, **kw)

    async def put_file(
        self,
        body: bytes | AsyncIterator[bytes],
        file_id: str | None = None,
        *,
        lock: str | None = None,
        **kw: Any,
    ) -> httpx.Response:
        headers = dict(kw.pop("headers", {}))
        if lock is not None:
            headers["X-WOPI-Lock"] = lock
        return await self.call(file_id, "PUT", contents=True, body=body, headers=headers, **kw)

    async def lock_op(
        self, override: str, file_id: str | None = None, *, user: User | None = None, **wopi_headers: str
    ) -> httpx.Response:
        """A lock operation; keyword arguments are X-WOPI-* headers without the prefix (Lock=, OldLock=)."""
        headers = {f"X-WOPI-{name}": value for name, value in wopi_headers.items()}
        return await self.call(file_id, override, user=user, headers=headers)

    async def lock(
        self, lock_id: str, file_id: str | None = None, *, user: User | None = None
    ) -> httpx.Response:
        return await self.lock_op("LOCK", file_id, user=user, Lock=lock_id)

    async def unlock(
        self, lock_id: str, file_id: str | None = None, *, user: User | None = None
    ) -> httpx.Response:
        return await self.lock_op("UNLOCK", file_id, user=user, Lock=lock_id)

    async def get_lock(self, file_id: str | None = None, **kw: Any) -> httpx.Response:
        return await self.call(file_id, "GET_LOCK", **kw)

    async def current_lock(self, file_id: str | None = None) -> str:
        response = await self.get_lock(file_id)
        assert response.status_code == 200
        return response.headers["X-WOPI-Lock"]

    # What the stores hold, read around the HTTP surface.
    async def stored(self, file_id: str | None = None) -> bytes | None:
        """The current content of a file, or None if it does not exist."""
        try:
            access = await self.services.files.access_as_owner(file_id or self.doc.id)
        except NotFound:
            return None
        return b"".join([chunk async for chunk in await self.services.blobs.open(access.file.blob_key)])

    async def record(self, file_id: str | None = None) -> FileRecord:
        return (await self.services.files.access_as_owner(file_id or self.doc.id)).file

    async def versions(self, file_id: str | None = None) -> list[Version]:
        access = await self.services.files.access_as_owner(file_id or self.doc.id)
        return list(await self.services.content.list_versions(access))

    def blob_files(self) -> set[str]:
        root = self.settings.blob_dir
        return {p.name for p in root.rglob("*") if p.is_file() and p.parent != root / "tmp"}

    def temporary_files(self) -> list[Path]:
        return [p for p in (self.settings.blob_dir / "tmp").rglob("*") if p.is_file()]

    async def upload(self, name: str, content: bytes, owner: User | None = None) -> FileRecord:
        owner = owner or self.owner
        folder = await self.services.files.ensure_folder_path(owner, [])
        return await self.services.files.upload(owner, folder, name, body_of(content))

    async def upload_replacing(self, name: str, content: bytes, owner: User | None = None) -> FileRecord:
        owner = owner or self.owner
        folder = await self.services.files.ensure_folder_path(owner, [])
        return await self.services.files.upload(owner, folder, name, body_of(content), replace=True)

    async def share(self, file_id: str, user: User, role: Role) -> None:
        await self.services.files.share(
            await self.services.files.access_as_owner(file_id), user.username, role
        )


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    """An empty PostgreSQL database of its own, dropped afterwards."""
    # Imported here: the cluster's module loads the S3 client, which most tests of this package never use.
    from tests.multinode.cluster import database_url, made_database

    with made_database("wopihost_test") as name:
        yield database_url(name)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ui_enabled() -> bool:
    """Whether the web UI is mounted; tests of the page URLs parametrise this to True."""
    return False


def make_settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        storage={"max_file_size": MAX_FILE_SIZE},  # type: ignore[arg-type]
        server={"machine_name": MACHINE_NAME, "public_url": "https://wopihost.test"},  # type: ignore[arg-type]
        proof_keys={"mode": "off"},  # type: ignore[arg-type]
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


def _cheap_password_hasher() -> argon2.PasswordHasher:
    # Argon2 at its default cost takes a fifth of a second per service; the tests need no real hashes.
    return argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wopihost.services.users, "PasswordHasher", _cheap_password_hasher)


USERS = {"owner": ("alice", "Alice Owner"), "editor": ("bob", "Bob Editor")}
USERS |= {"viewer": ("carol", "Carol Viewer"), "stranger": ("dave", "Dave Stranger")}
FILES = {"doc": ("report.docx", ORIGINAL), "empty": ("new.docx", b"")}


async def _seed(settings: Settings) -> dict[str, str]:
    """Initialise a data directory and create the users and files every test starts from."""
    await initialise(settings)
    services = build_services(settings, clock=FakeClock(), ui_enabled=False)
    try:
        users = {role: await services.users.add_user(*names) for role, names in USERS.items()}
        root = await services.files.ensure_folder_path(users["owner"], [])
        ids = {}
        for key, (name, content) in FILES.items():
            file = await services.files.upload(users["owner"], root, name, body_of(content))
            access = await services.files.access_as_owner(file.id)
            await services.files.share(access, USERS["editor"][0], Role.EDIT)
            await services.files.share(access, USERS["viewer"][0], Role.VIEW)
            ids[key] = file.id
        return ids
    finally:
        await services.aclose()


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A data directory seeded once per session (migrations, keys, users, files); each test copies it."""
    data_dir = tmp_path_factory.mktemp("seed") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(wopihost.services.users, "PasswordHasher", _cheap_password_hasher)
        ids = anyio.run(_seed, make_settings(data_dir))
    return data_dir, ids


@pytest.fixture
async def host(
    settings: Settings,
    clock: FakeClock,
    ui_enabled: bool,
    fast_password_hashing: None,
    seeded: tuple[Path, dict[str, str]],
) -> AsyncIterator[Host]:
    # A copy of the seeded directory is what `initialise` plus the seeding would produce, without the
    # per-test cost of migrations and a dozen durable writes. ASGITransport runs no lifespan, so nothing
    # else would create the schema.
    seed_dir, ids = seeded
    shutil.copytree(seed_dir, settings.data_dir)
    services = build_services(settings, clock=clock, ui_enabled=ui_enabled)
    app = create_app(settings, services=services)
    users = {role: await services.users.get_user_by_name(name) for role, (name, _) in USERS.items()}
    files = {key: (await services.files.access_as_owner(file_id)).file for key, file_id in ids.items()}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="https://wopihost.test", event_hooks={"response": [_invariants]}
    ) as client:
        try:
            yield Host(services, app, client, clock, settings, **users, **files)
        finally:
            await services.aclose()


@pytest.fixture
async def web(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Web]:
    """The web UI and WOPI app with a fresh data directory and the stand-in discovery."""
    async with running_web(tmp_path, monkeypatch) as harness:
        yield harness


@pytest.fixture
async def signed_in(web: Web) -> Web:
    """The same, with alice signed in."""
    return await signed_in_as_alice(web)
