"""The BlobStore contract, the same assertions for every back end: the local disk and S3 (moto's server).

Each back end comes with what the assertions need beyond the port: its debris (temporary files, incomplete
multipart uploads), a way to die mid-upload as a killed process would (no cleanup runs), and its sweep.
"""

from __future__ import annotations

import base64
import hashlib
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest

import wopihost.adapters.local_blobs
import wopihost.adapters.s3_blobs
from wopihost.adapters.local_blobs import LocalBlobStore
from wopihost.adapters.s3_blobs import S3BlobStore
from wopihost.config import S3Settings
from wopihost.errors import FileTooLarge, NotFound
from wopihost.ports import BlobStore

pytestmark = pytest.mark.anyio
MiB = 1024 * 1024


@dataclass
class Backend:
    """A blob store under test and the back-end-specific probes the assertions need."""

    store: BlobStore
    debris: Callable[[], Any]  # async () -> list of leftovers of uploads
    sweep: Callable[[], Any]  # async () -> how many leftovers were reclaimed, as another process would
    die_silently: Callable[[pytest.MonkeyPatch], None]  # make cleanup after a failed put a no-op


def _local(tmp_path: Path) -> Backend:
    store = LocalBlobStore(tmp_path / "blobs", chunk_size=64 * 1024)

    async def debris() -> list[str]:
        return sorted(p.name for p in (store.root / "tmp").iterdir())

    async def sweep() -> int:
        return LocalBlobStore(store.root).sweep_temporary()

    def die(patch: pytest.MonkeyPatch) -> None:
        # A killed process removes nothing; the kernel still closes its files, releasing their locks.
        patch.setattr(wopihost.adapters.local_blobs, "_unlink_quietly", lambda path: None)

    return Backend(store, debris, sweep, die)


async def _s3(settings: S3Settings) -> S3BlobStore:
    store = S3BlobStore(settings, chunk_size=64 * 1024)
    await store.ensure_bucket()
    return store


def _s3_backend(store: S3BlobStore, settings: S3Settings) -> Backend:
    async def sweep() -> int:
        # Another node's sweep, once the dead writer's uploads are older than a (zero) lease.
        await anyio.sleep(1.1)
        async with S3BlobStore(settings) as other:
            return await other.uploads.sweep(lease=timedelta(0))

    def die(patch: pytest.MonkeyPatch) -> None:
        async def no_abort(self: object) -> None:
            return None

        patch.setattr(wopihost.adapters.s3_blobs._Multipart, "abort", no_abort)

    return Backend(store, store.uploads.incomplete, sweep, die)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "local":
        yield _local(tmp_path)
        return
    settings: S3Settings = request.getfixturevalue("s3_settings")
    store = await _s3(settings)
    try:
        yield _s3_backend(store, settings)
    finally:
        await store.aclose()


async def chunks_of(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read_all(store: BlobStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in await store.open(key)])


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


async def keys_of(store: BlobStore) -> list[str]:
    return [entry.key async for entry in store.keys()]  # noqa: SIM118 (a BlobStore, not a dict)


@pytest.mark.parametrize("content", [b"", b"hello", bytes(range(256)) * 4099], ids=["empty", "small", "1MiB"])
async def test_put_then_open_round_trips_bytes_size_and_hash(backend: Backend, content: bytes) -> None:
    blob = await backend.store.put(chunks_of(content), max_size=10 * MiB)

    assert await read_all(backend.store, blob.key) == content
    assert (blob.size, blob.sha256) == (len(content), sha256_b64(content))
    assert await backend.debris() == []


@contextmanager
def peak_allocations() -> Iterator[list[int]]:
    peak: list[int] = []
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


async def test_put_and_open_of_a_big_file_stream_with_bounded_memory(backend: Backend) -> None:
    # The bound is four S3 parts of 5 MiB (the buffer, its copy, the client's own), half the file's size.
    size, piece = 40 * MiB, b"0123456789abcdef" * 16 * 1024  # 256 KiB

    async def generated() -> AsyncIterator[bytes]:
        for _ in range(size // len(piece)):
            yield piece

    with peak_allocations() as peak:
        blob = await backend.store.put(generated(), max_size=size)
        hasher = hashlib.sha256()
        async for chunk in await backend.store.open(blob.key):
            hasher.update(chunk)

    assert blob.size == size
    assert base64.b64encode(hasher.digest()).decode("ascii") == blob.sha256
    assert peak[0] < 20 * MiB, f"peak {peak[0] / MiB:.1f} MiB for a {size // MiB} MiB file"


@pytest.mark.parametrize("size", [101, 12 * MiB], ids=["one-byte-over", "past-two-parts"])
async def test_put_larger_than_max_size_raises_and_leaves_nothing(backend: Backend, size: int) -> None:
    with pytest.raises(FileTooLarge):
        await backend.store.put(chunks_of(b"a" * size), max_size=size - 1)

    assert await keys_of(backend.store) == []
    assert await backend.debris() == []


async def test_put_keeps_the_previous_blob_untouched(backend: Backend) -> None:
    first = await backend.store.put(chunks_of(b"version one"), max_size=100)
    second = await backend.store.put(chunks_of(b"version two"), max_size=100)

    assert first.key != second.key
    assert await read_all(backend.store, first.key) == b"version one"


async def test_open_missing_key_raises_not_found_at_open(backend: Backend) -> None:
    with pytest.raises(NotFound):
        await backend.store.open("nosuchblobnosuchblobnosu")


async def test_delete_removes_and_tolerates_missing(backend: Backend) -> None:
    blob = await backend.store.put(chunks_of(b"gone"), max_size=100)

    await backend.store.delete(blob.key)
    await backend.store.delete(blob.key)

    with pytest.raises(NotFound):
        await backend.store.open(blob.key)
    assert await keys_of(backend.store) == []


async def test_copy_gives_an_independent_blob_with_the_same_bytes(backend: Backend) -> None:
    blob = await backend.store.put(chunks_of(b"restore me"), max_size=100)

    copied = await backend.store.copy(blob.key)
    await backend.store.delete(blob.key)

    assert copied != blob.key
    assert await read_all(backend.store, copied) == b"restore me"


async def test_copy_of_missing_blob_raises_not_found(backend: Backend) -> None:
    with pytest.raises(NotFound):
        await backend.store.copy("nosuchblobnosuchblobnosu")


async def test_keys_lists_every_blob_in_ascending_order(backend: Backend) -> None:
    stored = [(await backend.store.put(chunks_of(b"k%d" % n), max_size=100)).key for n in range(7)]

    listed = await keys_of(backend.store)

    assert listed == sorted(stored)


async def test_crash_mid_upload_leaves_nothing_visible_and_the_sweep_reclaims_it(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = anyio.Event()

    async def stalled() -> AsyncIterator[bytes]:
        yield b"p" * (6 * MiB)  # more than one S3 part: a multipart upload is under way
        started.set()
        await anyio.sleep_forever()
        yield b"never"

    backend.die_silently(monkeypatch)
    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: backend.store.put(stalled(), max_size=100 * MiB))
        await started.wait()
        await anyio.sleep(0.2)
        tg.cancel_scope.cancel()

    assert await keys_of(backend.store) == []
    assert len(await backend.debris()) == 1
    assert await backend.sweep() == 1
    assert await backend.debris() == []


async def test_download_url_is_none_unless_configured(backend: Backend) -> None:
    blob = await backend.store.put(chunks_of(b"x"), max_size=100)

    assert await backend.store.download_url(blob.key) is None
