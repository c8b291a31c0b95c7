"""Reading a CheckFileInfo response the way Office for the web does, and the UI it implies.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/checkfileinfo
https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/scenarios/customization
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

DEFAULT_FILE_NAME_MAX_LENGTH = 250


@dataclass(frozen=True, slots=True)
class FileInfo:
    """A CheckFileInfo response; absent Booleans are false, absent strings empty, as the spec says."""

    raw: Mapping[str, Any]

    def text(self, name: str) -> str:
        """Return a string property, "" when absent or not a string."""
        value = self.raw.get(name)
        return value if isinstance(value, str) else ""

    def flag(self, name: str) -> bool:
        """Return a Boolean property, False when absent or not a Boolean."""
        return self.raw.get(name) is True

    def number(self, name: str, default: int = 0) -> int:
        """Return an integer property, `default` when absent or not an integer."""
        value = self.raw.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else default

    @property
    def base_file_name(self) -> str:
        """BaseFileName: the name shown, extension included."""
        return self.text("BaseFileName")

    @property
    def size(self) -> int:
        """Size in bytes; -1 when the host leaves it out."""
        return self.number("Size", -1)

    @property
    def user_id(self) -> str:
        """UserId."""
        return self.text("UserId")

    @property
    def user_name(self) -> str:
        """UserFriendlyName, or a stand-in when the host sends none."""
        return self.text("UserFriendlyName") or "Guest"

    @property
    def can_edit(self) -> bool:
        """Tell whether the user may edit here: UserCanWrite, not ReadOnly, WebEditingDisabled false."""
        return self.flag("UserCanWrite") and not self.flag("ReadOnly") and not self.flag("WebEditingDisabled")

    @property
    def post_message_origin(self) -> str:
        """PostMessageOrigin reduced to an origin, or "" when absent, "*" or not an http(s) URL."""
        value = self.text("PostMessageOrigin").strip()
        parts = urlsplit(value)
        if value == "*" or parts.scheme not in ("http", "https") or not parts.netloc:
            return ""
        return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True, slots=True)
class Buttons:
    """Which UI a page shows, decided from CheckFileInfo exactly as the customization docs list."""

    close: bool
    share: bool
    versions: bool
    edit: bool
    download: bool
    print: bool
    rename: bool
    sign_out: bool

    def to_json(self) -> dict[str, bool]:
        """Return the flags with the names the page's script uses."""
        return {
            "close": self.close,
            "share": self.share,
            "versions": self.versions,
            "edit": self.edit,
            "download": self.download,
            "print": self.print,
            "rename": self.rename,
            "signOut": self.sign_out,
        }


def buttons_for(info: FileInfo, mode: str) -> Buttons:
    """Return the buttons of a page in `mode` ("view", "edit" or "embedview")."""
    origin = bool(info.post_message_origin)
    embedded = mode == "embedview"
    return Buttons(
        # CloseUrl is needed even with ClosePostMessage; CloseButtonClosesWindow is enough on its own.
        close=not embedded and (bool(info.text("CloseUrl")) or info.flag("CloseButtonClosesWindow")),
        share=not embedded
        and (bool(info.text("FileSharingUrl")) or (origin and info.flag("FileSharingPostMessage"))),
        versions=not embedded
        and (bool(info.text("FileVersionUrl")) or (origin and info.flag("FileVersionPostMessage"))),
        edit=mode == "view"
        and info.can_edit
        and (bool(info.text("HostEditUrl")) or (origin and info.flag("EditModePostMessage"))),
        download=not embedded and bool(info.text("DownloadUrl")),
        print=not info.flag("DisablePrint"),
        rename=mode == "edit" and info.flag("SupportsRename") and info.flag("UserCanRename"),
        sign_out=not embedded and bool(info.text("SignoutUrl")),
    )


def page_urls(info: FileInfo) -> dict[str, str]:
    """Return the host URLs the page's buttons and breadcrumbs navigate to."""
    names = (
        "CloseUrl",
        "FileSharingUrl",
        "FileVersionUrl",
        "HostEditUrl",
        "HostViewUrl",
        "DownloadUrl",
        "SignoutUrl",
        "BreadcrumbBrandUrl",
        "BreadcrumbFolderUrl",
    )
    return {name: info.text(name) for name in names if _is_web_url(info.text(name))}


def post_message_flags(info: FileInfo) -> dict[str, bool]:
    """Return the PostMessage properties that decide which messages the page sends."""
    names = (
        "ClosePostMessage",
        "CloseButtonClosesWindow",
        "EditModePostMessage",
        "EditNotificationPostMessage",
        "FileSharingPostMessage",
        "FileVersionPostMessage",
        "EnableShare",
        "EnableInsertRemoteImage",
    )
    return {name: info.flag(name) for name in names}


def _is_web_url(value: str) -> bool:
    # A javascript: URL from a hostile host would run in the client's origin.
    return urlsplit(value).scheme in ("http", "https")
