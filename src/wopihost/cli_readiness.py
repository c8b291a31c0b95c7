"""`wopihost readiness`: the go-live dossier of this deployment, as text, JSON or one HTML file."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import click
import httpx

from wopihost.adapters.sql.usage import SqlUsageSource
from wopihost.app import Services
from wopihost.readiness.live import LiveFixture
from wopihost.readiness.model import Dossier
from wopihost.readiness.render import to_html, to_json, to_text
from wopihost.readiness.runner import Options, build_dossier

Runner = Callable[[Callable[..., Coroutine[Any, Any, None]]], Callable[..., None]]
DEFAULT_VALIDATOR = Path(__file__).resolve().parents[2].parent / "shared" / "tools" / "wopi-validator"


def readiness_command(run_with_services: Runner) -> click.Command:
    """The readiness command, run through the CLI's `run_with_services`."""

    @click.command()
    @click.option(
        "--html",
        "html_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the HTML dossier here.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
    @click.option(
        "--validator",
        type=click.Path(path_type=Path),
        envvar="WOPIHOST_READINESS_VALIDATOR",
        default=DEFAULT_VALIDATOR,
        show_default=True,
        help="Folder of the WOPI validator (env WOPIHOST_READINESS_VALIDATOR).",
    )
    @click.option(
        "--validator-proof-keys",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="The validator's proof-key file, when the deployment's discovery is the validator's.",
    )
    @click.option(
        "--days", type=click.IntRange(1, 365), default=30, show_default=True, help="Traffic window."
    )
    @run_with_services
    async def readiness(
        services: Services,
        html_file: Path | None,
        as_json: bool,
        validator: Path,
        validator_proof_keys: Path | None,
        days: int,
    ) -> None:
        """Check this deployment against Microsoft's go-live list; exit 1 if a required check fails."""
        dossier = await run_checks(services, Options(validator, validator_proof_keys, days))
        if html_file is not None:
            _write_atomically(html_file, to_html(dossier))
        click.echo(to_json(dossier) if as_json else to_text(dossier), nl=False)
        if not dossier.ready:
            sys.exit(1)

    return readiness


async def run_checks(services: Services, options: Options) -> Dossier:
    """Every readiness check against the deployment these services serve."""
    try:
        discovery = await services.discovery.get()
    except Exception:
        discovery = None
    async with httpx.AsyncClient(timeout=15) as client:
        return await build_dossier(
            services.settings,
            LiveFixture(services),
            SqlUsageSource(services.db),
            client,
            discovery,
            options,
        )


async def html_dossier(services: Services) -> tuple[bool, str]:
    """The checks with the command's defaults, as the console shows them: the verdict and the HTML dossier."""
    validator = Path(os.environ.get("WOPIHOST_READINESS_VALIDATOR") or DEFAULT_VALIDATOR)
    dossier = await run_checks(services, Options(validator))
    return dossier.ready, to_html(dossier)


def _write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file beside `path`, so that a reader never sees half a dossier."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from exc
