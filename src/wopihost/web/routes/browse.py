"""The file browser: a user's folders, the files shared with them, and new folders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord, Folder, User
from wopihost.web.catalog import new_document_kinds
from wopihost.web.context import WebContext, done, read_form, required
from wopihost.web.views import FileRow, file_row


def folder_url(folder: Folder) -> str:
    """The browser page of a folder; a root folder is the home page."""
    return "/" if folder.parent_id is None else f"/folders/{folder.id}"


class BrowsePages:
    """Folder pages and "Shared with me"."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def home(self, request: Request) -> Response:
        """The user's root folder."""
        user = await self.ctx.user(request)
        return await self._folder_page(request, user, await self.ctx.services.browse.root_folder(user))

    async def folder(self, request: Request) -> Response:
        """One of the user's folders."""
        user = await self.ctx.user(request)
        folder = await self.ctx.services.browse.get_folder(user, request.path_params["folder_id"])
        return await self._folder_page(request, user, folder)

    async def shared(self, request: Request) -> Response:
        """The files other users shared with this one."""
        user = await self.ctx.user(request)
        shared = await self.ctx.services.browse.shared_with(user)
        rows = await self._rows([(s.file, s.role, s.owner_name) for s in shared])
        context = {"rows": rows, "section": "shared", "discovery_ok": await self._discovery_ok()}
        return self.ctx.render(request, "shared.html", context)

    async def create_folder(self, request: Request) -> Response:
        """Create a subfolder and go to it."""
        user = await self.ctx.user(request)
        browse = self.ctx.services.browse
        parent = await browse.get_folder(user, request.path_params["folder_id"])
        form = await read_form(request)
        folder = await browse.create_folder(user, parent, required(form, "name", "A folder name"))
        return done(request, folder_url(folder), f"Folder “{folder.name}” is ready.")

    async def _folder_page(self, request: Request, user: User, folder: Folder) -> Response:
        services = self.ctx.services
        crumbs = await services.browse.breadcrumbs(folder)
        subfolders, files = await services.files.list_folder(folder)
        discovery = await self.ctx.catalog.current()
        context: dict[str, Any] = {
            "folder": folder,
            "folder_url": folder_url(folder),
            "breadcrumbs": [(crumb.name or "My files", folder_url(crumb)) for crumb in crumbs],
            "subfolders": [(sub, folder_url(sub)) for sub in subfolders],
            "rows": await self._rows([(file, Role.OWNER, None) for file in files]),
            "new_kinds": new_document_kinds(discovery) if discovery else (),
            "discovery_ok": discovery is not None,
            "max_upload": services.content.max_file_size,
            "section": "files" if folder.parent_id is None else "",
        }
        return self.ctx.render(request, "browser.html", context)

    async def _rows(self, entries: Sequence[tuple[FileRecord, Role, str | None]]) -> list[FileRow]:
        now = self.ctx.services.clock.now()
        holders = [lock.user_id for file, _r, _o in entries if (lock := file.active_lock(now)) is not None]
        users = await self.ctx.services.browse.find_users(holders)
        discovery = await self.ctx.catalog.current()
        return [
            file_row(file, role, discovery=discovery, users=users, now=now, owner=owner)
            for file, role, owner in entries
        ]

    async def _discovery_ok(self) -> bool:
        return await self.ctx.catalog.current() is not None

    def routes(self) -> list[Route]:
        """The routes of this module."""
        return [
            Route("/", self.home, methods=["GET"]),
            Route("/shared", self.shared, methods=["GET"]),
            Route("/folders/{folder_id}", self.folder, methods=["GET"]),
            Route("/folders/{folder_id}/folders", self.create_folder, methods=["POST"]),
        ]
