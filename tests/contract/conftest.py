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

from tests.services import require_tcp_service, service_unavailable
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.adapters.sql.links import SqlLinkStore
from wopihost.adapters.sql.locks import SqlLockStore
from wopihost.adapters.sql.migrate import upgrade_to_head
from wopihost.adapters.sql.shares import SqlShareStore
from wopihost.adapters.sql.users import SqlUserStore
from wopihost.domain.ids import new_id
from wopihost.domain.locks import LockGuard
from wopihost.domain.records import FileRecord, StoredBlob, User

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
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
