"""Presentation models of the file browser: icons, kinds, sizes, dates, and the actions each row offers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from wopihost.domain.discovery import Discovery, normalize_extension
from wopihost.domain.links import is_visitor_id
from wopihost.domain.locales import N_
from wopihost.domain.permissions import Role, permissions_for
from wopihost.domain.previews import NO_PREVIEW, PreviewState, ShownPreview
from wopihost.domain.records import FileRecord, User
from wopihost.domain.sniffing import Kind, Sniffed
from wopihost.ports import FolderContents, SharingSummary
from wopihost.web.catalog import VIEW_ACTIONS, app_of, friendly_app_name, resolve_page
from wopihost.web.i18n import ENGLISH, Localizer

# How each role reads in the share dialog and the "Shared with me" list.
ROLE_LABELS: dict[Role, str] = {
    Role.VIEW: N_("Can view"),
    Role.VIEW_NO_DOWNLOAD: N_("Can view (no download)"),
    Role.EDIT: N_("Can edit"),
    Role.OWNER: N_("Owner"),
}

# File type icons (symbols in templates/_icons.html) and kind names, by extension.
_KINDS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("word", N_("Word document"), frozenset({"doc", "docx", "docm", "dot", "dotx", "dotm", "odt", "rtf"})),
    ("excel", N_("Excel workbook"), frozenset({"xls", "xlsx", "xlsm", "xlsb", "xlt", "xltx", "ods", "csv"})),
    (
        "powerpoint",
        N_("PowerPoint presentation"),
        frozenset({"ppt", "pptx", "pptm", "pps", "ppsx", "pot", "potx", "odp"}),
    ),
    ("onenote", N_("OneNote notebook"), frozenset({"one", "onetoc2"})),
    ("visio", N_("Visio drawing"), frozenset({"vsd", "vsdx"})),
    ("pdf", N_("PDF document"), frozenset({"pdf"})),
    ("text", N_("Text file"), frozenset({"txt", "md", "log"})),
    ("image", N_("Image"), frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp"})),
    ("archive", N_("Archive"), frozenset({"zip", "7z", "gz", "tar"})),
    ("test", N_("WOPI validator file"), frozenset({"wopitest", "wopitestx"})),
)


@dataclass(frozen=True, slots=True)
class FileKind:
    """How a file type is shown: its icon symbol and its name."""

    icon: str
    label: str


def file_kind(name: str, i18n: Localizer = ENGLISH) -> FileKind:
    """The icon and kind name for a file name."""
    ext = normalize_extension(name.rpartition(".")[2]) if "." in name else ""
    for icon, label, extensions in _KINDS:
        if ext in extensions:
            return FileKind(icon, i18n.gettext(label))
    return FileKind("file", i18n.gettext("%(ext)s file", ext=ext.upper()) if ext else i18n.gettext("File"))


# Sniffed.label's words, for extraction: what a misnamed file really holds.
CONTENT_LABELS = (
    N_("text"),
    N_("an empty file"),
    N_("a ZIP package"),
    N_("a legacy Office file"),
    N_("not UTF-8 text"),
    N_("binary data"),
)


def content_label(found: Sniffed, i18n: Localizer = ENGLISH) -> str:
    """What some content is, for people in their language ("a .docx file", "eine .docx-Datei")."""
    if found.extensions and found.kind not in (Kind.TEXT, Kind.EMPTY):
        return i18n.gettext("a %(extensions)s file", extensions=" / ".join(sorted(found.extensions)))
    return i18n.gettext(found.label)


def human_size(size: int, i18n: Localizer = ENGLISH) -> str:
    """A size for people: "0 bytes", "12 KB", "3.4 MB" ("3,4 MB" in German)."""
    return i18n.format_size(size)


def contents_summary(contents: FolderContents, i18n: Localizer = ENGLISH) -> str:
    """What a folder holds, for people: "3 files and 1 folder", "nothing"."""
    files = i18n.ngettext("%(num)s file", "%(num)s files", contents.files)
    folders = i18n.ngettext("%(num)s folder", "%(num)s folders", contents.folders)
    if not contents.files and not contents.folders:
        return i18n.gettext("nothing")
    if not contents.folders:
        return files
    if not contents.files:
        return folders
    return i18n.gettext("%(files)s and %(folders)s", files=files, folders=folders)


def deletion_notice(contents: FolderContents, i18n: Localizer = ENGLISH) -> str:
    """What deleting a folder takes with it, for its confirmation dialog and page."""
    if not contents.files and not contents.folders:
        return i18n.gettext("The folder is empty.")
    summary = contents_summary(contents, i18n)
    if not contents.files:
        text = i18n.gettext("%(contents)s inside it will go to the trash with it.", contents=summary)
    else:
        text = i18n.ngettext(
            "%(contents)s inside it will go to the trash with it, with every version of the file.",
            "%(contents)s inside it will go to the trash with it, with every version of the files.",
            contents.files,
            contents=summary,
        )
    return f"{text[:1].upper()}{text[1:]}"


def retention_text(retention: timedelta, i18n: Localizer = ENGLISH) -> str:
    """How long the trash keeps items, for people: "30 days", "1 day", "12 hours"."""
    days = retention.total_seconds() / 86400
    if days >= 1 and days == int(days):
        return i18n.ngettext("%(num)s day", "%(num)s days", int(days))
    return i18n.ngettext("%(num)s hour", "%(num)s hours", max(1, round(retention.total_seconds() / 3600)))


def iso_time(moment: datetime) -> str:
    """A machine-readable UTC time for `<time datetime>`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def short_time(moment: datetime, i18n: Localizer = ENGLISH) -> str:
    """A UTC time for people in their language (scripts show it in the viewer's time zone)."""
    return i18n.format_datetime(moment)


@dataclass(frozen=True, slots=True)
class OpenLink:
    """A link that opens a file in the WOPI client: the host page path and its label."""

    url: str
    label: str
    action: str
    hint: str = ""


@dataclass(frozen=True, slots=True)
class FileRow:
    """One file as a row of the browser: what to show and which actions to offer."""

    file: FileRecord
    role: Role
    kind: FileKind
    size: str
    modified_iso: str
    modified: str
    open: OpenLink | None
    view: OpenLink | None
    editor: str | None
    owner: str | None
    # The owner and administrators may end the session of whoever is editing.
    can_end_session: bool = False
    # What the content really is when the name's extension misdescribes it; no Open link is offered then.
    misnamed_as: str | None = None
    i18n: Localizer = ENGLISH
    # How the owner shared the file ("Shared with 2 people"), "" when not shared; owners' rows only.
    sharing: str = ""
    # Whether a thumbnail is shown (ready, or pending with an older version's), awaited, or the file keeps
    # its generic icon.
    preview: ShownPreview = NO_PREVIEW

    @property
    def can_rename(self) -> bool:
        return permissions_for(self.role).can_rename

    @property
    def can_manage(self) -> bool:
        """Move and delete: owners only."""
        return permissions_for(self.role).can_delete

    @property
    def can_share(self) -> bool:
        return permissions_for(self.role).can_share

    @property
    def can_download(self) -> bool:
        return permissions_for(self.role).can_download

    @property
    def role_label(self) -> str:
        return self.i18n.gettext(ROLE_LABELS[self.role])


def open_links(
    discovery: Discovery | None, file: FileRecord, role: Role, i18n: Localizer = ENGLISH
) -> tuple[OpenLink | None, OpenLink | None]:
    """The main "Open in <app>" link (edit for writers, view for readers), and a separate View link."""
    if discovery is None:
        return None, None
    can_write = permissions_for(role).can_write
    empty = file.size == 0

    # The host pages decide, through the same plan_open, which action each page invokes; links name the page
    # a request ends at, so that a reader's link needs no redirect and labels name the app actually used.
    def link(requested: str, label: str | None = None) -> OpenLink | None:
        resolved = resolve_page(discovery, file.extension, requested, can_write=can_write, empty=empty)
        if resolved is None:
            return None
        action = resolved.action
        app = i18n.gettext(friendly_app_name(app_of(discovery, action)))
        target = action.targetext or action.newext
        hint = i18n.gettext("Converts a copy to .%(ext)s", ext=target) if action.name == "convert" else ""
        text = label or i18n.gettext("Open in %(app)s", app=app)
        return OpenLink(f"/files/{file.id}/{resolved.page}", text, action.name, hint)

    main = link("edit" if can_write else "view")
    if not can_write:
        return main, None
    view = link("view", i18n.gettext("View"))
    # Writers of an empty file get editnew for "view" too, and writers of a file the client only edits get
    # edit; a View link then would only repeat Open.
    if view is None or view.action not in VIEW_ACTIONS or (main is not None and main.url == view.url):
        return main, None
    return main, view


def file_row(
    file: FileRecord,
    role: Role,
    *,
    discovery: Discovery | None,
    users: Mapping[str, User],
    now: datetime,
    owner: str | None = None,
    viewer: User | None = None,
    misnamed_as: str | None = None,
    i18n: Localizer = ENGLISH,
    sharing: SharingSummary | None = None,
    preview: ShownPreview = NO_PREVIEW,
) -> FileRow:
    """Build the row of one file; `users` holds the display names of lock holders.

    `misnamed_as` says what the content is when its extension misdescribes it: such a file is not offered
    to the WOPI client, which would open it as what the name says (ZIP bytes as editable text).
    """
    lock = file.active_lock(now)
    editor = None
    if lock is not None:
        holder = users.get(lock.user_id or "")
        visitor = lock.user_id is not None and is_visitor_id(lock.user_id)
        stand_in = N_("someone with a link") if visitor else N_("someone")
        editor = holder.display_name if holder else i18n.gettext(stand_in)
    main, view = open_links(None if misnamed_as else discovery, file, role, i18n)
    pdf = file.extension.lower() == ".pdf" and not misnamed_as
    if main is None and pdf:
        # The PDF viewer reads the PDF itself; users who may not download it see its page images.
        if permissions_for(role).can_download:
            main = OpenLink(f"/files/{file.id}/view-pdf", i18n.gettext("Open PDF"), "pdf")
        elif preview.state is not PreviewState.NONE:
            main = OpenLink(f"/files/{file.id}/preview", i18n.gettext("Preview"), "preview")
    return FileRow(
        file=file,
        role=role,
        kind=file_kind(file.name, i18n),
        size=human_size(file.size, i18n),
        modified_iso=iso_time(file.modified_at),
        modified=short_time(file.modified_at, i18n),
        open=main,
        view=view,
        editor=editor,
        owner=owner,
        can_end_session=viewer is not None and (viewer.is_admin or viewer.id == file.owner_id),
        misnamed_as=misnamed_as,
        i18n=i18n,
        sharing=sharing_label(sharing, i18n) if role is Role.OWNER else "",
        preview=NO_PREVIEW if misnamed_as else preview,
    )


def sharing_label(summary: SharingSummary | None, i18n: Localizer = ENGLISH) -> str:
    """ "Shared with 2 people", "Shared by link", "Shared with 1 person and by link", or ""."""
    if summary is None or (not summary.people and not summary.links):
        return ""
    if not summary.people:
        return i18n.gettext("Shared by link")
    if summary.links:
        return i18n.ngettext(
            "Shared with %(num)s person and by link", "Shared with %(num)s people and by link", summary.people
        )
    return i18n.ngettext("Shared with %(num)s person", "Shared with %(num)s people", summary.people)
