"""save kinds on versions, business users

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 08:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_business_user", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("modified_by_user", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("autosave", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("exit_save", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.drop_column("exit_save")
        batch_op.drop_column("autosave")
        batch_op.drop_column("modified_by_user")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("is_business_user")
