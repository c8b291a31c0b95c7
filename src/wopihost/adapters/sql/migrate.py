"""Bringing a database schema up to date with Alembic."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

import wopihost.migrations
from wopihost.adapters.sql.database import Database

MIGRATIONS_DIR = Path(wopihost.migrations.__file__).parent


def alembic_config(url: str) -> Config:
    """An Alembic config for the packaged migrations and this database URL."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade_to_head(db: Database) -> None:
    """Apply every pending migration, in one write transaction."""

    def _upgrade(conn: Connection) -> None:
        config = alembic_config(db.url)
        config.attributes["connection"] = conn
        command.upgrade(config, "head")

    await db.write(_upgrade)
