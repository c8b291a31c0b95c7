"""LocalBlobStore: content as files in a directory, written atomically and durably."""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from base64 import b64encode
from collections.abc import AsyncIterable, AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

import anyio

from wopihost.domain.ids import new_id
from wopihost.domain.records import StoredBlob
from wopihost.errors import FileTooLarge, NotFound, StorageUnavailable

# Chunks are gathered up to this size before one write in a worker thread, to keep thread hops few.
_WRITE_BUFFER = 1024 * 1024


class LocalBlobStore:
    """Blobs under `root/ab/cd/<key>`; uploads go to `root/tmp` first, then fsync and rename into place."""

    def __init__(self, root: Path, *, chunk_size: int = 256 * 1024) -> None:
        self.root = root
        self._tmp = root / "tmp"
        self._chunk_size = chunk_size
        self._tmp.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise NotFound(f"invalid blob key {key!r}")
        return self.root / key[:2] / key[2:4] / key

    async def put(self, chunks: AsyncIterable[bytes], *, max_size: int) -> StoredBlob:
        key = new_id()
        tmp = self._tmp / f"{key}.part"
        hasher = hashlib.sha256()
        size = 0
        try:
            async with await anyio.open_file(tmp, "xb") as out:
                buffer = bytearray()
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_size:
                        raise FileTooLarge(size, max_size)
                    hasher.update(chunk)
                    buffer += chunk
                    if len(buffer) >= _WRITE_BUFFER:
                        await out.write(bytes(buffer))
                        buffer.clear()
                await out.write(bytes(buffer))
                await out.flush()
                await anyio.to_thread.run_sync(os.fsync, out.wrapped.fileno())
            await anyio.to_thread.run_sync(self._publish, tmp, self._path(key))
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_unlink_quietly, tmp)
            raise
        return StoredBlob(key=key, size=size, sha256=b64encode(hasher.digest()).decode("ascii"))

    def _publish(self, tmp: Path, final: Path) -> None:
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
            _fsync_dir(final.parent)
        except OSError as exc:
            raise StorageUnavailable(f"blob store write failed: {exc.strerror}") from exc

    async def open(self, key: str) -> AsyncIterator[bytes]:
        return await stream_file(self._path(key), self._chunk_size)

    async def delete(self, key: str) -> None:
        await anyio.to_thread.run_sync(_unlink_quietly, self._path(key))

    def sweep_temporary(self, *, older_than: timedelta) -> int:
        """Remove uploads that a crash left behind; returns how many were removed."""
        cutoff = time.time() - older_than.total_seconds()
        removed = 0
        for leftover in self._tmp.glob("*.part"):
            with contextlib.suppress(FileNotFoundError):
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
                    removed += 1
        return removed


async def stream_file(path: Path, chunk_size: int) -> AsyncIterator[bytes]:
    """Open a file for streaming in chunks; raise NotFound now (not while streaming) if it is missing."""
    # One worker-thread hop opens the file and reads its first chunk, which is all of a small file.
    first, handle = await anyio.to_thread.run_sync(_open_first_chunk, path, chunk_size)
    return _BlobChunks(first, handle, chunk_size)


def _open_first_chunk(path: Path, chunk_size: int) -> tuple[bytes, BinaryIO | None]:
    try:
        handle = path.open("rb")
    except FileNotFoundError as exc:
        raise NotFound(f"blob {path.name} is missing") from exc
    try:
        first = handle.read(chunk_size)
        if len(first) < chunk_size:
            handle.close()
            return first, None
    except BaseException:
        handle.close()
        raise
    return first, handle


class _BlobChunks:
    """The chunks of an open blob. Closing it releases the file, whether it was read or not.

    An async generator would not do: closing one that never started skips its `finally`, leaving the file
    open (a response that is abandoned before its body is sent does just that).
    """

    def __init__(self, first: bytes, handle: BinaryIO | None, chunk_size: int) -> None:
        self._first = first
        self._handle = handle
        self._chunk_size = chunk_size

    def __aiter__(self) -> _BlobChunks:
        return self

    async def __anext__(self) -> bytes:
        if self._first:
            chunk, self._first = self._first, b""
            return chunk
        handle = self._handle
        if handle is None:
            raise StopAsyncIteration
        try:
            chunk = await anyio.to_thread.run_sync(handle.read, self._chunk_size)
        except BaseException:
            await self.aclose()
            raise
        if not chunk:
            await self.aclose()
            raise StopAsyncIteration
        return chunk

    async def aclose(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.close()

    def __del__(self) -> None:
        if self._handle is not None:
            self._handle.close()


def _unlink_quietly(path: Path) -> None:
    path.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
