"""Version history: list, download and restore old versions (CheckFileInfo's FileVersionUrl)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wopihost.domain.links import is_visitor_id
from wopihost.domain.locales import N_
from wopihost.domain.names import split_extension
from wopihost.domain.records import FileAccess, User, Version
from wopihost.errors import NotFound
from wopihost.numbers import ascii_digits
from wopihost.services.access import require_download
from wopihost.web.context import WebContext, done, ensure_unlocked, wants_json
from wopihost.web.download import download_response
from wopihost.web.i18n import Localizer
from wopihost.web.routes.files import back_url
from wopihost.web.views import human_size, iso_time, short_time

SOURCE_LABELS = {
    "upload": N_("Uploaded"),
    "putfile": N_("Saved in the editor"),
    "putrelative": N_("Saved as a new file"),
    "conversion": N_("Converted"),
    "restore": N_("Restored"),
}
# SaveKind.label, as people read it.
SAVE_LABELS = {"exit save": N_("Exit save"), "autosave": N_("Autosave"), "user save": N_("User save")}


@dataclass(frozen=True, slots=True)
class VersionRow:
    """One version as the page shows it."""

    number: int
    current: bool
    size: str
    created_iso: str
    created: str
    author: str
    # Who contributed to the save, from the client's X-WOPI-Editors (co-authoring), besides the author.
    editors: str
    source: str
    # What the WOPI client said of the save: "autosave", "user save", "exit save", or "" (SaveKind.label).
    save: str
    # `save` in the page's language.
    save_label: str = ""


def _editor_ids(version: Version) -> list[str]:
    return [part.strip() for part in version.editors.split(",") if part.strip()][:20]


def version_file_name(name: str, number: int) -> str:
    """The download name of an old version: "Report (version 3).docx"."""
    stem, ext = split_extension(name)
    return f"{stem} (version {number}){ext}"


def _version_number(request: Request) -> int:
    number = ascii_digits(request.path_params["number"], max_digits=9)
    if number is None:
        raise NotFound("no such version")
    return number


class VersionPages:
    """The version history page, its JSON twin, downloads and restores."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    async def _access(self, request: Request) -> FileAccess:
        user = await self.ctx.user(request)
        return await self.ctx.services.files.find_access(request.path_params["file_id"], user)

    async def _rows(self, access: FileAccess, versions: list[Version], i18n: Localizer) -> list[VersionRow]:
        editor_ids = {v.number: _editor_ids(v) for v in versions}
        wanted = [v.author_id for v in versions] + [e for ids in editor_ids.values() for e in ids]
        users = await self.ctx.services.browse.find_users(wanted)

        def names(ids: list[str], author_id: str | None) -> str:
            return ", ".join(users[i].display_name for i in ids if i in users and i != author_id)

        return [
            VersionRow(
                number=v.number,
                current=v.number == access.file.version,
                size=human_size(v.size, i18n),
                created_iso=iso_time(v.created_at),
                created=short_time(v.created_at, i18n),
                author=_author(users, v.author_id, i18n),
                editors=names(editor_ids[v.number], v.author_id),
                source=i18n.gettext(SOURCE_LABELS[v.source])
                if v.source in SOURCE_LABELS
                else v.source.capitalize(),
                save=v.save.label,
                save_label=i18n.gettext(SAVE_LABELS[v.save.label]) if v.save.label in SAVE_LABELS else "",
            )
            for v in versions
        ]

    async def show(self, request: Request) -> Response:
        """The versions of a file, newest first."""
        access = await self._access(request)
        versions = list(await self.ctx.services.content.list_versions(access))
        i18n = self.ctx.localizer(request)
        rows = await self._rows(access, versions, i18n)
        can_restore = access.permissions.can_write
        if wants_json(request):
            items = [
                {
                    "number": r.number,
                    "current": r.current,
                    "size": r.size,
                    "created": r.created_iso,
                    "author": r.author,
                    "editors": r.editors,
                    "source": r.source,
                    "save": r.save,
                    "save_label": r.save_label,
                }
                for r in rows
            ]
            body = {
                "file": {"id": access.file.id, "name": access.file.name},
                "can_restore": can_restore,
                "can_download": access.permissions.can_download,
            }
            ended = await self._ended(access, i18n)
            return JSONResponse({**body, "versions": items, "sessions_ended": ended})
        context = {
            "access": access,
            "rows": rows,
            "can_restore": can_restore,
            "back": back_url(access),
            "ended": await self._ended(access, i18n),
        }
        return self.ctx.render(request, "versions.html", context)

    async def _ended(self, access: FileAccess, i18n: Localizer) -> list[dict[str, str]]:
        """The editing sessions of the file ended from outside the WOPI client, newest first."""
        return [
            {
                "ended_by": i18n.person(e.ended_by),
                "editor": i18n.person(e.editor),
                "at": iso_time(e.ended.ended_at),
                "at_text": short_time(e.ended.ended_at, i18n),
                "reason": e.ended.reason.value,
            }
            for e in await self.ctx.services.sessions.history(access.file.id)
        ]

    async def download(self, request: Request) -> Response:
        """The content of one version, as a download."""
        access = await self._access(request)
        require_download(access)
        version, chunks = await self.ctx.services.content.open_version(access, _version_number(request))
        return download_response(version_file_name(access.file.name, version.number), version.size, chunks)

    async def restore(self, request: Request) -> Response:
        """Make a copy of an old version the current content."""
        access = await self._access(request)
        number = _version_number(request)
        await ensure_unlocked(self.ctx, access.file)
        file = await self.ctx.services.content.restore_version(access, number)
        message = self.ctx.localizer(request).gettext(
            "Restored version %(number)s as version %(current)s.", number=number, current=file.version
        )
        return done(request, f"/files/{access.file.id}/versions", message)

    def routes(self) -> list[Route]:
        """The routes of this module."""
        return [
            Route("/files/{file_id}/versions", self.show, methods=["GET"]),
            Route("/files/{file_id}/versions/{number}/download", self.download, methods=["GET"]),
            Route("/files/{file_id}/versions/{number}/restore", self.restore, methods=["POST"]),
        ]


def _author(users: Mapping[str, User], author_id: str | None, i18n: Localizer) -> str:
    if author_id is not None and author_id in users:
        return users[author_id].display_name
    # Visitors who came through a share link have no account whose name could be shown.
    return i18n.gettext("Someone with a link") if author_id and is_visitor_id(author_id) else ""
