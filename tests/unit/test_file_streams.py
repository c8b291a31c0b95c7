"""Files read as streams: files opened lately are opened on the event loop, others in a worker thread."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from wopihost.adapters import file_streams
from wopihost.adapters.file_streams import RecentlyOpened, stream_file
from wopihost.errors import NotFound

pytestmark = pytest.mark.anyio


@pytest.fixture
def thread_hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions run in a worker thread."""
    hops: list[str] = []
    run_sync = file_streams.anyio.to_thread.run_sync

    async def counted(function: Any, *args: Any) -> Any:
        hops.append(function.__name__)
        return await run_sync(function, *args)

    monkeypatch.setattr(file_streams.anyio.to_thread, "run_sync", counted)
    return hops


async def read_all(path: Path, recent: RecentlyOpened | None, chunk_size: int = 4096) -> bytes:
    return b"".join([chunk async for chunk in await stream_file(path, chunk_size, recent)])


async def test_a_file_opened_lately_is_opened_again_on_the_event_loop(
    tmp_path: Path, thread_hops: list[str]
) -> None:
    path = tmp_path / "blob"
    content = os.urandom(10_000)
    path.write_bytes(content)
    recent = RecentlyOpened()

    first = await read_all(path, recent)
    hops_to_open = list(thread_hops)
    second = await read_all(path, recent)

    assert first == second == content
    assert hops_to_open == ["_open_first_chunk"]
    assert thread_hops == hops_to_open


async def test_without_a_memory_of_opened_files_every_open_takes_a_worker_thread(
    tmp_path: Path, thread_hops: list[str]
) -> None:
    path = tmp_path / "blob"
    path.write_bytes(b"small")

    assert await read_all(path, None) == b"small"
    assert await read_all(path, None) == b"small"
    assert thread_hops == ["_open_first_chunk", "_open_first_chunk"]


async def test_a_file_opened_long_ago_is_opened_in_a_worker_thread(
    tmp_path: Path, thread_hops: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "blob"
    path.write_bytes(b"content")
    recent = RecentlyOpened()
    await read_all(path, recent)
    now = file_streams.time.monotonic()
    monkeypatch.setattr(file_streams.time, "monotonic", lambda: now + file_streams.RECENT_SECONDS + 1)

    assert await read_all(path, recent) == b"content"
    assert thread_hops == ["_open_first_chunk", "_open_first_chunk"]


async def test_a_file_removed_since_it_was_opened_is_not_found(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    path.write_bytes(b"content")
    recent = RecentlyOpened()
    await read_all(path, recent)
    path.unlink()

    with pytest.raises(NotFound):
        await stream_file(path, 4096, recent)


async def test_an_empty_file_opened_again_streams_nothing_and_is_closed(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    recent = RecentlyOpened()
    await read_all(path, recent)
    before = len(os.listdir("/proc/self/fd"))

    assert await read_all(path, recent) == b""
    assert len(os.listdir("/proc/self/fd")) == before


def test_the_oldest_files_are_forgotten_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_streams, "RECENT_FILES", 2)
    recent = RecentlyOpened()
    a, b, c = Path("a"), Path("b"), Path("c")
    recent.add(a)
    recent.add(b)
    recent.add(a)  # opened again: now the newest
    recent.add(c)

    assert a in recent
    assert b not in recent
    assert c in recent


async def test_a_chunk_whose_last_page_is_not_cached_is_read_in_a_worker_thread(
    tmp_path: Path, thread_hops: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "blob"
    content = os.urandom(3 * 4096)
    path.write_bytes(content)
    recent = RecentlyOpened()
    recent.add(path)
    preadv = os.preadv

    def first_pages_only(fd: int, buffers: Any, offset: int, flags: int = 0) -> int:
        if flags & os.RWF_NOWAIT and offset % 4096 != 0:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return preadv(fd, buffers, offset, flags)

    monkeypatch.setattr(os, "preadv", first_pages_only)

    assert await read_all(path, recent) == content
    assert thread_hops == ["pread", "pread", "pread"]
