"""Office Open XML packages: zip-bomb checks and the main part's content type."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from wopihost.devclient.documents.safety import Limits, unreadable
from wopihost.errors import FileTooLarge, UnreadableDocument

_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml"
_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PML = "application/vnd.openxmlformats-officedocument.presentationml"

# The content type of the main part decides which application and mode opens a package.
WORD_TYPES: Mapping[str, str] = {
    ".docx": f"{_WML}.document.main+xml",
    ".docm": "application/vnd.ms-word.document.macroEnabled.main+xml",
    ".dotx": f"{_WML}.template.main+xml",
    ".dotm": "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
}
EXCEL_TYPES: Mapping[str, str] = {
    ".xlsx": f"{_SML}.sheet.main+xml",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ".xltx": f"{_SML}.template.main+xml",
    ".xltm": "application/vnd.ms-excel.template.macroEnabled.main+xml",
}
POWERPOINT_TYPES: Mapping[str, str] = {
    ".pptx": f"{_PML}.presentation.main+xml",
    ".pptm": "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
    ".potx": f"{_PML}.template.main+xml",
    ".potm": "application/vnd.ms-powerpoint.template.macroEnabled.main+xml",
    ".ppsx": f"{_PML}.slideshow.main+xml",
    ".ppsm": "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
}
_CONTENT_TYPES = "[Content_Types].xml"


def check_package(content: bytes, limits: Limits) -> None:
    """Refuse a zip that is corrupt or whose directory promises more than the limits allow."""
    with unreadable("Office Open XML"), zipfile.ZipFile(io.BytesIO(content)) as archive:
        infos = archive.infolist()
    if len(infos) > limits.max_zip_entries:
        raise UnreadableDocument(f"the package has more than {limits.max_zip_entries} parts")
    # zipfile stops at the declared size and fails the CRC, so a lying directory cannot inflate more.
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limits.max_unpacked_bytes:
        raise FileTooLarge(unpacked, limits.max_unpacked_bytes)
    if not any(info.filename == _CONTENT_TYPES for info in infos):
        raise UnreadableDocument("the package has no [Content_Types].xml")


def with_main_type(content: bytes, family: Mapping[str, str], target: str) -> bytes:
    """Return the package with its main part, of any type in `family`, declared as `target`."""
    with unreadable("Office Open XML"), zipfile.ZipFile(io.BytesIO(content)) as archive:
        old = archive.read(_CONTENT_TYPES)
        alternatives = "|".join(re.escape(value) for value in family.values())
        new = re.sub(f"([\"'])(?:{alternatives})\\1".encode(), f"\\g<1>{target}\\g<1>".encode(), old)
        if new == old:
            return content
        return _rewritten(archive, {_CONTENT_TYPES: new})


def _rewritten(archive: zipfile.ZipFile, replacements: Mapping[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in archive.infolist():
            data = replacements.get(info.filename)
            if data is None:
                data = archive.read(info)
            fresh = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            fresh.compress_type = zipfile.ZIP_STORED if info.compress_type == 0 else zipfile.ZIP_DEFLATED
            target.writestr(fresh, data)
    return out.getvalue()


def reset_core_properties(properties: Any) -> None:
    """Give a new document's core properties no author and the current time."""
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    properties.author = ""
    properties.last_modified_by = ""
    properties.title = ""
    properties.revision = 1
    properties.created = now
    properties.modified = now
