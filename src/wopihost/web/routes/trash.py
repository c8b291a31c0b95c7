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
from wopihost.web.i18n import ENGLISH, Localizer
from wopihost.web.routes.browse import folder_url
from wopihost.web.views import contents_summary, file_kind, human_size, iso_time, short_time

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


def trash_row(entry: TrashEntry, i18n: Localizer = ENGLISH) -> TrashRow:
    """How one trash entry reads: its original location is a path from "My files", or says it is gone."""
    item = entry.item
    if item.kind is TrashKind.FILE:
        kind = file_kind(item.name, i18n)
        icon, label, contents = f"ft-{kind.icon}", kind.label, ""
    else:
        icon, label = "ft-folder", i18n.gettext("Folder")
        contents = contents_summary(FolderContents(files=item.files, folders=item.folders), i18n)
    location, url = i18n.gettext("Folder no longer there: restores to My files"), None
    if entry.location:
        location = "/".join([i18n.gettext("My files"), *(folder.name for folder in entry.location[1:])])
        url = folder_url(entry.location[-1])
    return TrashRow(
        id=item.id,
        name=item.name,
        icon=icon,
        kind_label=label,
        location=location,
        location_url=url,
        deleted=short_time(item.deleted_at, i18n),
        deleted_iso=iso_time(item.deleted_at),
        size=human_size(item.size, i18n),
        contents=contents,
    )


def restored_message(restored: Restored, i18n: Localizer = ENGLISH) -> str:
    """What a restore did, naming a new name or a new place when the old ones were not available."""
    _ = i18n.gettext
    folder = restored.item.kind is TrashKind.FOLDER
    names = {"name": restored.item.name, "new_name": restored.name}
    if restored.renamed and restored.to_root:
        if folder:
            return _(
                "Restored the folder “%(name)s” as “%(new_name)s”, since the name was taken, to My files, "
                "since its folder is no longer there.",
                **names,
            )
        return _(
            "Restored “%(name)s” as “%(new_name)s”, since the name was taken, to My files, since its folder "
            "is no longer there.",
            **names,
        )
    if restored.renamed:
        if folder:
            return _("Restored the folder “%(name)s” as “%(new_name)s”, since the name was taken.", **names)
        return _("Restored “%(name)s” as “%(new_name)s”, since the name was taken.", **names)
    if restored.to_root:
        if folder:
            return _(
                "Restored the folder “%(name)s” to My files, since its folder is no longer there.", **names
            )
        return _("Restored “%(name)s” to My files, since its folder is no longer there.", **names)
    return _("Restored the folder “%(name)s”.", **names) if folder else _("Restored “%(name)s”.", **names)


class TrashPages:
    """The trash page and its actions; only an item's owner sees or changes it."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def trash(self, request: Request) -> Response:
        """The user's trash, most recently deleted first."""
        user = await self.ctx.user(request)
        service = self.ctx.services.trash
        entries = await service.entries(user)
        i18n = self.ctx.localizer(request)
        context = {
            "rows": [trash_row(entry, i18n) for entry in entries],
            "section": "trash",
            "stored": human_size(sum(entry.item.stored_bytes for entry in entries), i18n),
        }
        return self.ctx.render(request, "trash.html", context)

    async def restore(self, request: Request) -> Response:
        """Restore an item, then go back to the trash page or (for Undo) to where the item now is."""
        user = await self.ctx.user(request)
        form = await read_form(request)
        restored = await self.ctx.services.trash.restore(request.path_params["item_id"], user)
        where = "/" if restored.folder_id == user.root_folder_id else f"/folders/{restored.folder_id}"
        back = local_path(form.get("back"), default=where)
        message = restored_message(restored, self.ctx.localizer(request))
        return done(request, back, message, name=restored.name, folder_url=where)

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
        message = self.ctx.localizer(request).gettext("Deleted “%(name)s” permanently.", name=item.name)
        return done(request, TRASH_URL, message)

    async def empty_page(self, request: Request) -> Response:
        """A confirmation page for emptying the trash, for browsers without scripts."""
        await self.ctx.user(request)
        return self.ctx.render(request, "trash_confirm.html", {"item": None, "section": "trash"})

    async def empty(self, request: Request) -> Response:
        """Delete everything in the user's trash for good."""
        user = await self.ctx.user(request)
        purged = await self.ctx.services.trash.empty(user)
        i18n = self.ctx.localizer(request)
        if not purged:
            return done(request, TRASH_URL, i18n.gettext("The trash was already empty."))
        message = i18n.ngettext(
            "Emptied the trash: %(num)s item deleted permanently.",
            "Emptied the trash: %(num)s items deleted permanently.",
            purged,
        )
        return done(request, TRASH_URL, message)

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
