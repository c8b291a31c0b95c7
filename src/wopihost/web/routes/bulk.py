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
from wopihost.web.errors import problem_for
from wopihost.web.views import counted

# Each item is one field, with room for the token, the target and the return address.
_MAX_FIELDS = 2 * MAX_BULK_ITEMS + 10


def refusal_reason(refusal: Refusal) -> str:
    """Why an item was left as it was, in words that follow its name: "is being edited by Bob"."""
    if refusal.editor is not None:
        return f"is being edited by {refusal.editor}"
    error = refusal.error
    if isinstance(error, FolderLocked):
        return f"holds “{error.file_name}”, which is being edited by {error.editor or 'someone'}"
    if isinstance(error, FolderCycle):
        return "cannot move into itself or into a folder inside it"
    if isinstance(error, NameConflict):
        return f"cannot go there: a {error.kind} of that name is already there"
    if isinstance(error, LockMismatch):
        return "is being edited"
    if isinstance(error, NotFound):
        return "no longer exists, or is not yours"
    if isinstance(error, PermissionDenied):
        return f"cannot be changed: {error}"
    message = problem_for(error).message
    return f"was not changed: {message[:1].lower()}{message[1:]}"


# What a bulk action says it did: (some done, nothing done, some refused).
_SUMMARIES = {
    "move": ("Moved {done}.", "Nothing was moved.", "{refused} could not be moved."),
    "trash": (
        "Moved {done} to the trash.",
        "Nothing was moved to the trash.",
        "{refused} could not be moved to the trash.",
    ),
}


def _summary(outcome: BulkOutcome, action: str) -> str:
    some, nothing, refused = _SUMMARIES[action]
    text = some.format(done=counted(len(outcome.done), "item")) if outcome.done else nothing
    if outcome.refused:
        text += " " + refused.format(refused=counted(len(outcome.refused), "item"))
    return text


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
        refused = [{"name": r.name, "kind": r.kind, "reason": refusal_reason(r)} for r in outcome.refused]
        message = _summary(outcome, action)
        if not wants_json(request):
            for item in refused:
                flash(request, f"“{item['name']}” {item['reason']}.", "error")
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
        return self._zip_response(plan, _archive_name(folder.name or "My files"))

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
