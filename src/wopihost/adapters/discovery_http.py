"""Discovery sources: the WOPI client's discovery URL over HTTP, or a local XML file.

HTTPX is imported with the first fetch: a worker that finds discovery in the cluster's shared copy (every
worker but the first, and a restart while the copy is fresh) never loads the HTTP client stack.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from wopihost.domain.capabilities import MAX_CAPABILITIES_SIZE
from wopihost.errors import DiscoveryUnavailable
from wopihost.numbers import ascii_digits

if TYPE_CHECKING:
    import httpx

# Office for the web's discovery is about 400 KB; anything much larger is not a discovery document.
DEFAULT_MAX_SIZE = 5 * 1024 * 1024


class HttpDiscoverySource:
    """Fetches discovery XML from a URL, following redirects; refuses non-200 answers and oversized bodies.

    It also reads the /hosting/capabilities document that discovery advertises, with the same client rules.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        max_size: int = DEFAULT_MAX_SIZE,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._url = url
        self._timeout = timeout
        self._max_size = max_size
        self._transport = transport

    async def fetch(self) -> bytes:
        """Return the discovery XML; raise DiscoveryUnavailable (with no URL in its message) on failure."""
        return await self._get(self._url, "discovery", "application/xml, text/xml", self._max_size)

    async def fetch_capabilities(self, url: str) -> bytes:
        """Return the capabilities JSON at `url`; raise DiscoveryUnavailable (with no URL) on failure."""
        return await self._get(url, "capabilities", "application/json", MAX_CAPABILITIES_SIZE)

    async def _get(self, url: str, what: str, accept: str, max_size: int) -> bytes:
        import httpx

        try:
            async with (
                httpx.AsyncClient(
                    timeout=self._timeout, follow_redirects=True, transport=self._transport
                ) as client,
                client.stream("GET", url, headers={"Accept": accept}) as response,
            ):
                if response.status_code != 200:
                    raise DiscoveryUnavailable(f"{what} endpoint answered HTTP {response.status_code}")
                return await _read_capped(response, what, max_size)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise DiscoveryUnavailable(f"{what} request failed: {_describe(exc, url, what)}") from exc


async def _read_capped(response: httpx.Response, what: str, max_size: int) -> bytes:
    declared = ascii_digits(response.headers.get("Content-Length"))
    if declared is not None and declared > max_size:
        raise DiscoveryUnavailable(f"{what} document is larger than {max_size} bytes")
    body = bytearray()
    # The count is of decoded bytes, so a small compressed body cannot inflate past the cap.
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_size:
            raise DiscoveryUnavailable(f"{what} document is larger than {max_size} bytes")
    return bytes(body)


def _describe(exc: Exception, url: str, what: str) -> str:
    # Logs must not carry the URL: it may hold credentials or a tenant-specific host.
    message = str(exc).replace(url, f"<{what}-url>")
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


class FileDiscoverySource:
    """Reads discovery XML from a local file, for tests and hosts without network access to the client."""

    def __init__(self, path: Path, *, max_size: int = DEFAULT_MAX_SIZE) -> None:
        self._path = path
        self._max_size = max_size

    async def fetch(self) -> bytes:
        """Return the file's bytes; raise DiscoveryUnavailable if it cannot be read or is too large."""
        try:
            data = await anyio.Path(self._path).read_bytes()
        except OSError as exc:
            raise DiscoveryUnavailable(f"discovery file cannot be read: {exc.strerror or exc}") from exc
        if len(data) > self._max_size:
            raise DiscoveryUnavailable(f"discovery file is larger than {self._max_size} bytes")
        return data
