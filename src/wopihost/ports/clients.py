"""The WOPI client's discovery and capabilities, and the keys that sign access tokens."""

from __future__ import annotations

from typing import Protocol

from wopihost.domain.signing import SigningKeyring


class DiscoverySource(Protocol):
    """Where the WOPI client's discovery XML comes from (an HTTP URL in production)."""

    async def fetch(self) -> bytes:
        """Return the discovery XML; raise DiscoveryUnavailable if it cannot be had."""
        ...


class CapabilitiesSource(Protocol):
    """Reads the /hosting/capabilities document that a client's discovery advertises."""

    async def fetch_capabilities(self, url: str) -> bytes:
        """Return the JSON at `url`; raise DiscoveryUnavailable (and nothing else) if it cannot be had."""
        ...


class KeyringSource(Protocol):
    """The token signing keys, which an operator may rotate while servers run."""

    def current(self) -> SigningKeyring:
        """The keys as last loaded, re-read now and then so that every process picks up a rotation."""
        ...

    def reload(self) -> SigningKeyring:
        """Re-read the keys now (rate-limited), e.g. when a token names a key this process does not know."""
        ...
