"""Roles and what they grant: permissions per role, and the CheckFileInfo properties each role gets.

Collabora Online reads WatermarkText, UserExtraInfo, IsAdminUser, EnableOwnerTermination, EnableShare,
EnableInsertRemoteImage and the Hide*/Disable* options; ONLYOFFICE reads DisablePrint, HidePrintOption and
CopyPasteRestrictions; Office reads LicenseCheckForEditIsEnabled and HostEditUrl (scenarios/business.rst).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from tests.unit.test_check_file_info import GUEST, OWNER, PROPERTY_TYPES, make_access
from wopihost.adapters.clock import FakeClock
from wopihost.config import ClientSettings
from wopihost.domain.permissions import SHARE_ROLES, Permissions, Role, permissions_for
from wopihost.domain.records import FileAccess
from wopihost.urls import PublicUrls
from wopihost.web.avatars import avatar_colour, avatar_svg, initials
from wopihost.wopi.check_file_info import NO_DOWNLOAD_FLAGS, HostIdentity, check_file_info, share_url_types

TODAY = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)
FILE_ID = "f" * 24
UI = "https://host.example/app"

# role: read, write, rename, delete, share, create_relative, download
EXPECTED = {
    Role.OWNER: (True, True, True, True, True, True, True),
    Role.EDIT: (True, True, True, False, False, True, True),
    Role.VIEW: (True, False, False, False, False, True, True),
    Role.VIEW_NO_DOWNLOAD: (True, False, False, False, False, False, False),
}


def host(**options: Any) -> HostIdentity:
    values: dict[str, Any] = {"brand_name": "wopihost", "watermark_text": "{user} · {date}"}
    values.update(options)
    return HostIdentity(clock=FakeClock(TODAY), **values)


def info_for(access: FileAccess, *, ui_enabled: bool = True, **options: Any) -> dict[str, Any]:
    urls = PublicUrls(ui_base=UI, wopi_base="https://wopi.example", ui_enabled=ui_enabled)
    info = check_file_info(access, urls=urls, host=host(**options), file_url_token="tok")
    decoded: dict[str, Any] = orjson.loads(orjson.dumps(info))
    assert decoded == info
    return decoded


@pytest.mark.parametrize("role", list(Role))
def test_permissions_for_each_role_grant_exactly_expected_rights(role: Role) -> None:
    rights = permissions_for(role)

    assert (
        rights.can_read,
        rights.can_write,
        rights.can_rename,
        rights.can_delete,
        rights.can_share,
        rights.can_create_relative,
        rights.can_download,
    ) == EXPECTED[role]
    assert rights.always_watermarked is (role is Role.VIEW_NO_DOWNLOAD)


def test_share_roles_offer_view_no_download_and_fit_the_role_column() -> None:
    assert Role.VIEW_NO_DOWNLOAD in SHARE_ROLES
    assert Role.OWNER not in SHARE_ROLES
    assert Role("view-no-download") is Role.VIEW_NO_DOWNLOAD
    assert all(len(role.value) <= 16 for role in Role)


def test_permissions_every_role_has_an_entry() -> None:
    assert all(isinstance(permissions_for(role), Permissions) for role in Role)


@pytest.mark.parametrize("role", list(Role))
def test_check_file_info_new_properties_have_exact_json_types(role: Role) -> None:
    info = info_for(make_access(role), watermark_all=True)

    for name in (*NO_DOWNLOAD_FLAGS, "IsAdminUser", "EnableOwnerTermination", "EnableShare"):
        assert type(info[name]) is bool, name
    assert type(info["EnableInsertRemoteImage"]) is bool
    assert type(info["LicenseCheckForEditIsEnabled"]) is bool
    assert type(info["UserExtraInfo"]) is dict
    assert type(info["UserExtraInfo"]["avatar"]) is str
    assert type(info["WatermarkText"]) is str
    assert {name: type(value) for name, value in info.items()} == {
        name: PROPERTY_TYPES[name] for name in info
    }


@pytest.mark.parametrize("role", [Role.OWNER, Role.EDIT, Role.VIEW])
def test_check_file_info_roles_with_download_get_urls_and_no_restrictions(role: Role) -> None:
    info = info_for(make_access(role))

    assert info["FileUrl"] == f"https://wopi.example/wopi/direct/{FILE_ID}?token=tok"
    assert info["DownloadUrl"] == f"{UI}/files/{FILE_ID}/download"
    assert all(info[name] is False for name in NO_DOWNLOAD_FLAGS)
    assert "CopyPasteRestrictions" not in info
    assert "WatermarkText" not in info


def test_check_file_info_view_no_download_hides_downloads_print_export_copy_and_watermarks() -> None:
    info = info_for(make_access(Role.VIEW_NO_DOWNLOAD))

    assert "FileUrl" not in info
    assert "DownloadUrl" not in info
    assert {name: info[name] for name in NO_DOWNLOAD_FLAGS} == dict.fromkeys(NO_DOWNLOAD_FLAGS, True)
    assert info["CopyPasteRestrictions"] == "BlockAll"
    assert info["WatermarkText"] == "Bob B. · 2026-03-09"
    assert info["UserCanWrite"] is False
    assert info["ReadOnly"] is True
    assert info["UserCanNotWriteRelative"] is True
    assert info["HostViewUrl"] == f"{UI}/files/{FILE_ID}/view"
    assert "HostEditUrl" not in info


def test_check_file_info_view_no_download_without_ui_still_has_no_file_url() -> None:
    info = info_for(make_access(Role.VIEW_NO_DOWNLOAD), ui_enabled=False)

    assert "FileUrl" not in info
    assert info["DisableCopy"] is True


@pytest.mark.parametrize("role", list(Role))
def test_check_file_info_watermark_all_setting_watermarks_every_role(role: Role) -> None:
    info = info_for(make_access(role), watermark_all=True, watermark_text="Confidential: {user}")

    name = "Alice" if role is Role.OWNER else "Bob B."
    assert info["WatermarkText"] == f"Confidential: {name}"


def test_check_file_info_empty_watermark_template_sends_no_watermark() -> None:
    info = info_for(make_access(Role.VIEW_NO_DOWNLOAD), watermark_text="")

    assert "WatermarkText" not in info
    assert info["DisableCopy"] is True


def test_check_file_info_watermark_date_is_utc_date_of_host_clock() -> None:
    later = HostIdentity(brand_name="b", watermark_text="{date}", clock=FakeClock(TODAY.replace(hour=23)))

    assert later.watermark_for(GUEST) == "2026-03-09"


@pytest.mark.parametrize(("role", "owner"), [(Role.OWNER, True), (Role.EDIT, False), (Role.VIEW, False)])
def test_check_file_info_enable_owner_termination_only_for_owner(role: Role, owner: bool) -> None:
    assert info_for(make_access(role))["EnableOwnerTermination"] is owner


@pytest.mark.parametrize("is_admin", [True, False])
def test_check_file_info_is_admin_user_follows_user_record(is_admin: bool) -> None:
    access = make_access(Role.EDIT)
    access = replace(access, user=replace(access.user, is_admin=is_admin))

    assert info_for(access)["IsAdminUser"] is is_admin


@pytest.mark.parametrize("role", list(Role))
def test_check_file_info_enable_share_follows_can_share(role: Role) -> None:
    info = info_for(make_access(role))

    assert info["EnableShare"] is permissions_for(role).can_share
    assert info["FileSharingPostMessage"] is permissions_for(role).can_share


@pytest.mark.parametrize("role", list(Role))
def test_check_file_info_user_can_review_only_for_writers(role: Role) -> None:
    info = info_for(make_access(role))

    assert info["UserCanReview"] is permissions_for(role).can_write
    assert "SupportsReviewing" not in info


@pytest.mark.parametrize("enabled", [True, False])
def test_check_file_info_enable_insert_remote_image_follows_setting(enabled: bool) -> None:
    assert info_for(make_access(), enable_insert_remote_image=enabled)["EnableInsertRemoteImage"] is enabled


def test_check_file_info_user_extra_info_points_at_users_avatar() -> None:
    owner = info_for(make_access(Role.OWNER))
    guest = info_for(make_access(Role.VIEW))

    assert owner["UserExtraInfo"] == {"avatar": f"{UI}/users/{OWNER.id}/avatar.svg"}
    assert guest["UserExtraInfo"] == {"avatar": f"{UI}/users/{GUEST.id}/avatar.svg"}


@pytest.mark.parametrize("role", list(Role))
def test_check_file_info_host_embedded_view_url_points_at_embedview_page(role: Role) -> None:
    assert info_for(make_access(role))["HostEmbeddedViewUrl"] == f"{UI}/files/{FILE_ID}/embedview"


@pytest.mark.parametrize("role", list(Role))
def test_check_file_info_business_user_gets_license_check_and_host_edit_url(role: Role) -> None:
    access = make_access(role)
    access = replace(access, user=replace(access.user, is_business_user=True))

    info = info_for(access)

    assert info["LicenseCheckForEditIsEnabled"] is True
    assert info["HostEditUrl"] == f"{UI}/files/{FILE_ID}/edit"


@pytest.mark.parametrize("role", list(Role))
def test_check_file_info_other_users_have_license_check_off(role: Role) -> None:
    info = info_for(make_access(role))

    assert info["LicenseCheckForEditIsEnabled"] is False
    assert ("HostEditUrl" in info) is permissions_for(role).can_write


@pytest.mark.parametrize(
    ("role", "types"),
    [
        (Role.OWNER, ("ReadOnly", "ReadWrite")),
        (Role.EDIT, ("ReadOnly", "ReadWrite")),
        (Role.VIEW, ("ReadOnly",)),
        (Role.VIEW_NO_DOWNLOAD, ("ReadOnly",)),
    ],
)
def test_share_url_types_offer_read_write_only_to_writers(role: Role, types: tuple[str, ...]) -> None:
    assert share_url_types(make_access(role)) == types
    assert info_for(make_access(role))["SupportedShareUrlTypes"] == list(types)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Alice", "A"),
        ("Ada King", "AK"),
        ("ada  lovelace byron", "AB"),
        ("", "?"),
        ("  ", "?"),
        ("émile zola", "ÉZ"),
    ],
)
def test_initials_take_first_and_last_word(name: str, expected: str) -> None:
    assert initials(name) == expected


def test_avatar_svg_escapes_names_and_colour_is_stable_per_user() -> None:
    svg = avatar_svg("u" * 24, "<script> &x").decode()

    assert svg.startswith("<svg ")
    assert svg.endswith("</svg>")
    assert "<script" not in svg
    assert avatar_colour("u" * 24) == avatar_colour("u" * 24)
    assert avatar_colour("u" * 24) in svg
    assert len({avatar_colour(c * 24) for c in "abcdefgh"}) > 1


@pytest.mark.parametrize("template", ["{user}", "{date}", "Seen by {user} on {date}", "plain", ""])
def test_client_settings_accept_known_watermark_placeholders(template: str) -> None:
    assert ClientSettings(watermark_text=template).watermark_text == template


@pytest.mark.parametrize("template", ["{name}", "{user", "{0}", "{user.__class__}"])
def test_client_settings_refuse_unknown_watermark_placeholders(template: str) -> None:
    with pytest.raises(ValidationError):
        ClientSettings(watermark_text=template)
