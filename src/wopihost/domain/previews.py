"""Previews: which files get thumbnails and page images, and the rules for rendering and retrying them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from wopihost.domain.records import FileRecord

PDF_EXTENSION = ".pdf"
# What LibreOffice converts to PDF faithfully enough to preview: Word, Excel and PowerPoint in their OOXML
# and legacy binary forms, their templates, OpenDocument, and RTF; by the kind of document each is.
TEXT_EXTENSIONS = frozenset({".doc", ".docx", ".docm", ".dot", ".dotx", ".dotm", ".odt", ".rtf"})
SPREADSHEET_EXTENSIONS = frozenset({".xls", ".xlsx", ".xlsm", ".xlsb", ".xlt", ".xltx", ".ods"})
PRESENTATION_EXTENSIONS = frozenset({".ppt", ".pptx", ".pptm", ".pps", ".ppsx", ".pot", ".potx", ".odp"})
OFFICE_EXTENSIONS = TEXT_EXTENSIONS | SPREADSHEET_EXTENSIONS | PRESENTATION_EXTENSIONS
THUMBNAIL = "thumb"
# A failed rendering is tried again this many times in all, each after a longer pause, then left alone.
MAX_ATTEMPTS = 3
_FIRST_RETRY = timedelta(minutes=2)


class PreviewStatus(StrEnum):
    """Where a file's preview stands for the version it records."""

    RENDERING = "rendering"
    READY = "ready"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Preview:
    """A file's preview: the latest rendering (of `version`, with its status and failures), and the images
    last rendered completely (`pages` page images of `ready_version`), shown while a newer one is made."""

    file_id: str
    version: int
    status: PreviewStatus
    pages: int = 0
    attempts: int = 0
    error: str = ""
    retry_at: datetime | None = None
    ready_version: int | None = None


class PreviewState(StrEnum):
    """A file's preview as the UI shows it."""

    READY = "ready"
    PENDING = "pending"  # being rendered, or waiting for a worker
    FAILED = "failed"  # given up on this version; the generic icon stays
    NONE = "none"  # not a kind of file that gets previews, or previews are off


@dataclass(frozen=True, slots=True)
class ShownPreview:
    """What the UI shows of a file's preview: its state, and the version whose images it shows (older than
    the file's while a newer version is being rendered; None when there are no images to show)."""

    state: PreviewState
    image_version: int | None = None
    pages: int = 0


NO_PREVIEW = ShownPreview(PreviewState.NONE)


def previewable(name: str, extensions: frozenset[str]) -> bool:
    """Whether a file of this name gets a preview, given the extensions the renderer handles."""
    dot = name.rfind(".")
    return dot > 0 and name[dot:].lower() in extensions


def state_of(file: FileRecord, preview: Preview | None, extensions: frozenset[str]) -> PreviewState:
    """How the UI shows a file's preview."""
    if file.size == 0 or not previewable(file.name, extensions):
        return PreviewState.NONE
    if preview is None or preview.version != file.version:
        return PreviewState.PENDING
    if preview.status is PreviewStatus.READY:
        return PreviewState.READY
    if preview.status is PreviewStatus.FAILED and preview.attempts >= MAX_ATTEMPTS:
        return PreviewState.FAILED
    return PreviewState.PENDING


def shown_of(file: FileRecord, preview: Preview | None, extensions: frozenset[str]) -> ShownPreview:
    """The state of a file's preview, with the images to show: the current ones, or the last complete ones
    while the current version is being rendered; none once rendering the current version was given up."""
    state = state_of(file, preview, extensions)
    if preview is None or preview.ready_version is None or state in (PreviewState.NONE, PreviewState.FAILED):
        return ShownPreview(state)
    return ShownPreview(state, preview.ready_version, preview.pages)


def retry_time(attempts: int, now: datetime) -> datetime | None:
    """When a rendering that has failed `attempts` times may run again; None once it is given up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    factor: int = 5 ** (attempts - 1)
    return now + _FIRST_RETRY * factor


def page_name(number: int) -> str:
    """The stored name of page image `number` (from 1)."""
    return f"page-{number}"


def claim_lease(timeout_seconds: float) -> timedelta:
    """How long a worker's claim on a rendering lasts: its three commands (soffice, and pdftoppm for the
    thumbnail and for the pages) each at its time limit, and a margin."""
    return timedelta(seconds=3 * timeout_seconds + 60)
