"""The relational schema, as SQLAlchemy ORM models. Alembic migrations are generated from these."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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


def _utc_from_sqlite_text(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(256))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    user_info: Mapped[str] = mapped_column(Text, default="")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Microsoft 365 business users edit under their organisation's licence (scenarios/business.rst).
    is_business_user: Mapped[bool] = mapped_column(Boolean, default=False)
    # The UI language the user chose; NULL follows the browser's Accept-Language.
    locale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    root_folder_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FolderRow(Base):
    __tablename__ = "folders"
    __table_args__ = (UniqueConstraint("parent_id", "name_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("folders.id"))
    name: Mapped[str] = mapped_column(String(255))
    name_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The trash item this folder went to the trash with (its own ID or a trashed ancestor's); None if live.
    trash_id: Mapped[str | None] = mapped_column(String(32), index=True)


class FileRow(Base):
    __tablename__ = "files"
    __table_args__ = (UniqueConstraint("folder_id", "name_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    folder_id: Mapped[str] = mapped_column(ForeignKey("folders.id"))
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    name_key: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    blob_key: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    modified_at: Mapped[datetime] = mapped_column(UtcDateTime)
    modified_by: Mapped[str | None] = mapped_column(String(32))
    # The WOPI lock lives on the file row so that lock changes and guarded writes are one-row
    # compare-and-swaps, serialised by the database across processes and nodes.
    lock_id: Mapped[str | None] = mapped_column(String(1024))
    lock_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lock_user_id: Mapped[str | None] = mapped_column(String(32))
    # The trash item this file went to the trash with (its own ID or a trashed folder's); None if live.
    trash_id: Mapped[str | None] = mapped_column(String(32), index=True)


class VersionRow(Base):
    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("file_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    blob_key: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    author_id: Mapped[str | None] = mapped_column(String(32))
    editors: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(32), default="")
    # What the WOPI client said of the save (X-COOL-WOPI-IsAutosave and kin); None where it said nothing.
    modified_by_user: Mapped[bool | None] = mapped_column(Boolean)
    autosave: Mapped[bool | None] = mapped_column(Boolean)
    exit_save: Mapped[bool | None] = mapped_column(Boolean)


class ShareRow(Base):
    __tablename__ = "shares"

    file_id: Mapped[str] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


Index("ix_shares_user_id", ShareRow.user_id)


class FolderShareRow(Base):
    """A user's right to a folder and to everything in it, at any depth, now and later."""

    __tablename__ = "folder_shares"

    folder_id: Mapped[str] = mapped_column(ForeignKey("folders.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


Index("ix_folder_shares_user_id", FolderShareRow.user_id)


class LockHolderRow(Base):
    """A user whose WOPI client session holds the file's lock; co-authors share one lock ID.

    `user_id` has no foreign key, like `files.lock_user_id`: the row only says who was seen, for display and
    for ending a revoked user's session.
    """

    __tablename__ = "lock_holders"

    file_id: Mapped[str] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # The lock ID the user was last seen with: holders of an older lock are no part of the current session.
    lock_id: Mapped[str] = mapped_column(String(1024))
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LockBreakRow(Base):
    """An editing session ended by someone other than its WOPI client: who ended it, when, and why."""

    __tablename__ = "lock_breaks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), index=True)
    lock_user_id: Mapped[str | None] = mapped_column(String(32))
    ended_by: Mapped[str | None] = mapped_column(String(32))
    ended_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(String(16))


class SignInFailureRow(Base):
    """A counter of failed sign-ins. `key` is a hash (of a user name and address, or of an address)."""

    __tablename__ = "sign_in_failures"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class WebSessionRow(Base):
    """A web UI session. `id` is the hash of the browser's cookie, `data` its JSON."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class SharedDiscoveryRow(Base):
    """The cluster's copy of one WOPI client's discovery, named by a hash of its URL."""

    __tablename__ = "shared_discovery"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    xml: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    capabilities: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    fetched_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class LeaseRow(Base):
    """A lease that lets one node at a time do a job for the cluster."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SearchDocumentRow(Base):
    """What the search index holds for a file: the version its text came from, and the text itself.

    On PostgreSQL `body` is the text, searched through the `body_tsv` tsvector column and its GIN index
    (added by the migration; SQLAlchemy's model leaves it out because SQLite has no such type). On SQLite the
    text lives in the FTS5 table `search_fts` under rowid `fts_rowid`, and `body` stays empty. Deleting the
    file deletes this row (cascade) and, through a trigger, the FTS5 row.
    """

    __tablename__ = "search_documents"

    file_id: Mapped[str] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    body: Mapped[str | None] = mapped_column(Text)
    fts_rowid: Mapped[int | None] = mapped_column(BigInteger, index=True)
    indexed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TrashItemRow(Base):
    """A file or folder in its owner's trash. `id` is the trashed file's or folder's own ID.

    Rows of the files and folders inside carry the ID in their `trash_id`; the trashed item itself leaves
    its folder's namespace (its `name_key` no longer collides with any name), so that the name is free.
    """

    __tablename__ = "trash_items"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(255))
    # The folder it was deleted from; no foreign key, since that folder may be deleted for good meanwhile.
    folder_id: Mapped[str] = mapped_column(String(32))
    deleted_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    deleted_by: Mapped[str | None] = mapped_column(String(32))
    # What went with it: the files (a file counts itself), their current size, and the folders inside.
    files: Mapped[int] = mapped_column(Integer)
    folders: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(BigInteger)
    # Every version's bytes, counted in the owner's storage until the item is deleted for good.
    stored_bytes: Mapped[int] = mapped_column(BigInteger)


class ShareLinkRow(Base):
    """A share link: anyone with its ID (and password, if set) may view or edit the file, without an account.

    Revoking deletes the row; deleting the file deletes its links.
    """

    __tablename__ = "share_links"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(32))


class PreviewRow(Base):
    """The preview of one version of a file, and the claim of the worker rendering it.

    Images live outside the database (PreviewImages); this row says which version they show. A worker claims
    a rendering with a conditional write and holds it until `claimed_until`, after which another may take it.
    """

    __tablename__ = "previews"

    file_id: Mapped[str] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    # The latest rendering: of which version, and how it stands.
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    # The images last rendered completely, which stay in use while a newer version is rendered.
    ready_version: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    worker: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ListingPreferenceRow(Base):
    """How a user orders and filters file lists; one row per user, following them across browsers."""

    __tablename__ = "listing_preferences"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    sort_key: Mapped[str] = mapped_column(String(16))
    descending: Mapped[bool] = mapped_column(Boolean)
    type_filter: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditEventRow(Base):
    """One action in the audit trail. Append-only, with no foreign keys: the trail outlives what it names."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_item_at", "item_id", "at"),
        Index("ix_audit_events_user_at", "user_id", "at"),
    )

    # SQLite numbers rows itself only for an INTEGER PRIMARY KEY.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    action: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[str] = mapped_column(String(32))
    item_kind: Mapped[str] = mapped_column(String(16))
    item_name: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(16))
    client_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(String(500))


class WopiErrorRow(Base):
    """A WOPI response with status 400 or more, for the administrators' search. Never a token."""

    __tablename__ = "wopi_errors"
    __table_args__ = (
        Index("ix_wopi_errors_correlation_id", "correlation_id"),
        Index("ix_wopi_errors_session_id", "session_id"),
        Index("ix_wopi_errors_user_id_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    operation: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    file_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    correlation_id: Mapped[str] = mapped_column(String(200))
    session_id: Mapped[str] = mapped_column(String(200))
    user_agent: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(200))


class CommentActivityRow(Base):
    """A comment activity a WOPI client reported (AddActivities); its ID makes a retried request harmless."""

    __tablename__ = "comment_activities"
    __table_args__ = (Index("ix_comment_activities_file_id_content_key", "file_id", "content_key"),)

    file_id: Mapped[str] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    # The activity's GUID in lower case: the client may spell it in either case.
    activity_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # SHA-256 (hex) of content_id: indexes stay small whatever the 1024 characters of a ContentId weigh.
    content_key: Mapped[str] = mapped_column(String(64))
    content_id: Mapped[str] = mapped_column(String(1024))
    navigation_id: Mapped[str] = mapped_column(String(1024))
    action: Mapped[str] = mapped_column(String(16))
    comment_text: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(256))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class NotificationRow(Base):
    """A person's notification of being mentioned in one comment; edits update it, deletion marks it."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("recipient_id", "file_id", "content_key", name="uq_notifications_recipient_comment"),
        Index("ix_notifications_recipient_id_updated_at", "recipient_id", "updated_at"),
        Index("ix_notifications_file_id_content_key", "file_id", "content_key"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    recipient_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    file_id: Mapped[str] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"))
    content_key: Mapped[str] = mapped_column(String(64))
    content_id: Mapped[str] = mapped_column(String(1024))
    navigation_id: Mapped[str] = mapped_column(String(1024))
    excerpt: Mapped[str] = mapped_column(String(256))
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
