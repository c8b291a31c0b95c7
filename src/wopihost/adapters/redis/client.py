"""The Redis connection from the [redis] settings, key names under the configured prefix, and timestamps.

Times are stored as integer microseconds since the epoch, so that a datetime read back equals the one
written and Lua scripts can compare them as numbers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from wopihost.config import RedisSettings
from wopihost.errors import StorageUnavailable

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

Redis = aioredis.Redis

__all__ = ["Redis", "RedisError", "as_bytes", "connect_redis", "from_micros", "micros", "ping", "unavailable"]


def connect_redis(settings: RedisSettings) -> Redis:
    """A pooled client for the configured URL; connections open on first use."""
    if settings.url is None:
        raise ValueError("redis.url is not set")
    client: Redis = aioredis.Redis.from_url(
        settings.url,
        socket_connect_timeout=settings.connect_timeout_seconds,
        socket_timeout=settings.socket_timeout_seconds,
        health_check_interval=30,
    )
    return client


def micros(moment: datetime) -> int:
    """`moment` as whole microseconds since the epoch."""
    return (moment - EPOCH) // _MICROSECOND


def from_micros(value: int | bytes | str) -> datetime:
    """The datetime of a value written by `micros`."""
    return EPOCH + timedelta(microseconds=int(value))


def as_bytes(value: bytes | str) -> bytes:
    """A reply as bytes (the client returns bytes; its types also allow str)."""
    return value.encode() if isinstance(value, str) else value


def unavailable(what: str, exc: RedisError) -> StorageUnavailable:
    """The domain error for a Redis failure, naming what was being done."""
    return StorageUnavailable(f"Redis failed while {what}: {type(exc).__name__}")


async def ping(client: Redis) -> None:
    """Raise StorageUnavailable unless Redis answers."""
    try:
        await client.ping()
    except RedisError as exc:
        raise unavailable("answering a ping", exc) from exc
