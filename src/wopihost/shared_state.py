"""Wiring of the state every node shares: in Redis when `redis.url` is set, else in the database."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from wopihost.adapters.redis.client import Redis, RedisError, connect_redis, unavailable
from wopihost.adapters.redis.discovery_cache import RedisDiscoveryCache
from wopihost.adapters.redis.throttling import RedisFailureCounter
from wopihost.adapters.redis.web_sessions import RedisSessionStore
from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.shared_discovery import SqlDiscoveryCache
from wopihost.adapters.sql.throttling import SqlFailureCounter
from wopihost.adapters.sql.web_sessions import SqlSessionStore
from wopihost.config import Settings
from wopihost.ports import DiscoveryCache, FailureCounter, SessionStore


@dataclass(frozen=True, slots=True)
class SharedState:
    """Sign-in failure counters, web sessions and the discovery cache, on one back end."""

    failures: FailureCounter
    sessions: SessionStore
    discovery: DiscoveryCache
    redis: Redis | None = None

    async def ping(self) -> None:
        """Raise StorageUnavailable unless Redis answers (nothing to check when the database holds it)."""
        if self.redis is None:
            return
        try:
            await self.redis.ping()
        except RedisError as exc:
            raise unavailable("answering a ping", exc) from exc

    async def aclose(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()


def build_shared_state(settings: Settings, db: Database) -> SharedState:
    """The shared state's adapters for the settings."""
    # Named by the client's URL, so that pointing the host at another client never serves the old one's.
    name = hashlib.sha256(settings.discovery_url.encode()).hexdigest()[:32]
    if settings.redis.url is None:
        return SharedState(SqlFailureCounter(db), SqlSessionStore(db), SqlDiscoveryCache(db, name))
    redis = connect_redis(settings.redis)
    prefix = settings.redis.key_prefix
    return SharedState(
        failures=RedisFailureCounter(redis, prefix=prefix),
        sessions=RedisSessionStore(redis, prefix=prefix),
        discovery=RedisDiscoveryCache(redis, prefix=prefix, name=name),
        redis=redis,
    )
