"""CheckFileInfo as Collabora Online, ONLYOFFICE and Office read it, per role, through the whole app.

Also what the properties promise: the avatar behind UserExtraInfo loads from another origin, the
"view, no download" role reads through GetFile but never through FileUrl or a copy (PutRelativeFile), and
GetShareUrl hands a ReadWrite link only to writers (GetShareUrl.rst: an unsupported type is a 501).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.integration.conftest import ORIGINAL, Host, make_settings
from wopihost.config import ClientSettings, Settings
from wopihost.domain.permissions import Role
from wopihost.domain.records import User

pytestmark = pytest.mark.anyio
UI = "https://wopihost.test"
RESTRICTIONS = ("HidePrintOption", "HideSaveOption", "HideExportOption", "DisablePrint", "DisableExport")


@pytest.fixture
def ui_enabled() -> bool:
    return True


@pytest.fixture
def client_settings(request: pytest.FixtureRequest) -> ClientSettings:
    """The [clients] settings; a test changes them by indirect parametrisation."""
    chosen: ClientSettings = getattr(request, "param", ClientSettings())
    return chosen


@pytest.fixture
def settings(tmp_path: Any, client_settings: ClientSettings) -> Settings:
    return make_settings(tmp_path / "data").model_copy(update={"clients": client_settings})


@pytest.fixture
async def restricted(host: Host) -> User:
    """The stranger, given the doc as "view, no download"."""
    await host.share(host.doc.id, host.stranger, Role.VIEW_NO_DOWNLOAD)
    return host.stranger


def user_of(host: Host, role: str) -> User:
    users: dict[str, User] = {"owner": host.owner, "editor": host.editor, "viewer": host.viewer}
    return users[role]


async def info(host: Host, user: User) -> dict[str, Any]:
    response = await host.check_file_info(user=user)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    ("role", "owner", "share"),
    [("owner", True, True), ("editor", False, False), ("viewer", False, False)],
)
async def test_check_file_info_collabora_properties_follow_role(
    host: Host, role: str, owner: bool, share: bool
) -> None:
    user = user_of(host, role)
    body = await info(host, user)

    assert body["EnableOwnerTermination"] is owner
    assert body["EnableShare"] is share
    assert body["IsAdminUser"] is False
    assert body["EnableInsertRemoteImage"] is True
    assert body["UserExtraInfo"] == {"avatar": f"{UI}/users/{user.id}/avatar.svg"}
    assert body["HostEmbeddedViewUrl"] == f"{UI}/files/{host.doc.id}/embedview"
    assert "FileUrl" in body
    assert "DownloadUrl" in body
    assert "WatermarkText" not in body
    assert not any(body[name] for name in (*RESTRICTIONS, "DisableCopy"))


async def test_check_file_info_view_no_download_role_restricts_client(host: Host, restricted: User) -> None:
    body = await info(host, restricted)

    assert "FileUrl" not in body
    assert "DownloadUrl" not in body
    assert all(body[name] is True for name in (*RESTRICTIONS, "DisableCopy"))
    assert body["CopyPasteRestrictions"] == "BlockAll"
    assert body["WatermarkText"] == f"{restricted.display_name} · {host.clock.now().date().isoformat()}"
    assert (body["UserCanWrite"], body["ReadOnly"], body["UserCanNotWriteRelative"]) == (False, True, True)
    assert body["SupportedShareUrlTypes"] == ["ReadOnly"]


async def test_get_file_view_no_download_role_still_reads_content(host: Host, restricted: User) -> None:
    response = await host.get_file(user=restricted)

    assert response.status_code == 200
    assert response.content == ORIGINAL


async def test_file_url_view_no_download_role_is_refused(host: Host, restricted: User) -> None:
    token = host.services.tokens.issue(restricted.id, host.doc.id, kind="fileurl").token

    refused = await host.client.get(f"/wopi/direct/{host.doc.id}", params={"token": token})
    viewer_token = host.services.tokens.issue(host.viewer.id, host.doc.id, kind="fileurl").token
    allowed = await host.client.get(f"/wopi/direct/{host.doc.id}", params={"token": viewer_token})

    assert refused.status_code == 401
    assert refused.content == b""
    assert allowed.status_code == 200
    assert allowed.content == ORIGINAL


async def test_put_relative_file_view_no_download_role_is_refused_and_nothing_created(
    host: Host, restricted: User
) -> None:
    before = await host.services.browse.shared_with(restricted)

    response = await host.call(
        override="PUT_RELATIVE", user=restricted, headers={"X-WOPI-SuggestedTarget": ".pdf"}, body=b"copy"
    )

    assert response.status_code == 401
    assert await host.services.browse.shared_with(restricted) == before
    root = await host.services.files.ensure_folder_path(restricted, [])
    assert (await host.services.files.list_folder(root))[1] == []


@pytest.mark.parametrize(
    "client_settings",
    [ClientSettings(watermark_all=True, watermark_text="Internal: {user}", enable_insert_remote_image=False)],
    indirect=True,
)
async def test_check_file_info_client_settings_reach_every_user(host: Host) -> None:
    for user in (host.owner, host.editor, host.viewer):
        body = await info(host, user)
        assert body["WatermarkText"] == f"Internal: {user.display_name}"
        assert body["EnableInsertRemoteImage"] is False


async def test_check_file_info_is_admin_user_follows_user_record(host: Host) -> None:
    admin = await host.services.users.add_user("root", "Root Admin", is_admin=True)
    await host.share(host.doc.id, admin, Role.VIEW)

    assert (await info(host, admin))["IsAdminUser"] is True
    assert (await info(host, host.viewer))["IsAdminUser"] is False


async def test_avatar_from_user_extra_info_loads_cross_origin_without_token(host: Host) -> None:
    url = (await info(host, host.editor))["UserExtraInfo"]["avatar"]

    response = await host.client.get(urlsplit(url).path)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.headers["cache-control"].startswith("public")
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "set-cookie" not in response.headers
    assert b">BE</text>" in response.content  # Bob Editor


async def test_avatar_of_unknown_user_is_404(host: Host) -> None:
    response = await host.client.get("/users/nobodynobodynobodynobody/avatar.svg")

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "url_type", "status", "page"),
    [
        ("owner", "ReadWrite", 200, "edit"),
        ("editor", "ReadWrite", 200, "edit"),
        ("editor", "ReadOnly", 200, "view"),
        ("viewer", "ReadOnly", 200, "view"),
        ("viewer", "ReadWrite", 501, None),
        ("viewer", "Bogus", 501, None),
    ],
)
async def test_get_share_url_never_hands_read_write_to_user_without_write(
    host: Host, role: str, url_type: str, status: int, page: str | None
) -> None:
    response = await host.call(
        override="GET_SHARE_URL", user=user_of(host, role), headers={"X-WOPI-UrlType": url_type}
    )

    assert response.status_code == status
    if page is not None:
        assert response.json() == {"ShareUrl": f"{UI}/files/{host.doc.id}/{page}"}


async def test_get_share_url_view_no_download_gets_only_read_only(host: Host, restricted: User) -> None:
    read_write = await host.call(
        override="GET_SHARE_URL", user=restricted, headers={"X-WOPI-UrlType": "ReadWrite"}
    )
    read_only = await host.call(
        override="GET_SHARE_URL", user=restricted, headers={"X-WOPI-UrlType": "ReadOnly"}
    )

    assert read_write.status_code == 501
    assert read_only.json() == {"ShareUrl": f"{UI}/files/{host.doc.id}/view"}
