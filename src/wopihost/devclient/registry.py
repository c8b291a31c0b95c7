"""Which node holds each document's editing session, in Redis, so that N development clients act as one.

A document is live on exactly one node, as with Collabora Online and Office Online: its owner holds a
lease (a Redis hash with an expiry) that it renews while the session lives, and other nodes forward the
session's requests to it. The owner also records the session's WOPI lock ID and revision, which outlive the
lease for a WOPI lock's lifetime, so that a node taking over from a dead owner keeps the host's lock. Each
page's pid maps to what is needed to route it and rejoin it elsewhere: the document, the WOPISrc, the
user's access token and the app. Redis is trusted like the web UI's session store; tokens never reach logs.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any, cast

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from wopihost.config import Settings
from wopihost.errors import StorageUnavailable

# A WOPI lock lives 30 minutes without a refresh; the recorded lock ID is useless after that.
STATE_SECONDS = 30 * 60.0

# Return the owner's node URL, claiming the lease for ARGV[1] when nobody holds it.
_CLAIM = """
local owner = redis.call('HGET', KEYS[1], 'node')
if owner then return owner end
redis.call('HSET', KEYS[1], 'node', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return ARGV[1]
"""
# Extend the lease only while ARGV[1] still holds it; record the lock ID and revision when one is given.
_RENEW = """
if redis.call('HGET', KEYS[1], 'node') ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[2], 'lock', ARGV[3], 'rev', ARGV[4])
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
end
return 1
"""
_RELEASE = """
if redis.call('HGET', KEYS[1], 'node') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
"""


@dataclass(frozen=True, slots=True)
class PageRecord:
    """What any node needs to route a page's requests, and to rejoin its user when the owner is gone."""

    key: str
    wopi_src: str
    access_token: str
    token_expires_ms: int
    session_context: str | None
    app_slug: str

    def to_json(self) -> bytes:
        """Return the record as stored."""
        return orjson.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes) -> PageRecord | None:
        """Return a stored record, or None when it is not one (written by another version)."""
        try:
            data: dict[str, Any] = orjson.loads(raw)
            return cls(**data)
        except (orjson.JSONDecodeError, TypeError):
            return None


@dataclass(frozen=True, slots=True)
class Handover:
    """What a dead owner left: the WOPI lock ID it held and the revision its pages last saw."""

    lock_id: str
    revision: int


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class SessionRegistry:
    """Session ownership, handover state and page records under one key prefix of one Redis."""

    def __init__(
        self, redis: aioredis.Redis, *, prefix: str, node_url: str, lease_seconds: float, page_seconds: float
    ) -> None:
        self.node_url = node_url.rstrip("/")
        self.lease_seconds = lease_seconds
        self._redis = redis
        self._prefix = f"{prefix}devclient:"
        self._lease_ms = max(1, int(lease_seconds * 1000))
        self._page_seconds = max(1, int(page_seconds))
        self._claim = redis.register_script(_CLAIM)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    def _owner_key(self, key: str) -> str:
        return f"{self._prefix}owner:{_hash(key)}"

    def _state_key(self, key: str) -> str:
        return f"{self._prefix}state:{_hash(key)}"

    def _page_key(self, pid: str) -> str:
        return f"{self._prefix}page:{pid}"

    async def claim(self, key: str) -> str:
        """Return the node holding the document's session, taking the lease for this node if none does."""
        try:
            owner = await self._claim(keys=[self._owner_key(key)], args=[self.node_url, self._lease_ms])
        except RedisError as exc:
            raise _unavailable("claiming a session", exc) from exc
        return _text(cast(bytes | str, owner))

    async def renew(self, key: str, *, lock_id: str = "", revision: int = 0) -> bool:
        """Extend this node's lease and record the session's lock; False when another node holds it."""
        keys = [self._owner_key(key), self._state_key(key)]
        args: list[str | int] = [self.node_url, self._lease_ms, lock_id, revision, int(STATE_SECONDS * 1000)]
        try:
            return bool(await self._renew(keys=keys, args=args))
        except RedisError as exc:
            raise _unavailable("renewing a session lease", exc) from exc

    async def release(self, key: str) -> None:
        """Give up this node's lease (the session ended here); the lock record expires on its own."""
        try:
            await self._release(keys=[self._owner_key(key)], args=[self.node_url])
        except RedisError as exc:
            raise _unavailable("releasing a session", exc) from exc

    async def handover(self, key: str) -> Handover | None:
        """Return the lock ID and revision the last owner recorded, or None."""
        try:
            fields = await self._redis.hgetall(self._state_key(key))
        except RedisError as exc:
            raise _unavailable("reading a session's lock", exc) from exc
        state = {_text(k): _text(v) for k, v in fields.items()}
        if not state.get("lock"):
            return None
        return Handover(state["lock"], int(state.get("rev") or 0))

    async def remember_page(self, pid: str, record: PageRecord) -> None:
        """Record a page, for as long as pages are remembered."""
        try:
            await self._redis.set(self._page_key(pid), record.to_json(), ex=self._page_seconds)
        except RedisError as exc:
            raise _unavailable("recording a page", exc) from exc

    async def find_page(self, pid: str) -> PageRecord | None:
        """Return a page's record, or None."""
        try:
            raw = await self._redis.get(self._page_key(pid))
        except RedisError as exc:
            raise _unavailable("reading a page", exc) from exc
        return PageRecord.from_json(raw.encode() if isinstance(raw, str) else raw) if raw else None

    async def forget_page(self, pid: str) -> None:
        """Forget a page whose user left or was removed, so that no node rejoins them."""
        try:
            await self._redis.delete(self._page_key(pid))
        except RedisError as exc:
            raise _unavailable("forgetting a page", exc) from exc

    async def aclose(self) -> None:
        """Close the connections."""
        await self._redis.aclose()


def _unavailable(what: str, exc: RedisError) -> StorageUnavailable:
    return StorageUnavailable(f"Redis failed while {what}: {type(exc).__name__}")


def registry_from_settings(settings: Settings, *, page_seconds: float) -> SessionRegistry | None:
    """Return the registry of the settings' Redis, or None without one (a single node needs none)."""
    redis_settings = settings.redis
    if redis_settings.url is None:
        return None
    redis: aioredis.Redis = aioredis.Redis.from_url(
        redis_settings.url,
        socket_connect_timeout=redis_settings.connect_timeout_seconds,
        socket_timeout=redis_settings.socket_timeout_seconds,
        health_check_interval=30,
    )
    section = settings.devclient
    return SessionRegistry(
        redis,
        prefix=redis_settings.key_prefix,
        node_url=section.node_base_url,
        lease_seconds=section.lease_seconds,
        page_seconds=page_seconds,
    )
