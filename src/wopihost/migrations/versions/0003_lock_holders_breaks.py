"""lock holders and ended editing sessions

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from wopihost.adapters.sql.models import UtcDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lock_holders",
        sa.Column("file_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("lock_id", sa.String(length=1024), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_lock_holders_file_id_files"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("file_id", "user_id", name=op.f("pk_lock_holders")),
    )
    op.create_table(
        "lock_breaks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_id", sa.String(length=32), nullable=False),
        sa.Column("lock_user_id", sa.String(length=32), nullable=True),
        sa.Column("ended_by", sa.String(length=32), nullable=True),
        sa.Column("ended_at", UtcDateTime(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_lock_breaks_file_id_files"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lock_breaks")),
    )
    with op.batch_alter_table("lock_breaks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lock_breaks_file_id"), ["file_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lock_breaks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lock_breaks_file_id"))
    op.drop_table("lock_breaks")
    op.drop_table("lock_holders")
