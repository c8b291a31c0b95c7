"""`wopihost audit export`: the audit trail as JSON lines, streamed to standard output."""

from __future__ import annotations

import sys
from collections.abc import Callable, Coroutine
from typing import Any

import click

from wopihost.app import Services
from wopihost.domain.audit import AuditQuery, parse_moment

Runner = Callable[[Callable[..., Coroutine[Any, Any, None]]], Callable[..., None]]


def audit_group(run_with_services: Runner) -> click.Group:
    """The audit commands, run through the CLI's `run_with_services` (passed in, to avoid an import cycle)."""

    @click.group()
    def audit() -> None:
        """The audit trail: who opened, saved, shared, renamed, moved or deleted what, when and how."""

    @audit.command("export")
    @click.option("--since", help="Only events at or after this ISO 8601 time (UTC unless it says).")
    @click.option("--until", help="Only events before this ISO 8601 time (UTC unless it says).")
    @click.option("--file", "file_id", help="Only events of this file or folder ID.")
    @click.option("--user", "username", help="Only what this user did.")
    @run_with_services
    async def audit_export(
        services: Services, since: str | None, until: str | None, file_id: str | None, username: str | None
    ) -> None:
        """Write matching events as JSON lines, oldest first, e.g. `wopihost audit export > audit.jsonl`."""
        user = await services.users.get_user_by_name(username) if username else None
        query = AuditQuery(
            since=parse_moment(since) if since else None,
            until=parse_moment(until) if until else None,
            item_id=file_id,
            user_id=user.id if user else None,
        )
        async for line in services.audit.export_lines(query):
            sys.stdout.write(line)
        sys.stdout.flush()

    return audit
