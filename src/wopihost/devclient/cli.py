"""`wopihost devclient`: run the development WOPI client, manage its proof keys, replay co-authoring."""

from __future__ import annotations

import logging
import sys
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import click
import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wopihost.config import Settings, load_settings
from wopihost.devclient.app import create_devclient_app, timings_for
from wopihost.devclient.discovery_xml import DISCOVERY_PATH
from wopihost.devclient.keys import DevClientKeys
from wopihost.devclient.keystore import KeyStore
from wopihost.devclient.pages import PAGE_IDLE_EXPIRY
from wopihost.devclient.policies import AppName
from wopihost.devclient.registry import registry_from_settings
from wopihost.devclient.replay import ClientName, ReplayReport
from wopihost.devclient.replay_scripts import SCRIPTS, run_replay
from wopihost.devclient.scenarios import REVOKING, SCENARIO_NUMBERS, Role, Scenario, scenario
from wopihost.devclient.shapes import SHAPE_NAMES, ShapeName, build_shaped_discovery
from wopihost.devclient.simulate import (
    EDITING_APPS,
    Commands,
    Line,
    ScenarioReport,
    Simulation,
    SimUser,
    detect_app,
    format_line,
    format_summary,
    reports_json,
)
from wopihost.logging_setup import quiet_http_logs
from wopihost.plugins import DEVCLIENT_INSTANCE_HEADER

ROLES: tuple[Role, ...] = ("A", "B", "C")
OFFICE_CLIENTS: dict[str, AppName] = {"word": "Word", "excel": "Excel", "powerpoint": "PowerPoint"}
REPLAYED: tuple[ClientName, ...] = ("collabora", "onlyoffice")
CLIENTS = [*REPLAYED, *OFFICE_CLIENTS]


def _settings(ctx: click.Context) -> Settings:
    if isinstance(ctx.obj, Settings):
        return ctx.obj
    return load_settings()


@click.group("devclient")
def devclient() -> None:
    """The built-in development WOPI client: an Office for the web stand-in for testing hosts."""


@devclient.command("serve")
@click.option("--host", default=None, help="Address to listen on (default devclient.host, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default devclient.port, 8081).")
@click.option("--public-url", default=None, help="URL browsers and hosts use to reach the client.")
@click.option(
    "--shape",
    type=click.Choice(SHAPE_NAMES),
    default=None,
    help="Whose discovery to present and whose way of saving to follow (default devclient.shape).",
)
@click.option("--instance", default=None, hidden=True, help="An ID to answer with (set by wopihost serve).")
@click.pass_context
def serve(
    ctx: click.Context,
    host: str | None,
    port: int | None,
    public_url: str | None,
    shape: ShapeName | None,
    instance: str | None,
) -> None:
    """Serve discovery at /hosting/discovery and the view and edit pages."""
    import uvicorn

    settings = _settings(ctx)
    section = settings.devclient
    host, port = host or section.host, port or section.port
    base_url = (public_url or section.public_url or f"http://{host}:{port}").rstrip("/")
    shape = shape or section.shape
    # The registry names this node by the address it really listens on, unless devclient.node_url is set.
    section = section.model_copy(update={"host": host, "port": port})
    settings = settings.model_copy(update={"devclient": section})
    app = create_devclient_app(
        shape=shape,
        keys_file=settings.devclient_keys_file,
        public_url=base_url,
        timings=timings_for(section, shape),
        registry=registry_from_settings(settings, page_seconds=PAGE_IDLE_EXPIRY),
    )
    click.echo(f"development WOPI client ({shape} shape): discovery at {base_url}{DISCOVERY_PATH}", err=True)
    served = _answering_as(app, instance) if instance else app
    uvicorn.run(served, host=host, port=port, log_config=None, access_log=False, server_header=False)


def _answering_as(app: ASGIApp, instance: str) -> ASGIApp:
    """`app`, with every response naming this process's instance ID (see DEVCLIENT_INSTANCE_HEADER)."""
    header = (DEVCLIENT_INSTANCE_HEADER.encode("ascii"), instance.encode("ascii"))

    async def identified(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_identified(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        await app(scope, receive, send_identified)

    return identified


@devclient.command("rotate-keys")
@click.pass_context
def rotate_keys(ctx: click.Context) -> None:
    """Rotate the proof keys as Office for the web does: the current key becomes the old one."""
    path = _settings(ctx).devclient_keys_file
    DevClientKeys.load_or_create(path).rotate(path)
    click.echo(f"rotated the proof keys in {path}; hosts must refresh discovery to verify new requests")


@devclient.command("discovery")
@click.option("--public-url", default=None, help="Base URL to put in the action URLs (default devclient's).")
@click.option("--shape", type=click.Choice(SHAPE_NAMES), default=None, help="Default devclient.shape.")
@click.pass_context
def discovery(ctx: click.Context, public_url: str | None, shape: ShapeName | None) -> None:
    """Print the discovery XML."""
    settings = _settings(ctx)
    base_url = (public_url or settings.devclient.base_url).rstrip("/")
    attributes = KeyStore(settings.devclient_keys_file).discovery_attributes()
    click.echo(build_shaped_discovery(shape or settings.devclient.shape, base_url, attributes), nl=False)


def _parse_user(value: str) -> tuple[str, dict[str, Any]]:
    name, sep, source = value.partition("=")
    if not sep or not name or not source:
        raise click.BadParameter(f"expected NAME=TOKEN_JSON_FILE or NAME={{json}}, got {value!r}")
    try:
        text = source if source.lstrip().startswith("{") else Path(source).read_text(encoding="utf-8")
        data = orjson.loads(text)
    except (OSError, orjson.JSONDecodeError) as exc:
        raise click.BadParameter(f"the token of {name} is not readable JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise click.BadParameter(f"the token of {name} is not a JSON object")
    return name, data


def _scenarios(app: AppName, chosen: tuple[str, ...], users: int, revoke: bool) -> list[Scenario]:
    numbers = (
        [int(n) for n in chosen] if chosen else [n for n in SCENARIO_NUMBERS if revoke or n not in REVOKING]
    )
    picked = []
    for number in numbers:
        if number in REVOKING and not revoke:
            raise click.UsageError(f"scenario {number} revokes a user's permission: give --revoke-command")
        found = scenario(number, app)
        if len(found.roles) > users:
            click.echo(f"skipping scenario {number}: it needs {len(found.roles)} users", err=True)
            continue
        picked.append(found)
    return picked


@devclient.command("simulate")
@click.option(
    "--user",
    "user_specs",
    multiple=True,
    required=True,
    metavar="NAME=TOKEN",
    help="A user in order A, B, C: NAME=file with `wopihost token` output, or NAME={json}. Two or three.",
)
@click.option(
    "--client",
    type=click.Choice(CLIENTS),
    default=None,
    help="The client whose traffic to replay. Default: Word, Excel or PowerPoint by file type.",
)
@click.option(
    "--app", type=click.Choice(list(EDITING_APPS)), default=None, help="Same as --client word|excel|..."
)
@click.option(
    "--scenario",
    "chosen",
    multiple=True,
    type=click.Choice([str(n) for n in SCENARIO_NUMBERS]),
    help="Scenarios to run (repeatable). Default: 1-3, and 4-6 when a revoke command is given.",
)
@click.option("--time-factor", type=float, default=60.0, show_default=True, help="How much faster than real.")
@click.option("--revoke-command", default=None, help="Shell command removing {user}'s edit right.")
@click.option("--restore-command", default=None, help="Shell command giving {user} the right back.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report instead of text.")
@click.option("--verbose", is_flag=True, help="Also log every WOPI request.")
@click.pass_context
def simulate(
    ctx: click.Context,
    user_specs: tuple[str, ...],
    client: str | None,
    app: AppName | None,
    chosen: tuple[str, ...],
    time_factor: float,
    revoke_command: str | None,
    restore_command: str | None,
    as_json: bool,
    verbose: bool,
) -> None:
    """Replay a real client's traffic against a WOPI host and report what that client would call an error.

    --client word|excel|powerpoint replays Office for the web's co-authoring (scenarios 1-6 of
    coauth.rst); --client collabora replays Collabora Online (1: one editor with chained saves, rename,
    Save As and exit save; 2: a stale save that must be refused with 409 and COOLStatusCode 1010);
    --client onlyoffice replays ONLYOFFICE Docs (1: editing with its new-document flow; 2: conversion).

    Users A, B and optionally C come in that order as --user NAME=TOKEN, TOKEN being a file with what
    `wopihost token` prints ({"wopi_src", "access_token", "access_token_ttl"}) or that JSON inline, all
    for one file. Scenarios 4-6 take a user's edit right away with --revoke-command (a shell command;
    {user} becomes NAME, and WOPI_SIM_USER, WOPI_SIM_ROLE, WOPI_SIM_WOPI_SRC are set) and give it back
    with --restore-command; users A and B must therefore not own the file. Exits 0 when every scenario
    went as the docs say, 1 otherwise.

    \b
    Example:
      wopihost token --user alice --file F > a.json
      wopihost token --user bob --file F > b.json
      wopihost devclient simulate --user alice=a.json --user bob=b.json --time-factor 120 \\
        --revoke-command 'wopihost unshare F --with {user}' \\
        --restore-command 'wopihost share F --with {user} --role edit'
    """
    if not 2 <= len(user_specs) <= 3:
        raise click.UsageError("give two or three --user options (users A, B and optionally C)")
    if time_factor <= 0:
        raise click.UsageError("--time-factor must be positive")
    app = _office_app(client, app)
    quiet_http_logs()
    if not verbose:
        logging.getLogger("wopihost.devclient").setLevel(logging.WARNING)
    users = {
        role: SimUser.from_token_json(*_parse_user(spec))
        for role, spec in zip(ROLES, user_specs, strict=False)
    }
    keys = KeyStore(_settings(ctx).devclient_keys_file)
    if client in REPLAYED:
        if revoke_command or restore_command:
            raise click.UsageError(f"--client {client} has no revoking scenarios")
        _replay(client, chosen, users, keys, time_factor, as_json)
    app = app or anyio.run(lambda: detect_app(users["A"], keys.signer))
    if app is None:
        raise click.UsageError("could not tell the application from the file's name; give --app")
    simulation = Simulation(
        users,
        keys.signer,
        time_factor=time_factor,
        commands=Commands(revoke_command, restore_command),
        progress=None if as_json else _progress,
    )
    reports: list[ScenarioReport] = []
    for picked in _scenarios(app, chosen, len(users), revoke_command is not None):
        if not as_json:
            click.echo(f"\n{picked.app}, scenario {picked.number}: {picked.title}")
        reports.append(anyio.run(simulation.run, picked))
        if not as_json:
            click.echo("\n".join(format_summary(reports[-1])))
    if as_json:
        click.echo(reports_json(reports))
    else:
        failed = [f"{r.scenario.number}" for r in reports if not r.passed]
        click.echo(f"\n{len(reports) - len(failed)} of {len(reports)} scenarios passed for {app}.")
    sys.exit(0 if reports and all(r.passed for r in reports) else 1)


def _office_app(client: str | None, app: AppName | None) -> AppName | None:
    office = OFFICE_CLIENTS.get(client or "")
    if office and app and office != app:
        raise click.UsageError(f"--client {client} and --app {app} disagree")
    return office or app


def _replay(
    client: ClientName,
    chosen: tuple[str, ...],
    users: dict[Role, SimUser],
    keys: KeyStore,
    time_factor: float,
    as_json: bool,
) -> None:
    scripts = SCRIPTS[client]
    numbers = {str(script.number) for script in scripts}
    if unknown := [n for n in chosen if n not in numbers]:
        raise click.UsageError(f"--client {client} has scenarios {', '.join(sorted(numbers))}, not {unknown}")
    reports: list[ReplayReport] = []
    for script in scripts:
        if chosen and str(script.number) not in chosen:
            continue
        if not as_json:
            click.echo(f"\n{client}, scenario {script.number}: {script.title}")
        run = partial(run_replay, script, users, keys.signer, time_factor=time_factor)
        reports.append(anyio.run(partial(run, progress=None if as_json else _progress)))
        if not as_json:
            click.echo("\n".join(format_summary(reports[-1])))
    if as_json:
        click.echo(reports_json(reports))
    else:
        failed = [r for r in reports if not r.passed]
        click.echo(f"\n{len(reports) - len(failed)} of {len(reports)} scenarios passed for {client}.")
    sys.exit(0 if reports and all(r.passed for r in reports) else 1)


def _progress(line: Line) -> None:
    click.echo(format_line(line))
