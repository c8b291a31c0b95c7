"""listing preferences: each user's sort order and type filter

Revision ID: 0009
Revises: 0004
Create Date: 2026-12-06 11:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from wopihost.adapters.sql.models import UtcDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "listing_preferences",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("sort_key", sa.String(length=16), nullable=False),
        sa.Column("descending", sa.Boolean(), nullable=False),
        sa.Column("type_filter", sa.String(length=16), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_listing_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_listing_preferences")),
    )


def downgrade() -> None:
    op.drop_table("listing_preferences")
