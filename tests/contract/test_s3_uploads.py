"""What only the S3 store has: the heartbeat rule of the upload sweep, the bucket, presigned URLs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import anyio
import httpx
import pytest

from wopihost.adapters.s3_blobs import S3BlobStore
from wopihost.config import S3Settings
from wopihost.errors import StorageUnavailable

pytestmark = [pytest.mark.anyio, pytest.mark.s3]
MiB = 1024 * 1024


async def test_ensure_bucket_creates_once(s3_settings: S3Settings) -> None:
    async with S3BlobStore(s3_settings) as store:
        assert await store.ensure_bucket() is True
        assert await store.ensure_bucket() is False
        await store.ping()


async def test_sweep_spares_an_upload_whose_writer_heartbeats_and_reclaims_it_once_the_writer_stops(
    s3_settings: S3Settings,
) -> None:
    lease = timedelta(seconds=2)
    started, release = anyio.Event(), anyio.Event()

    async def slow_client() -> AsyncIterator[bytes]:
        yield b"s" * (6 * MiB)
        started.set()
        await release.wait()
        yield b"end"

    async with S3BlobStore(s3_settings) as writer, S3BlobStore(s3_settings) as other_node:
        await writer.ensure_bucket()

        async def put() -> None:
            # A writer taken for dead that wakes up fails its save; nothing half-written appears.
            with pytest.raises(StorageUnavailable):
                await writer.put(slow_client(), max_size=100 * MiB)

        async with anyio.create_task_group() as tg:
            tg.start_soon(put)
            await started.wait()
            await writer.uploads.heartbeat()
            assert await other_node.uploads.sweep(lease=lease) == 0
            await anyio.sleep(2.2)  # no heartbeat since: the writer counts as dead from now
            assert await other_node.uploads.sweep(lease=lease) == 0
            await anyio.sleep(2.2)  # unnamed for a whole lease
            assert await other_node.uploads.sweep(lease=lease) == 1
            release.set()
        assert await writer.uploads.incomplete() == []
        assert [entry async for entry in writer.keys()] == []  # noqa: SIM118


async def test_sweep_spares_uploads_younger_than_the_lease(s3_settings: S3Settings) -> None:
    started = anyio.Event()

    async def stalled() -> AsyncIterator[bytes]:
        yield b"y" * (6 * MiB)
        started.set()
        await anyio.sleep_forever()
        yield b""

    async with S3BlobStore(s3_settings) as writer, S3BlobStore(s3_settings) as other_node:
        await writer.ensure_bucket()
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: writer.put(stalled(), max_size=100 * MiB))
            await started.wait()
            assert await other_node.uploads.sweep(lease=timedelta(seconds=30)) == 0
            tg.cancel_scope.cancel()
        # The cancelled writer aborted its own upload.
        assert await writer.uploads.incomplete() == []


async def test_download_url_is_a_short_lived_presigned_get(s3_settings: S3Settings) -> None:
    settings = s3_settings.model_copy(update={"presigned_file_url": True, "presign_seconds": 60})

    async def body() -> AsyncIterator[bytes]:
        yield b"straight from the bucket"

    async with S3BlobStore(settings) as store:
        await store.ensure_bucket()
        blob = await store.put(body(), max_size=100)
        url = await store.download_url(blob.key)

    assert url is not None
    assert "X-Amz-Expires=60" in url
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.content == b"straight from the bucket"


def test_secret_is_never_shown(s3_settings: S3Settings) -> None:
    assert "testing-secret" not in repr(s3_settings)
    assert "testing-secret" not in str(s3_settings.model_dump())
