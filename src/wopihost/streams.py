"""Request bodies as streams with an idle limit, shared by the WOPI surface and the web UI."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator

import anyio

from wopihost.errors import InvalidRequest


async def idle_limited(chunks: AsyncIterable[bytes], idle_seconds: float) -> AsyncIterator[bytes]:
    """Yield the chunks; raise InvalidRequest if none arrives for `idle_seconds` (a stalled upload)."""
    iterator = chunks.__aiter__()
    while True:
        try:
            with anyio.fail_after(idle_seconds):
                chunk = await iterator.__anext__()
        except StopAsyncIteration:
            return
        except TimeoutError as exc:
            raise InvalidRequest("the upload stalled: no data arrived for too long") from exc
        yield chunk
