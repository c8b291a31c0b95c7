"""The CheckFileInfo response: file, user, permission, capability, URL and breadcrumb properties.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/checkfileinfo
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wopihost.domain.names import MAX_STEM_LENGTH
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileAccess
from wopihost.domain.timestamps import iso8601
from wopihost.urls import PublicUrls

# Capabilities this host implements completely. Containers, ecosystem and Cobalt are not implemented and so
# are left out (absent means false).
CAPABILITIES: dict[str, bool] = {
    "SupportsLocks": True,
    "SupportsGetLock": True,
    "SupportsExtendedLockLength": True,
    "SupportsUpdate": True,
    "SupportsRename": True,
    "SupportsDeleteFile": True,
    "SupportsUserInfo": True,
}
SHARE_URL_TYPES = ("ReadOnly", "ReadWrite")
# The PostMessages the host page handles, so the client sends them instead of navigating to the URLs.
HOST_PAGE_MESSAGES: dict[str, bool] = {
    "ClosePostMessage": True,
    "EditModePostMessage": True,
    "FileSharingPostMessage": True,
    "FileVersionPostMessage": True,
    "EditNotificationPostMessage": True,
}


@dataclass(frozen=True, slots=True)
class HostIdentity:
    """How the host names itself in breadcrumbs."""

    brand_name: str


def check_file_info(
    access: FileAccess, *, urls: PublicUrls, host: HostIdentity, file_url_token: str
) -> dict[str, Any]:
    """Build the CheckFileInfo JSON object for one user's view of one file."""
    file, user, rights = access.file, access.user, access.permissions
    info: dict[str, Any] = {
        "BaseFileName": file.name,
        "OwnerId": file.owner_id,
        "Size": file.size,
        "UserId": user.id,
        "Version": file.version_string,
        "SHA256": file.sha256,
        "LastModifiedTime": iso8601(file.modified_at),
        "FileNameMaxLength": MAX_STEM_LENGTH,
        "UserFriendlyName": user.display_name,
        "IsAnonymousUser": False,
        "ReadOnly": not rights.can_write,
        "UserCanWrite": rights.can_write,
        "UserCanRename": rights.can_rename,
        "UserCanNotWriteRelative": not rights.can_create_relative,
        **CAPABILITIES,
        "FileUrl": urls.file_url(file.id, file_url_token),
        "BreadcrumbBrandName": host.brand_name,
        "BreadcrumbDocName": file.name,
        "BreadcrumbFolderName": _folder_name(access),
    }
    if file.extension:
        # It must begin with a period; without one, clients parse the (absent) extension from BaseFileName.
        info["FileExtension"] = file.extension
    if user.user_info:
        info["UserInfo"] = user.user_info
    if urls.ui_enabled:
        info["SupportedShareUrlTypes"] = list(SHARE_URL_TYPES)
        info["PostMessageOrigin"] = urls.ui_origin
        info.update(HOST_PAGE_MESSAGES)
        if not access.permissions.can_share:
            info["FileSharingPostMessage"] = False
    _add_urls(info, access, urls)
    return info


def _folder_name(access: FileAccess) -> str:
    # Only the owner sees the file in its folder; everyone else finds it under "Shared with me".
    if access.role is not Role.OWNER:
        return "Shared with me"
    return access.folder_name or "My files"


def _add_urls(info: dict[str, Any], access: FileAccess, urls: PublicUrls) -> None:
    file_id = access.file.id
    folder_url = urls.folder(access.file.folder_id) if access.role is Role.OWNER else urls.shared()
    candidates = {
        "HostViewUrl": urls.host_view(file_id),
        "HostEditUrl": urls.host_edit(file_id) if access.permissions.can_write else None,
        "DownloadUrl": urls.download(file_id),
        "CloseUrl": folder_url,
        "FileSharingUrl": urls.sharing(file_id) if access.permissions.can_share else None,
        "FileVersionUrl": urls.versions(file_id),
        "BreadcrumbBrandUrl": urls.home(),
        "BreadcrumbFolderUrl": folder_url,
        "SignoutUrl": urls.sign_out(),
    }
    info.update({name: url for name, url in candidates.items() if url is not None})
