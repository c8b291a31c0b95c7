"""RedisDiscoveryCache: the cluster's discovery as one hash, and its refresh lease as `SET NX PX`."""

from __future__ import annotations

from datetime import datetime, timedelta

from wopihost.adapters.redis.client import Redis, RedisError, as_bytes, from_micros, micros, unavailable
from wopihost.ports import SharedDiscovery

# Takes the lease when nobody holds it, or extends it for its own holder; `SET NX PX` in the first case.
_CLAIM = """
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
# Deletes the lease only while it is the caller's, so that a holder whose lease ran out cannot end the next.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
_FIELDS = ("xml", "capabilities", "fetched", "attempted", "error")


class RedisDiscoveryCache:
    """One WOPI client's shared discovery, under `name` (a hash of its URL)."""

    def __init__(self, redis: Redis, *, prefix: str, name: str) -> None:
        self._redis = redis
        self._key = f"{prefix}discovery:{name}"
        self._lease = f"{prefix}discovery-lease:{name}"
        self._claim = redis.register_script(_CLAIM)
        self._release = redis.register_script(_RELEASE)

    async def read(self) -> SharedDiscovery | None:
        try:
            xml, capabilities, fetched, attempted, error = await self._redis.hmget(self._key, *_FIELDS)
        except RedisError as exc:
            raise unavailable("reading the shared discovery", exc) from exc
        if attempted is None:
            return None
        return SharedDiscovery(
            xml=as_bytes(xml) if xml else None,
            capabilities=as_bytes(capabilities) if capabilities else None,
            fetched_at=from_micros(fetched) if fetched else None,
            attempted_at=from_micros(attempted),
            error=as_bytes(error).decode() if error else None,
        )

    async def write(self, entry: SharedDiscovery) -> None:
        try:
            await self._redis.hset(
                self._key,
                mapping={
                    "xml": entry.xml or b"",
                    "capabilities": entry.capabilities or b"",
                    "fetched": micros(entry.fetched_at) if entry.fetched_at else b"",
                    "attempted": micros(entry.attempted_at),
                    "error": entry.error.encode() if entry.error else b"",
                },
            )
        except RedisError as exc:
            raise unavailable("writing the shared discovery", exc) from exc

    async def claim(self, holder: str, *, now: datetime, ttl: timedelta) -> bool:
        # Redis times the lease itself; `now` matters only to back ends without their own clock.
        ttl_ms = max(1, int(ttl.total_seconds() * 1000))
        try:
            return bool(await self._claim(keys=[self._lease], args=[holder, ttl_ms]))
        except RedisError as exc:
            raise unavailable("claiming the discovery lease", exc) from exc

    async def release(self, holder: str) -> None:
        try:
            await self._release(keys=[self._lease], args=[holder])
        except RedisError as exc:
            raise unavailable("releasing the discovery lease", exc) from exc
