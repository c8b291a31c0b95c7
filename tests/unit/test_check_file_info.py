"""The CheckFileInfo response: property types, times, versions, hashes and permissions per role.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/checkfileinfo
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest

from wopihost.adapters.clock import FakeClock
from wopihost.adapters.local_blobs import LocalBlobStore
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileAccess, FileRecord, StoredBlob, User
from wopihost.domain.timestamps import iso8601
from wopihost.urls import PublicUrls
from wopihost.wopi.check_file_info import HostIdentity, check_file_info

OWNER = User(id="ownerownerownerownerowne", username="alice", display_name="Alice", root_folder_id="r" * 24)
GUEST = User(id="guestguestguestguestgues", username="bob", display_name="Bob B.", root_folder_id="q" * 24)
MODIFIED = datetime(2026, 6, 15, 13, 45, 30, 123456, tzinfo=UTC)
HOST = HostIdentity(brand_name="wopihost", clock=FakeClock(MODIFIED))

# Every property the host may send, with its type in the spec (bool is not int here: `type(v) is t`).
PROPERTY_TYPES: dict[str, type] = {
    "BaseFileName": str,
    "OwnerId": str,
    "Size": int,
    "UserId": str,
    "Version": str,
    "SHA256": str,
    "LastModifiedTime": str,
    "FileExtension": str,
    "FileNameMaxLength": int,
    "UserFriendlyName": str,
    "UserInfo": str,
    "IsAnonymousUser": bool,
    "ReadOnly": bool,
    "UserCanWrite": bool,
    "UserCanRename": bool,
    "UserCanReview": bool,
    "UserCanNotWriteRelative": bool,
    "SupportsLocks": bool,
    "SupportsGetLock": bool,
    "SupportsExtendedLockLength": bool,
    "SupportsUpdate": bool,
    "SupportsRename": bool,
    "SupportsDeleteFile": bool,
    "SupportsUserInfo": bool,
    "SupportsContainers": bool,
    "SupportsEcosystem": bool,
    "SupportsFolders": bool,
    "SupportsGetFileWopiSrc": bool,
    "IsEduUser": bool,
    "SupportsAddActivities": bool,
    "SupportedShareUrlTypes": list,
    "FileUrl": str,
    "HostViewUrl": str,
    "HostEditUrl": str,
    "DownloadUrl": str,
    "CloseUrl": str,
    "FileSharingUrl": str,
    "FileVersionUrl": str,
    "SignoutUrl": str,
    "BreadcrumbBrandName": str,
    "BreadcrumbBrandUrl": str,
    "BreadcrumbDocName": str,
    "BreadcrumbFolderName": str,
    "BreadcrumbFolderUrl": str,
    "PostMessageOrigin": str,
    "ClosePostMessage": bool,
    "EditModePostMessage": bool,
    "FileSharingPostMessage": bool,
    "FileVersionPostMessage": bool,
    "EditNotificationPostMessage": bool,
    "IsAdminUser": bool,
    "LicenseCheckForEditIsEnabled": bool,
    "EnableOwnerTermination": bool,
    "EnableInsertRemoteImage": bool,
    "EnableShare": bool,
    "HidePrintOption": bool,
    "HideSaveOption": bool,
    "HideExportOption": bool,
    "DisablePrint": bool,
    "DisableExport": bool,
    "DisableCopy": bool,
    "CopyPasteRestrictions": str,
    "WatermarkText": str,
    "UserExtraInfo": dict,
    "HostEmbeddedViewUrl": str,
}
REQUIRED = ("BaseFileName", "OwnerId", "Size", "UserId", "Version")
PAGE_URLS = (
    "HostViewUrl",
    "HostEditUrl",
    "HostEmbeddedViewUrl",
    "DownloadUrl",
    "CloseUrl",
    "FileSharingUrl",
    "FileVersionUrl",
    "SignoutUrl",
    "BreadcrumbBrandUrl",
    "BreadcrumbFolderUrl",
)
ROUND_TRIP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$")


def make_access(
    role: Role = Role.OWNER,
    *,
    name: str = "Budget 2026.xlsx",
    blob: StoredBlob | None = None,
    version: int = 7,
    modified_at: datetime = MODIFIED,
    user_info: str = "",
) -> FileAccess:
    blob = blob or StoredBlob(key="b" * 24, size=12345, sha256=base64.b64encode(b"\0" * 32).decode())
    user = replace(OWNER if role is Role.OWNER else GUEST, user_info=user_info)
    file = FileRecord(
        id="f" * 24,
        folder_id="d" * 24,
        owner_id=OWNER.id,
        name=name,
        size=blob.size,
        sha256=blob.sha256,
        version=version,
        blob_key=blob.key,
        created_at=modified_at,
        modified_at=modified_at,
        modified_by=OWNER.id,
        lock=None,
    )
    return FileAccess(file=file, user=user, role=role, owner_name="Alice", folder_name="Reports")


def info_for(access: FileAccess, *, ui_enabled: bool = False) -> dict[str, Any]:
    urls = PublicUrls(
        ui_base="https://host.example/app", wopi_base="https://wopi.example", ui_enabled=ui_enabled
    )
    info = check_file_info(access, urls=urls, host=HOST, file_url_token="tok")
    # What the route sends: the JSON must survive serialisation unchanged.
    decoded: dict[str, Any] = orjson.loads(orjson.dumps(info))
    assert decoded == info
    return decoded


@pytest.mark.parametrize("ui_enabled", [False, True], ids=["no-ui", "ui"])
@pytest.mark.parametrize("role", list(Role))
def test_check_file_info_every_property_has_spec_type_and_no_null(role: Role, ui_enabled: bool) -> None:
    info = info_for(make_access(role, user_info="{}"), ui_enabled=ui_enabled)

    assert set(info) <= set(PROPERTY_TYPES), set(info) - set(PROPERTY_TYPES)
    assert {name: type(value) for name, value in info.items()} == {
        name: PROPERTY_TYPES[name] for name in info
    }
    assert all(value is not None for value in info.values())
    assert set(REQUIRED) <= set(info)


def test_check_file_info_required_properties_describe_file_and_user() -> None:
    info = info_for(make_access(Role.EDIT, version=42))

    assert {name: info[name] for name in REQUIRED} == {
        "BaseFileName": "Budget 2026.xlsx",
        "OwnerId": OWNER.id,
        "Size": 12345,
        "UserId": GUEST.id,
        "Version": "42",
    }
    assert info["UserFriendlyName"] == "Bob B."
    assert info["FileExtension"] == ".xlsx"
    assert info["BreadcrumbDocName"] == "Budget 2026.xlsx"
    assert info["BreadcrumbFolderName"] == "Shared with me"
    assert info["IsAnonymousUser"] is False


def test_check_file_info_breadcrumb_folder_follows_where_user_finds_file() -> None:
    owner = info_for(make_access(Role.OWNER), ui_enabled=True)
    guest = info_for(make_access(Role.VIEW), ui_enabled=True)

    assert owner["BreadcrumbFolderName"] == "Reports"
    assert owner["BreadcrumbFolderUrl"].endswith("/folders/" + make_access(Role.OWNER).file.folder_id)
    assert guest["BreadcrumbFolderName"] == "Shared with me"
    assert guest["BreadcrumbFolderUrl"].endswith("/shared")
    assert guest["CloseUrl"] == guest["BreadcrumbFolderUrl"]


def test_check_file_info_user_ids_avoid_characters_clients_reject() -> None:
    info = info_for(make_access(Role.VIEW))

    for name in ("OwnerId", "UserId"):
        assert not set(info[name]) & set('<>"#{}^[]`\\/')


@pytest.mark.parametrize(
    "modified_at",
    [
        MODIFIED,
        MODIFIED.replace(microsecond=0),
        MODIFIED.astimezone(timezone(timedelta(hours=5, minutes=30))),
        MODIFIED.astimezone(timezone(timedelta(hours=-8))),
    ],
    ids=["utc", "whole-second", "plus-0530", "minus-0800"],
)
def test_check_file_info_last_modified_time_is_utc_round_trip_format(modified_at: datetime) -> None:
    stamp = info_for(make_access(modified_at=modified_at))["LastModifiedTime"]

    assert ROUND_TRIP.match(stamp), stamp
    assert datetime.strptime(stamp[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC) == modified_at
    assert stamp[26:] == "0Z"


def test_iso8601_matches_spec_example() -> None:
    assert iso8601(datetime(2009, 6, 15, 13, 45, 30, tzinfo=UTC)) == "2009-06-15T13:45:30.0000000Z"


@pytest.mark.parametrize("version", [1, 2, 10, 2**40])
def test_check_file_info_version_is_string_of_counter(version: int) -> None:
    assert info_for(make_access(version=version))["Version"] == str(version)


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 1000):
        yield data[start : start + 1000]


@pytest.mark.anyio
@pytest.mark.parametrize("content", [b"", b"hello", bytes(range(256)) * 40], ids=["empty", "short", "10k"])
async def test_check_file_info_sha256_is_base64_of_content_digest(tmp_path: Path, content: bytes) -> None:
    blob = await LocalBlobStore(tmp_path).put(_chunks(content), max_size=1 << 20)

    info = info_for(make_access(blob=blob))

    assert info["SHA256"] == base64.b64encode(hashlib.sha256(content).digest()).decode("ascii")
    assert len(base64.b64decode(info["SHA256"], validate=True)) == 32
    assert info["Size"] == len(content)


PERMISSIONS = [
    # role, ReadOnly, UserCanWrite, UserCanRename, UserCanNotWriteRelative
    (Role.OWNER, False, True, True, False),
    (Role.EDIT, False, True, True, False),
    (Role.VIEW, True, False, False, False),
    (Role.VIEW_NO_DOWNLOAD, True, False, False, True),
]


@pytest.mark.parametrize(("role", "read_only", "write", "rename", "not_relative"), PERMISSIONS)
def test_check_file_info_permissions_follow_role(
    role: Role, read_only: bool, write: bool, rename: bool, not_relative: bool
) -> None:
    info = info_for(make_access(role))

    assert (
        info["ReadOnly"],
        info["UserCanWrite"],
        info["UserCanRename"],
        info["UserCanNotWriteRelative"],
    ) == (read_only, write, rename, not_relative)


@pytest.mark.parametrize(
    ("role", "edit_url", "sharing_url"),
    [
        (Role.OWNER, True, True),
        (Role.EDIT, True, False),
        (Role.VIEW, False, False),
        (Role.VIEW_NO_DOWNLOAD, False, False),
    ],
)
def test_check_file_info_with_ui_offers_page_urls_by_role(
    role: Role, edit_url: bool, sharing_url: bool
) -> None:
    info = info_for(make_access(role), ui_enabled=True)

    assert info["HostViewUrl"] == "https://host.example/app/files/" + "f" * 24 + "/view"
    assert ("HostEditUrl" in info) is edit_url
    assert ("FileSharingUrl" in info) is sharing_url
    assert info["FileSharingPostMessage"] is sharing_url
    assert info["SupportedShareUrlTypes"] == (["ReadOnly", "ReadWrite"] if edit_url else ["ReadOnly"])
    assert info["PostMessageOrigin"] == "https://host.example"


@pytest.mark.parametrize("role", list(Role))
def test_check_file_info_without_ui_leaves_out_page_urls(role: Role) -> None:
    info = info_for(make_access(role), ui_enabled=False)

    assert not set(info) & {*PAGE_URLS, "SupportedShareUrlTypes", "PostMessageOrigin", "ClosePostMessage"}
    assert not set(info) & {"UserExtraInfo", "EnableShare"}
    if role is not Role.VIEW_NO_DOWNLOAD:
        assert info["FileUrl"] == "https://wopi.example/wopi/direct/" + "f" * 24 + "?token=tok"


def test_check_file_info_capabilities_claim_only_implemented_operations() -> None:
    info = info_for(make_access())

    assert {name for name, value in info.items() if name.startswith("Supports") and value is True} == {
        "SupportsLocks",
        "SupportsGetLock",
        "SupportsExtendedLockLength",
        "SupportsUpdate",
        "SupportsRename",
        "SupportsDeleteFile",
        "SupportsUserInfo",
        "SupportsContainers",
        "SupportsEcosystem",
        "SupportsFolders",
        "SupportsGetFileWopiSrc",
        "SupportsAddActivities",
    }
    assert "SupportsCobalt" not in info


@pytest.mark.parametrize(("user_info", "present"), [("", False), ('{"theme":"dark"}', True)])
def test_check_file_info_user_info_only_when_stored(user_info: str, present: bool) -> None:
    info = info_for(make_access(user_info=user_info))

    assert ("UserInfo" in info) is present
    assert info.get("UserInfo", "") == user_info


@pytest.mark.parametrize("name", ["README", "Makefile", ".profile"])
def test_check_file_info_name_without_extension_leaves_out_file_extension(name: str) -> None:
    info = info_for(make_access(name=name))

    assert info["BaseFileName"] == name
    assert "FileExtension" not in info


@pytest.mark.parametrize("name", ["a.docx", "archive.tar.gz", "x.DOCX"])
def test_check_file_info_file_extension_begins_with_period(name: str) -> None:
    assert info_for(make_access(name=name))["FileExtension"] == name[name.rindex(".") :]


def test_check_file_info_file_name_max_length_is_250() -> None:
    assert info_for(make_access())["FileNameMaxLength"] == 250
