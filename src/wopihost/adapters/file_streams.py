"""Files read as streams of chunks, for the local blob store and the preview images.

A worker-thread hop costs an event loop several times what copying a cached chunk does (waking the worker,
handing the GIL over and back, waking the loop). So what the kernel holds in its caches is read on the
event loop, and only what may wait for the disk goes to a worker thread: a chunk the page cache does not
hold, and opening a file not opened lately (its directory entry and inode may have left the caches).
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import anyio

from wopihost.errors import NotFound

# How long after being opened a file is taken to be in the kernel's caches, and how many such files are
# remembered (the oldest are forgotten first).
RECENT_SECONDS = 60.0
RECENT_FILES = 4096


class RecentlyOpened:
    """The files opened in the last RECENT_SECONDS, at most RECENT_FILES of them."""

    def __init__(self) -> None:
        self._opened: dict[Path, float] = {}

    def __contains__(self, path: Path) -> bool:
        opened = self._opened.get(path)
        return opened is not None and time.monotonic() - opened < RECENT_SECONDS

    def add(self, path: Path) -> None:
        """Remember that `path` was opened now."""
        self._opened.pop(path, None)
        self._opened[path] = time.monotonic()
        if len(self._opened) > RECENT_FILES:
            del self._opened[next(iter(self._opened))]


async def stream_file(
    path: Path, chunk_size: int, recent: RecentlyOpened | None = None
) -> AsyncIterator[bytes]:
    """Open a file for streaming in chunks; raise NotFound now (not while streaming) if it is missing.

    A file in `recent` is opened on the event loop, any other in a worker thread; either way `recent` then
    holds it.
    """
    if recent is not None and path in recent:
        first, fd, size = _open_first_chunk(path, chunk_size, cached_only=True)
    else:
        # One worker-thread hop opens the file and reads its first chunk, which is all of a small file.
        first, fd, size = await anyio.to_thread.run_sync(_open_first_chunk, path, chunk_size)
    if recent is not None:
        recent.add(path)
    return _BlobChunks(first, fd, size, chunk_size)


def _open_first_chunk(
    path: Path, chunk_size: int, *, cached_only: bool = False
) -> tuple[bytes, int | None, int]:
    """The first chunk, the open file if there is more (else None), and the file's size.

    With `cached_only` the first chunk is read only if the page cache holds it; else it is empty, and the
    stream reads it later, in a worker thread.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError as exc:
        raise NotFound(f"blob {path.name} is missing") from exc
    try:
        size = os.fstat(fd).st_size
        if cached_only:
            first = _read_cached(fd, min(chunk_size, size), 0) or b""
        else:
            first = os.pread(fd, chunk_size, 0)
        if len(first) >= size:
            os.close(fd)
            return first, None, size
    except BaseException:
        os.close(fd)
        raise
    return first, fd, size


def _read_cached(fd: int, size: int, offset: int) -> bytes | None:
    """The `size` bytes at `offset` (fewer at the end of the file) if the page cache holds them; None when
    reading them may wait for the disk (or the file system cannot tell).

    The first and the last byte are probed without waiting (RWF_NOWAIT); pages between them were read
    together with them, by the kernel's readahead or an earlier read, and leave the cache with them. A read
    into a buffer of our own would tell for every byte, but making bytes of it costs more than ten plain
    reads of the chunk.
    """
    if size <= 0:
        return b""
    probe = bytearray(1)
    try:
        os.preadv(fd, [probe], offset, os.RWF_NOWAIT)
        os.preadv(fd, [probe], offset + size - 1, os.RWF_NOWAIT)
    except OSError:
        # EAGAIN: not cached. EOPNOTSUPP or EINVAL: no RWF_NOWAIT here.
        return None
    return os.pread(fd, size, offset)


class _BlobChunks:
    """The chunks of an open blob. Closing it releases the file, whether it was read or not.

    A chunk the page cache holds is read on the event loop: a worker-thread hop costs more than copying it.
    Anything else is read in a worker thread, so that the loop never waits for the disk.

    An async generator would not do: closing one that never started skips its `finally`, leaving the file
    open (a response that is abandoned before its body is sent does just that).
    """

    def __init__(self, first: bytes, fd: int | None, size: int, chunk_size: int) -> None:
        self._first = first
        self._fd = fd
        self._offset = len(first)
        # Blobs never change once stored, so the size read when opening is where the stream ends.
        self._size = size
        self._chunk_size = chunk_size

    def __aiter__(self) -> _BlobChunks:
        return self

    async def __anext__(self) -> bytes:
        if self._first:
            chunk, self._first = self._first, b""
            return chunk
        fd = self._fd
        if fd is None:
            raise StopAsyncIteration
        if self._offset >= self._size:
            await self.aclose()
            raise StopAsyncIteration
        try:
            cached = _read_cached(fd, min(self._chunk_size, self._size - self._offset), self._offset)
            chunk = cached if cached is not None else await self._read_from_disk(fd)
        except BaseException:
            await self.aclose()
            raise
        if not chunk:
            await self.aclose()
            raise StopAsyncIteration
        self._offset += len(chunk)
        return chunk

    async def _read_from_disk(self, fd: int) -> bytes:
        return await anyio.to_thread.run_sync(os.pread, fd, self._chunk_size, self._offset)

    async def aclose(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def __del__(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
