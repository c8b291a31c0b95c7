"""search index: extracted text with SQLite FTS5 or a PostgreSQL tsvector

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-06 11:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from wopihost.adapters.sql.models import UtcDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("file_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("fts_rowid", sa.BigInteger(), nullable=True),
        sa.Column("indexed_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["files.id"],
            name=op.f("fk_search_documents_file_id_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("file_id", name=op.f("pk_search_documents")),
    )
    op.create_index(op.f("ix_search_documents_fts_rowid"), "search_documents", ["fts_rowid"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # remove_diacritics 2 folds accents away, so that "resume" finds "résumé".
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER search_documents_fts_delete AFTER DELETE ON search_documents "
            "WHEN old.fts_rowid IS NOT NULL "
            "BEGIN DELETE FROM search_fts WHERE rowid = old.fts_rowid; END"
        )
    else:
        # The adapter fills body_tsv from the folded text (see adapters/sql/search_index.py).
        op.add_column("search_documents", sa.Column("body_tsv", postgresql.TSVECTOR()))
        op.create_index(
            "ix_search_documents_body_tsv", "search_documents", ["body_tsv"], postgresql_using="gin"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS search_documents_fts_delete")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_index(op.f("ix_search_documents_fts_rowid"), table_name="search_documents")
    op.drop_table("search_documents")
