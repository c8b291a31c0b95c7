"""Opaque identifiers: URL-safe, case-insensitive, never reused."""

from __future__ import annotations

import base64
import re
import secrets

_ID_PATTERN = re.compile(r"^[a-z2-7]{24}$")


def new_id() -> str:
    """Return a new random identifier of 24 lower-case base32 characters (120 bits)."""
    return base64.b32encode(secrets.token_bytes(15)).decode("ascii").lower()


def looks_like_id(value: str) -> bool:
    """Tell whether `value` has the shape of an identifier made by `new_id`."""
    return bool(_ID_PATTERN.match(value))
