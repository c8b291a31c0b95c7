"""Presentation models of the file browser: icons, kinds, sizes, dates, and the actions each row offers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from wopihost.domain.discovery import Discovery, normalize_extension
from wopihost.domain.links import is_visitor_id
from wopihost.domain.permissions import Role, permissions_for
from wopihost.domain.previews import NO_PREVIEW, PreviewState, ShownPreview
from wopihost.domain.records import FileRecord, User
from wopihost.ports import FolderContents, SharingSummary
from wopihost.web.catalog import VIEW_ACTIONS, app_of, friendly_app_name, resolve_page

# How each role reads in the share dialog and the "Shared with me" list.
ROLE_LABELS: dict[Role, str] = {
    Role.VIEW: "Can view",
    Role.VIEW_NO_DOWNLOAD: "Can view (no download)",
    Role.EDIT: "Can edit",
    Role.OWNER: "Owner",
}

# File type icons (symbols in templates/_icons.html) and kind names, by extension.
_KINDS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("word", "Word document", frozenset({"doc", "docx", "docm", "dot", "dotx", "dotm", "odt", "rtf"})),
    ("excel", "Excel workbook", frozenset({"xls", "xlsx", "xlsm", "xlsb", "xlt", "xltx", "ods", "csv"})),
    (
        "powerpoint",
        "PowerPoint presentation",
        frozenset({"ppt", "pptx", "pptm", "pps", "ppsx", "pot", "potx", "odp"}),
    ),
    ("onenote", "OneNote notebook", frozenset({"one", "onetoc2"})),
    ("visio", "Visio drawing", frozenset({"vsd", "vsdx"})),
    ("pdf", "PDF document", frozenset({"pdf"})),
    ("text", "Text file", frozenset({"txt", "md", "log"})),
    ("image", "Image", frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp"})),
    ("archive", "Archive", frozenset({"zip", "7z", "gz", "tar"})),
    ("test", "WOPI validator file", frozenset({"wopitest", "wopitestx"})),
)


@dataclass(frozen=True, slots=True)
class FileKind:
    """How a file type is shown: its icon symbol and its name."""

    icon: str
    label: str


def file_kind(name: str) -> FileKind:
    """The icon and kind name for a file name."""
    ext = normalize_extension(name.rpartition(".")[2]) if "." in name else ""
    for icon, label, extensions in _KINDS:
        if ext in extensions:
            return FileKind(icon, label)
    return FileKind("file", f"{ext.upper()} file" if ext else "File")


def human_size(size: int) -> str:
    """A size for people: "0 bytes", "12 KB", "3.4 MB"."""
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"
    return f"{size} bytes"


def counted(count: int, noun: str) -> str:
    """A count with its noun: "1 file", "3 files"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def contents_summary(contents: FolderContents) -> str:
    """What a folder holds, for people: "3 files and 1 folder", "nothing"."""
    if not contents.files and not contents.folders:
        return "nothing"
    if not contents.folders:
        return counted(contents.files, "file")
    if not contents.files:
        return counted(contents.folders, "folder")
    return f"{counted(contents.files, 'file')} and {counted(contents.folders, 'folder')}"


def deletion_notice(contents: FolderContents) -> str:
    """What deleting a folder takes with it, for its confirmation dialog and page."""
    if not contents.files and not contents.folders:
        return "The folder is empty."
    text = f"{contents_summary(contents)} inside it will go to the trash with it"
    if contents.files:
        text += f", with every version of the file{'' if contents.files == 1 else 's'}"
    return f"{text[:1].upper()}{text[1:]}."


def retention_text(retention: timedelta) -> str:
    """How long the trash keeps items, for people: "30 days", "1 day", "12 hours"."""
    days = retention.total_seconds() / 86400
    if days >= 1 and days == int(days):
        return counted(int(days), "day")
    return counted(max(1, round(retention.total_seconds() / 3600)), "hour")


def iso_time(moment: datetime) -> str:
    """A machine-readable UTC time for `<time datetime>`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def short_time(moment: datetime) -> str:
    """A UTC time for people (scripts show it in the viewer's time zone)."""
    return moment.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC")


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
        return ROLE_LABELS[self.role]


def open_links(
    discovery: Discovery | None, file: FileRecord, role: Role
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
        app = friendly_app_name(app_of(discovery, action))
        hint = f"Converts a copy to .{action.targetext or action.newext}" if action.name == "convert" else ""
        text = label or f"Open in {app}"
        return OpenLink(f"/files/{file.id}/{resolved.page}", text, action.name, hint)

    main = link("edit" if can_write else "view")
    if not can_write:
        return main, None
    view = link("view", "View")
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
        editor = holder.display_name if holder else ("someone with a link" if visitor else "someone")
    main, view = open_links(None if misnamed_as else discovery, file, role)
    pdf = file.extension.lower() == ".pdf" and not misnamed_as
    if main is None and pdf:
        # The PDF viewer reads the PDF itself; users who may not download it see its page images.
        if permissions_for(role).can_download:
            main = OpenLink(f"/files/{file.id}/view-pdf", "Open PDF", "pdf")
        elif preview.state is not PreviewState.NONE:
            main = OpenLink(f"/files/{file.id}/preview", "Preview", "preview")
    return FileRow(
        file=file,
        role=role,
        kind=file_kind(file.name),
        size=human_size(file.size),
        modified_iso=iso_time(file.modified_at),
        modified=short_time(file.modified_at),
        open=main,
        view=view,
        editor=editor,
        owner=owner,
        can_end_session=viewer is not None and (viewer.is_admin or viewer.id == file.owner_id),
        misnamed_as=misnamed_as,
        sharing=sharing_label(sharing) if role is Role.OWNER else "",
        preview=NO_PREVIEW if misnamed_as else preview,
    )


def sharing_label(summary: SharingSummary | None) -> str:
    """ "Shared with 2 people", "Shared by link", "Shared with 1 person and by link", or ""."""
    if summary is None or (not summary.people and not summary.links):
        return ""
    if not summary.people:
        return "Shared by link"
    people = f"Shared with {summary.people} {'person' if summary.people == 1 else 'people'}"
    return f"{people} and by link" if summary.links else people
