"""Files in the browser: upload, new documents, download, rename, move and delete."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from wopihost.domain.names import split_extension, validate_name
from wopihost.domain.records import FileAccess, User
from wopihost.errors import ExtensionChangeUnconfirmed, InvalidRequest, NameConflict, NotFound
from wopihost.numbers import ascii_digits
from wopihost.services.access import require_download
from wopihost.streams import idle_limited
from wopihost.web.catalog import NEW_DOCUMENT_KINDS, new_document_kinds
from wopihost.web.context import WebContext, done, ensure_unlocked, read_form, required, wants_json
from wopihost.web.download import download_response, inline_pdf_response
from wopihost.web.routes.browse import folder_url

CONFLICT_MODES = ("fail", "rename", "replace")


def back_url(access: FileAccess) -> str:
    """Where a person returns after acting on a file: its folder for the owner, else "Shared with me"."""
    if access.role.value != "owner":
        return "/shared"
    return f"/folders/{access.file.folder_id}" if access.folder_name else "/"


def new_document_name(chosen: str, ext: str) -> str:
    """The file name for a new document named `chosen`: its kind's extension is added unless typed."""
    if split_extension(chosen)[1].lower() == f".{ext}":
        return chosen
    return f"{chosen}.{ext}"


async def _nothing() -> AsyncIterator[bytes]:
    empty: tuple[bytes, ...] = ()
    for chunk in empty:
        yield chunk


class FilePages:
    """Actions on single files."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def _access(self, request: Request) -> tuple[User, FileAccess]:
        user = await self.ctx.user(request)
        return user, await self.ctx.services.files.find_access(request.path_params["file_id"], user)

    async def upload(self, request: Request) -> Response:
        """Store the request body, streamed, as a file (the UI's script sends one request per file)."""
        user = await self.ctx.user(request)
        services = self.ctx.services
        folder = await services.browse.get_folder(user, request.path_params["folder_id"])
        name = validate_name(request.query_params.get("name", ""))
        mode = request.query_params.get("conflict", "fail")
        if mode not in CONFLICT_MODES:
            raise InvalidRequest(f"conflict must be one of {', '.join(CONFLICT_MODES)}")
        if mode == "rename":
            name = await services.files.free_name(folder.id, name)
        elif mode == "replace" and (existing := await services.browse.find_file_named(folder, name)):
            await ensure_unlocked(self.ctx, existing)
        size = request.headers.get("content-length")
        try:
            file = await services.files.upload(
                user,
                folder,
                name,
                idle_limited(request.stream(), services.settings.storage.upload_idle_timeout_seconds),
                declared_size=ascii_digits(size),
                replace=mode == "replace",
            )
        except ClientDisconnect:
            return Response(status_code=400)
        message = self.ctx.localizer(request).gettext("Uploaded “%(name)s”.", name=file.name)
        body = {"ok": True, "message": message, "file": {"id": file.id, "name": file.name}}
        return JSONResponse(body, status_code=201)

    async def new_document(self, request: Request) -> Response:
        """Create a zero-byte document and open it with editnew (createnew.rst)."""
        user = await self.ctx.user(request)
        services = self.ctx.services
        folder = await services.browse.get_folder(user, request.path_params["folder_id"])
        form = await read_form(request)
        kinds = {kind.ext: kind for kind, _app in new_document_kinds(await self.ctx.catalog.require())}
        kind = kinds.get(form.get("kind", ""))
        if kind is None:
            offered = ", ".join(k.ext for k in NEW_DOCUMENT_KINDS)
            raise InvalidRequest(f"the WOPI client cannot create that kind of document (try {offered})")
        chosen = form.get("name", "").strip()
        if chosen:
            # A name the user chose is kept as typed (its own extension too), and a taken one is refused
            # with a free suggestion rather than silently numbered.
            name = validate_name(new_document_name(chosen, kind.ext))
            file = await services.files.upload(user, folder, name, _nothing(), declared_size=0)
            return done(request, f"/files/{file.id}/editnew")
        stem = self.ctx.localizer(request).gettext(kind.default_stem)
        name = validate_name(f"{stem}.{kind.ext}")
        for _attempt in range(3):
            try:
                free = await services.files.free_name(folder.id, name)
                file = await services.files.upload(user, folder, free, _nothing(), declared_size=0)
                break
            except NameConflict:
                continue  # Someone took the free name in between.
        else:
            raise NameConflict(name)
        return done(request, f"/files/{file.id}/editnew")

    async def download(self, request: Request) -> Response:
        """The current content as a download (CheckFileInfo's DownloadUrl)."""
        _user, access = await self._access(request)
        require_download(access)
        opened = await self.ctx.services.content.read(access)
        return download_response(opened.file.name, opened.file.size, opened.chunks)

    async def view_pdf(self, request: Request) -> Response:
        """A PDF opened in the browser's own viewer, for when the WOPI client has no PDF action."""
        _user, access = await self._access(request)
        require_download(access)
        if access.file.extension.lower() != ".pdf":
            raise NotFound("not a PDF")
        opened = await self.ctx.services.content.read(access)
        return inline_pdf_response(opened.file.name, opened.file.size, opened.chunks)

    async def rename_page(self, request: Request) -> Response:
        """A page with the rename form, for browsers without scripts."""
        _user, access = await self._access(request)
        return self.ctx.render(request, "rename.html", {"access": access, "back": back_url(access)})

    async def rename(self, request: Request) -> Response:
        """Rename a file; an omitted extension is kept, and a changed one must be confirmed."""
        _user, access = await self._access(request)
        form = await read_form(request)
        name = required(form, "name", "A new name")
        if not split_extension(name)[1] and access.file.extension:
            name += access.file.extension
        await ensure_unlocked(self.ctx, access.file)
        confirmed = form.get("change_extension") == "1"
        try:
            file = await self.ctx.services.files.rename(access, name, change_extension=confirmed)
        except ExtensionChangeUnconfirmed:
            if wants_json(request):
                raise
            # Without the page's script, the form comes back with the confirmation box to tick.
            context = {"access": access, "back": back_url(access), "name": name, "confirm": True}
            return self.ctx.render(request, "rename.html", context, status_code=409)
        message = self.ctx.localizer(request).gettext("Renamed to “%(name)s”.", name=file.name)
        return done(request, back_url(access), message)

    async def move_page(self, request: Request) -> Response:
        """The folders a file can move to, as a page or (for the move dialog) as JSON."""
        user, access = await self._access(request)
        tree = await self.ctx.services.browse.folder_tree(user) if access.role.value == "owner" else []
        if wants_json(request):
            folders = [{"id": entry.folder.id, "path": entry.path} for entry in tree]
            return JSONResponse({"folders": folders, "current": access.file.folder_id})
        context = {"access": access, "back": back_url(access), "tree": tree}
        return self.ctx.render(request, "move.html", context)

    async def move(self, request: Request) -> Response:
        """Move a file to another of its owner's folders."""
        user, access = await self._access(request)
        form = await read_form(request)
        target = await self.ctx.services.browse.get_folder(user, required(form, "folder_id", "A folder"))
        await ensure_unlocked(self.ctx, access.file)
        file = await self.ctx.services.files.move(access, target)
        _ = self.ctx.localizer(request).gettext
        message = _("Moved “%(name)s” to “%(folder)s”.", name=file.name, folder=target.name or _("My files"))
        return done(request, folder_url(target), message)

    async def delete_page(self, request: Request) -> Response:
        """A confirmation page for moving to the trash, for browsers without scripts."""
        _user, access = await self._access(request)
        return self.ctx.render(request, "delete.html", {"access": access, "back": back_url(access)})

    async def delete(self, request: Request) -> Response:
        """Move a file with its versions to the trash."""
        _user, access = await self._access(request)
        await ensure_unlocked(self.ctx, access.file)
        item = await self.ctx.services.files.delete(access)
        message = self.ctx.localizer(request).gettext("Moved “%(name)s” to the trash.", name=access.file.name)
        return done(request, back_url(access), message, undo=f"/trash/{item.id}/restore")

    async def show(self, request: Request) -> Response:
        """A file's own URL opens it the way its main button does."""
        _user, access = await self._access(request)
        action = "edit" if access.permissions.can_write else "view"
        return RedirectResponse(f"/files/{access.file.id}/{action}", status_code=303)

    def routes(self) -> list[Route]:
        """The routes of this module."""
        return [
            Route("/folders/{folder_id}/upload", self.upload, methods=["POST"]),
            Route("/folders/{folder_id}/new", self.new_document, methods=["POST"]),
            Route("/files/{file_id}", self.show, methods=["GET"]),
            Route("/files/{file_id}/download", self.download, methods=["GET"]),
            Route("/files/{file_id}/pdf", self.view_pdf, methods=["GET"]),
            Route("/files/{file_id}/rename", self.rename_page, methods=["GET"]),
            Route("/files/{file_id}/rename", self.rename, methods=["POST"]),
            Route("/files/{file_id}/move", self.move_page, methods=["GET"]),
            Route("/files/{file_id}/move", self.move, methods=["POST"]),
            Route("/files/{file_id}/delete", self.delete_page, methods=["GET"]),
            Route("/files/{file_id}/delete", self.delete, methods=["POST"]),
        ]
