"""comment_activities and notifications: AddActivities comments and the mentions they notify

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 14:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from wopihost.adapters.sql.models import UtcDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "comment_activities",
        sa.Column("file_id", sa.String(length=32), nullable=False),
        sa.Column("activity_id", sa.String(length=64), nullable=False),
        sa.Column("content_key", sa.String(length=64), nullable=False),
        sa.Column("content_id", sa.String(length=1024), nullable=False),
        sa.Column("navigation_id", sa.String(length=1024), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("comment_text", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("actor_name", sa.String(length=256), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_comment_activities_file_id_files"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("file_id", "activity_id", name=op.f("pk_comment_activities")),
    )
    op.create_index(
        "ix_comment_activities_file_id_content_key", "comment_activities", ["file_id", "content_key"]
    )
    op.create_table(
        "notifications",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("recipient_id", sa.String(length=32), nullable=False),
        sa.Column("file_id", sa.String(length=32), nullable=False),
        sa.Column("content_key", sa.String(length=64), nullable=False),
        sa.Column("content_id", sa.String(length=1024), nullable=False),
        sa.Column("navigation_id", sa.String(length=1024), nullable=False),
        sa.Column("excerpt", sa.String(length=256), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("actor_name", sa.String(length=256), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("read_at", UtcDateTime(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["users.id"],
            name=op.f("fk_notifications_recipient_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_notifications_file_id_files"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "recipient_id", "file_id", "content_key", name="uq_notifications_recipient_comment"
        ),
    )
    op.create_index(
        "ix_notifications_recipient_id_updated_at", "notifications", ["recipient_id", "updated_at"]
    )
    op.create_index("ix_notifications_file_id_content_key", "notifications", ["file_id", "content_key"])


def downgrade() -> None:
    op.drop_index("ix_notifications_file_id_content_key", table_name="notifications")
    op.drop_index("ix_notifications_recipient_id_updated_at", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_comment_activities_file_id_content_key", table_name="comment_activities")
    op.drop_table("comment_activities")
