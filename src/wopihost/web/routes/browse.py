"""The file browser: a user's folders, the files shared with them, and changes to folders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wopihost.domain.listing import order_files, order_folders
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord, Folder, FolderAccess, User
from wopihost.errors import PermissionDenied
from wopihost.ports import SharingSummary
from wopihost.web.catalog import new_document_kinds
from wopihost.web.context import WebContext, done, read_form, required, wants_json
from wopihost.web.listing import Listing, name_filter
from wopihost.web.views import (
    ROLE_LABELS,
    FileRow,
    content_label,
    contents_summary,
    deletion_notice,
    file_row,
    sharing_label,
)


def folder_url(folder: Folder) -> str:
    """The browser page of a folder; a root folder is the home page."""
    return "/" if folder.parent_id is None else f"/folders/{folder.id}"


def parent_url(user: User, folder: Folder) -> str:
    """The browser page of the folder that holds `folder`, where a person returns after changing it."""
    if folder.parent_id is None or folder.parent_id == user.root_folder_id:
        return "/"
    return f"/folders/{folder.parent_id}"


class BrowsePages:
    """Folder pages and "Shared with me"."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def home(self, request: Request) -> Response:
        """The user's root folder."""
        user = await self.ctx.user(request)
        access = await self.ctx.services.browse.folder_access(user, user.root_folder_id)
        return await self._folder_page(request, user, access)

    async def folder(self, request: Request) -> Response:
        """One of the user's folders, or one inside a folder shared with them."""
        user = await self.ctx.user(request)
        access = await self.ctx.services.browse.folder_access(user, request.path_params["folder_id"])
        return await self._folder_page(request, user, access)

    async def shared(self, request: Request) -> Response:
        """The folders and files other users shared with this one."""
        user = await self.ctx.user(request)
        browse = self.ctx.services.browse
        shared = {s.file.id: s for s in await browse.shared_with(user)}
        folders = {s.folder.id: s for s in await browse.shared_folders(user)}
        listing = await self._listing(request, user)
        pref, text = listing.preference, listing.name_filter
        files = order_files([s.file for s in shared.values()], pref, name_filter=text)
        entries = [(f, shared[f.id].role, shared[f.id].owner_name) for f in files]
        rows = await self._rows(request, entries, user)
        ordered = order_folders([s.folder for s in folders.values()], pref, name_filter=text)
        context = {
            "rows": rows,
            "shared_folders": [(folders[f.id], folder_url(f)) for f in ordered],
            "role_labels": ROLE_LABELS,
            "section": "shared",
            "discovery_ok": await self._discovery_ok(),
            "listing": listing,
            "has_items": bool(shared or folders),
        }
        return self.ctx.render(request, "shared.html", context)

    async def create_folder(self, request: Request) -> Response:
        """Create a subfolder and go to it."""
        user = await self.ctx.user(request)
        browse = self.ctx.services.browse
        parent = await browse.get_folder(user, request.path_params["folder_id"])
        form = await read_form(request)
        folder = await browse.create_folder(user, parent, required(form, "name", "A folder name"))
        message = self.ctx.localizer(request).gettext("Folder “%(name)s” is ready.", name=folder.name)
        return done(request, folder_url(folder), message)

    async def rename_folder_page(self, request: Request) -> Response:
        """A page with the folder rename form, for browsers without scripts."""
        user, folder = await self._subfolder(request)
        context = {"folder": folder, "back": parent_url(user, folder)}
        return self.ctx.render(request, "rename_folder.html", context)

    async def rename_folder(self, request: Request) -> Response:
        """Rename a folder and return to the folder that holds it."""
        user, folder = await self._subfolder(request)
        form = await read_form(request)
        name = required(form, "name", "A new name")
        renamed = await self.ctx.services.files.rename_folder(user, folder, name)
        message = self.ctx.localizer(request).gettext("Renamed the folder to “%(name)s”.", name=renamed.name)
        return done(request, parent_url(user, folder), message)

    async def delete_folder_page(self, request: Request) -> Response:
        """What deleting a folder would delete: JSON for the delete dialog, else a confirmation page."""
        user, folder = await self._subfolder(request)
        contents = await self.ctx.services.files.count_folder_contents(folder)
        notice = deletion_notice(contents, self.ctx.localizer(request))
        if wants_json(request):
            body = {
                "name": folder.name,
                "files": contents.files,
                "folders": contents.folders,
                "notice": notice,
            }
            return JSONResponse(body)
        context = {"folder": folder, "notice": notice, "back": parent_url(user, folder)}
        return self.ctx.render(request, "delete_folder.html", context)

    async def delete_folder(self, request: Request) -> Response:
        """Move a folder with everything in it to the trash and return to the folder that held it."""
        user, folder = await self._subfolder(request)
        deleted = await self.ctx.services.files.delete_folder(user, folder)
        i18n = self.ctx.localizer(request)
        if not deleted.files and not deleted.folders:
            message = i18n.gettext("Moved the folder “%(name)s” to the trash.", name=folder.name)
        else:
            message = i18n.gettext(
                "Moved the folder “%(name)s” with %(contents)s to the trash.",
                name=folder.name,
                contents=contents_summary(deleted, i18n),
            )
        # The trash item of a folder has the folder's ID.
        return done(request, parent_url(user, folder), message, undo=f"/trash/{folder.id}/restore")

    async def move_folder_page(self, request: Request) -> Response:
        """The folders a folder can move to (none inside it), as a page or as JSON for the move dialog."""
        user, folder = await self._subfolder(request)
        tree = await self.ctx.services.browse.folder_tree(user)
        own = next((entry.path for entry in tree if entry.folder.id == folder.id), None)
        targets = [e for e in tree if own is None or (e.path != own and not e.path.startswith(f"{own}/"))]
        if wants_json(request):
            folders = [{"id": entry.folder.id, "path": entry.path} for entry in targets]
            return JSONResponse({"folders": folders, "current": folder.parent_id})
        context = {"folder": folder, "tree": targets, "back": parent_url(user, folder)}
        return self.ctx.render(request, "move_folder.html", context)

    async def move_folder(self, request: Request) -> Response:
        """Move a folder with everything in it into another of the user's folders, and go there."""
        user, folder = await self._subfolder(request)
        form = await read_form(request)
        target = await self.ctx.services.browse.get_folder(user, required(form, "folder_id", "A folder"))
        moved = await self.ctx.services.files.move_folder(user, folder, target)
        i18n = self.ctx.localizer(request)
        message = i18n.gettext(
            "Moved the folder “%(name)s” to “%(target)s”.",
            name=moved.name,
            target=target.name or i18n.gettext("My files"),
        )
        return done(request, folder_url(target), message)

    async def _subfolder(self, request: Request) -> tuple[User, Folder]:
        """The signed-in user and one of their folders other than the root, which stays as it is.

        Renaming, moving and deleting a folder stay with its owner, also inside a folder shared for editing.
        """
        user = await self.ctx.user(request)
        access = await self.ctx.services.browse.folder_access(user, request.path_params["folder_id"])
        if not access.permissions.can_rename:
            raise PermissionDenied("the folder belongs to another user")
        if access.folder.parent_id is None:
            raise PermissionDenied("the root folder cannot be renamed or deleted")
        return user, access.folder

    async def _folder_page(self, request: Request, user: User, access: FolderAccess) -> Response:
        services = self.ctx.services
        folder, owner = access.folder, access.role is Role.OWNER
        subfolders, files = await services.files.list_folder(folder)
        listing = await self._listing(request, user)
        pref, text = listing.preference, listing.name_filter
        discovery = await self.ctx.catalog.current()
        i18n = self.ctx.localizer(request)
        crumbs = [(crumb.name or i18n.gettext("My files"), folder_url(crumb)) for crumb in access.path]
        if not owner:
            # Someone it was shared with sees the path from the shared folder, reached from "Shared with me".
            crumbs.insert(0, (i18n.gettext("Shared with me"), "/shared"))
        ordered = order_files(files, pref, name_filter=text)
        roles = await services.browse.file_roles(user, access, ordered)
        shared_counts = await services.browse.folder_sharing(subfolders) if owner else {}
        context: dict[str, Any] = {
            "folder": folder,
            "folder_url": folder_url(folder),
            "breadcrumbs": crumbs,
            "subfolders": [
                (sub, folder_url(sub), sharing_label(SharingSummary(shared_counts.get(sub.id, 0), 0), i18n))
                for sub in order_folders(subfolders, pref, name_filter=text)
            ],
            "rows": await self._rows(
                request, [(file, roles[file.id], None) for file in ordered if file.id in roles], user
            ),
            "listing": listing,
            "has_items": bool(subfolders or files),
            "new_kinds": new_document_kinds(discovery) if discovery else (),
            "discovery_ok": discovery is not None,
            "max_upload": services.content.max_file_size,
            "section": ("files" if folder.parent_id is None else "") if owner else "shared",
            "is_owner": owner,
            "can_create": access.permissions.can_create_children,
            "shared_by": None if owner else access.owner_name,
            "role_label": ROLE_LABELS[access.role],
        }
        return self.ctx.render(request, "browser.html", context)

    async def _listing(self, request: Request, user: User) -> Listing:
        """The user's remembered order and type filter, with this request's name filter."""
        preference = await self.ctx.services.preferences.listing(user)
        here = request.url.path
        return Listing(preference, name_filter(request.query_params.get("q")), here)

    async def _rows(
        self, request: Request, entries: Sequence[tuple[FileRecord, Role, str | None]], user: User
    ) -> list[FileRow]:
        i18n = self.ctx.localizer(request)
        now = self.ctx.services.clock.now()
        holders = [lock.user_id for file, _r, _o in entries if (lock := file.active_lock(now)) is not None]
        users = await self.ctx.services.browse.find_users(holders)
        discovery = await self.ctx.catalog.current()
        owned = [file for file, role, _o in entries if role is Role.OWNER]
        sharing = await self.ctx.services.browse.sharing_summary(owned)
        previews = await self.ctx.services.previews.states([file for file, _r, _o in entries])
        rows = []
        for file, role, owner in entries:
            misnamed = await self.ctx.services.content.misnamed(file)
            label = content_label(misnamed, i18n) if misnamed else None
            rows.append(
                file_row(
                    file,
                    role,
                    discovery=discovery,
                    users=users,
                    now=now,
                    owner=owner,
                    viewer=user,
                    misnamed_as=label,
                    i18n=i18n,
                    sharing=sharing.get(file.id),
                    preview=previews[file.id],
                )
            )
        return rows

    async def _discovery_ok(self) -> bool:
        return await self.ctx.catalog.current() is not None

    def routes(self) -> list[Route]:
        """The routes of this module."""
        return [
            Route("/", self.home, methods=["GET"]),
            Route("/shared", self.shared, methods=["GET"]),
            Route("/folders/{folder_id}", self.folder, methods=["GET"]),
            Route("/folders/{folder_id}/folders", self.create_folder, methods=["POST"]),
            Route("/folders/{folder_id}/rename", self.rename_folder_page, methods=["GET"]),
            Route("/folders/{folder_id}/rename", self.rename_folder, methods=["POST"]),
            Route("/folders/{folder_id}/move", self.move_folder_page, methods=["GET"]),
            Route("/folders/{folder_id}/move", self.move_folder, methods=["POST"]),
            Route("/folders/{folder_id}/delete", self.delete_folder_page, methods=["GET"]),
            Route("/folders/{folder_id}/delete", self.delete_folder, methods=["POST"]),
        ]
