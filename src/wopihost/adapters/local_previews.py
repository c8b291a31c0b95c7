"""LocalPreviewImages: rendered preview images in a derivatives directory, `root/<file>/<version>/<name>.png`.

Images can always be rendered again from the content, so they live apart from the blob store and its
durability guarantees; each is still written to a temporary name and renamed, never seen half-written.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import anyio

from wopihost.adapters.file_streams import stream_file
from wopihost.domain.ids import looks_like_id, new_id
from wopihost.errors import NotFound, StorageUnavailable

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


class LocalPreviewImages:
    """Preview images as PNG files under a directory of their own."""

    def __init__(self, root: Path, *, chunk_size: int = 256 * 1024) -> None:
        self.root = root
        self._chunk_size = chunk_size

    def _dir(self, file_id: str, version: int | None = None) -> Path:
        if not looks_like_id(file_id):
            raise NotFound(f"invalid file id {file_id!r}")
        folder = self.root / file_id
        return folder if version is None else folder / str(int(version))

    def _path(self, file_id: str, version: int, name: str) -> Path:
        if not name or not set(name) <= _NAME_CHARS:
            raise NotFound(f"invalid image name {name!r}")
        return self._dir(file_id, version) / f"{name}.png"

    async def put(self, file_id: str, version: int, name: str, data: bytes) -> None:
        await anyio.to_thread.run_sync(_write_atomically, self._path(file_id, version, name), data)

    async def open(self, file_id: str, version: int, name: str) -> AsyncIterator[bytes]:
        return await stream_file(self._path(file_id, version, name), self._chunk_size)

    async def keep_only(self, file_id: str, version: int | None) -> None:
        folder = self._dir(file_id)
        await anyio.to_thread.run_sync(_remove_versions_except, folder, version)

    async def list_file_ids(self) -> Sequence[str]:
        return await anyio.to_thread.run_sync(self._list_file_ids)

    def _list_file_ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return [entry.name for entry in self.root.iterdir() if looks_like_id(entry.name)]


def _write_atomically(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{new_id()}.part")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise StorageUnavailable(f"preview image write failed: {exc.strerror}") from exc


def _remove_versions_except(folder: Path, keep: int | None) -> None:
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if keep is None or entry.name != str(keep):
            shutil.rmtree(entry, ignore_errors=True)
    if keep is None:
        shutil.rmtree(folder, ignore_errors=True)
