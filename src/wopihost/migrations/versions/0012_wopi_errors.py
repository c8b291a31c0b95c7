"""wopi_errors: recent WOPI error responses for the administrators' console

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from wopihost.adapters.sql.models import UtcDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wopi_errors",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("correlation_id", sa.String(length=200), nullable=False),
        sa.Column("session_id", sa.String(length=200), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wopi_errors")),
    )
    op.create_index(op.f("ix_wopi_errors_at"), "wopi_errors", ["at"], unique=False)
    op.create_index("ix_wopi_errors_correlation_id", "wopi_errors", ["correlation_id"], unique=False)
    op.create_index("ix_wopi_errors_session_id", "wopi_errors", ["session_id"], unique=False)
    op.create_index("ix_wopi_errors_user_id_at", "wopi_errors", ["user_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_wopi_errors_user_id_at", table_name="wopi_errors")
    op.drop_index("ix_wopi_errors_session_id", table_name="wopi_errors")
    op.drop_index("ix_wopi_errors_correlation_id", table_name="wopi_errors")
    op.drop_index(op.f("ix_wopi_errors_at"), table_name="wopi_errors")
    op.drop_table("wopi_errors")
