"""OLE2 compound files (the container of .doc and .ppt) and bounds-checked binary reads."""

from __future__ import annotations

import io
import struct

import olefile

from wopihost.devclient.documents.safety import Limits, unreadable
from wopihost.errors import FileTooLarge, UnreadableDocument

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_streams(content: bytes, names: tuple[str, ...], limits: Limits) -> dict[str, bytes]:
    """Return those of the named top-level streams that exist in an OLE2 file."""
    if not content.startswith(OLE_MAGIC):
        raise UnreadableDocument("not an OLE2 compound file")
    # A file object, never bytes: olefile takes short bytes for a path to open.
    with unreadable("OLE2"), olefile.OleFileIO(io.BytesIO(content)) as ole:
        return {name: _stream(ole, name, limits) for name in names if ole.exists(name)}


def _stream(ole: olefile.OleFileIO, name: str, limits: Limits) -> bytes:
    size = ole.get_size(name)
    if size > limits.max_unpacked_bytes:
        raise FileTooLarge(size, limits.max_unpacked_bytes)
    data = ole.openstream(name).read()
    assert isinstance(data, bytes)
    return data


def u16(data: bytes, offset: int) -> int:
    """Return the little-endian unsigned 16-bit integer at `offset`."""
    return _unpack("<H", data, offset)


def u32(data: bytes, offset: int) -> int:
    """Return the little-endian unsigned 32-bit integer at `offset`."""
    return _unpack("<I", data, offset)


def i16(data: bytes, offset: int) -> int:
    """Return the little-endian signed 16-bit integer at `offset`."""
    return _unpack("<h", data, offset)


def _unpack(layout: str, data: bytes, offset: int) -> int:
    if offset < 0 or offset + struct.calcsize(layout) > len(data):
        raise UnreadableDocument("a structure points past the end of its stream")
    value = struct.unpack_from(layout, data, offset)[0]
    assert isinstance(value, int)
    return value
