"""Bringing a database schema up to date with Alembic, and telling whether it is.

Alembic (with Mako and its dialect modules, about 10 MiB) is imported only when a schema is not already the
latest: a server starting on an up-to-date database reads the version table with one query and compares it
with HEAD_REVISION, and its workers never hold Alembic in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, column, inspect, select, table

import wopihost.migrations
from wopihost.adapters.sql.database import Database
from wopihost.errors import StartupError
from wopihost.migrations import HEAD_REVISION

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(wopihost.migrations.__file__).parent
# Alembic's default version table, which env.py keeps.
_VERSION_TABLE = table("alembic_version", column("version_num"))
UPGRADE_COMMAND = "wopihost db upgrade"


def alembic_config(url: str) -> Config:
    """An Alembic config for the packaged migrations and this database URL."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade_to_head(db: Database) -> None:
    """Apply every pending migration, in one write transaction."""

    def _upgrade(conn: Connection) -> None:
        from alembic import command

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
    from alembic.script import ScriptDirectory

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


def _current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


async def schema_status(db: Database) -> SchemaStatus:
    """Read the database's revision (one query; creates nothing) and compare it with the code's."""
    current = await db.scan(_current_revision)
    known = current is None or current in {r.revision for r in history()}
    return SchemaStatus(current=current, head=head_revision(), known=known)


def _stored_revisions(conn: Connection) -> list[str]:
    """The rows of the version table as they are (none without a schema), read without Alembic."""
    if not inspect(conn).has_table(_VERSION_TABLE.name):
        return []
    return [str(row) for row in conn.execute(select(_VERSION_TABLE.c.version_num)).scalars()]


async def ensure_schema(db: Database, *, upgrade: bool) -> SchemaStatus:
    """Upgrade the schema when allowed; otherwise raise SchemaOutdated unless it is already the latest.

    A schema newer than the code is never touched, even when upgrading is allowed.
    """
    if await db.scan(_stored_revisions) == [HEAD_REVISION]:
        return SchemaStatus(current=HEAD_REVISION, head=HEAD_REVISION, known=True)
    status = await schema_status(db)
    if status.up_to_date:
        return status
    if not upgrade or not status.known:
        raise SchemaOutdated(status)
    await upgrade_to_head(db)
    return await schema_status(db)
