"""folder_shares: folders shared with other users, with everything inside them

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from wopihost.adapters.sql.models import UtcDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "folder_shares",
        sa.Column("folder_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["folder_id"], ["folders.id"], name=op.f("fk_folder_shares_folder_id_folders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_folder_shares_user_id_users")),
        sa.PrimaryKeyConstraint("folder_id", "user_id", name=op.f("pk_folder_shares")),
    )
    op.create_index("ix_folder_shares_user_id", "folder_shares", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_folder_shares_user_id", table_name="folder_shares")
    op.drop_table("folder_shares")
