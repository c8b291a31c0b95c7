"""`wopihost bench`: size a rollout by loading any WOPI host as a WOPI client would, signed if need be."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from wopihost.benchkit import wrk
from wopihost.benchkit.calls import WopiFile
from wopihost.benchkit.proofs import ProofCache, load_signer
from wopihost.benchkit.remote import BenchRefused, RemoteOptions, run_remote
from wopihost.benchkit.results import format_table, write_json
from wopihost.errors import ConfigurationError


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.command("bench")
@click.option("--wopi-src", required=True, help="The WOPISrc of a test file: https://host/wopi/files/ID.")
@click.option(
    "--token",
    required=True,
    envvar="WOPIHOST_BENCH_TOKEN",
    help="An access token for that file (or env WOPIHOST_BENCH_TOKEN, kept out of ps).",
)
@click.option(
    "--proof-keys",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Sign requests with these WOPI client keys (a development client's proof-keys.json, or PEM).",
)
@click.option("--duration", type=float, default=10.0, show_default=True, help="Seconds per scenario.")
@click.option("--connections", type=int, default=16, show_default=True, help="Concurrent connections.")
@click.option(
    "--allow-writes", is_flag=True, help="Also run Lock/RefreshLock/GetLock/Unlock cycles on the file."
)
@click.option(
    "--builtin-client", is_flag=True, help="Use the built-in asyncio client even if wrk is installed."
)
@click.option(
    "--local-baseline",
    is_flag=True,
    help="Also measure a bare ASGI app on this machine, and give each read its ratio to it.",
)
@click.option("--insecure", is_flag=True, help="Do not verify TLS certificates (wrk never does).")
@click.option(
    "--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), help="Also write JSON here."
)
def bench_command(
    wopi_src: str,
    token: str,
    proof_keys: Path | None,
    duration: float,
    connections: int,
    allow_writes: bool,
    builtin_client: bool,
    local_baseline: bool,
    insecure: bool,
    json_file: Path | None,
) -> None:
    """Measure CheckFileInfo and GetFile (and lock cycles with --allow-writes) against a WOPI host.

    The figures are this deployment's, seen from this machine; --local-baseline adds a bare ASGI app run
    on this machine for scale. The token is never printed.
    """
    try:
        signer = load_signer(proof_keys) if proof_keys else None
        target = WopiFile(wopi_src, token, ProofCache(signer))
    except (ConfigurationError, ValueError) as exc:
        _fail(str(exc))
    use_wrk = not builtin_client
    options = RemoteOptions(
        target=target,
        duration=duration,
        connections=connections,
        allow_writes=allow_writes,
        use_wrk=use_wrk,
        verify_tls=not insecure,
        local_baseline=local_baseline,
    )
    try:
        rows = run_remote(options)
    except BenchRefused as exc:
        _fail(str(exc))
    except RuntimeError as exc:
        _fail(str(exc))
    client = "wrk" if use_wrk and wrk.available() else "built-in"
    click.echo(format_table(rows))
    meta = {
        "client": client,
        "duration": duration,
        "connections": connections,
        "signed": signer is not None,
        "wopi_src": wopi_src,
    }
    if json_file is not None:
        write_json(json_file, rows, meta)
    else:
        click.echo(json.dumps(meta))
    if not all(row.ok for row in rows):
        sys.exit(1)
