"""The machine's Redis for tests: a unique key prefix per test, and every key under it removed afterwards."""

from __future__ import annotations

import secrets

import redis.asyncio as aioredis

from tests.services import require_tcp_service

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


def require_redis() -> None:
    """Skip (or, in CI, fail) unless Redis listens on loopback."""
    require_tcp_service("Redis", REDIS_HOST, REDIS_PORT)


def unique_prefix() -> str:
    """A key prefix no other test uses."""
    return f"wopihost-test:{secrets.token_hex(8)}:"


async def delete_prefix(prefix: str) -> None:
    """Remove every key under `prefix`."""
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=500)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
