"""Sign-in throttling rules: which counters a failed sign-in feeds, and how long a full counter blocks.

Failures count per user name and client address together, so that guessing from one place cannot lock the
account for its owner elsewhere, and per address across all user names, with a looser limit, so that one
place cannot try many accounts. Keys are hashed: the counters hold no user names or addresses.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_USERNAME_KEY = 128
# One IPv6 subscriber usually holds a whole /64; counting per address there would give an attacker 2**64
# fresh counters for the looser limit.
_IPV6_PREFIX = 64


@dataclass(frozen=True, slots=True)
class ThrottleLimits:
    """How many failures each counter allows within the window before sign-in waits for it to pass."""

    per_user_address: int = 5
    per_address: int = 50
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Failures:
    """A counter: failures since `first_at`, within one window."""

    count: int
    first_at: datetime


def user_address_key(username: str, address: str) -> str:
    """The counter of one user name from one client address."""
    name = username.strip().lower()[:MAX_USERNAME_KEY]
    return _hashed(f"user\n{address_group(address)}\n{name}")


def address_key(address: str) -> str:
    """The counter of one client address across every user name."""
    return _hashed(f"address\n{address_group(address)}")


def address_group(address: str) -> str:
    """The address as counted: an IPv6 address by its /64, anything else as it is."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, _IPV6_PREFIX), strict=False))
    return str(parsed)


def seconds_blocked(failures: Failures | None, limit: int, window: timedelta, now: datetime) -> int:
    """Seconds until a counter allows another attempt; 0 when it allows one now."""
    if failures is None or failures.count < limit:
        return 0
    remaining = (failures.first_at + window - now).total_seconds()
    return max(0, math.ceil(remaining))


def _hashed(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
