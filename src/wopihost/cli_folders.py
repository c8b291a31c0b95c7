"""`wopihost folder list | move | share | unshare | shares`: a user's folders, moving them, sharing them."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import click

from wopihost.app import Services
from wopihost.domain.permissions import SHARE_ROLES, Role
from wopihost.errors import FolderLocked, NotFound, WopiHostError

Runner = Callable[[Callable[..., Coroutine[Any, Any, None]]], Callable[..., None]]

_ROLE_HELP = "view-no-download: view in the WOPI client only, no download, print, export or copy."
_FOLDER_HELP = "A path below the user's root (/Reports/2026) or a folder ID."


async def share_item(services: Services, item_id: str, username: str, role: Role) -> str:
    """Share a file, or else a folder with everything in it, as its owner; the line to print."""
    try:
        access = await services.files.access_as_owner(item_id)
    except NotFound:
        folder = await services.browse.folder_as_owner(item_id)
        await services.folder_shares.share(folder, username, role)
        return f"shared folder {item_id} ({folder.folder.name}) with {username} ({role.value})"
    await services.files.share(access, username, role)
    return f"shared {item_id} with {username} ({role.value})"


async def unshare_item(services: Services, item_id: str, username: str) -> str:
    """Revoke a share of a file, or else of a folder, as its owner; the line to print."""
    try:
        access = await services.files.access_as_owner(item_id)
    except NotFound:
        folder = await services.browse.folder_as_owner(item_id)
        removed = (await services.folder_shares.unshare(folder, username)).changed
    else:
        removed = await services.files.unshare(access, username)
    return f"unshared {item_id} from {username}" if removed else f"{username} had no share of {item_id}"


def folder_group(run_with_services: Runner) -> click.Group:
    """The folder commands, run through the CLI's `run_with_services` (passed in: no import cycle)."""

    @click.group()
    def folder() -> None:
        """Folders: list, move (with everything inside, every ID kept) and share with other users."""

    @folder.command("list")
    @click.option("--user", "username", required=True, help="Username whose folders to list.")
    @run_with_services
    async def folder_list(services: Services, username: str) -> None:
        """List a user's folders (folder ID, path, people shared with), then those shared with them."""
        user = await services.users.get_user_by_name(username)
        tree = await services.browse.folder_tree(user)
        counts = await services.browse.folder_sharing([entry.folder for entry in tree])
        for entry in tree:
            people = counts.get(entry.folder.id, 0)
            click.echo(f"{entry.folder.id}\t{entry.path}\t{f'shared with {people}' if people else '-'}")
        for shared in await services.browse.shared_folders(user):
            note = f"shared by {shared.owner_name} ({shared.role.value})"
            click.echo(f"{shared.folder.id}\t{shared.folder.name}/\t{note}")

    @folder.command("move")
    @click.argument("source")
    @click.argument("target")
    @click.option("--user", "username", required=True, help="Username of the folders' owner.")
    @run_with_services
    async def folder_move(services: Services, source: str, target: str, username: str) -> None:
        """Move SOURCE, with everything in it, into TARGET (each a path like /Reports or a folder ID)."""
        user = await services.users.get_user_by_name(username)
        moving = (await services.browse.folder_at(user, source)).folder
        into = (await services.browse.folder_at(user, target)).folder
        try:
            moved = await services.files.move_folder(user, moving, into)
        except FolderLocked as exc:
            editor = f" by {exc.editor}" if exc.editor else ""
            raise WopiHostError(
                f"cannot move {moving.name!r}: {exc.file_name!r} inside it is being edited{editor}; "
                "try again when it is closed"
            ) from exc
        click.echo(f"moved {moved.id} ({moved.name}) into {into.name or '/'}")

    @folder.command("share")
    @click.argument("ref", metavar="FOLDER")
    @click.option("--user", "username", required=True, help="Username of the folder's owner.")
    @click.option("--with", "recipient", required=True, help="Username to share with.")
    @click.option(
        "--role",
        type=click.Choice([role.value for role in SHARE_ROLES]),
        default=Role.VIEW.value,
        show_default=True,
        help=_ROLE_HELP,
    )
    @run_with_services
    async def folder_share(services: Services, ref: str, username: str, recipient: str, role: str) -> None:
        """Let another user view or edit a folder and everything in it, now and later. FOLDER: path or ID."""
        access = await services.browse.folder_at(await services.users.get_user_by_name(username), ref)
        await services.folder_shares.share(access, recipient, Role(role))
        click.echo(f"shared {access.folder.id} ({access.folder.name}) with {recipient} ({role})")

    @folder.command("unshare")
    @click.argument("ref", metavar="FOLDER")
    @click.option("--user", "username", required=True, help="Username of the folder's owner.")
    @click.option("--with", "recipient", required=True, help="Username whose share to revoke.")
    @run_with_services
    async def folder_unshare(services: Services, ref: str, username: str, recipient: str) -> None:
        """Revoke a folder share; the user's next request for anything inside is refused."""
        access = await services.browse.folder_at(await services.users.get_user_by_name(username), ref)
        change = await services.folder_shares.unshare(access, recipient)
        folder_id = access.folder.id
        click.echo(
            f"unshared {folder_id} from {recipient}"
            if change.changed
            else f"{recipient} had no share of {folder_id}"
        )

    @folder.command("shares")
    @click.argument("ref", metavar="FOLDER")
    @click.option("--user", "username", required=True, help="Username of the folder's owner.")
    @run_with_services
    async def folder_shares(services: Services, ref: str, username: str) -> None:
        """List who a folder is shared with: username, role."""
        access = await services.browse.folder_at(await services.users.get_user_by_name(username), ref)
        for entry in await services.folder_shares.entries(access):
            click.echo(f"{entry.username}\t{entry.role.value}")

    return folder
