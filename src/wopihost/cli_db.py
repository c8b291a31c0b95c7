"""`wopihost db`: where the database schema is, the packaged migrations, and upgrading to the latest."""

from __future__ import annotations

import sys
from typing import NoReturn

import anyio
import click

from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.migrate import SchemaStatus, ensure_schema, head_revision, history, schema_status
from wopihost.config import Settings
from wopihost.errors import WopiHostError


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _run_on_database(settings: Settings, *, upgrade: bool) -> tuple[SchemaStatus, SchemaStatus]:
    """The schema's status before and after (the same unless `upgrade` applied migrations)."""

    async def main() -> tuple[SchemaStatus, SchemaStatus]:
        db = Database(settings.database_url)
        try:
            before = await schema_status(db)
            after = await ensure_schema(db, upgrade=True) if upgrade else before
        finally:
            await db.dispose()
        return before, after

    try:
        return anyio.run(main)
    except WopiHostError as exc:
        _fail(str(exc))


@click.group("db")
def db_group() -> None:
    """The database schema: its revision, the migrations, upgrading."""


@db_group.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply every pending migration in one transaction (run once per database, before new nodes serve)."""
    settings: Settings = ctx.obj
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    before, after = _run_on_database(settings, upgrade=True)
    if before.current == after.current:
        click.echo(after.describe())
        return
    click.echo(f"upgraded the database schema from {before.current or 'nothing'} to {after.current}")


@db_group.command("current")
@click.option("--check", is_flag=True, help="Exit with status 1 unless the schema is the latest.")
@click.pass_context
def db_current(ctx: click.Context, check: bool) -> None:
    """Print the database's schema revision and the one this wopihost needs."""
    _, status = _run_on_database(ctx.obj, upgrade=False)
    click.echo(status.describe())
    if check and not status.up_to_date:
        sys.exit(1)


@db_group.command("history")
def db_history() -> None:
    """List the packaged migrations, oldest first (the last is the revision this wopihost needs)."""
    head = head_revision()
    for revision in history():
        mark = "  (head)" if revision.revision == head else ""
        click.echo(f"{revision.revision}\t{revision.description}{mark}")
