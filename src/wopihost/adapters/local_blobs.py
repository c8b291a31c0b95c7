"""LocalBlobStore: content as files in a directory, written atomically and durably."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
import shutil
import time
from base64 import b64encode
from collections.abc import AsyncIterable, AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import anyio

from wopihost.adapters.file_streams import RecentlyOpened, stream_file
from wopihost.domain.ids import new_id
from wopihost.domain.records import StoredBlob
from wopihost.errors import FileTooLarge, NotFound, StorageUnavailable
from wopihost.ports import BlobEntry

# Chunks are gathered up to this size before one write in a worker thread, to keep thread hops few.
_WRITE_BUFFER = 1024 * 1024


class LocalBlobStore:
    """Blobs under `root/ab/cd/<key>`; uploads go to `root/tmp` first, then fsync and rename into place.

    A writer holds an exclusive `flock` on its temporary file from creation until the file has been renamed
    into place. The kernel drops the lock when the process dies, however it dies, so a temporary file whose
    lock can be taken has no live writer and is debris; one still locked belongs to a running upload (of this
    process, a sibling worker, or another node on a disk with working locks) and is never touched.
    """

    def __init__(self, root: Path, *, chunk_size: int = 256 * 1024) -> None:
        self.root = root
        self._tmp = root / "tmp"
        self._chunk_size = chunk_size
        self._recent = RecentlyOpened()
        self._tmp.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise NotFound(f"invalid blob key {key!r}")
        return self.root / key[:2] / key[2:4] / key

    async def put(self, chunks: AsyncIterable[bytes], *, max_size: int) -> StoredBlob:
        key = new_id()
        part = _Part(self._tmp, key)
        writer = _BlockWriter(part)
        size = 0
        try:
            buffer = bytearray()
            async for chunk in chunks:
                size += len(chunk)
                if size > max_size:
                    raise FileTooLarge(size, max_size)
                buffer += chunk
                if len(buffer) >= _WRITE_BUFFER:
                    await writer.write(buffer)
                    buffer = bytearray()
            await writer.wait()
            # The last block, the fsync and the rename in one hop: a save smaller than the buffer costs one
            # worker thread round trip, not one per step, which a busy event loop pays for in latency.
            await anyio.to_thread.run_sync(part.finish, buffer, self._path(key))
        except BaseException:
            with anyio.CancelScope(shield=True):
                await writer.settle()
                await anyio.to_thread.run_sync(part.discard)
            raise
        return StoredBlob(key=key, size=size, sha256=b64encode(part.digest()).decode("ascii"))

    async def open(self, key: str) -> AsyncIterator[bytes]:
        return await stream_file(self._path(key), self._chunk_size, self._recent)

    async def delete(self, key: str) -> None:
        await anyio.to_thread.run_sync(_unlink_quietly, self._path(key))

    async def copy(self, key: str) -> str:
        return await anyio.to_thread.run_sync(self._copy, key)

    def _copy(self, key: str) -> str:
        source, new_key = self._path(key), new_id()
        final = self._path(new_key)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Blobs are never modified in place, so two keys may share one inode.
            os.link(source, final)
        except FileNotFoundError as exc:
            raise NotFound(f"blob {key} is missing") from exc
        except OSError:
            self._copy_bytes(source, new_key)
            return new_key
        # A link shares the source's times; the copy must look new to the orphan check's grace period.
        os.utime(final)
        _fsync_dir(final.parent)
        return new_key

    def _copy_bytes(self, source: Path, new_key: str) -> None:
        tmp = self._tmp / f"{new_key}.part"
        try:
            with source.open("rb") as reader, _create_locked(self._tmp, new_key) as writer:
                shutil.copyfileobj(reader, writer, _WRITE_BUFFER)
                writer.flush()
                os.fsync(writer.fileno())
                _publish(tmp, self._path(new_key))
        except FileNotFoundError as exc:
            _unlink_quietly(tmp)
            raise NotFound(f"blob {source.name} is missing") from exc
        except BaseException:
            _unlink_quietly(tmp)
            raise

    async def keys(self) -> AsyncIterator[BlobEntry]:
        for first in await anyio.to_thread.run_sync(_sorted_subdirs, self.root):
            for second in await anyio.to_thread.run_sync(_sorted_subdirs, first):
                for entry in await anyio.to_thread.run_sync(_sorted_blobs, second):
                    yield entry

    async def download_url(self, key: str) -> str | None:
        return None

    def sweep_temporary(self) -> int:
        """Remove the temporary files of interrupted uploads (those no live writer holds); how many."""
        removed = 0
        for leftover in self._tmp.glob("*.part"):
            if _abandoned(leftover):
                leftover.unlink(missing_ok=True)
                removed += 1
        cutoff = time.time() - _CREATING_GRACE_SECONDS
        for leftover in self._tmp.glob("*.new"):
            with contextlib.suppress(FileNotFoundError):
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
                    removed += 1
        return removed


# A temporary file is created as `<key>.new`, locked, then renamed to `<key>.part`: a `.part` file is always
# locked while its writer lives. A `.new` file lives for microseconds; one older than this is debris.
_CREATING_GRACE_SECONDS = 60


def _create_locked(directory: Path, key: str) -> BinaryIO:
    """Create `<key>.part` in `directory`, open for writing and locked by this process."""
    creating, part = directory / f"{key}.new", directory / f"{key}.part"
    handle = creating.open("xb")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.replace(creating, part)
    except BaseException:
        handle.close()
        _unlink_quietly(creating)
        raise
    return handle


def _abandoned(path: Path) -> bool:
    """Whether no live process holds the temporary file's lock (taking it, briefly, to find out)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def _sorted_subdirs(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if len(p.name) == 2 and p.is_dir())


def _sorted_blobs(path: Path) -> list[BlobEntry]:
    entries = []
    for blob in sorted(path.iterdir()):
        with contextlib.suppress(FileNotFoundError):
            stored_at = datetime.fromtimestamp(blob.stat().st_mtime, UTC)
            entries.append(BlobEntry(blob.name, stored_at))
    return entries


class _Part:
    """An upload's temporary file, `<key>.part`: created on the first write and locked until it has been
    renamed into place (or discarded). Its methods run in worker threads, one at a time."""

    def __init__(self, directory: Path, key: str) -> None:
        self._directory = directory
        self._key = key
        self._path = directory / f"{key}.part"
        self._handle: BinaryIO | None = None
        self._hasher = hashlib.sha256()

    def write(self, block: bytearray) -> None:
        """Hash and append `block`, creating the file first if need be."""
        if self._handle is None:
            self._handle = _create_locked(self._directory, self._key)
        self._hasher.update(block)
        self._handle.write(block)

    def finish(self, block: bytearray, final: Path) -> None:
        """Append the last block, make the content durable and rename it to `final`, still locked."""
        self.write(block)
        assert self._handle is not None
        self._handle.flush()
        os.fsync(self._handle.fileno())
        _publish(self._path, final)
        self._close()

    def discard(self) -> None:
        """Close and remove the temporary file, whatever state it is in."""
        self._close()
        _unlink_quietly(self._path)

    def digest(self) -> bytes:
        """The SHA-256 of everything written."""
        return self._hasher.digest()

    def _close(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.close()


class _BlockWriter:
    """Hashes and writes an upload's blocks in a worker thread, one block at a time, while the event loop
    gathers the next: receiving and writing overlap, instead of taking turns. At most two blocks are held.

    Both hashing and writing release the GIL, so the thread and the event loop run at once. Blocks are handed
    over, not copied.
    """

    def __init__(self, part: _Part) -> None:
        self._part = part
        self._writing: asyncio.Future[None] | None = None

    async def write(self, block: bytearray) -> None:
        """Start writing `block` once the block before it is written."""
        await self.wait()
        self._writing = asyncio.get_running_loop().run_in_executor(None, self._part.write, block)

    async def wait(self) -> None:
        """Wait until every block handed over is written; raises what writing one raised."""
        if self._writing is not None:
            # Shielded, and forgotten only once done: a cancelled upload must not leave a write running
            # unseen (see settle).
            await asyncio.shield(self._writing)
            self._writing = None

    async def settle(self) -> None:
        """After a failure: wait for a write still running, ignoring its outcome, so that nothing touches
        the temporary file once the caller discards it."""
        writing, self._writing = self._writing, None
        if writing is not None:
            await asyncio.wait([writing])
            if not writing.cancelled():
                # Retrieved, so that asyncio does not log the write's own failure as never retrieved.
                writing.exception()


def _publish(tmp: Path, final: Path) -> None:
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final)
        _fsync_dir(final.parent)
    except OSError as exc:
        raise StorageUnavailable(f"blob store write failed: {exc.strerror}") from exc


def _unlink_quietly(path: Path) -> None:
    path.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
