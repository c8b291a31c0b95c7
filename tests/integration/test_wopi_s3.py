"""The WOPI file operations with storage.backend = "s3", against moto's S3 server, through create_app."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from wopihost.adapters.clock import FakeClock
from wopihost.app import Services, build_services, create_app, initialise
from wopihost.config import S3Settings, Settings
from wopihost.domain.records import FileRecord, User

pytestmark = [pytest.mark.anyio, pytest.mark.s3]
MiB = 1024 * 1024
ORIGINAL = b"the first version, small enough for one PUT"


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


async def body_of(data: bytes, chunk: int = 256 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), chunk):
        yield data[start : start + chunk]


@dataclass
class S3Host:
    services: Services
    client: httpx.AsyncClient
    owner: User
    file: FileRecord

    def params(self) -> dict[str, str]:
        return {"access_token": self.services.tokens.issue(self.owner.id, self.file.id).token}

    async def read(self, key: str) -> bytes:
        return b"".join([chunk async for chunk in await self.services.blobs.open(key)])


async def start(tmp_path: Path, s3: S3Settings) -> tuple[Services, S3Host]:
    settings = Settings(
        data_dir=tmp_path / "data",
        storage={"backend": "s3", "max_file_size": 16 * MiB, "s3": s3.model_dump()},  # type: ignore[arg-type]
        server={"public_url": "https://wopihost.test"},  # type: ignore[arg-type]
        proof_keys={"mode": "off"},  # type: ignore[arg-type]
    )
    await initialise(settings)
    services = build_services(settings, clock=FakeClock(), ui_enabled=False)
    owner = await services.users.add_user("alice", "Alice")
    root = await services.files.ensure_folder_path(owner, [])
    file = await services.files.upload(owner, root, "report.docx", body_of(ORIGINAL))
    app = create_app(settings, services=services)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://wopihost.test")
    return services, S3Host(services, client, owner, file)


@pytest.fixture
async def s3_host(tmp_path: Path, s3_settings: S3Settings) -> AsyncIterator[S3Host]:
    services, host = await start(tmp_path, s3_settings)
    try:
        yield host
    finally:
        await host.client.aclose()
        await services.aclose()


async def test_putfile_getfile_checkfileinfo_round_trip_on_s3_keeps_the_previous_version(
    s3_host: S3Host,
) -> None:
    path, new = f"/wopi/files/{s3_host.file.id}", bytes(range(256)) * (24 * 1024)  # 6 MiB: two parts
    locked = await s3_host.client.post(
        path, params=s3_host.params(), headers={"X-WOPI-Override": "LOCK", "X-WOPI-Lock": "L1"}
    )
    assert locked.status_code == 200

    put = await s3_host.client.post(
        f"{path}/contents",
        params=s3_host.params(),
        headers={"X-WOPI-Override": "PUT", "X-WOPI-Lock": "L1"},
        content=body_of(new),
    )
    got = await s3_host.client.get(f"{path}/contents", params=s3_host.params())
    info = (await s3_host.client.get(path, params=s3_host.params())).json()

    assert put.status_code == 200
    assert got.status_code == 200
    assert got.content == new
    assert (info["Size"], info["SHA256"]) == (len(new), sha256_b64(new))
    assert info["FileUrl"].startswith("https://wopihost.test/")
    access = await s3_host.services.files.access_as_owner(s3_host.file.id)
    versions = await s3_host.services.content.list_versions(access)
    assert [v.number for v in versions] == [2, 1]
    assert await s3_host.read(versions[1].blob_key) == ORIGINAL
    assert await s3_host.services.s3.uploads.incomplete() == []  # type: ignore[union-attr]


async def test_restore_version_copies_the_blob_server_side(s3_host: S3Host) -> None:
    path = f"/wopi/files/{s3_host.file.id}"
    for override, content in (("LOCK", None), ("PUT", b"second"), ("UNLOCK", None)):
        response = await s3_host.client.post(
            f"{path}/contents" if content else path,
            params=s3_host.params(),
            headers={"X-WOPI-Override": override, "X-WOPI-Lock": "L1"},
            content=content,
        )
        assert response.status_code == 200, override
    access = await s3_host.services.files.access_as_owner(s3_host.file.id)

    restored = await s3_host.services.content.restore_version(access, 1)

    first = (await s3_host.services.content.list_versions(access))[-1]
    assert restored.version == 3
    assert restored.blob_key != first.blob_key
    assert (restored.size, restored.sha256) == (len(ORIGINAL), sha256_b64(ORIGINAL))
    assert await s3_host.read(restored.blob_key) == ORIGINAL


async def test_checkfileinfo_fileurl_is_a_presigned_url_when_configured(
    tmp_path: Path, s3_settings: S3Settings
) -> None:
    services, host = await start(tmp_path, s3_settings.model_copy(update={"presigned_file_url": True}))
    try:
        info = (await host.client.get(f"/wopi/files/{host.file.id}", params=host.params())).json()
        async with httpx.AsyncClient() as outside:
            direct = await outside.get(info["FileUrl"])
    finally:
        await host.client.aclose()
        await services.aclose()

    assert info["FileUrl"].startswith(f"{s3_settings.endpoint_url}/{s3_settings.bucket}/blobs/")
    assert "access_token" not in info["FileUrl"]
    assert direct.content == ORIGINAL
