"""Bringing a database schema up to date with Alembic."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncConnection

import wopihost.migrations

MIGRATIONS_DIR = Path(wopihost.migrations.__file__).parent


def alembic_config(url: str) -> Config:
    """An Alembic config for the packaged migrations and this database URL."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade_to_head(conn: AsyncConnection) -> None:
    """Apply every pending migration on this connection."""

    def _upgrade(sync_conn: object) -> None:
        config = alembic_config(str(conn.engine.url))
        config.attributes["connection"] = sync_conn
        command.upgrade(config, "head")

    await conn.run_sync(_upgrade)
