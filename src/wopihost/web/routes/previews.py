"""Previews in the browser: thumbnails, page images, their status for the list, and the PDF viewer.

Previews are views: everyone who may see a file may see them, view-only-without-download users included.
The PDF viewer reads the PDF itself, so it is for users who may download; others see the page images.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from wopihost.domain.previews import PDF_EXTENSION, THUMBNAIL, ShownPreview, page_name
from wopihost.domain.records import FileAccess
from wopihost.errors import InvalidRequest, NotFound
from wopihost.web.context import WebContext, wants_json
from wopihost.web.routes.files import back_url

# Images of one version never change, so a URL naming the version may be cached; the browser keeps them
# privately (they are the user's documents), for a week.
IMMUTABLE_CACHE = "private, max-age=604800, immutable"
REVALIDATE_CACHE = "private, no-cache"
# Files whose status one request of the list's script may ask for.
MAX_STATUS_IDS = 100


def image_url(file_id: str, preview_version: int, name: str) -> str:
    """The URL of a preview image, naming the version so that browsers may cache it."""
    return f"/files/{file_id}/preview/{name}?v={preview_version}"


def preview_body(access: FileAccess, shown: ShownPreview) -> dict[str, Any]:
    """What the light box and the list's script learn of a file's preview. While a new version is being
    rendered ("pending"), the images are the previous version's."""
    file = access.file
    body: dict[str, Any] = {"id": file.id, "name": file.name, "state": shown.state.value, "pages": []}
    if shown.image_version is not None:
        body["thumbnail"] = image_url(file.id, shown.image_version, THUMBNAIL)
        body["pages"] = [
            image_url(file.id, shown.image_version, page_name(n)) for n in range(1, shown.pages + 1)
        ]
    return body


class PreviewPages:
    """Preview images and pages, and the PDF viewer."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def _access(self, request: Request) -> FileAccess:
        user = await self.ctx.user(request)
        return await self.ctx.services.files.find_access(request.path_params["file_id"], user)

    async def preview(self, request: Request) -> Response:
        """A file's preview: JSON for the light box, else a page of the page images (no script needed)."""
        access = await self._access(request)
        body = preview_body(access, await self.ctx.services.previews.find(access))
        if wants_json(request):
            return JSONResponse(body, headers={"Cache-Control": "no-store"})
        context = {"access": access, "preview": body, "back": back_url(access)}
        return self.ctx.render(request, "preview.html", context)

    async def image(self, request: Request) -> Response:
        """One PNG image of a preview; 404 until it is rendered, and for anyone who may not see the file."""
        access = await self._access(request)
        version, chunks = await self.ctx.services.previews.open_image(access, request.path_params["name"])
        etag = f'"p-{access.file.id}-{version}-{request.path_params["name"]}"'
        versioned = request.query_params.get("v") == str(version)
        headers = {"ETag": etag, "Cache-Control": IMMUTABLE_CACHE if versioned else REVALIDATE_CACHE}
        if etag in request.headers.get("if-none-match", ""):
            await _close(chunks)
            return Response(status_code=304, headers=headers)
        return StreamingResponse(chunks, media_type="image/png", headers=headers)

    async def states(self, request: Request) -> Response:
        """The preview status of several files (`?ids=a,b`), for the list to swap in thumbnails when ready."""
        user = await self.ctx.user(request)
        ids = [part for part in request.query_params.get("ids", "").split(",") if part]
        if len(ids) > MAX_STATUS_IDS:
            raise InvalidRequest(f"ask for at most {MAX_STATUS_IDS} files at once")
        found: dict[str, Any] = {}
        for file_id in dict.fromkeys(ids):
            try:
                access = await self.ctx.services.files.find_access(file_id, user)
            except NotFound:
                continue  # Deleted, or not the user's to see: the list simply stops asking.
            found[file_id] = preview_body(access, await self.ctx.services.previews.find(access))
        return JSONResponse({"files": found}, headers={"Cache-Control": "no-store"})

    async def view_pdf(self, request: Request) -> Response:
        """The PDF viewer (pdf.js); users who may not download get the page images instead."""
        access = await self._access(request)
        if access.file.extension.lower() != PDF_EXTENSION:
            raise NotFound("not a PDF")
        if not access.permissions.can_download:
            return RedirectResponse(f"/files/{access.file.id}/preview", status_code=303)
        context = {"access": access, "back": back_url(access)}
        return self.ctx.render(request, "pdf_viewer.html", context)

    def routes(self) -> list[Route]:
        """The routes of this module."""
        return [
            Route("/previews", self.states, methods=["GET"]),
            Route("/files/{file_id}/preview", self.preview, methods=["GET"]),
            Route("/files/{file_id}/preview/{name}", self.image, methods=["GET"]),
            Route("/files/{file_id}/view-pdf", self.view_pdf, methods=["GET"]),
        ]


async def _close(chunks: Any) -> None:
    close = getattr(chunks, "aclose", None)
    if close is not None:
        await close()
