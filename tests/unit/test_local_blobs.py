"""LocalBlobStore: atomic writes (all or nothing, even when cancelled), limits, streaming reads, sweep."""

from __future__ import annotations

import asyncio
import base64
import gc
import hashlib
import os
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from wopihost.adapters import local_blobs
from wopihost.adapters.local_blobs import LocalBlobStore
from wopihost.errors import FileTooLarge, NotFound

pytestmark = pytest.mark.anyio


class Boom(Exception):
    """A client that went away mid-upload."""


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs", chunk_size=4096)


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def blobs_in(store: LocalBlobStore) -> list[Path]:
    return [p for p in files_under(store.root) if p.parent != store.root / "tmp"]


def temporaries_in(store: LocalBlobStore) -> list[Path]:
    return files_under(store.root / "tmp")


async def chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read_all(store: LocalBlobStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in await store.open(key)])


@pytest.mark.parametrize(
    "content",
    [b"", b"x", b"hello world", os.urandom(3 * 1024 * 1024 + 17)],
    ids=["empty", "one-byte", "short", "3MiB"],
)
async def test_put_then_open_returns_same_bytes_size_and_hash(store: LocalBlobStore, content: bytes) -> None:
    blob = await store.put(chunks(content, 64 * 1024), max_size=4 * 1024 * 1024)

    assert await read_all(store, blob.key) == content
    assert blob.size == len(content)
    assert blob.sha256 == base64.b64encode(hashlib.sha256(content).digest()).decode("ascii")
    assert blobs_in(store) == [store.root / blob.key[:2] / blob.key[2:4] / blob.key]
    assert temporaries_in(store) == []


async def test_put_twice_gives_distinct_keys(store: LocalBlobStore) -> None:
    first = await store.put(chunks(b"same"), max_size=100)
    second = await store.put(chunks(b"same"), max_size=100)

    assert first.key != second.key
    assert first.sha256 == second.sha256


async def test_put_exactly_max_size_is_accepted(store: LocalBlobStore) -> None:
    blob = await store.put(chunks(b"a" * 100, 7), max_size=100)

    assert blob.size == 100


@pytest.mark.parametrize(
    ("size", "chunk"), [(101, 7), (101, 101), (10_000, 1000), (5 * 1024 * 1024, 1 << 20)]
)
async def test_put_larger_than_max_size_raises_and_keeps_nothing(
    store: LocalBlobStore, size: int, chunk: int
) -> None:
    with pytest.raises(FileTooLarge) as caught:
        await store.put(chunks(b"a" * size, chunk), max_size=100)

    assert caught.value.limit == 100
    assert caught.value.size is not None
    assert caught.value.size > 100
    assert files_under(store.root) == []


async def test_put_too_large_stops_reading_the_stream(store: LocalBlobStore) -> None:
    pulled = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal pulled
        while True:
            pulled += 1
            yield b"z" * 1000

    with pytest.raises(FileTooLarge):
        await store.put(endless(), max_size=10_000)

    assert pulled == 11


@pytest.mark.parametrize("fail_after", [0, 1, 3000], ids=["at-once", "after-one-chunk", "after-3000-chunks"])
async def test_put_failing_stream_raises_and_leaves_no_blob_or_temporary(
    store: LocalBlobStore, fail_after: int
) -> None:
    async def failing() -> AsyncIterator[bytes]:
        for _ in range(fail_after):
            yield b"y" * 1000
        raise Boom

    with pytest.raises(Boom):
        await store.put(failing(), max_size=1 << 30)

    assert files_under(store.root) == []


async def test_put_cancelled_mid_stream_leaves_no_blob_or_temporary(store: LocalBlobStore) -> None:
    started = anyio.Event()

    async def stalled() -> AsyncIterator[bytes]:
        # Blocks are written while the next is gathered: once a third has come, the first has been written.
        for _ in range(3):
            yield b"p" * (1 << 20)
        started.set()
        await anyio.sleep_forever()
        yield b"never"

    async def upload() -> None:
        await store.put(stalled(), max_size=1 << 30)

    async with anyio.create_task_group() as tg:
        tg.start_soon(upload)
        await started.wait()
        assert len(temporaries_in(store)) == 1
        tg.cancel_scope.cancel()

    assert files_under(store.root) == []


async def test_put_cancelled_while_a_block_is_being_written_waits_for_it_then_cleans_up(
    store: LocalBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    writing, release = threading.Event(), threading.Event()
    write = local_blobs._Part.write

    def slow_write(part: local_blobs._Part, block: bytearray) -> None:
        writing.set()
        release.wait(5)
        write(part, block)

    monkeypatch.setattr(local_blobs._Part, "write", slow_write)

    async def endless() -> AsyncIterator[bytes]:
        while True:
            yield b"q" * (1 << 20)

    async def upload(scope: anyio.CancelScope) -> None:
        with scope:
            await store.put(endless(), max_size=1 << 40)

    scope = anyio.CancelScope()
    async with anyio.create_task_group() as tg:
        tg.start_soon(upload, scope)
        await anyio.to_thread.run_sync(writing.wait, 5)
        # Cancelled while its write is still running: the upload must wait for it before discarding the
        # temporary file, or the write would leave one behind.
        scope.cancel()
        await anyio.sleep(0.05)
        release.set()

    assert files_under(store.root) == []


async def test_put_in_progress_is_invisible_until_complete(store: LocalBlobStore) -> None:
    seen: list[int] = []

    async def watched() -> AsyncIterator[bytes]:
        for _ in range(3):
            seen.append(len(blobs_in(store)))
            yield b"w" * (1 << 20)

    blob = await store.put(watched(), max_size=1 << 30)

    assert seen == [0, 0, 0]
    assert blobs_in(store) == [store.root / blob.key[:2] / blob.key[2:4] / blob.key]


async def test_open_streams_in_chunks_of_configured_size(store: LocalBlobStore) -> None:
    blob = await store.put(chunks(b"r" * 10_000), max_size=1 << 20)

    sizes = [len(chunk) async for chunk in await store.open(blob.key)]

    assert sizes == [4096, 4096, 1808]


async def test_open_of_a_file_of_exactly_one_chunk_needs_no_second_read(store: LocalBlobStore) -> None:
    blob = await store.put(chunks(b"r" * 4096), max_size=1 << 20)
    stream = await store.open(blob.key)
    path = store.root / blob.key[:2] / blob.key[2:4] / blob.key

    assert [len(chunk) async for chunk in stream] == [4096]
    assert open_handles(path) == 0


@pytest.mark.parametrize("page_cache", ["cached", "evicted", "unsupported"])
async def test_open_streams_every_byte_whether_or_not_the_page_cache_holds_it(
    store: LocalBlobStore, page_cache: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = os.urandom(50_000)
    blob = await store.put(chunks(content), max_size=1 << 20)
    # Reads that may wait for the disk are made in worker threads, never on the event loop's thread.
    disk_reads = 0
    pread = os.pread
    loop_thread = threading.current_thread()

    def counted_pread(fd: int, size: int, offset: int) -> bytes:
        nonlocal disk_reads
        disk_reads += threading.current_thread() is not loop_thread
        return pread(fd, size, offset)

    monkeypatch.setattr(os, "pread", counted_pread)
    if page_cache == "unsupported":

        def no_nowait(*_args: object) -> int:
            raise OSError(95, "Operation not supported")

        monkeypatch.setattr(os, "preadv", no_nowait)
    stream = await store.open(blob.key)
    received = [await stream.__anext__()]
    if page_cache == "evicted":
        # What the kernel answers a RWF_NOWAIT read of pages it does not hold. Evicting them for real
        # (POSIX_FADV_DONTNEED) is only advice, which a busy machine sometimes does not take.
        def not_cached(*_args: object) -> int:
            raise BlockingIOError(11, "Resource temporarily unavailable")

        monkeypatch.setattr(os, "preadv", not_cached)
    received += [chunk async for chunk in stream]

    assert b"".join(received) == content
    assert [len(chunk) for chunk in received[:-1]] == [4096] * 12
    # The first chunk comes with opening; the rest from the page cache unless it cannot tell.
    if page_cache == "cached":
        assert disk_reads == 1
    if page_cache == "unsupported":
        assert disk_reads == 13
    if page_cache == "evicted":
        assert disk_reads == 13


async def test_open_early_close_of_stream_releases_file(store: LocalBlobStore) -> None:
    blob = await store.put(chunks(b"r" * 10_000), max_size=1 << 20)
    stream = await store.open(blob.key)

    first = await stream.__anext__()
    await stream.aclose()  # type: ignore[attr-defined]

    assert first == b"r" * 4096


def open_handles(path: Path) -> int:
    """How many of this process's file descriptors point at `path`."""
    fds = Path("/proc/self/fd")
    count = 0
    for fd in fds.iterdir():
        try:
            count += os.readlink(fd) == str(path)
        except OSError:
            continue
    return count


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to count open files")
@pytest.mark.parametrize("read", [0, 1, 3], ids=["unread", "one-chunk", "all"])
async def test_open_stream_closed_after_any_number_of_reads_holds_no_file(
    store: LocalBlobStore, read: int
) -> None:
    blob = await store.put(chunks(b"r" * 10_000), max_size=1 << 20)
    path = store.root / blob.key[:2] / blob.key[2:4] / blob.key
    stream = await store.open(blob.key)
    for _ in range(read):
        await stream.__anext__()

    await stream.aclose()  # type: ignore[attr-defined]

    assert open_handles(path) == 0


@pytest.mark.parametrize("key", ["nosuchblobnosuchblobnosu", "../../etc/passwd", "", "a/b", "abc.def"])
async def test_open_missing_or_malformed_key_raises_not_found_at_once(
    store: LocalBlobStore, key: str
) -> None:
    with pytest.raises(NotFound):
        await store.open(key)


async def test_delete_removes_blob_and_tolerates_missing(store: LocalBlobStore) -> None:
    blob = await store.put(chunks(b"gone"), max_size=100)

    await store.delete(blob.key)
    await store.delete(blob.key)

    assert blobs_in(store) == []
    with pytest.raises(NotFound):
        await store.open(blob.key)


async def test_sweep_temporary_removes_leftovers_of_dead_writers_but_not_live_uploads(
    store: LocalBlobStore,
) -> None:
    tmp = store.root / "tmp"
    dead, creating, fresh_creating, other = (tmp / n for n in ("dead.part", "a.new", "b.new", "notes.txt"))
    for path in (dead, creating, fresh_creating, other):
        path.write_bytes(b"left over")
    two_minutes_ago = time.time() - 120
    os.utime(creating, (two_minutes_ago, two_minutes_ago))
    started = anyio.Event()

    async def stalled() -> AsyncIterator[bytes]:
        # Blocks are written while the next is gathered: once a third has come, the first has been written,
        # so the upload's temporary file exists.
        for _ in range(3):
            yield b"f" * (1 << 20)
        started.set()
        await anyio.sleep_forever()
        yield b"never"

    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: store.put(stalled(), max_size=1 << 30))
        await started.wait()
        # A second store object stands for a sibling worker starting up: the live upload is not its debris.
        removed = LocalBlobStore(store.root).sweep_temporary()
        remaining = sorted(p.name for p in temporaries_in(store))
        tg.cancel_scope.cancel()

    assert removed == 2
    assert len(remaining) == 3
    assert {"b.new", "notes.txt"} < set(remaining)


async def test_sweep_temporary_leaves_completed_blobs(store: LocalBlobStore) -> None:
    blob = await store.put(chunks(b"keep"), max_size=100)

    assert store.sweep_temporary() == 0
    assert await read_all(store, blob.key) == b"keep"


async def test_put_whose_stream_fails_after_a_failed_write_reports_no_unretrieved_error(
    store: LocalBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_write(part: local_blobs._Part, block: bytearray) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(local_blobs._Part, "write", failing_write)
    reported: list[dict[str, object]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, context: reported.append(context))

    async def client_goes_away() -> AsyncIterator[bytes]:
        yield b"r" * (1 << 20)
        await anyio.sleep(0.05)  # the write has failed by now
        raise ConnectionResetError("the client went away")

    with pytest.raises(ConnectionResetError):
        await store.put(client_goes_away(), max_size=1 << 30)
    gc.collect()

    assert reported == []
    assert files_under(store.root) == []
