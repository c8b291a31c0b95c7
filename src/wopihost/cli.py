"""The wopihost command line."""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn

import anyio
import click
from pydantic import ValidationError

from wopihost.app import Services, build_services, initialise
from wopihost.cli_activity import activity_group
from wopihost.cli_audit import audit_group
from wopihost.cli_db import db_group
from wopihost.cli_folders import folder_group, share_item, unshare_item
from wopihost.cli_storage import storage_group
from wopihost.cli_trash import trash_group
from wopihost.config import ServerSettings, Settings, load_settings
from wopihost.domain.audit import CLI_CLIENT, acting_client
from wopihost.domain.locales import AUTOMATIC, SUPPORTED_LOCALES
from wopihost.domain.names import split_extension
from wopihost.domain.permissions import SHARE_ROLES, Role
from wopihost.domain.records import User
from wopihost.errors import ExtensionChangeUnconfirmed, NotFound, WopiHostError
from wopihost.logging_setup import configure_logging
from wopihost.plugins import DEVCLIENT_MISSING, DevClientMissing, load_devclient
from wopihost.serving import find_serving, run_server

_READ_CHUNK = 1024 * 1024


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj
    return settings


def _run_services(settings: Settings, func: Callable[..., Coroutine[Any, Any, None]], **kwargs: Any) -> None:
    """Run an async command body with the services built from the settings, reporting errors plainly."""

    async def main() -> None:
        await initialise(settings, upgrade=settings.database_auto_upgrade)
        services = build_services(settings)
        try:
            with acting_client(CLI_CLIENT):
                await func(services, **kwargs)
        finally:
            await services.aclose()

    try:
        anyio.run(main)
    except WopiHostError as exc:
        _fail(str(exc) or type(exc).__name__)


def run_with_services(func: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async command body with the services built from the settings, reporting errors plainly."""

    @wraps(func)
    @click.pass_context
    def wrapper(ctx: click.Context, /, **kwargs: Any) -> None:
        _run_services(_settings(ctx), func, **kwargs)

    return wrapper


def run_with_serving_services(func: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """As `run_with_services`, with the server URLs that `token` uses: configured, else a running serve's."""

    @wraps(func)
    @click.pass_context
    def wrapper(ctx: click.Context, /, **kwargs: Any) -> None:
        _run_services(_serving_settings(_settings(ctx)), func, **kwargs)

    return wrapper


class _Commands(click.Group):
    """The command group, with some commands imported only when they are the command run: the development
    client (an optional extra) loads document libraries and Redis, which `wopihost serve` must not wait for,
    and `readiness` and `bench` bring HTML reports and load clients that a server need not hold in memory."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *_IMPORTED_WHEN_RUN])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _IMPORTED_WHEN_RUN:
            return _IMPORTED_WHEN_RUN[cmd_name]()
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="WOPIHOST_DATA_DIR",
    help="Where the database, file contents and keys live (env WOPIHOST_DATA_DIR).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="WOPIHOST_CONFIG_FILE",
    help="A TOML settings file (env WOPIHOST_CONFIG_FILE).",
)
@click.version_option(package_name="wopihost")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, config_file: Path | None) -> None:
    """wopihost: a WOPI host for viewing and editing Office documents in a WOPI client."""
    overrides: dict[str, Any] = {"data_dir": data_dir} if data_dir else {}
    try:
        ctx.obj = load_settings(config_file=config_file, **overrides)
    except (WopiHostError, ValueError) as exc:
        _fail(f"invalid settings: {exc}")
    configure_logging(ctx.obj.logging.level, ctx.obj.logging.format)


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the database (applying pending migrations), blob store and signing keys (safe to run again)."""
    settings = _settings(ctx)
    try:
        anyio.run(initialise, settings)
    except WopiHostError as exc:
        _fail(str(exc))
    click.echo(f"initialised {settings.data_dir}")


@main.group()
def user() -> None:
    """Manage users."""


@user.command("add")
@click.argument("username")
@click.option("--name", "display_name", default="", help="The name shown to others.")
@click.option(
    "--password", default=None, help="A password for signing in to the web UI (or use --password-stdin)."
)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of standard input."
)
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
@click.option("--business", is_flag=True, help="A Microsoft 365 business user (BUSINESS_USER=1).")
@run_with_services
async def user_add(
    services: Services,
    username: str,
    display_name: str,
    password: str | None,
    password_stdin: bool,
    admin: bool,
    business: bool,
) -> None:
    """Create a user; prints the user's stable UserId."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    created = await services.users.add_user(
        username, display_name, password=password, is_admin=admin, is_business_user=business
    )
    click.echo(created.id)


def _user_flags(u: User) -> str:
    flags = [name for name, on in (("admin", u.is_admin), ("business", u.is_business_user)) if on]
    return ",".join(flags) or "-"


@user.command("list")
@run_with_services
async def user_list(services: Services) -> None:
    """List users: UserId, username, display name, flags (admin, business)."""
    for u in await services.users.list_users():
        click.echo(f"{u.id}\t{u.username}\t{u.display_name}\t{_user_flags(u)}")


@user.command("set")
@click.argument("username")
@click.option(
    "--business/--no-business",
    default=None,
    help="Mark or unmark a Microsoft 365 business user, whose editing Office licenses.",
)
@click.option(
    "--locale",
    type=click.Choice([AUTOMATIC, *SUPPORTED_LOCALES], case_sensitive=False),
    default=None,
    help="The language of the web UI and the WOPI client; auto follows the browser.",
)
@run_with_services
async def user_set(services: Services, username: str, business: bool | None, locale: str | None) -> None:
    """Change a user's flags and language."""
    if business is None and locale is None:
        _fail("nothing to change: give --business, --no-business or --locale")
    changed = await services.users.get_user_by_name(username)
    if business is not None:
        changed = await services.users.set_business_user(changed, business)
    if locale is not None:
        changed = await services.users.set_locale(changed, locale)
        click.echo(f"{changed.username}\tlocale={changed.locale or AUTOMATIC}")
    if business is not None:
        click.echo(f"{changed.username}\t{_user_flags(changed)}")


@user.command("passwd")
@click.argument("username")
@click.password_option()
@run_with_services
async def user_passwd(services: Services, username: str, password: str) -> None:
    """Set a user's password."""
    await services.users.set_password(await services.users.get_user_by_name(username), password)
    click.echo(f"password set for {username}")


@main.group()
def file() -> None:
    """Manage files."""


@file.command("put")
@click.argument("local", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--owner", required=True, help="Username of the owner.")
@click.option("--to", "target", default=None, help="Path in the owner's files, e.g. /Reports/report.docx.")
@click.option("--replace", is_flag=True, help="Store a new version if the file exists.")
@run_with_services
async def file_put(services: Services, local: Path, owner: str, target: str | None, replace: bool) -> None:
    """Store a local file; prints the new file's ID."""
    owner_user = await services.users.get_user_by_name(owner)
    size = local.stat().st_size  # noqa: ASYNC240 - one stat before streaming
    parts = [p for p in (target or local.name).replace("\\", "/").split("/") if p]
    if not parts:
        _fail("--to names no file")
    folder = await services.files.ensure_folder_path(owner_user, parts[:-1])
    created = await services.files.upload(
        owner_user, folder, parts[-1], _read_file(local), declared_size=size, replace=replace
    )
    click.echo(created.id)


async def _read_file(path: Path) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as handle:
        while chunk := await handle.read(_READ_CHUNK):
            yield chunk


@file.command("list")
@click.option("--owner", required=True, help="Username of the owner.")
@click.argument("path", default="/")
@run_with_services
async def file_list(services: Services, owner: str, path: str) -> None:
    """List a folder: file ID, size, version, name."""
    owner_user = await services.users.get_user_by_name(owner)
    folder = await services.files.ensure_folder_path(owner_user, [p for p in path.split("/") if p])
    folders, files = await services.files.list_folder(folder)
    for sub in folders:
        click.echo(f"{sub.id}\t-\t-\t{sub.name}/")
    for f in files:
        click.echo(f"{f.id}\t{f.size}\tv{f.version}\t{f.name}")


@file.command("rename")
@click.argument("file_id")
@click.argument("name")
@click.option(
    "--change-extension",
    is_flag=True,
    help="Confirm a new extension; refused anyway if it would misdescribe the content.",
)
@run_with_services
async def file_rename(services: Services, file_id: str, name: str, change_extension: bool) -> None:
    """Rename a file, keeping its ID; a name without an extension keeps the current one."""
    access = await services.files.access_as_owner(file_id)
    if not split_extension(name)[1]:
        name += access.file.extension
    try:
        renamed = await services.files.rename(access, name, change_extension=change_extension)
    except ExtensionChangeUnconfirmed as exc:
        old, new = exc.old_extension or "no extension", exc.new_extension or "no extension"
        _fail(f"the new name changes the extension from {old} to {new}; pass --change-extension to confirm")
    click.echo(f"renamed {file_id} to {renamed.name}")


@main.command()
@click.argument("item_id", metavar="ID")
@click.option("--with", "username", required=True, help="Username to share with.")
@click.option(
    "--role",
    type=click.Choice([role.value for role in SHARE_ROLES]),
    default=Role.VIEW.value,
    show_default=True,
    help="view-no-download: view in the WOPI client only, no download, print, export or copy.",
)
@run_with_services
async def share(services: Services, item_id: str, username: str, role: str) -> None:
    """Let another user view (with or without downloads) or edit a file, or a folder and all it holds."""
    click.echo(await share_item(services, item_id, username, Role(role)))


@main.command()
@click.argument("item_id", metavar="ID")
@click.option("--with", "username", required=True, help="Username whose share to revoke.")
@run_with_services
async def unshare(services: Services, item_id: str, username: str) -> None:
    """Revoke a share of a file or folder; the user's next WOPI request is refused."""
    click.echo(await unshare_item(services, item_id, username))


class _SearchGroup(click.Group):
    """`wopihost search reindex` runs a subcommand; anything else (`--user U QUERY`) is a search."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] in self.commands:
            return super().resolve_command(ctx, args)
        return "query", search_query, args


@main.group(
    cls=_SearchGroup,
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    invoke_without_command=True,
)
@click.pass_context
def search(ctx: click.Context) -> None:
    """Find files by name and by words in documents (--user U QUERY), or `reindex`."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@click.command("query")
@click.option("--user", "username", required=True, help="Search as this user: their files and shares.")
@click.argument("words", nargs=-1, required=True)
@run_with_services
async def search_query(services: Services, username: str, words: tuple[str, ...]) -> None:
    """Print what USER finds for WORDS: kind, name, where it is, and a snippet for text matches."""
    await _print_search(services, username, " ".join(words))


async def _print_search(services: Services, username: str, query: str) -> None:
    user = await services.users.get_user_by_name(username)
    results = await services.search.search(user, query)
    for found in results.names:
        click.echo(f"{found.kind}\t{found.name}\t{found.location}")
    for found in results.texts:
        snippet = " ".join("".join(f"[{p.text}]" if p.match else p.text for p in found.snippet).split())
        click.echo(f"text\t{found.name}\t{found.location}\t{snippet}")
    if not results.names and not results.texts:
        click.echo(f"nothing found for {results.query!r}", err=True)


@search.command("reindex")
@click.option("--all", "everything", is_flag=True, help="Extract every file again, not only changed ones.")
@run_with_services
async def search_reindex(services: Services, everything: bool) -> None:
    """Bring the search index up to date now (safe while servers run, and in several processes)."""
    count = await services.indexer.reindex(everything=everything)
    click.echo(f"indexed {count} file{'' if count == 1 else 's'}")


_URL_FIELDS = ("host", "port", "public_url", "wopi_url")


def _with_server(settings: Settings, **values: Any) -> Settings:
    """The settings with the server options given on the command line (None means not given)."""
    given = {k: v for k, v in values.items() if v is not None}
    if not given:
        return settings
    # Validated again (not model_copy's unchecked update), so that "https://x/" loses its slash as in a file.
    try:
        server = ServerSettings.model_validate(settings.server.model_dump() | given)
    except ValidationError as exc:
        _fail(f"invalid option: {exc}")
    return settings.model_copy(update={"server": server})


def _serving_settings(settings: Settings, **options: Any) -> Settings:
    """Where the host is: the options, else the configured URLs, else a running serve's."""
    if any(v is not None for v in options.values()):
        return _with_server(settings, **options)
    if settings.server.model_fields_set & set(_URL_FIELDS):
        return settings
    running = find_serving(settings.data_dir)
    return _with_server(settings, **running) if running else settings


@main.group()
def lock() -> None:
    """Inspect and end WOPI editing sessions."""


@lock.command("break")
@click.argument("file_id")
@click.option("--by", "username", default=None, help="The owner or administrator ending it (for the record).")
@run_with_services
async def lock_break(services: Services, file_id: str, username: str | None) -> None:
    """End a file's editing session, so that it can be renamed or deleted; the client's next save fails."""
    by = await services.users.get_user_by_name(username) if username else None
    ended = await services.sessions.end_session(file_id, by)
    if ended is None:
        click.echo(f"{file_id} has no editing session")
        return
    whose = ""
    if ended.lock_user_id:
        with contextlib.suppress(NotFound):
            whose = f" of {(await services.users.get_user(ended.lock_user_id)).display_name}"
    click.echo(f"ended the editing session{whose} on {file_id}")


@main.command()
@click.option("--user", "username", required=True, help="Username the token acts for.")
@click.option("--file", "file_id", required=True, help="File ID the token is for.")
@click.option("--host", default=None, help="Host of the WOPISrc, as for serve.")
@click.option("--port", type=int, default=None, help="Port of the WOPISrc, as for serve.")
@click.option("--public-url", default=None, help="URL of the host, as for serve.")
@click.option("--wopi-url", default=None, help="URL WOPI clients use, as for serve.")
@click.pass_context
def token(
    ctx: click.Context,
    username: str,
    file_id: str,
    host: str | None,
    port: int | None,
    public_url: str | None,
    wopi_url: str | None,
) -> None:
    """Print a WOPISrc and an access token for a user and a file, as JSON.

    The WOPISrc's URL comes from --public-url/--wopi-url/--host/--port when given; else from the server
    settings of the environment or config file; else from the `wopihost serve` running on the same data
    directory (which records its URLs there); else from the defaults (http://127.0.0.1:8080).
    """
    options = {"host": host, "port": port, "public_url": public_url, "wopi_url": wopi_url}
    settings = _serving_settings(_settings(ctx), **options)
    _run_services(settings, _print_token, username=username, file_id=file_id)


async def _print_token(services: Services, username: str, file_id: str) -> None:
    found = await services.users.get_user_by_name(username)
    await services.files.find_access(file_id, found)
    issued = services.tokens.issue(found.id, file_id)
    click.echo(
        json.dumps(
            {
                "wopi_src": services.urls.wopi_src(file_id),
                "access_token": issued.token,
                "access_token_ttl": issued.ttl_ms,
            }
        )
    )


@main.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8080).")
@click.option("--public-url", default=None, help="URL browsers use to reach this server.")
@click.option("--wopi-url", default=None, help="URL WOPI clients use, if WOPI has its own hostname.")
@click.option("--workers", type=int, default=None, help="Worker processes (default 1).")
@click.option(
    "--devclient-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port of the development client started beside the server "
    "(default 8081, env WOPIHOST_DEVCLIENT__PORT).",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str | None,
    port: int | None,
    public_url: str | None,
    wopi_url: str | None,
    workers: int | None,
    devclient_port: int | None,
) -> None:
    """Run the server (and, unless a WOPI client is configured, the development client beside it).

    SIGTERM or Ctrl+C stops both: requests in flight get server.shutdown_timeout_seconds to finish. An
    outdated schema is upgraded where database.auto_upgrade allows (SQLite by default), else refused.
    While it runs, the server records its URLs in the data directory, where `wopihost token` finds them.
    """
    settings = _with_server(
        _settings(ctx), host=host, port=port, public_url=public_url, wopi_url=wopi_url, workers=workers
    )
    if devclient_port is not None:
        devclient = settings.devclient.model_copy(update={"port": devclient_port})
        settings = settings.model_copy(update={"devclient": devclient})
    try:
        settings.check_safe_for_environment()
        anyio.run(functools.partial(initialise, settings, upgrade=settings.database_auto_upgrade))
    except WopiHostError as exc:
        _fail(str(exc))
    click.echo(
        f"wopihost serving WOPI at {settings.server.wopi_base_url}/wopi/files/ (data in {settings.data_dir})",
        err=True,
    )
    click.echo(f"sign in at {settings.server.base_url}/", err=True)
    try:
        run_server(settings)
    except WopiHostError as exc:
        _fail(str(exc))


@main.group()
def keys() -> None:
    """Manage the access-token signing keys."""


@keys.command("rotate")
@click.option("--keep", type=int, default=1, show_default=True, help="Retired keys that still verify tokens.")
@click.pass_context
def keys_rotate(ctx: click.Context, keep: int) -> None:
    """Start signing with a new key; tokens signed with the previous key stay valid until they expire."""
    from wopihost.adapters.keyring_file import rotate_keyring

    keyring = rotate_keyring(_settings(ctx).token_keys_file, keep=keep)
    click.echo(
        f"new signing key {keyring.current.kid}; {len(keyring.previous)} retired key(s) still accepted"
    )


@main.group()
def discovery() -> None:
    """Inspect the WOPI client's discovery."""


@discovery.command("show")
@click.option("--refresh", is_flag=True, help="Fetch discovery now instead of using the cached copy.")
@run_with_services
async def discovery_show(services: Services, refresh: bool) -> None:
    """Print the apps, actions and proof keys the WOPI client advertises, and its /hosting/capabilities."""
    from wopihost.domain.capabilities import format_capabilities
    from wopihost.domain.discovery import format_discovery

    service = services.discovery
    found = await (service.refresh() if refresh else service.get())
    click.echo(f"discovery URL: {services.settings.discovery_url}")
    click.echo(format_discovery(found))
    click.echo(
        format_capabilities(
            service.capabilities,
            advertised=found.capabilities_url is not None,
            error=service.capabilities_error,
        ),
        nl=False,
    )


@main.command("demo-setup")
@run_with_services
async def demo_setup(services: Services) -> None:
    """Create demo users (alice, bob) and sample documents, unless they exist."""
    from wopihost.demo import DEMO_USERS, seed_demo

    for line in await seed_demo(services.users, services.files):
        click.echo(f"created {line}")
    # The address is printed by `serve`, which alone knows the port and public URL it is given.
    click.echo("sign in as " + " or ".join(f"{u} / {p}" for u, _, p in DEMO_USERS))


def _devclient_group() -> click.Command:
    """`wopihost devclient`, or a stand-in that says how to install it when the extra is missing."""
    try:
        group: click.Command = load_devclient("cli").devclient
    except DevClientMissing:

        @click.command(
            "devclient",
            context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
            add_help_option=False,
        )
        def missing() -> None:
            """The development WOPI client (not installed: pip install 'wopihost[devclient]')."""
            _fail(DEVCLIENT_MISSING)

        return missing
    return group


def _readiness_command() -> click.Command:
    from wopihost.cli_readiness import readiness_command

    return readiness_command(run_with_serving_services)


def _bench_command() -> click.Command:
    from wopihost.cli_bench import bench_command

    return bench_command


_IMPORTED_WHEN_RUN: dict[str, Callable[[], click.Command]] = {
    "devclient": _devclient_group,
    "readiness": _readiness_command,
    "bench": _bench_command,
}

main.add_command(trash_group(run_with_services))
main.add_command(audit_group(run_with_services))
main.add_command(folder_group(run_with_services))
main.add_command(activity_group(run_with_services))
main.add_command(storage_group(run_with_services))
main.add_command(db_group)
