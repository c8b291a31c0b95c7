"""sign-in failure counters

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-06 09:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from wopihost.adapters.sql.models import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_failures")),
    )
    op.create_index(op.f("ix_sign_in_failures_first_at"), "sign_in_failures", ["first_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_failures_first_at"), table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
