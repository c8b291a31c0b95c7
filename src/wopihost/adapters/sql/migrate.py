"""Bringing a database schema up to date with Alembic, and telling whether it is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

import wopihost.migrations
from wopihost.adapters.sql.database import Database
from wopihost.errors import StartupError

MIGRATIONS_DIR = Path(wopihost.migrations.__file__).parent
UPGRADE_COMMAND = "wopihost db upgrade"


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


@dataclass(frozen=True, slots=True)
class Revision:
    """One migration of the packaged history."""

    revision: str
    down_revision: str | None
    description: str


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    """Where a database's schema is (None: no schema at all) against what this code needs."""

    current: str | None
    head: str
    known: bool

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    def describe(self) -> str:
        """One line: the current and required revisions."""
        current = self.current or "none (no schema)"
        if self.up_to_date:
            return f"database schema at revision {current} (the latest)"
        suffix = "" if self.known else ", which this wopihost does not know: is the database newer?"
        return f"database schema at revision {current}{suffix}; this wopihost needs {self.head}"


class SchemaOutdated(StartupError):
    """The database schema is not the one this code needs, and nothing may change it implicitly."""

    def __init__(self, status: SchemaStatus) -> None:
        fix = (
            f": run `{UPGRADE_COMMAND}`"
            if status.known
            else ": run a wopihost release that knows it, or restore a matching backup"
        )
        super().__init__(status.describe() + fix)
        self.status = status


def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS_DIR))


def head_revision() -> str:
    """The revision the packaged migrations end at."""
    head = _scripts().get_current_head()
    assert head is not None, "the packaged migrations have one head"
    return head


def history() -> list[Revision]:
    """Every packaged migration, oldest first."""
    revisions = [
        Revision(
            revision=script.revision,
            down_revision=script.down_revision if isinstance(script.down_revision, str) else None,
            description=(script.doc or "").strip(),
        )
        for script in _scripts().walk_revisions()
    ]
    return revisions[::-1]


async def schema_status(db: Database) -> SchemaStatus:
    """Read the database's revision (one query; creates nothing) and compare it with the code's."""
    current = await db.scan(lambda conn: MigrationContext.configure(conn).get_current_revision())
    known = current is None or current in {r.revision for r in history()}
    return SchemaStatus(current=current, head=head_revision(), known=known)


async def ensure_schema(db: Database, *, upgrade: bool) -> SchemaStatus:
    """Upgrade the schema when allowed; otherwise raise SchemaOutdated unless it is already the latest.

    A schema newer than the code is never touched, even when upgrading is allowed.
    """
    status = await schema_status(db)
    if status.up_to_date:
        return status
    if not upgrade or not status.known:
        raise SchemaOutdated(status)
    await upgrade_to_head(db)
    return await schema_status(db)
