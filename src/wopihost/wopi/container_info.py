"""The JSON of containers: CheckContainerInfo, container pointers and child files, each URL with its token.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/containers/checkcontainerinfo
"""

from __future__ import annotations

from typing import Any

from wopihost.domain.records import FileRecord, Folder, FolderAccess, User
from wopihost.domain.timestamps import iso8601
from wopihost.services.containers import is_root
from wopihost.services.tokens import TokenService
from wopihost.urls import PublicUrls

# A root folder has no name of its own; WOPI clients show this one, as CheckFileInfo's breadcrumb does.
ROOT_NAME = "My files"
SHARE_URL_TYPES = ("ReadOnly", "ReadWrite")


def container_name(folder: Folder) -> str:
    """The name WOPI clients show for a folder."""
    return folder.name if folder.parent_id is not None else ROOT_NAME


def container_pointer(
    folder: Folder, user: User, *, tokens: TokenService, urls: PublicUrls
) -> dict[str, str]:
    """A ContainerPointer: the folder's name and its WOPI URL with a fresh container token for `user`."""
    token = tokens.issue(user.id, folder.id, kind="container").token
    return {"Name": container_name(folder), "Url": urls.wopi_container_with_token(folder.id, token)}


def child_file(file: FileRecord, user: User, *, tokens: TokenService, urls: PublicUrls) -> dict[str, Any]:
    """A file as EnumerateChildren lists it; the values match its CheckFileInfo."""
    token = tokens.issue(user.id, file.id).token
    return {
        "Name": file.name,
        "Url": urls.wopi_src_with_token(file.id, token),
        "Version": file.version_string,
        "Size": file.size,
        "LastModifiedTime": iso8601(file.modified_at),
    }


def container_share_url_types(access: FolderAccess) -> tuple[str, ...]:
    """The share URL types GetShareUrl answers for this user: ReadWrite only for those who may add to it."""
    return SHARE_URL_TYPES if access.permissions.can_create_children else ("ReadOnly",)


def check_container_info(access: FolderAccess, *, urls: PublicUrls) -> dict[str, Any]:
    """Build the CheckContainerInfo JSON object for one user's view of one folder."""
    rights, user = access.permissions, access.user
    info: dict[str, Any] = {
        "Name": container_name(access.folder),
        # The user properties match CheckFileInfo's for the same user.
        "IsAnonymousUser": user.is_anonymous,
        "IsEduUser": False,
        "LicenseCheckForEditIsEnabled": user.is_business_user,
        "UserCanCreateChildContainer": rights.can_create_children,
        "UserCanCreateChildFile": rights.can_create_children,
        "UserCanDelete": rights.can_delete and not is_root(access),
        "UserCanRename": rights.can_rename and not is_root(access),
    }
    host_url = urls.folder(access.folder.id)
    if host_url is not None:
        info["HostUrl"] = host_url
        info["SupportedShareUrlTypes"] = list(container_share_url_types(access))
    return info
