"""trash: trashed files and folders

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 11:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from wopihost.adapters.sql.models import UtcDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trash_items",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("folder_id", sa.String(length=32), nullable=False),
        sa.Column("deleted_at", UtcDateTime(), nullable=False),
        sa.Column("deleted_by", sa.String(length=32), nullable=True),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("folders", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("stored_bytes", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_trash_items_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trash_items")),
    )
    op.create_index(op.f("ix_trash_items_owner_id"), "trash_items", ["owner_id"], unique=False)
    op.create_index(op.f("ix_trash_items_deleted_at"), "trash_items", ["deleted_at"], unique=False)
    # Adding a nullable column needs no table rebuild on SQLite.
    op.add_column("files", sa.Column("trash_id", sa.String(length=32), nullable=True))
    op.create_index(op.f("ix_files_trash_id"), "files", ["trash_id"], unique=False)
    op.add_column("folders", sa.Column("trash_id", sa.String(length=32), nullable=True))
    op.create_index(op.f("ix_folders_trash_id"), "folders", ["trash_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_folders_trash_id"), table_name="folders")
    with op.batch_alter_table("folders") as batch:
        batch.drop_column("trash_id")
    op.drop_index(op.f("ix_files_trash_id"), table_name="files")
    with op.batch_alter_table("files") as batch:
        batch.drop_column("trash_id")
    op.drop_index(op.f("ix_trash_items_deleted_at"), table_name="trash_items")
    op.drop_index(op.f("ix_trash_items_owner_id"), table_name="trash_items")
    op.drop_table("trash_items")
