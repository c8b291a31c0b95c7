"""The CheckFileInfo response: file, user, permission, capability, URL and breadcrumb properties.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/checkfileinfo
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Any

from wopihost.domain.names import MAX_STEM_LENGTH
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileAccess, User
from wopihost.domain.timestamps import iso8601
from wopihost.ports import Clock
from wopihost.urls import PublicUrls

# Capabilities this host implements completely. Cobalt is not implemented and so is left out (absent means
# false). SupportsFolders is the deprecated name of the same folder operations (/wopi/folders/).
CAPABILITIES: dict[str, bool] = {
    "SupportsLocks": True,
    "SupportsGetLock": True,
    "SupportsExtendedLockLength": True,
    "SupportsUpdate": True,
    "SupportsRename": True,
    "SupportsDeleteFile": True,
    "SupportsUserInfo": True,
    "SupportsContainers": True,
    "SupportsEcosystem": True,
    "SupportsFolders": True,
    "SupportsGetFileWopiSrc": True,
    "SupportsAddActivities": True,
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


# Collabora Online's names for what a role without downloads may not do; ONLYOFFICE reads the print ones.
NO_DOWNLOAD_FLAGS = (
    "HidePrintOption",
    "HideSaveOption",
    "HideExportOption",
    "DisablePrint",
    "DisableExport",
    "DisableCopy",
)


@dataclass(frozen=True, slots=True)
class HostIdentity:
    """How the host presents itself to WOPI clients: its brand and the client options of its settings."""

    brand_name: str
    # Dates the watermark: the app's clock, so that tests and the rest of the host agree on "today".
    clock: Clock
    # A template with {user} and {date}; sent to users without downloads, or to everyone with watermark_all.
    watermark_text: str = ""
    watermark_all: bool = False
    enable_insert_remote_image: bool = True

    def watermark_for(self, user: User) -> str:
        """The watermark text for `user` today."""
        date = self.clock.now().astimezone(UTC).date().isoformat()
        return self.watermark_text.replace("{user}", user.display_name).replace("{date}", date)


def check_file_info(
    access: FileAccess,
    *,
    urls: PublicUrls,
    host: HostIdentity,
    file_url_token: str,
    direct_file_url: str | None = None,
) -> dict[str, Any]:
    """Build the CheckFileInfo JSON object for one user's view of one file.

    FileUrl is `direct_file_url` (a presigned URL of the blob store) when given, else the host's own URL
    authorised by `file_url_token`.
    """
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
        "IsAnonymousUser": user.is_anonymous,
        "IsAdminUser": user.is_admin,
        "LicenseCheckForEditIsEnabled": user.is_business_user,
        "IsEduUser": False,
        "ReadOnly": not rights.can_write,
        "UserCanWrite": rights.can_write,
        "UserCanRename": rights.can_rename,
        # ONLYOFFICE's review mode (tracked changes) is a way of writing; SupportsReviewing is left out.
        "UserCanReview": rights.can_write,
        "UserCanNotWriteRelative": not rights.can_create_relative,
        **CAPABILITIES,
        # A link visitor has no account to keep a UserInfo string in: PutUserInfo is refused for them.
        "SupportsUserInfo": not user.is_anonymous,
        "BreadcrumbBrandName": host.brand_name,
        "BreadcrumbDocName": file.name,
        "BreadcrumbFolderName": _folder_name(access),
        # Collabora Online lets the owner end the editing session for everyone.
        "EnableOwnerTermination": access.role is Role.OWNER,
        "EnableInsertRemoteImage": host.enable_insert_remote_image,
    }
    if rights.can_download:
        info["FileUrl"] = direct_file_url or urls.file_url(file.id, file_url_token)
    info.update(_content_restrictions(access, host))
    if file.extension:
        # It must begin with a period; without one, clients parse the (absent) extension from BaseFileName.
        info["FileExtension"] = file.extension
    if user.user_info:
        info["UserInfo"] = user.user_info
    if urls.ui_enabled:
        _add_host_page(info, access, urls)
    if access.link_id is not None:
        _add_visitor_urls(info, access, urls)
    else:
        _add_urls(info, access, urls)
    return info


def _add_host_page(info: dict[str, Any], access: FileAccess, urls: PublicUrls) -> None:
    info["SupportedShareUrlTypes"] = list(share_url_types(access))
    info["PostMessageOrigin"] = urls.ui_origin
    info.update(HOST_PAGE_MESSAGES)
    info["FileSharingPostMessage"] = access.permissions.can_share
    # The version history is a page for people with an account.
    info["FileVersionPostMessage"] = access.link_id is None
    # Collabora Online's Share button, answered by the host page's share dialog.
    info["EnableShare"] = access.permissions.can_share


def share_url_types(access: FileAccess) -> tuple[str, ...]:
    """The share URL types this user may ask GetShareUrl for: ReadWrite only for those who can write.

    Link visitors get none: the host page addresses of the file need an account.
    """
    if access.link_id is not None:
        return ()
    return SHARE_URL_TYPES if access.permissions.can_write else ("ReadOnly",)


def _content_restrictions(access: FileAccess, host: HostIdentity) -> dict[str, Any]:
    """Print, export and copy flags, the watermark, and ONLYOFFICE's and Office's copy restriction."""
    restricted = not access.permissions.can_download
    values: dict[str, Any] = dict.fromkeys(NO_DOWNLOAD_FLAGS, restricted)
    if restricted:
        values["CopyPasteRestrictions"] = "BlockAll"
    if (access.permissions.always_watermarked or host.watermark_all) and host.watermark_text:
        values["WatermarkText"] = host.watermark_for(access.user)
    return values


def _folder_name(access: FileAccess) -> str:
    if access.link_id is not None:
        return f"Shared by {access.owner_name}"
    # The owner and those a folder above it is shared with see the file in its folder; everyone else
    # finds it under "Shared with me".
    if not access.sees_folder:
        return "Shared with me"
    return access.folder_name or "My files"


def _add_visitor_urls(info: dict[str, Any], access: FileAccess, urls: PublicUrls) -> None:
    """A link visitor's URLs: the link's own page for viewing, editing and closing; no account pages."""
    page = urls.share_link(access.link_id or "")
    candidates = {
        "HostViewUrl": page,
        "HostEditUrl": page if access.permissions.can_write else None,
        "CloseUrl": page,
        "BreadcrumbBrandUrl": urls.home(),
    }
    info.update({name: url for name, url in candidates.items() if url is not None})


def _add_urls(info: dict[str, Any], access: FileAccess, urls: PublicUrls) -> None:
    file_id, user, rights = access.file.id, access.user, access.permissions
    folder_url = urls.folder(access.file.folder_id) if access.sees_folder else urls.shared()
    avatar = urls.avatar(user.id)
    if avatar is not None:
        # Collabora Online shows the avatar beside the user's name and cursor; there is no e-mail to add.
        info["UserExtraInfo"] = {"avatar": avatar}
    # Business users always need HostEditUrl: Office returns there after the licence check
    # (scenarios/business.rst); the edit page sends people who cannot write to the view page.
    with_edit_url = rights.can_write or user.is_business_user
    candidates = {
        "HostViewUrl": urls.host_view(file_id),
        "HostEditUrl": urls.host_edit(file_id) if with_edit_url else None,
        "HostEmbeddedViewUrl": urls.host_embedded_view(file_id),
        "DownloadUrl": urls.download(file_id) if rights.can_download else None,
        "CloseUrl": folder_url,
        "FileSharingUrl": urls.sharing(file_id) if rights.can_share else None,
        "FileVersionUrl": urls.versions(file_id),
        "BreadcrumbBrandUrl": urls.home(),
        "BreadcrumbFolderUrl": folder_url,
        "SignoutUrl": urls.sign_out(),
    }
    info.update({name: url for name, url in candidates.items() if url is not None})
