"""`wopihost storage check`: content that no version refers to, and versions whose content is missing."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

import click

from wopihost.adapters.sql.blob_references import SqlBlobReferences
from wopihost.app import Services
from wopihost.services.storage_check import CheckTally, Finding, FindingKind, StorageCheck

Runner = Callable[[Callable[..., Coroutine[Any, Any, None]]], Callable[..., None]]


def storage_group(run_with_services: Runner) -> click.Group:
    """The storage commands, run through the CLI's `run_with_services` (passed in: no import cycle)."""

    @click.group()
    def storage() -> None:
        """The blob store that holds file contents."""

    @storage.command("check")
    @click.option("--repair", is_flag=True, help="Remove the orphans (content that nothing refers to).")
    @click.option(
        "--min-age-minutes",
        type=click.FloatRange(min=0),
        default=60.0,
        show_default=True,
        help="Unreferenced content younger than this may be a save in progress: reported, never removed.",
    )
    @run_with_services
    async def storage_check(services: Services, repair: bool, min_age_minutes: float) -> None:
        """Report orphaned content and missing content; exit 1 while any problem remains."""
        check = StorageCheck(
            blobs=services.blobs, references=SqlBlobReferences(services.db), clock=services.clock
        )
        tally = CheckTally()
        async for finding in check.run(tally, repair=repair, min_age=timedelta(minutes=min_age_minutes)):
            click.echo(_describe(finding))
        counts = tally.counts
        click.echo(
            f"checked {tally.blobs} blobs and {tally.references} references: "
            f"{counts[FindingKind.ORPHAN]} orphans ({tally.removed} removed), "
            f"{counts[FindingKind.RECENT]} recent unreferenced, {counts[FindingKind.MISSING]} missing"
        )
        if counts[FindingKind.MISSING]:
            click.echo(
                "missing content cannot be repaired here: restore those blobs from a backup, or delete the "
                "affected files or versions",
                err=True,
            )
        if counts[FindingKind.MISSING] or counts[FindingKind.ORPHAN] > tally.removed:
            raise click.exceptions.Exit(1)

    return storage


def _describe(finding: Finding) -> str:
    if finding.kind is FindingKind.MISSING:
        where = ", ".join(
            f"file {r.file_id}" + (f" version {r.version}" if r.version is not None else " (current)")
            for r in finding.references
        )
        return f"missing\t{finding.key}\t{where}"
    if finding.kind is FindingKind.RECENT:
        return f"recent\t{finding.key}\tunreferenced, stored within the grace period; left alone"
    return f"orphan\t{finding.key}\t{'removed' if finding.repaired else 'unreferenced'}"
