"""A small HTTP/1.1 keep-alive client on asyncio streams, one connection per simulated WOPI client.

A general client spends more CPU per request than a WOPI host does to answer a CheckFileInfo, so on a
small machine it cannot keep a few hundred connections busy. This one writes request bytes built once per
request and reads back only what it needs: the status, the body's framing (Content-Length, chunked, or
until the connection closes) and whether the host keeps the connection open.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from wopihost.benchkit.calls import Call

READ_SIZE = 1 << 20
HEAD_LIMIT = 1 << 16
# Bodies are written in slices of this size (see Connection._exchange).
_BODY_SLICE = 1 << 20
# Responses to these carry no body whatever their headers say (RFC 9112, section 6.3).
_NO_BODY = frozenset({204, 304})


class ProtocolError(Exception):
    """The server's response is not HTTP/1.1 this client can read."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where requests go: scheme, host and port."""

    scheme: str
    host: str
    port: int

    @classmethod
    def of(cls, url: str) -> Origin:
        """The origin of an http(s) URL."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url}")
        return cls(parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))

    @property
    def authority(self) -> str:
        """The Host header's value."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Request:
    """A request ready to write: its origin, the request line and headers as bytes, and the body."""

    origin: Origin
    head: bytes
    body: bytes
    method: str
    label: str


def prepare(call: Call) -> Request:
    """Encode `call` once, to be sent any number of times on keep-alive connections."""
    origin = Origin.of(call.url)
    parts = urlsplit(call.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"{call.method} {target} HTTP/1.1", f"Host: {origin.authority}"]
    given = {name.lower() for name in call.headers}
    lines += [f"{name}: {value}" for name, value in call.headers.items()]
    if "content-length" not in given and (call.body or call.method in ("POST", "PUT", "PATCH")):
        lines.append(f"Content-Length: {len(call.body)}")
    if "user-agent" not in given:
        lines.append("User-Agent: wopihost-bench")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    label = f"{call.method} {call.headers.get('X-WOPI-Override', parts.path.rsplit('/', 1)[-1])}"
    return Request(origin, head, call.body, call.method, label)


@dataclass(frozen=True, slots=True)
class Reply:
    """What came back: the status and how many body bytes."""

    status: int
    received: int


def tls_context(*, verify: bool) -> ssl.SSLContext:
    """A client TLS context, verifying certificates unless told not to."""
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class Connection:
    """One keep-alive connection to one origin, opened on first use and again after the server closes it.

    Requests on one connection are sent one after the other; it is not safe to share between tasks.
    """

    def __init__(self, origin: Origin, *, verify: bool = True, timeout: float = 60.0) -> None:
        self.origin = origin
        self._tls = tls_context(verify=verify) if origin.scheme == "https" else None
        self._timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def send(self, request: Request) -> Reply:
        """Send `request` and read its whole response; raises OSError, TimeoutError or ProtocolError."""
        if request.origin != self.origin:
            raise ValueError(f"{request.label} is for {request.origin}, this connection for {self.origin}")
        try:
            async with asyncio.timeout(self._timeout):
                return await self._exchange(request)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            await self.aclose()
            raise ProtocolError(f"a response cut short or malformed: {exc}") from exc
        except BaseException:
            # The connection is in an unknown state: part of a request or a response may be in flight.
            await self.aclose()
            raise

    async def _exchange(self, request: Request) -> Reply:
        reader, writer = await self._open()
        writer.write(request.head)
        # A large body goes in slices, each once the last has drained: handed over whole, it would first be
        # copied into the transport's buffer, which takes the client longer than sending it.
        body = memoryview(request.body)
        for start in range(0, len(body), _BODY_SLICE):
            writer.write(body[start : start + _BODY_SLICE])
            await writer.drain()
        await writer.drain()
        status, length, chunked, keep_alive = await _read_head(reader)
        if request.method == "HEAD" or status in _NO_BODY or status < 200:
            received = 0
        elif chunked:
            received = await _read_chunked(reader)
        elif length is not None:
            received = await _read_exactly(reader, length)
        else:
            received = await _read_to_end(reader)
            keep_alive = False
        if not keep_alive:
            await self.aclose()
        return Reply(status, received)

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is not None and self._writer is not None:
            if not self._reader.at_eof() and not self._writer.is_closing():
                return self._reader, self._writer
            await self.aclose()
        self._reader, self._writer = await asyncio.open_connection(
            self.origin.host,
            self.origin.port,
            ssl=self._tls,
            server_hostname=self.origin.host if self._tls else None,
            limit=HEAD_LIMIT,
        )
        return self._reader, self._writer

    async def aclose(self) -> None:
        """Close the connection if it is open."""
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, int | None, bool, bool]:
    """The status, Content-Length, whether chunked, and whether the connection stays open."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError as exc:
        raise ProtocolError("response headers too large") from exc
    except asyncio.IncompleteReadError as exc:
        raise ProtocolError("the connection closed before a response") from exc
    status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
    version, _, rest = status_line.partition(" ")
    if not version.startswith("HTTP/1.") or not rest[:3].isdigit():
        raise ProtocolError(f"not an HTTP/1.x status line: {status_line[:80]!r}")
    length: int | None = None
    chunked = False
    keep_alive = version == "HTTP/1.1"
    for line in header_lines:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            if not value.isdigit():
                raise ProtocolError(f"bad Content-Length: {value!r}")
            length = int(value)
        elif name == "transfer-encoding":
            chunked = value.rsplit(",", 1)[-1].strip() == "chunked"
        elif name == "connection":
            tokens = {token.strip() for token in value.split(",")}
            keep_alive = "close" not in tokens and (keep_alive or "keep-alive" in tokens)
    return int(rest[:3]), length, chunked, keep_alive


async def _read_exactly(reader: asyncio.StreamReader, length: int) -> int:
    remaining = length
    while remaining:
        data = await reader.read(min(remaining, READ_SIZE))
        if not data:
            raise ProtocolError(f"the connection closed {remaining} bytes before the body's end")
        remaining -= len(data)
    return length


async def _read_chunked(reader: asyncio.StreamReader) -> int:
    received = 0
    while True:
        size_line = await reader.readuntil(b"\r\n")
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError as exc:
            raise ProtocolError(f"bad chunk size: {size_line[:40]!r}") from exc
        if size == 0:
            # Trailer fields, if any, end with an empty line.
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass
            return received
        received += await _read_exactly(reader, size)
        if await reader.readexactly(2) != b"\r\n":
            raise ProtocolError("a chunk does not end with CRLF")


async def _read_to_end(reader: asyncio.StreamReader) -> int:
    received = 0
    while data := await reader.read(READ_SIZE):
        received += len(data)
    return received
