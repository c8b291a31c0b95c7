"""The host page: the WOPI client in an edge-to-edge frame, opened by a form POST of the access token.

Spec: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/hostpage
"""

from __future__ import annotations

import logging
import re

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from wopihost.domain.permissions import permissions_for
from wopihost.domain.records import FileAccess, FileRecord, User
from wopihost.errors import InvalidRequest, NotFound, PermissionDenied
from wopihost.services.access import require_download, require_write
from wopihost.services.relative import copies_folder_id
from wopihost.services.tokens import IssuedToken
from wopihost.web.catalog import HOST_ACTIONS, plan_open
from wopihost.web.context import WebContext
from wopihost.web.hostpage import WD_REMOVED_AFTER_USE, HostFrame, host_frame
from wopihost.web.routes.files import back_url
from wopihost.web.views import content_label

log = logging.getLogger("wopihost.web")
# Phones and tablets get the client's mobile actions (ONLYOFFICE's mobileView and mobileEdit) when offered.
_MOBILE_USER_AGENT = re.compile(r"Mobi|Android|iPhone|iPad|iPod", re.IGNORECASE)
# What Collabora Online's "insert image from storage" offers (EnableInsertRemoteImage, UI_InsertGraphic).
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".svg", ".webp", ".tif", ".tiff"})
MAX_LISTED_IMAGES = 200


class HostPages:
    """Serves /files/{id}/view, edit, editnew, convert and embedview."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def open(self, request: Request) -> Response:
        """The host page for one action, or a redirect to the host page of the action that applies."""
        requested = request.path_params["action"]
        if requested not in HOST_ACTIONS:
            raise NotFound("no such page")
        user = await self.ctx.user(request)
        services = self.ctx.services
        access = await services.files.find_access(request.path_params["file_id"], user)
        file = access.file
        discovery = await self.ctx.catalog.require()
        can_write = access.permissions.can_write
        mobile = bool(_MOBILE_USER_AGENT.search(request.headers.get("user-agent", "")))
        plan = plan_open(
            discovery, file.extension, requested, can_write=can_write, empty=file.size == 0, mobile=mobile
        )
        query = request.url.query
        if plan.redirect_to is not None:
            target = f"/files/{file.id}/{plan.redirect_to}" + (f"?{query}" if query else "")
            return RedirectResponse(target, status_code=303)
        misnamed = await services.content.misnamed(file)
        if plan.action is None or misnamed is not None:
            # A client would open the content as what the name says: a .docx named .txt as editable text.
            label = content_label(misnamed, self.ctx.localizer(request)) if misnamed else None
            return _cannot_open(self.ctx, request, access, label)
        frame = host_frame(
            discovery,
            plan.action,
            wopi_src=services.urls.wopi_src(file.id),
            # The WOPI client shows its UI in the language of the host's pages.
            language=self.ctx.localizer(request).tag,
            raw_query=query,
            business_user=user.is_business_user,
            embeddable=requested == "embedview",
        )
        # A new token for every page load; it goes into the page's form and nowhere else.
        token = services.tokens.issue(user.id, file.id)
        return render_host_page(self.ctx, request, access, frame, token, _file_config(access))

    async def saved_as(self, request: Request) -> Response:
        """The file a Save As in the client just created from this one, found by the name it reported.

        Collabora Online reports only the new name (Action_Save_Resp's fileName), so the host page asks
        which file that is: the one of that name where PutRelativeFile puts this user's copies, or next
        to the source file, provided the user may see it.
        """
        user = await self.ctx.user(request)
        files = self.ctx.services.files
        source = await files.find_access(request.path_params["file_id"], user)
        name = request.query_params.get("name", "").strip()
        if not name:
            raise InvalidRequest("name is required")
        folders = dict.fromkeys([copies_folder_id(source), source.file.folder_id])
        for folder_id in folders:
            try:
                copy = await files.get_named(folder_id, name, user)
            except NotFound:
                continue
            return JSONResponse(_file_config(copy))
        raise NotFound(f"no file named {name!r} next to the document")

    async def images(self, request: Request) -> Response:
        """The images a writer may insert into the document: those of its folder, and those shared."""
        user = await self.ctx.user(request)
        access = await self.ctx.services.files.find_access(request.path_params["file_id"], user)
        require_write(access)
        found = await self._insertable_images(user, access.file)
        listed = [{"id": image.id, "name": image.name, "size": image.size} for image in found]
        return JSONResponse({"images": listed})

    async def image_url(self, request: Request) -> Response:
        """A URL the WOPI client fetches an image from (Action_InsertGraphic), with a read-only token."""
        user = await self.ctx.user(request)
        services = self.ctx.services
        require_write(await services.files.find_access(request.path_params["file_id"], user))
        image = await services.files.find_access(request.path_params["image_id"], user)
        require_download(image)
        if image.file.extension.lower() not in IMAGE_EXTENSIONS:
            raise PermissionDenied(f"“{image.file.name}” is not an image")
        token = services.tokens.issue(user.id, image.file.id, kind="fileurl").token
        return JSONResponse(
            {"filename": image.file.name, "url": services.urls.file_url(image.file.id, token)}
        )

    async def _insertable_images(self, user: User, document: FileRecord) -> list[FileRecord]:
        browse = self.ctx.services.browse
        candidates: dict[str, FileRecord] = {}
        try:
            here = await browse.folder_access(user, document.folder_id)
        except NotFound:
            here = None  # a file shared on its own: its folder stays the owner's
        if here is not None:
            _folders, files = await self.ctx.services.files.list_folder(here.folder)
            roles = await browse.file_roles(user, here, files)
            downloadable = [f for f in files if f.id in roles and permissions_for(roles[f.id]).can_download]
            candidates.update((file.id, file) for file in downloadable)
        for shared in await browse.shared_with(user):
            if permissions_for(shared.role).can_download:
                candidates.setdefault(shared.file.id, shared.file)
        images = [file for file in candidates.values() if file.extension.lower() in IMAGE_EXTENSIONS]
        return sorted(images, key=lambda file: file.name.lower())[:MAX_LISTED_IMAGES]

    def routes(self) -> list[Route]:
        """The routes of this module; they go last, after every fixed /files/{id}/... path."""
        return [
            Route("/files/{file_id}/saved-as", self.saved_as, methods=["GET"]),
            Route("/files/{file_id}/images", self.images, methods=["GET"]),
            Route("/files/{file_id}/images/{image_id}", self.image_url, methods=["POST"]),
            Route("/files/{file_id}/{action}", self.open, methods=["GET"]),
        ]


def _cannot_open(
    ctx: WebContext, request: Request, access: FileAccess, misnamed: str | None, *, back: str | None = None
) -> Response:
    # A client would open the content as what the name says: a .docx named .txt as editable text.
    # Link visitors have no account, so neither the download page nor the file list is theirs.
    visitor = access.link_id is not None
    download = (
        f"/files/{access.file.id}/download" if access.permissions.can_download and not visitor else None
    )
    context = {
        "access": access,
        "back": back or back_url(access),
        "misnamed": misnamed,
        "download_url": download,
    }
    return ctx.render(request, "cannot_open.html", context, status_code=415)


def render_host_page(
    ctx: WebContext,
    request: Request,
    access: FileAccess,
    frame: HostFrame,
    token: IssuedToken,
    file_config: dict[str, object],
) -> Response:
    """The host page with its frame, the token in its form, and what its script knows of the file."""
    log.info(
        "op=host_page action=%s file_id=%s user_id=%s host_session=%s",
        frame.action_name,
        access.file.id,
        access.user.id,
        frame.session_id,
    )
    config = {
        "clientOrigin": frame.client_origin,
        **file_config,
        "brand": ctx.brand,
        "removeFromUrl": list(WD_REMOVED_AFTER_USE),
    }
    context = {"access": access, "frame": frame, "token": token, "config": config}
    return ctx.render(request, "host.html", context, headers=frame.headers())


async def open_for_visitor(
    ctx: WebContext, request: Request, access: FileAccess, token: IssuedToken, page_url: str
) -> Response:
    """The host page of a share link's visitor: view or edit as the link allows, no account pages."""
    discovery = await ctx.catalog.require()
    file, can_write = access.file, access.permissions.can_write
    mobile = bool(_MOBILE_USER_AGENT.search(request.headers.get("user-agent", "")))
    requested = "edit" if can_write else "view"
    # Follow the plan's redirects as the host pages would (edit to editnew for an empty file, to view
    # where the client cannot edit); they never loop, and three hops bound them all the same.
    for _hop in range(3):
        plan = plan_open(
            discovery, file.extension, requested, can_write=can_write, empty=file.size == 0, mobile=mobile
        )
        if plan.redirect_to is None:
            break
        requested = plan.redirect_to
    misnamed = await ctx.services.content.misnamed(file)
    if plan.action is None or misnamed is not None:
        label = content_label(misnamed, ctx.localizer(request)) if misnamed else None
        return _cannot_open(ctx, request, access, label, back=page_url)
    frame = host_frame(
        discovery,
        plan.action,
        wopi_src=ctx.services.urls.wopi_src(file.id),
        # The WOPI client shows its UI in the language of the host's pages.
        language=ctx.localizer(request).tag,
        raw_query="",
    )
    config: dict[str, object] = {
        "fileId": file.id,
        "fileName": file.name,
        "extension": file.extension,
        "pageUrl": page_url,
        "closeUrl": page_url,
        "editUrl": None,
        "versionsUrl": None,
        "shareUrl": None,
        "canShare": False,
        "imagesUrl": None,
        "savedAsUrl": None,
    }
    return render_host_page(ctx, request, access, frame, token, config)


def _file_config(access: FileAccess) -> dict[str, object]:
    """What the host page knows of its file; it swaps these when a Save As opens another file."""
    file = access.file
    can_write = access.permissions.can_write
    return {
        "fileId": file.id,
        "fileName": file.name,
        "extension": file.extension,
        # The host page's own address for the file; the client opens a saved copy for editing.
        "pageUrl": f"/files/{file.id}/edit" if can_write else f"/files/{file.id}/view",
        "closeUrl": back_url(access),
        "editUrl": f"/files/{file.id}/edit" if can_write else None,
        "versionsUrl": f"/files/{file.id}/versions",
        "shareUrl": f"/files/{file.id}/share",
        "canShare": access.permissions.can_share,
        "imagesUrl": f"/files/{file.id}/images" if can_write else None,
        "savedAsUrl": f"/files/{file.id}/saved-as",
    }
