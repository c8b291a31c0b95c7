"""Several files and folders at once: move, delete, download as ZIP; and the list's remembered order."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from wopihost.domain.listing import ListingPreference
from wopihost.domain.names import validate_name
from wopihost.errors import (
    FolderCycle,
    FolderLocked,
    InvalidFileName,
    InvalidRequest,
    LockMismatch,
    NameConflict,
    NotFound,
    PermissionDenied,
)
from wopihost.services.archive import ArchivePlan
from wopihost.services.bulk import MAX_BULK_ITEMS, BulkOutcome, Refusal, Selection
from wopihost.web.context import WebContext, done, flash, local_path, required, wants_json
from wopihost.web.download import content_disposition
from wopihost.web.errors import problem_for, service_message
from wopihost.web.i18n import ENGLISH, Localizer

# Each item is one field, with room for the token, the target and the return address.
_MAX_FIELDS = 2 * MAX_BULK_ITEMS + 10


def refusal_reason(refusal: Refusal, i18n: Localizer = ENGLISH) -> str:
    """Why an item was left as it was, in words that follow its name: "is being edited by Bob"."""
    _ = i18n.gettext
    if refusal.editor is not None:
        return _("is being edited by %(editor)s", editor=i18n.person(refusal.editor))
    error = refusal.error
    if isinstance(error, FolderLocked):
        editor = i18n.person(error.editor) if error.editor else _("someone")
        return _("holds “%(name)s”, which is being edited by %(editor)s", name=error.file_name, editor=editor)
    if isinstance(error, FolderCycle):
        return _("cannot move into itself or into a folder inside it")
    if isinstance(error, NameConflict):
        if error.kind == "folder":
            return _("cannot go there: a folder of that name is already there")
        return _("cannot go there: a file of that name is already there")
    if isinstance(error, LockMismatch):
        return _("is being edited")
    if isinstance(error, NotFound):
        return _("no longer exists, or is not yours")
    if isinstance(error, PermissionDenied):
        # The services' messages are extracted for translation (locale/tool.py's keywords).
        return _("cannot be changed: %(reason)s", reason=service_message(error, i18n))
    message = problem_for(error, i18n).message
    reason = message[:1].lower() + message[1:]
    return _("was not changed: %(reason)s", reason=reason)


def _summary(outcome: BulkOutcome, action: str, i18n: Localizer) -> str:
    """What a bulk action did: how many items moved (or moved to the trash), and how many could not."""
    done_count, refused_count = len(outcome.done), len(outcome.refused)
    if action == "move":
        text = (
            i18n.ngettext("Moved %(num)s item.", "Moved %(num)s items.", done_count)
            if done_count
            else i18n.gettext("Nothing was moved.")
        )
        refused = i18n.ngettext(
            "%(num)s item could not be moved.", "%(num)s items could not be moved.", refused_count
        )
    else:
        text = (
            i18n.ngettext("Moved %(num)s item to the trash.", "Moved %(num)s items to the trash.", done_count)
            if done_count
            else i18n.gettext("Nothing was moved to the trash.")
        )
        refused = i18n.ngettext(
            "%(num)s item could not be moved to the trash.",
            "%(num)s items could not be moved to the trash.",
            refused_count,
        )
    return f"{text} {refused}" if refused_count else text


class BulkPages:
    """Bulk actions on the selection of the file list, and the list preference form."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def _form(self, request: Request) -> tuple[Selection, dict[str, str]]:
        form = await request.form(max_files=0, max_fields=_MAX_FIELDS)
        file_ids = tuple(v for v in form.getlist("file_id") if isinstance(v, str) and v)
        folder_ids = tuple(v for v in form.getlist("folder_id") if isinstance(v, str) and v)
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        return Selection(file_ids=file_ids, folder_ids=folder_ids), fields

    def _answer(self, request: Request, outcome: BulkOutcome, action: str, back: str) -> Response:
        i18n = self.ctx.localizer(request)
        refused = [
            {"name": r.name, "kind": r.kind, "reason": refusal_reason(r, i18n)} for r in outcome.refused
        ]
        message = _summary(outcome, action, i18n)
        if not wants_json(request):
            for item in refused:
                text = i18n.gettext("“%(name)s” %(reason)s.", name=item["name"], reason=item["reason"])
                flash(request, text, "error")
        return done(request, back, message, done=outcome.done, refused=refused)

    async def move(self, request: Request) -> Response:
        """Move the selected items into one folder; each item moves whole or stays, with the reason."""
        user = await self.ctx.user(request)
        selection, form = await self._form(request)
        target = await self.ctx.services.browse.get_folder(user, required(form, "target", "A folder"))
        outcome = await self.ctx.services.bulk.move(user, selection, target)
        return self._answer(request, outcome, "move", local_path(form.get("next")))

    async def delete(self, request: Request) -> Response:
        """Move the selected items to the trash (the dialog asked once for all of them)."""
        user = await self.ctx.user(request)
        selection, form = await self._form(request)
        outcome = await self.ctx.services.bulk.delete(user, selection)
        return self._answer(request, outcome, "trash", local_path(form.get("next")))

    async def zip_selection(self, request: Request) -> Response:
        """The selected files and folders as one ZIP, streamed."""
        user = await self.ctx.user(request)
        selection, form = await self._form(request)
        plan = await self.ctx.services.archive.plan(user, selection.file_ids, selection.folder_ids)
        return self._zip_response(plan, _archive_name(form.get("archive", "")))

    async def zip_folder(self, request: Request) -> Response:
        """One folder and everything in it as a ZIP, streamed."""
        user = await self.ctx.user(request)
        folder = await self.ctx.services.browse.get_folder(user, request.path_params["folder_id"])
        plan = await self.ctx.services.archive.plan(user, (), (folder.id,))
        name = folder.name or self.ctx.localizer(request).gettext("My files")
        return self._zip_response(plan, _archive_name(name))

    def _zip_response(self, plan: ArchivePlan, name: str) -> Response:
        headers = {
            "Content-Disposition": content_disposition(name),
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
            "X-Archive-Files": str(plan.files),
            "X-Archive-Excluded": str(len(plan.excluded)),
        }
        return StreamingResponse(
            self.ctx.services.archive.stream(plan), media_type="application/zip", headers=headers
        )

    async def folder_tree(self, request: Request) -> Response:
        """The user's folders with their paths, for the bulk move dialog."""
        user = await self.ctx.user(request)
        tree = await self.ctx.services.browse.folder_tree(user)
        return JSONResponse({"folders": [{"id": e.folder.id, "path": e.path} for e in tree]})

    async def save_listing(self, request: Request) -> Response:
        """Remember how the user orders and filters lists; fields left out keep their current value."""
        user = await self.ctx.user(request)
        form = await request.form(max_files=0, max_fields=10)
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        current = await self.ctx.services.preferences.listing(user)
        preference = ListingPreference.parse(
            fields.get("sort", current.sort.value),
            fields.get("dir", current.direction),
            fields.get("type", current.type_filter.value),
        )
        await self.ctx.services.preferences.save_listing(user, preference)
        back = local_path(fields.get("next"))
        return done(request, back, sort=preference.sort.value, dir=preference.direction)

    def routes(self) -> list[Route]:
        """The routes of this module."""
        return [
            Route("/bulk/move", self.move, methods=["POST"]),
            Route("/bulk/delete", self.delete, methods=["POST"]),
            Route("/bulk/zip", self.zip_selection, methods=["POST"]),
            Route("/folders/{folder_id}/zip", self.zip_folder, methods=["GET"]),
            Route("/folder-tree", self.folder_tree, methods=["GET"]),
            Route("/preferences/listing", self.save_listing, methods=["POST"]),
        ]


def _archive_name(base: str) -> str:
    """`base`.zip when that is a legal name, else "Files.zip"."""
    try:
        return validate_name(f"{base.strip() or 'Files'}.zip")
    except (InvalidFileName, InvalidRequest):
        return "Files.zip"
