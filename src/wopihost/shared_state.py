"""Wiring of the state every node shares: in Redis when `redis.url` is set, else in the database."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.shared_discovery import SqlDiscoveryCache
from wopihost.adapters.sql.throttling import SqlFailureCounter
from wopihost.adapters.sql.web_sessions import SqlSessionStore
from wopihost.config import Settings
from wopihost.ports import DiscoveryCache, FailureCounter, SessionStore


async def _nothing() -> None:
    """The database's shared state has no connection of its own to check or close."""


@dataclass(frozen=True, slots=True)
class SharedState:
    """Sign-in failure counters, web sessions and the discovery cache, on one back end.

    `ping` raises StorageUnavailable unless that back end answers; `aclose` closes its connections.
    """

    failures: FailureCounter
    sessions: SessionStore
    discovery: DiscoveryCache
    ping: Callable[[], Awaitable[None]] = _nothing
    aclose: Callable[[], Awaitable[None]] = _nothing


def build_shared_state(settings: Settings, db: Database) -> SharedState:
    """The shared state's adapters for the settings."""
    # Named by the client's URL, so that pointing the host at another client never serves the old one's.
    name = hashlib.sha256(settings.discovery_url.encode()).hexdigest()[:32]
    if settings.redis.url is None:
        return SharedState(SqlFailureCounter(db), SqlSessionStore(db), SqlDiscoveryCache(db, name))
    # Imported only when Redis is configured: redis-py loads OpenTelemetry whenever it is installed, and a
    # host with tracing off loads none of it.
    from wopihost.adapters.redis.client import connect_redis, ping
    from wopihost.adapters.redis.discovery_cache import RedisDiscoveryCache
    from wopihost.adapters.redis.throttling import RedisFailureCounter
    from wopihost.adapters.redis.web_sessions import RedisSessionStore

    redis = connect_redis(settings.redis)
    prefix = settings.redis.key_prefix
    return SharedState(
        failures=RedisFailureCounter(redis, prefix=prefix),
        sessions=RedisSessionStore(redis, prefix=prefix),
        discovery=RedisDiscoveryCache(redis, prefix=prefix, name=name),
        ping=functools.partial(ping, redis),
        aclose=redis.aclose,
    )
