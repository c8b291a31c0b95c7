"""Fixtures of the port contract suites: one database per back end and session, emptied before each test.

Every suite is parametrised over the back ends in BACKENDS, so that SQLite and PostgreSQL meet the same
assertions. PostgreSQL runs on 127.0.0.1:5432 (trust auth, user postgres) in a database created for this
session and dropped at its end.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import asyncpg
import pytest
from sqlalchemy import Connection, text

from tests.redis_service import REDIS_URL, delete_prefix, require_redis, unique_prefix
from tests.services import require_tcp_service, service_unavailable
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.redis.client import Redis
from wopihost.adapters.redis.discovery_cache import RedisDiscoveryCache
from wopihost.adapters.redis.throttling import RedisFailureCounter
from wopihost.adapters.redis.web_sessions import RedisSessionStore
from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.adapters.sql.links import SqlLinkStore
from wopihost.adapters.sql.locks import SqlLockStore
from wopihost.adapters.sql.migrate import upgrade_to_head
from wopihost.adapters.sql.shared_discovery import SqlDiscoveryCache
from wopihost.adapters.sql.shares import SqlShareStore
from wopihost.adapters.sql.throttling import SqlFailureCounter
from wopihost.adapters.sql.users import SqlUserStore
from wopihost.adapters.sql.web_sessions import SqlSessionStore
from wopihost.domain.ids import new_id
from wopihost.domain.locks import LockGuard
from wopihost.domain.records import FileRecord, StoredBlob, User
from wopihost.ports import DiscoveryCache, FailureCounter, SessionStore

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
# The state every node shares lives in Redis when it is configured, else in the database.
SHARED_BACKENDS = [*BACKENDS, pytest.param("redis", marks=pytest.mark.redis)]
# Children first, so that deleting never trips a foreign key.
TABLES = (
    "notifications",
    "comment_activities",
    "wopi_errors",
    "audit_events",
    "previews",
    "share_links",
    "listing_preferences",
    "lock_breaks",
    "lock_holders",
    "versions",
    "shares",
    "folder_shares",
    "files",
    "folders",
    "trash_items",
    "users",
)


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await upgrade_to_head(db)
    finally:
        await db.dispose()


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres", timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('contract') / 'wopihost.db'}"
    asyncio.run(_migrate(url))
    return url


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    require_tcp_service("PostgreSQL", PG_HOST, PG_PORT)
    name = f"wopihost_test_{secrets.token_hex(6)}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        service_unavailable(f"PostgreSQL at {PG_HOST}:{PG_PORT} refused to create a database: {exc}")
    url = f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    try:
        asyncio.run(_migrate(url))
        yield url
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


class SharedState:
    """Builds adapters of one back end's shared state, each on its own connections as separate nodes'."""

    def __init__(self, kind: str, url: str) -> None:
        self.kind = kind
        self._url = url
        self.prefix = unique_prefix()
        self._databases: list[Database] = []
        self._clients: list[Redis] = []

    def failure_counter(self) -> FailureCounter:
        if self.kind == "redis":
            return RedisFailureCounter(self._redis(), prefix=self.prefix)
        return SqlFailureCounter(self._database())

    def session_store(self) -> SessionStore:
        if self.kind == "redis":
            return RedisSessionStore(self._redis(), prefix=self.prefix)
        return SqlSessionStore(self._database())

    def discovery_cache(self, name: str) -> DiscoveryCache:
        if self.kind == "redis":
            return RedisDiscoveryCache(self._redis(), prefix=self.prefix, name=name)
        return SqlDiscoveryCache(self._database(), name)

    async def aclose(self) -> None:
        for database in self._databases:
            await database.dispose()
        for client in self._clients:
            await client.aclose()
        if self.kind == "redis":
            await delete_prefix(self.prefix)

    def _database(self) -> Database:
        self._databases.append(Database(self._url, pool_size=2))
        return self._databases[-1]

    def _redis(self) -> Redis:
        self._clients.append(Redis.from_url(self._url))
        return self._clients[-1]


@pytest.fixture(params=SHARED_BACKENDS)
def shared_backend(request: pytest.FixtureRequest) -> tuple[str, str]:
    if request.param == "redis":
        require_redis()
        return "redis", REDIS_URL
    url: str = request.getfixturevalue(f"{request.param}_url")
    return request.param, url


@pytest.fixture
async def shared(shared_backend: tuple[str, str]) -> AsyncIterator[SharedState]:
    state = SharedState(*shared_backend)
    try:
        yield state
    finally:
        await state.aclose()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, pool_size=5)

    def empty_tables(conn: Connection) -> None:
        for table in TABLES:
            conn.execute(text(f"DELETE FROM {table}"))

    await database.write(empty_tables)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def lock_store(db: Database) -> SqlLockStore:
    return SqlLockStore(db)


@pytest.fixture
def file_store(db: Database) -> SqlFileStore:
    return SqlFileStore(db)


@pytest.fixture
def share_store(db: Database) -> SqlShareStore:
    return SqlShareStore(db)


@pytest.fixture
def user_store(db: Database) -> SqlUserStore:
    return SqlUserStore(db)


def make_blob(size: int = 5, *, key: str | None = None) -> StoredBlob:
    """A blob record; the metadata stores never look at the content itself."""
    return StoredBlob(key=key or new_id(), size=size, sha256=secrets.token_urlsafe(32)[:43] + "=")


async def make_user(
    users: SqlUserStore,
    clock: FakeClock,
    username: str = "alice",
    *,
    password_hash: str | None = None,
    is_admin: bool = False,
) -> User:
    """A user with a root folder."""
    return await users.add_user(
        username=username,
        display_name=username.title(),
        password_hash=password_hash,
        is_admin=is_admin,
        now=clock.now(),
    )


async def make_file(
    files: SqlFileStore,
    owner: User,
    clock: FakeClock,
    name: str = "a.docx",
    *,
    size: int = 5,
    folder_id: str | None = None,
) -> FileRecord:
    """A file with one version in the owner's root folder (or `folder_id`)."""
    created = await files.create_file(
        folder_id=folder_id or owner.root_folder_id,
        owner_id=owner.id,
        name=name,
        blob=make_blob(size),
        author_id=owner.id,
        source="upload",
        now=clock.now(),
    )
    assert created is not None
    return created


@dataclass
class World:
    """An owner with one file, and two other users."""

    owner: User
    other: User
    third: User
    file: FileRecord


@pytest.fixture
async def world(user_store: SqlUserStore, file_store: SqlFileStore, clock: FakeClock) -> World:
    owner = await make_user(user_store, clock, "alice")
    other = await make_user(user_store, clock, "bob")
    third = await make_user(user_store, clock, "carol")
    return World(owner, other, third, await make_file(file_store, owner, clock))


@pytest.fixture
def link_store(db: Database) -> SqlLinkStore:
    return SqlLinkStore(db)


async def commit_new_version(
    files: SqlFileStore, file: FileRecord, clock: FakeClock, *, source: str = "putfile"
) -> FileRecord:
    """Save a 9-byte version of `file` as its owner, with no lock; the file as it is afterwards."""
    outcome = await files.commit_version(
        file.id, make_blob(9), guard=LockGuard(None), author_id=file.owner_id, editors="", source=source,
        now=clock.now(),
    )  # fmt: skip
    assert outcome is not None
    assert outcome.file is not None
    return outcome.file
