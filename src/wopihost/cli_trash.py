"""`wopihost trash`: list, restore and empty users' trash, and run the retention sweep."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import click

from wopihost.app import Services
from wopihost.domain.timestamps import iso8601
from wopihost.domain.trash import TrashKind

Runner = Callable[[Callable[..., Coroutine[Any, Any, None]]], Callable[..., None]]


def trash_group(run_with_services: Runner) -> click.Group:
    """The trash commands, run through the CLI's `run_with_services` (passed in, to avoid an import cycle)."""

    @click.group()
    def trash() -> None:
        """Deleted files and folders, restorable by their owner until the retention period ends."""

    @trash.command("list")
    @click.option("--user", "username", required=True, help="Username whose trash to list.")
    @run_with_services
    async def trash_list(services: Services, username: str) -> None:
        """List a user's trash: item ID, deleted at, size, original location, name."""
        owner = await services.users.get_user_by_name(username)
        for entry in await services.trash.entries(owner):
            item = entry.item
            place = "/" + "/".join(f.name for f in entry.location[1:]) if entry.location else "(gone)"
            name = f"{item.name}/" if item.kind is TrashKind.FOLDER else item.name
            click.echo(f"{item.id}\t{iso8601(item.deleted_at)}\t{item.size}\t{place}\t{name}")

    @trash.command("restore")
    @click.argument("item_id")
    @run_with_services
    async def trash_restore(services: Services, item_id: str) -> None:
        """Restore a file or folder (with its versions and shares) to where it was, or to the root."""
        restored = await services.trash.restore(item_id)
        notes = []
        if restored.renamed:
            notes.append(f"as {restored.name!r}, the name being taken")
        if restored.to_root:
            notes.append("to the root folder, its folder being gone or in the trash")
        click.echo(f"restored {restored.item.name!r}" + (f" {' and '.join(notes)}" if notes else ""))

    @trash.command("empty")
    @click.option("--user", "username", required=True, help="Username whose trash to empty.")
    @run_with_services
    async def trash_empty(services: Services, username: str) -> None:
        """Delete everything in a user's trash for good, freeing its storage."""
        purged = await services.trash.empty(await services.users.get_user_by_name(username))
        click.echo(f"deleted {purged} item{'' if purged == 1 else 's'} permanently")

    @trash.command("purge")
    @run_with_services
    async def trash_purge(services: Services) -> None:
        """Delete for good every item older than [trash] retention_days (servers also do this hourly)."""
        purged = await services.trash.purge_expired()
        click.echo(f"deleted {purged} expired item{'' if purged == 1 else 's'} permanently")

    return trash
