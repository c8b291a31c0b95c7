"""The trash page: what the user deleted, to restore or to delete for good, and emptying it."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wopihost.domain.trash import Restored, TrashKind
from wopihost.ports import FolderContents
from wopihost.services.trash import TrashEntry
from wopihost.web.context import WebContext, done, local_path, read_form
from wopihost.web.routes.browse import folder_url
from wopihost.web.views import contents_summary, counted, file_kind, human_size, iso_time, short_time

TRASH_URL = "/trash"


@dataclass(frozen=True, slots=True)
class TrashRow:
    """A trash item as the trash page shows it."""

    id: str
    name: str
    icon: str
    kind_label: str
    location: str
    location_url: str | None
    deleted: str
    deleted_iso: str
    size: str
    contents: str


def trash_row(entry: TrashEntry) -> TrashRow:
    """How one trash entry reads: its original location is a path from "My files", or says it is gone."""
    item = entry.item
    if item.kind is TrashKind.FILE:
        icon, label, contents = f"ft-{file_kind(item.name).icon}", file_kind(item.name).label, ""
    else:
        icon, label = "ft-folder", "Folder"
        contents = contents_summary(FolderContents(files=item.files, folders=item.folders))
    location, url = "Folder no longer there: restores to My files", None
    if entry.location:
        location = "/".join(["My files", *(folder.name for folder in entry.location[1:])])
        url = folder_url(entry.location[-1])
    return TrashRow(
        id=item.id,
        name=item.name,
        icon=icon,
        kind_label=label,
        location=location,
        location_url=url,
        deleted=short_time(item.deleted_at),
        deleted_iso=iso_time(item.deleted_at),
        size=human_size(item.size),
        contents=contents,
    )


def restored_message(restored: Restored) -> str:
    """What a restore did, naming a new name or a new place when the old ones were not available."""
    item = restored.item
    noun = "the folder " if item.kind is TrashKind.FOLDER else ""
    text = f"Restored {noun}“{item.name}”"
    if restored.renamed:
        text += f" as “{restored.name}”, since the name was taken"
    if restored.to_root:
        text += f"{',' if restored.renamed else ''} to My files, since its folder is no longer there"
    return f"{text}."


class TrashPages:
    """The trash page and its actions; only an item's owner sees or changes it."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def trash(self, request: Request) -> Response:
        """The user's trash, most recently deleted first."""
        user = await self.ctx.user(request)
        service = self.ctx.services.trash
        entries = await service.entries(user)
        context = {
            "rows": [trash_row(entry) for entry in entries],
            "section": "trash",
            "stored": human_size(sum(entry.item.stored_bytes for entry in entries)),
        }
        return self.ctx.render(request, "trash.html", context)

    async def restore(self, request: Request) -> Response:
        """Restore an item, then go back to the trash page or (for Undo) to where the item now is."""
        user = await self.ctx.user(request)
        form = await read_form(request)
        restored = await self.ctx.services.trash.restore(request.path_params["item_id"], user)
        where = "/" if restored.folder_id == user.root_folder_id else f"/folders/{restored.folder_id}"
        back = local_path(form.get("back"), default=where)
        return done(request, back, restored_message(restored), name=restored.name, folder_url=where)

    async def delete_page(self, request: Request) -> Response:
        """A confirmation page for deleting an item for good, for browsers without scripts."""
        user = await self.ctx.user(request)
        item = await self.ctx.services.trash.get(request.path_params["item_id"], user)
        context = {"item": item, "section": "trash"}
        return self.ctx.render(request, "trash_confirm.html", context)

    async def delete(self, request: Request) -> Response:
        """Delete an item for good, with every version of every file in it."""
        user = await self.ctx.user(request)
        item = await self.ctx.services.trash.delete_permanently(request.path_params["item_id"], user)
        return done(request, TRASH_URL, f"Deleted “{item.name}” permanently.")

    async def empty_page(self, request: Request) -> Response:
        """A confirmation page for emptying the trash, for browsers without scripts."""
        await self.ctx.user(request)
        return self.ctx.render(request, "trash_confirm.html", {"item": None, "section": "trash"})

    async def empty(self, request: Request) -> Response:
        """Delete everything in the user's trash for good."""
        user = await self.ctx.user(request)
        purged = await self.ctx.services.trash.empty(user)
        message = f"Emptied the trash: {counted(purged, 'item')} deleted permanently."
        return done(request, TRASH_URL, message if purged else "The trash was already empty.")

    def routes(self) -> list[Route]:
        """The routes of this module."""
        return [
            Route(TRASH_URL, self.trash, methods=["GET"]),
            Route(f"{TRASH_URL}/empty", self.empty_page, methods=["GET"]),
            Route(f"{TRASH_URL}/empty", self.empty, methods=["POST"]),
            Route(TRASH_URL + "/{item_id}/restore", self.restore, methods=["POST"]),
            Route(TRASH_URL + "/{item_id}/delete", self.delete_page, methods=["GET"]),
            Route(TRASH_URL + "/{item_id}/delete", self.delete, methods=["POST"]),
        ]
