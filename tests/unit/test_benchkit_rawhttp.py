"""The load client's HTTP/1.1 connection against a scripted server: framing, keep-alive, reconnects."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import pytest

from wopihost.benchkit.calls import Call
from wopihost.benchkit.loadclient import Recorder, send
from wopihost.benchkit.rawhttp import Connection, Origin, prepare

pytestmark = pytest.mark.anyio


class Scripted:
    """A server that answers the n-th request on any connection with the n-th canned response."""

    def __init__(self, responses: Sequence[bytes]) -> None:
        self.responses = list(responses)
        self.requests: list[bytes] = []
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while self.responses:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode("latin-1").split("\r\n"):
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                self.requests.append(head + await reader.readexactly(length))
                response = self.responses.pop(0)
                writer.write(response)
                await writer.drain()
                if b"Connection: close" in response or response.startswith(b"HTTP/1.0"):
                    break
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()


Serve = Callable[[Scripted], Awaitable[str]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    servers: list[asyncio.Server] = []

    async def start(script: Scripted) -> str:
        server = await asyncio.start_server(script.handle, "127.0.0.1", 0)
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/wopi/files/a"

    yield start
    for server in servers:
        server.close()


def test_prepare_encodes_request_line_host_length_and_headers() -> None:
    call = Call("POST", "http://h:8080/wopi/files/a?access_token=t", {"X-WOPI-Override": "PUT"}, b"abc")
    request = prepare(call)
    assert request.head.startswith(b"POST /wopi/files/a?access_token=t HTTP/1.1\r\nHost: h:8080\r\n")
    assert b"\r\nX-WOPI-Override: PUT\r\n" in request.head
    assert b"\r\nContent-Length: 3\r\n" in request.head
    assert request.head.endswith(b"\r\n\r\n")
    assert request.body == b"abc"
    assert request.label == "POST PUT"
    assert Origin.of("https://h/x").port == 443


async def test_send_reads_content_length_and_chunked_bodies_on_one_connection(serve: Serve) -> None:
    script = Scripted(
        [
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nTrailer: 1\r\n\r\n",
            b"HTTP/1.1 409 Conflict\r\nX-WOPI-Lock: other\r\nContent-Length: 0\r\n\r\n",
        ]
    )
    url = await serve(script)
    request = prepare(Call("POST", url, {"X-WOPI-Override": "REFRESH_LOCK"}))
    connection = Connection(request.origin, timeout=5)
    replies = [await connection.send(request) for _ in range(3)]
    await connection.aclose()
    assert [(r.status, r.received) for r in replies] == [(200, 5), (200, 5), (409, 0)]
    assert script.connections == 1
    assert all(r.startswith(b"POST /wopi/files/a HTTP/1.1\r\n") for r in script.requests)


async def test_send_reconnects_after_the_server_closes_the_connection(serve: Serve) -> None:
    script = Scripted(
        [
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
            b"HTTP/1.0 200 OK\r\n\r\nuntil the end",
            b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
        ]
    )
    url = await serve(script)
    request = prepare(Call("GET", url))
    connection = Connection(request.origin, timeout=5)
    replies = [await connection.send(request) for _ in range(3)]
    await connection.aclose()
    assert [(r.status, r.received) for r in replies] == [(200, 2), (200, 13), (204, 0)]
    assert script.connections == 3


async def test_send_records_a_cut_response_and_an_error_status_as_errors(serve: Serve) -> None:
    script = Scripted(
        [
            b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort",
        ]
    )
    url = await serve(script)
    request = prepare(Call("GET", url))
    connection = Connection(request.origin, timeout=5)
    recorder = Recorder()
    assert await send(connection, request, recorder) == 500
    assert await send(connection, request, recorder) == 0
    await connection.aclose()
    assert recorder.errors == 2
    assert len(recorder.latencies_ms) == 2
    assert "HTTP 500" in recorder.failures[0]
    assert "ProtocolError" in recorder.failures[1]


async def test_send_refuses_a_request_for_another_origin() -> None:
    connection = Connection(Origin.of("http://127.0.0.1:1/"))
    with pytest.raises(ValueError, match="this connection"):
        await connection.send(prepare(Call("GET", "http://127.0.0.1:2/x")))
