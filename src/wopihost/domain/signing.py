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
        for key in (self.current, *self.previous):
            if hmac.compare_digest(key.kid, kid):
                return key
        return None
