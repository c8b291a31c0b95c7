"""`wopihost activity list`: the comments that mention a user, as the notifications page shows them."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

import click

from wopihost.app import Services
from wopihost.domain.timestamps import iso8601

Runner = Callable[[Callable[..., Coroutine[Any, Any, None]]], Callable[..., None]]


def activity_group(run_with_services: Runner) -> click.Group:
    """The activity commands, run through the CLI's `run_with_services` (passed in: no import cycle)."""

    @click.group()
    def activity() -> None:
        """Comments in documents (reported by WOPI clients) and the people they mention."""

    @activity.command("list")
    @click.option("--user", "username", required=True, help="Username whose notifications to list.")
    @click.option("--unread", is_flag=True, help="Only the notifications not yet read.")
    @click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
    @run_with_services
    async def activity_list(services: Services, username: str, unread: bool, as_json: bool) -> None:
        """List a user's mentions: ID, updated at, read or unread, who, file ID, file name, comment excerpt.

        Only documents the user may still open are listed, as on the notifications page.
        """
        user = await services.users.get_user_by_name(username)
        for view in await services.activities.notifications(user, unread_only=unread):
            note, file = view.notification, view.access.file
            if as_json:
                record = {
                    "id": note.id,
                    "updated_at": iso8601(note.updated_at),
                    "read": note.read,
                    "actor": note.actor_name,
                    "actor_id": note.actor_id,
                    "file_id": file.id,
                    "file_name": file.name,
                    "excerpt": note.excerpt,
                    "navigation_id": note.navigation_id,
                }
                click.echo(json.dumps(record, ensure_ascii=False))
                continue
            state = "read" if note.read else "unread"
            fields = [str(note.id), iso8601(note.updated_at), state, note.actor_name, file.id, file.name]
            click.echo("\t".join([*fields, note.excerpt]))

    return activity
