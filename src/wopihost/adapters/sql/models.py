"""The relational schema, as SQLAlchemy Core tables declared as classes; Alembic migrations come from these.

Each class stands for its table in statements (`select(FileRow)`, `update(FileRow)`) and names its columns
as attributes (`FileRow.id`), as the ORM's declarative classes do; the stores only ever run Core statements,
so the ORM (about 6 MiB in every process) is never loaded.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

T = TypeVar("T")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes, stored naive so that SQLite compares them correctly as text."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], datetime | None] | None:
        if dialect.name == "sqlite":
            # SQLite hands back SQLAlchemy's ISO text ("2026-01-02 03:04:05.000006"); fromisoformat reads it
            # several times faster than the dialect's regular expression, on every row of every request.
            return _utc_from_sqlite_text
        return super().result_processor(dialect, coltype)


# The same few times come back on every request (a file's creation, modification and lock expiry).
@functools.lru_cache(maxsize=4096)
def _utc_from_sqlite_text(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if value is not None else None


def column(type_: TypeEngine[T] | type[TypeEngine[T]], *args: Any, **kwargs: Any) -> ColumnElement[T]:
    """A column of a table class (see Base), typed as the expression the stores use it as."""
    return Column(type_, *args, **kwargs)


def reference(foreign_key: ForeignKey, **kwargs: Any) -> ColumnElement[str]:
    """A column holding another table's ID: the referred column's type, here always a string ID."""
    return Column(foreign_key, **kwargs)


class Base:
    """A table declared as a class: its Column attributes, named after them, make `__table__`."""

    metadata: ClassVar[MetaData] = MetaData(naming_convention=NAMING)
    __tablename__: ClassVar[str]
    __table_args__: ClassVar[tuple[Any, ...]] = ()
    __table__: ClassVar[Table]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        columns = []
        for key, value in vars(cls).items():
            if isinstance(value, Column):
                value.name = value.key = key
                columns.append(value)
        cls.__table__ = Table(cls.__tablename__, cls.metadata, *columns, *cls.__table_args__)

    @classmethod
    def __clause_element__(cls) -> Table:
        """The table, wherever SQLAlchemy expects one (or its columns) and is given the class."""
        return cls.__table__


class UserRow(Base):
    __tablename__ = "users"

    id = column(String(32), primary_key=True)
    username = column(String(64), unique=True, nullable=False)
    display_name = column(String(256), nullable=False)
    password_hash = column(String(256))
    user_info = column(Text, default="", nullable=False)
    is_admin = column(Boolean, default=False, nullable=False)
    # Microsoft 365 business users edit under their organisation's licence (scenarios/business.rst).
    is_business_user = column(Boolean, default=False, nullable=False)
    # The UI language the user chose; NULL follows the browser's Accept-Language.
    locale = column(String(16), nullable=True)
    root_folder_id = column(String(32), nullable=False)
    created_at = column(UtcDateTime, nullable=False)


class FolderRow(Base):
    __tablename__ = "folders"
    __table_args__ = (UniqueConstraint("parent_id", "name_key"),)

    id = column(String(32), primary_key=True)
    owner_id = reference(ForeignKey("users.id"), index=True, nullable=False)
    parent_id = reference(ForeignKey("folders.id"))
    name = column(String(255), nullable=False)
    name_key = column(String(255), nullable=False)
    created_at = column(UtcDateTime, nullable=False)
    # The trash item this folder went to the trash with (its own ID or a trashed ancestor's); None if live.
    trash_id = column(String(32), index=True)


class FileRow(Base):
    __tablename__ = "files"
    __table_args__ = (UniqueConstraint("folder_id", "name_key"),)

    id = column(String(32), primary_key=True)
    folder_id = reference(ForeignKey("folders.id"), nullable=False)
    owner_id = reference(ForeignKey("users.id"), index=True, nullable=False)
    name = column(String(255), nullable=False)
    name_key = column(String(255), nullable=False)
    size = column(BigInteger, nullable=False)
    sha256 = column(String(64), nullable=False)
    version = column(Integer, nullable=False)
    blob_key = column(String(128), nullable=False)
    created_at = column(UtcDateTime, nullable=False)
    modified_at = column(UtcDateTime, nullable=False)
    modified_by = column(String(32))
    # The WOPI lock lives on the file row so that lock changes and guarded writes are one-row
    # compare-and-swaps, serialised by the database across processes and nodes.
    lock_id = column(String(1024))
    lock_expires_at = column(UtcDateTime)
    lock_user_id = column(String(32))
    # The trash item this file went to the trash with (its own ID or a trashed folder's); None if live.
    trash_id = column(String(32), index=True)


class VersionRow(Base):
    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("file_id", "number"),)

    id = column(Integer, primary_key=True, autoincrement=True)
    file_id = reference(ForeignKey("files.id", ondelete="CASCADE"), nullable=False)
    number = column(Integer, nullable=False)
    blob_key = column(String(128), nullable=False)
    size = column(BigInteger, nullable=False)
    sha256 = column(String(64), nullable=False)
    created_at = column(UtcDateTime, nullable=False)
    author_id = column(String(32))
    editors = column(Text, default="", nullable=False)
    source = column(String(32), default="", nullable=False)
    # What the WOPI client said of the save (X-COOL-WOPI-IsAutosave and kin); None where it said nothing.
    modified_by_user = column(Boolean)
    autosave = column(Boolean)
    exit_save = column(Boolean)


class ShareRow(Base):
    __tablename__ = "shares"

    file_id = reference(ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    user_id = reference(ForeignKey("users.id"), primary_key=True)
    role = column(String(16), nullable=False)
    created_at = column(UtcDateTime, nullable=False)


Index("ix_shares_user_id", ShareRow.user_id)


class FolderShareRow(Base):
    """A user's right to a folder and to everything in it, at any depth, now and later."""

    __tablename__ = "folder_shares"

    folder_id = reference(ForeignKey("folders.id", ondelete="CASCADE"), primary_key=True)
    user_id = reference(ForeignKey("users.id"), primary_key=True)
    role = column(String(16), nullable=False)
    created_at = column(UtcDateTime, nullable=False)


Index("ix_folder_shares_user_id", FolderShareRow.user_id)


class LockHolderRow(Base):
    """A user whose WOPI client session holds the file's lock; co-authors share one lock ID.

    `user_id` has no foreign key, like `files.lock_user_id`: the row only says who was seen, for display and
    for ending a revoked user's session.
    """

    __tablename__ = "lock_holders"

    file_id = reference(ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    user_id = column(String(32), primary_key=True)
    # The lock ID the user was last seen with: holders of an older lock are no part of the current session.
    lock_id = column(String(1024), nullable=False)
    last_seen_at = column(UtcDateTime, nullable=False)


class LockBreakRow(Base):
    """An editing session ended by someone other than its WOPI client: who ended it, when, and why."""

    __tablename__ = "lock_breaks"

    id = column(Integer, primary_key=True, autoincrement=True)
    file_id = reference(ForeignKey("files.id", ondelete="CASCADE"), index=True, nullable=False)
    lock_user_id = column(String(32))
    ended_by = column(String(32))
    ended_at = column(UtcDateTime, nullable=False)
    reason = column(String(16), nullable=False)


class SignInFailureRow(Base):
    """A counter of failed sign-ins. `key` is a hash (of a user name and address, or of an address)."""

    __tablename__ = "sign_in_failures"

    key = column(String(64), primary_key=True)
    failures = column(Integer, nullable=False)
    first_at = column(UtcDateTime, index=True, nullable=False)


class WebSessionRow(Base):
    """A web UI session. `id` is the hash of the browser's cookie, `data` its JSON."""

    __tablename__ = "web_sessions"

    id = column(String(64), primary_key=True)
    data = column(Text, nullable=False)
    expires_at = column(UtcDateTime, index=True, nullable=False)


class SharedDiscoveryRow(Base):
    """The cluster's copy of one WOPI client's discovery, named by a hash of its URL."""

    __tablename__ = "shared_discovery"

    name = column(String(64), primary_key=True)
    xml = column(LargeBinary, nullable=True)
    capabilities = column(LargeBinary, nullable=True)
    fetched_at = column(UtcDateTime, nullable=True)
    attempted_at = column(UtcDateTime, nullable=False)
    error = column(Text, nullable=True)


class LeaseRow(Base):
    """A lease that lets one node at a time do a job for the cluster."""

    __tablename__ = "leases"

    name = column(String(64), primary_key=True)
    holder = column(String(64), nullable=False)
    expires_at = column(UtcDateTime, nullable=False)


class SearchDocumentRow(Base):
    """What the search index holds for a file: the version its text came from, and the text itself.

    On PostgreSQL `body` is the text, searched through the `body_tsv` tsvector column and its GIN index
    (added by the migration; SQLAlchemy's model leaves it out because SQLite has no such type). On SQLite the
    text lives in the FTS5 table `search_fts` under rowid `fts_rowid`, and `body` stays empty. Deleting the
    file deletes this row (cascade) and, through a trigger, the FTS5 row.
    """

    __tablename__ = "search_documents"

    file_id = reference(ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    version = column(Integer, nullable=False)
    status = column(String(16), nullable=False)
    body = column(Text)
    fts_rowid = column(BigInteger, index=True)
    indexed_at = column(UtcDateTime, nullable=False)


class TrashItemRow(Base):
    """A file or folder in its owner's trash. `id` is the trashed file's or folder's own ID.

    Rows of the files and folders inside carry the ID in their `trash_id`; the trashed item itself leaves
    its folder's namespace (its `name_key` no longer collides with any name), so that the name is free.
    """

    __tablename__ = "trash_items"

    id = column(String(32), primary_key=True)
    owner_id = reference(ForeignKey("users.id"), index=True, nullable=False)
    kind = column(String(8), nullable=False)
    name = column(String(255), nullable=False)
    # The folder it was deleted from; no foreign key, since that folder may be deleted for good meanwhile.
    folder_id = column(String(32), nullable=False)
    deleted_at = column(UtcDateTime, index=True, nullable=False)
    deleted_by = column(String(32))
    # What went with it: the files (a file counts itself), their current size, and the folders inside.
    files = column(Integer, nullable=False)
    folders = column(Integer, nullable=False)
    size = column(BigInteger, nullable=False)
    # Every version's bytes, counted in the owner's storage until the item is deleted for good.
    stored_bytes = column(BigInteger, nullable=False)


class ShareLinkRow(Base):
    """A share link: anyone with its ID (and password, if set) may view or edit the file, without an account.

    Revoking deletes the row; deleting the file deletes its links.
    """

    __tablename__ = "share_links"

    id = column(String(64), primary_key=True)
    file_id = reference(ForeignKey("files.id", ondelete="CASCADE"), index=True, nullable=False)
    role = column(String(16), nullable=False)
    password_hash = column(String(256))
    expires_at = column(UtcDateTime)
    created_at = column(UtcDateTime, nullable=False)
    created_by = column(String(32), nullable=False)


class PreviewRow(Base):
    """The preview of one version of a file, and the claim of the worker rendering it.

    Images live outside the database (PreviewImages); this row says which version they show. A worker claims
    a rendering with a conditional write and holds it until `claimed_until`, after which another may take it.
    """

    __tablename__ = "previews"

    file_id = reference(ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    # The latest rendering: of which version, and how it stands.
    version = column(Integer, nullable=False)
    status = column(String(16), nullable=False)
    # The images last rendered completely, which stay in use while a newer version is rendered.
    ready_version = column(Integer)
    pages = column(Integer, default=0, nullable=False)
    attempts = column(Integer, default=0, nullable=False)
    error = column(Text, default="", nullable=False)
    worker = column(String(64))
    claimed_until = column(UtcDateTime)
    retry_at = column(UtcDateTime)
    updated_at = column(UtcDateTime, nullable=False)


class ListingPreferenceRow(Base):
    """How a user orders and filters file lists; one row per user, following them across browsers."""

    __tablename__ = "listing_preferences"

    user_id = reference(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    sort_key = column(String(16), nullable=False)
    descending = column(Boolean, nullable=False)
    type_filter = column(String(16), nullable=False)
    updated_at = column(UtcDateTime, nullable=False)


class AuditEventRow(Base):
    """One action in the audit trail. Append-only, with no foreign keys: the trail outlives what it names."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_item_at", "item_id", "at"),
        Index("ix_audit_events_user_at", "user_id", "at"),
    )

    # SQLite numbers rows itself only for an INTEGER PRIMARY KEY.
    id = column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    at = column(UtcDateTime, index=True, nullable=False)
    action = column(String(32), nullable=False)
    item_id = column(String(32), nullable=False)
    item_kind = column(String(16), nullable=False)
    item_name = column(String(255), nullable=False)
    user_id = column(String(64))
    client = column(String(16), nullable=False)
    client_name = column(String(200), nullable=False)
    address = column(String(64), nullable=False)
    detail = column(String(500), nullable=False)


class WopiErrorRow(Base):
    """A WOPI response with status 400 or more, for the administrators' search. Never a token."""

    __tablename__ = "wopi_errors"
    __table_args__ = (
        Index("ix_wopi_errors_correlation_id", "correlation_id"),
        Index("ix_wopi_errors_session_id", "session_id"),
        Index("ix_wopi_errors_user_id_at", "user_id", "at"),
    )

    id = column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    at = column(UtcDateTime, index=True, nullable=False)
    operation = column(String(64), nullable=False)
    status = column(Integer, nullable=False)
    file_id = column(String(64), nullable=False)
    user_id = column(String(64))
    correlation_id = column(String(200), nullable=False)
    session_id = column(String(200), nullable=False)
    user_agent = column(String(200), nullable=False)
    reason = column(String(200), nullable=False)


class CommentActivityRow(Base):
    """A comment activity a WOPI client reported (AddActivities); its ID makes a retried request harmless."""

    __tablename__ = "comment_activities"
    __table_args__ = (Index("ix_comment_activities_file_id_content_key", "file_id", "content_key"),)

    file_id = reference(ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    # The activity's GUID in lower case: the client may spell it in either case.
    activity_id = column(String(64), primary_key=True)
    # SHA-256 (hex) of content_id: indexes stay small whatever the 1024 characters of a ContentId weigh.
    content_key = column(String(64), nullable=False)
    content_id = column(String(1024), nullable=False)
    navigation_id = column(String(1024), nullable=False)
    action = column(String(16), nullable=False)
    comment_text = column(Text, nullable=False)
    actor_id = column(String(64), nullable=False)
    actor_name = column(String(256), nullable=False)
    received_at = column(UtcDateTime, nullable=False)


class NotificationRow(Base):
    """A person's notification of being mentioned in one comment; edits update it, deletion marks it."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("recipient_id", "file_id", "content_key", name="uq_notifications_recipient_comment"),
        Index("ix_notifications_recipient_id_updated_at", "recipient_id", "updated_at"),
        Index("ix_notifications_file_id_content_key", "file_id", "content_key"),
    )

    id = column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    recipient_id = reference(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    file_id = reference(ForeignKey("files.id", ondelete="CASCADE"), nullable=False)
    content_key = column(String(64), nullable=False)
    content_id = column(String(1024), nullable=False)
    navigation_id = column(String(1024), nullable=False)
    excerpt = column(String(256), nullable=False)
    actor_id = column(String(64), nullable=False)
    actor_name = column(String(256), nullable=False)
    created_at = column(UtcDateTime, nullable=False)
    updated_at = column(UtcDateTime, nullable=False)
    read_at = column(UtcDateTime)
    deleted = column(Boolean, default=False, nullable=False)
