"""RedisSessionStore: web UI sessions as hashes under `<prefix>session:`, expiring with the session."""

from __future__ import annotations

import math
from datetime import datetime

from wopihost.adapters.redis.client import Redis, RedisError, as_bytes, from_micros, micros, unavailable
from wopihost.ports import StoredSession


class RedisSessionStore:
    """Each session one hash (its JSON and its end), with a TTL so that Redis forgets ended ones."""

    def __init__(self, redis: Redis, *, prefix: str) -> None:
        self._redis = redis
        self._prefix = f"{prefix}session:"

    async def load(self, session_id: str, *, now: datetime) -> StoredSession | None:
        try:
            data, expires = await self._redis.hmget(self._prefix + session_id, "data", "expires")
        except RedisError as exc:
            raise unavailable("reading a session", exc) from exc
        if data is None or expires is None:
            return None
        expires_at = from_micros(expires)
        return StoredSession(as_bytes(data), expires_at) if expires_at > now else None

    async def save(self, session_id: str, data: bytes, *, expires_at: datetime, now: datetime) -> None:
        ttl_ms = max(1, math.ceil((expires_at - now).total_seconds() * 1000))
        key = self._prefix + session_id
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping={"data": data, "expires": micros(expires_at)})
                pipe.pexpire(key, ttl_ms)
                await pipe.execute()
        except RedisError as exc:
            raise unavailable("saving a session", exc) from exc

    async def delete(self, session_id: str) -> None:
        try:
            await self._redis.delete(self._prefix + session_id)
        except RedisError as exc:
            raise unavailable("ending a session", exc) from exc
