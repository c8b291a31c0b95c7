"""Keys that sign access tokens."""

from __future__ import annotations

import hmac
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SigningKey:
    """One HMAC key, named by `kid` so tokens say which key signed them."""

    kid: str
    secret: bytes

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r}, secret=<hidden>)"


@dataclass(frozen=True, slots=True)
class SigningKeyring:
    """The key that signs new tokens and the retired keys that still verify live ones."""

    current: SigningKey
    previous: tuple[SigningKey, ...] = ()

    def find(self, kid: str) -> SigningKey | None:
        # Compared as bytes: compare_digest refuses str with non-ASCII characters, and `kid` is untrusted.
        wanted = kid.encode("utf-8", "surrogatepass")
        for key in (self.current, *self.previous):
            if hmac.compare_digest(key.kid.encode("utf-8"), wanted):
                return key
        return None
