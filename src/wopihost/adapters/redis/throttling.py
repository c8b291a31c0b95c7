"""RedisFailureCounter: sign-in failure counters as hashes, counted by one Lua script per failure.

The script restarts a counter whose window has passed and counts otherwise, atomically, so that failures
arriving at several nodes at once each count. A counter's key expires with its window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from wopihost.adapters.redis.client import Redis, RedisError, from_micros, micros, unavailable
from wopihost.domain.throttling import Failures

# KEYS: the counters. ARGV: now and the window's start (microseconds), the window in milliseconds.
_ADD_FAILURE = """
for _, key in ipairs(KEYS) do
  local first = redis.call('HGET', key, 'first')
  if first and tonumber(first) > tonumber(ARGV[2]) then
    redis.call('HINCRBY', key, 'count', 1)
  else
    redis.call('HSET', key, 'count', 1, 'first', ARGV[1])
    redis.call('PEXPIRE', key, ARGV[3])
  end
end
return 0
"""


class RedisFailureCounter:
    """Failure counters under `<prefix>signin:`."""

    def __init__(self, redis: Redis, *, prefix: str) -> None:
        self._redis = redis
        self._prefix = f"{prefix}signin:"
        self._add = redis.register_script(_ADD_FAILURE)

    async def add_failure(self, keys: Sequence[str], *, now: datetime, window: timedelta) -> None:
        window_ms = max(1, int(window.total_seconds() * 1000))
        args = [micros(now), micros(now - window), window_ms]
        try:
            await self._add(keys=[self._key(key) for key in keys], args=args)
        except RedisError as exc:
            raise unavailable("counting a failed sign-in", exc) from exc

    async def failures(
        self, keys: Sequence[str], *, now: datetime, window: timedelta
    ) -> Mapping[str, Failures]:
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.hmget(self._key(key), "count", "first")
                rows = await pipe.execute()
        except RedisError as exc:
            raise unavailable("reading sign-in failures", exc) from exc
        found: dict[str, Failures] = {}
        for key, (count, first) in zip(keys, rows, strict=True):
            if count is None or first is None:
                continue
            first_at = from_micros(first)
            if first_at > now - window:
                found[key] = Failures(int(count), first_at)
        return found

    async def clear(self, key: str) -> None:
        try:
            await self._redis.delete(self._key(key))
        except RedisError as exc:
            raise unavailable("clearing sign-in failures", exc) from exc

    def _key(self, key: str) -> str:
        return self._prefix + key
