"""CheckFileInfo, GetFile, PutFile, PutUserInfo, GetShareUrl and the override dispatch over HTTP.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import httpx
import pytest

import wopihost
from tests.integration.conftest import MACHINE_NAME, MAX_FILE_SIZE, ORIGINAL, Host, body_of, sha256_b64
from wopihost.domain.locks import LOCK_TTL
from wopihost.wopi import routes

pytestmark = pytest.mark.anyio

A, B = "lock-A", "lock-B"
ABSENT = None


# CheckFileInfo ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "can_write"),
    [("owner", 200, True), ("editor", 200, True), ("viewer", 200, False), ("stranger", 404, None)],
)
async def test_check_file_info_by_role_returns_user_view_or_404(
    host: Host, who: str, status: int, can_write: bool | None
) -> None:
    user = getattr(host, who)

    response = await host.check_file_info(user=user)

    assert response.status_code == status
    if status == 200:
        info = response.json()
        assert response.headers["Content-Type"] == "application/json"
        assert (info["UserId"], info["OwnerId"], info["UserCanWrite"]) == (user.id, host.owner.id, can_write)


async def test_check_file_info_describes_stored_content(host: Host) -> None:
    info = (await host.check_file_info()).json()

    assert info["BaseFileName"] == "report.docx"
    assert info["Size"] == len(ORIGINAL)
    assert info["SHA256"] == sha256_b64(ORIGINAL)
    assert info["Version"] == "1"
    assert info["LastModifiedTime"] == "2026-01-01T00:00:00.0000000Z"


async def test_check_file_info_of_unknown_file_returns_404(host: Host) -> None:
    response = await host.check_file_info("nosuchfilenosuchfilenosu")

    assert response.status_code == 404


@pytest.mark.parametrize("ui_enabled", [False])
async def test_check_file_info_without_ui_leaves_out_page_urls(host: Host) -> None:
    info = (await host.check_file_info()).json()

    assert not {k for k in info if k.endswith("Url") and k != "FileUrl"}
    assert "SupportedShareUrlTypes" not in info


@pytest.mark.parametrize("ui_enabled", [True])
async def test_check_file_info_with_ui_offers_page_urls(host: Host) -> None:
    info = (await host.check_file_info()).json()

    assert info["HostViewUrl"] == f"https://wopihost.test/files/{host.doc.id}/view"
    assert info["HostEditUrl"] == f"https://wopihost.test/files/{host.doc.id}/edit"
    assert info["SupportedShareUrlTypes"] == ["ReadOnly", "ReadWrite"]


async def test_check_file_info_file_url_downloads_content_with_its_own_token(host: Host) -> None:
    file_url = httpx.URL((await host.check_file_info()).json()["FileUrl"])

    response = await host.client.get(file_url.path, params=dict(file_url.params))

    assert response.status_code == 200
    assert response.content == ORIGINAL


# GetFile ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "max_expected", "status"),
    [
        ("owner", None, 200),
        ("editor", None, 200),
        ("viewer", None, 200),
        ("stranger", None, 404),
        ("owner", str(len(ORIGINAL)), 200),
        ("owner", str(len(ORIGINAL) - 1), 412),
        ("owner", "0", 412),
        ("owner", "2147483647", 200),
        ("owner", "99999999999999999999999", 200),
        ("viewer", "1", 412),
    ],
)
async def test_get_file_by_role_and_max_expected_size_follows_spec(
    host: Host, who: str, max_expected: str | None, status: int
) -> None:
    headers = {"X-WOPI-MaxExpectedSize": max_expected} if max_expected is not None else {}

    response = await host.get_file(user=getattr(host, who), headers=headers)

    assert response.status_code == status
    if status == 200:
        assert response.content == ORIGINAL
        assert response.headers["Content-Length"] == str(len(ORIGINAL))
        assert response.headers["X-WOPI-ItemVersion"] == "1"


async def test_get_file_of_empty_file_with_max_expected_zero_returns_empty_body(host: Host) -> None:
    response = await host.get_file(host.empty.id, headers={"X-WOPI-MaxExpectedSize": "0"})

    assert response.status_code == 200
    assert response.content == b""


async def test_get_file_item_version_equals_check_file_info_version(host: Host) -> None:
    await host.lock(A)
    await host.put_file(b"second", lock=A)

    response = await host.get_file()

    assert response.content == b"second"
    assert response.headers["X-WOPI-ItemVersion"] == (await host.check_file_info()).json()["Version"] == "2"


UNWATCHED_SIZE = 40_000


@pytest.mark.parametrize("size", [UNWATCHED_SIZE, UNWATCHED_SIZE + 1])
async def test_get_file_sends_every_byte_whether_watched_for_disconnects_or_not(
    host: Host, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "UNWATCHED_BODY", UNWATCHED_SIZE)
    content = os.urandom(size)
    await host.lock(A)
    assert (await host.put_file(body_of(content), lock=A)).status_code == 200

    # The second GetFile opens the blob on the event loop, as a file opened lately.
    for _ in range(2):
        response = await host.get_file()
        assert response.status_code == 200
        assert response.headers["Content-Length"] == str(size)
        assert response.content == content


# PutFile ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PutCase:
    """PutFile of b"NEW" on a file in `state`, by `who`, with X-WOPI-Lock `lock` (None: no header)."""

    id: str
    file: str  # doc (not empty) | empty
    state: str  # unlocked | locked (A) | expired (A)
    lock: str | None
    status: int
    lock_header: str | None = ABSENT
    who: str = "editor"


PUT_SPEC = [
    PutCase("unlocked-not-empty-no-lock", "doc", "unlocked", None, 409, ""),
    PutCase("unlocked-not-empty-with-lock", "doc", "unlocked", A, 409, ""),
    PutCase("unlocked-empty-no-lock", "empty", "unlocked", None, 200),
    PutCase("unlocked-empty-with-lock", "empty", "unlocked", A, 200),
    PutCase("locked-matching", "doc", "locked", A, 200),
    PutCase("locked-other-id", "doc", "locked", B, 409, A),
    PutCase("locked-no-lock", "doc", "locked", None, 409, A),
    PutCase("locked-empty-other-id", "empty", "locked", B, 409, A),
    PutCase("locked-empty-no-lock", "empty", "locked", None, 409, A),
    PutCase("expired-not-empty", "doc", "expired", A, 409, ""),
    PutCase("expired-empty", "empty", "expired", None, 200),
    PutCase("owner-locked-matching", "doc", "locked", A, 200, ABSENT, "owner"),
    PutCase("viewer-locked-matching", "doc", "locked", A, 401, ABSENT, "viewer"),
    PutCase("viewer-empty", "empty", "unlocked", None, 401, ABSENT, "viewer"),
    PutCase("stranger-locked-matching", "doc", "locked", A, 404, ABSENT, "stranger"),
]


@pytest.mark.parametrize("case", PUT_SPEC, ids=[c.id for c in PUT_SPEC])
async def test_put_file_in_state_follows_spec_table(host: Host, case: PutCase) -> None:
    file = host.doc if case.file == "doc" else host.empty
    before = await host.stored(file.id)
    if case.state != "unlocked":
        await host.lock(A, file.id)
    if case.state == "expired":
        host.clock.advance(LOCK_TTL)

    response = await host.put_file(b"NEW", file.id, lock=case.lock, user=getattr(host, case.who))

    assert response.status_code == case.status
    assert response.headers.get("X-WOPI-Lock") == case.lock_header
    assert await host.stored(file.id) == (b"NEW" if case.status == 200 else before)
    if case.status == 200:
        info = (await host.check_file_info(file.id)).json()
        assert response.headers["X-WOPI-ItemVersion"] == info["Version"] == "2"
        assert (info["Size"], info["SHA256"]) == (3, sha256_b64(b"NEW"))
    else:
        assert [v.number for v in await host.versions(file.id)] == [1]


async def test_put_file_versions_change_with_content_and_never_repeat(host: Host) -> None:
    await host.lock(A)
    seen = [(await host.check_file_info()).json()["Version"]]

    for n in range(5):
        response = await host.put_file(f"version {n}".encode(), lock=A)
        version = (await host.check_file_info()).json()["Version"]
        assert response.headers["X-WOPI-ItemVersion"] == version
        seen.append(version)
    await host.put_file(b"version 0", lock=A)  # the same bytes again are still a new version
    seen.append((await host.check_file_info()).json()["Version"])

    assert len(set(seen)) == len(seen) == 7
    assert all(isinstance(v, str) for v in seen)
    assert [int(v) for v in seen] == sorted(int(v) for v in seen)


async def test_put_file_keeps_previous_versions(host: Host) -> None:
    await host.lock(A)

    await host.put_file(b"second", lock=A, headers={"X-WOPI-Editors": f"{host.owner.id},{host.editor.id}"})

    versions = await host.versions()
    assert [(v.number, v.size, v.source) for v in versions] == [
        (2, 6, "putfile"),
        (1, len(ORIGINAL), "upload"),
    ]
    assert versions[0].editors == f"{host.owner.id},{host.editor.id}"
    assert versions[0].author_id == host.owner.id


async def test_put_file_empty_body_under_lock_stores_zero_bytes(host: Host) -> None:
    await host.lock(A)

    response = await host.put_file(b"", lock=A)

    assert response.status_code == 200
    assert await host.stored() == b""


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
async def test_put_file_exactly_max_size_is_stored(host: Host, streamed: bool) -> None:
    await host.lock(A)
    data = b"m" * MAX_FILE_SIZE

    response = await host.put_file(body_of(data) if streamed else data, lock=A)

    assert response.status_code == 200
    assert await host.stored() == data


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("size", [MAX_FILE_SIZE + 1, 5 * MAX_FILE_SIZE])
async def test_put_file_above_max_size_returns_413_and_keeps_previous_version(
    host: Host, streamed: bool, size: int
) -> None:
    await host.lock(A)
    blobs = host.blob_files()
    data = b"h" * size

    response = await host.put_file(body_of(data) if streamed else data, lock=A)

    assert response.status_code == 413
    assert await host.stored() == ORIGINAL
    assert (await host.check_file_info()).json()["Version"] == "1"
    assert host.blob_files() == blobs
    assert host.temporary_files() == []


async def test_put_file_refused_by_lock_keeps_no_uploaded_blob(host: Host) -> None:
    await host.lock(A)
    blobs = host.blob_files()

    response = await host.put_file(b"intruder", lock=B)

    assert response.status_code == 409
    assert host.blob_files() == blobs
    assert host.temporary_files() == []


# PutUserInfo --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "editor", "viewer"])
async def test_put_user_info_then_check_file_info_returns_it_for_that_user_only(host: Host, who: str) -> None:
    user = getattr(host, who)
    info = '{"theme":"dark","\u00e9":1}'

    response = await host.call(override="PUT_USER_INFO", user=user, body=info.encode("utf-8"))

    assert response.status_code == 200
    assert (await host.check_file_info(user=user)).json()["UserInfo"] == info
    assert (await host.check_file_info(host.empty.id, user=user)).json()["UserInfo"] == info
    other = host.editor if who == "owner" else host.owner
    assert "UserInfo" not in (await host.check_file_info(user=other, file_id=host.doc.id)).json()


@pytest.mark.parametrize(
    "body", [b"x" * 1025, b"x" * 5000, b"\xff\xfe", b"caf\xe9"], ids=["1025", "5000", "bom", "latin-1"]
)
async def test_put_user_info_too_long_or_not_utf8_returns_400(host: Host, body: bytes) -> None:
    response = await host.call(override="PUT_USER_INFO", body=body)

    assert response.status_code == 400
    assert "UserInfo" not in (await host.check_file_info()).json()


async def test_put_user_info_of_1024_characters_is_stored(host: Host) -> None:
    response = await host.call(override="PUT_USER_INFO", body=b"u" * 1024)

    assert response.status_code == 200
    assert (await host.check_file_info()).json()["UserInfo"] == "u" * 1024


# GetShareUrl --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url_type", ["ReadOnly", "ReadWrite", None, "Other"])
async def test_get_share_url_without_ui_returns_501(host: Host, url_type: str | None) -> None:
    headers = {"X-WOPI-UrlType": url_type} if url_type else {}

    response = await host.call(override="GET_SHARE_URL", headers=headers)

    assert response.status_code == 501


@pytest.mark.parametrize("ui_enabled", [True])
@pytest.mark.parametrize(
    ("url_type", "status", "page"),
    [("ReadOnly", 200, "view"), ("ReadWrite", 200, "edit"), ("readonly", 501, None), (None, 501, None)],
)
async def test_get_share_url_with_ui_by_type_follows_spec(
    host: Host, url_type: str | None, status: int, page: str | None
) -> None:
    headers = {"X-WOPI-UrlType": url_type} if url_type else {}

    response = await host.call(override="GET_SHARE_URL", headers=headers)

    assert response.status_code == status
    if page:
        assert response.json() == {"ShareUrl": f"https://wopihost.test/files/{host.doc.id}/{page}"}


# Dispatch and common headers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contents", "override", "status"),
    [
        (False, None, 400),
        (False, "", 400),
        (False, "NOT_AN_OPERATION", 501),
        (False, "PUT", 501),
        (False, "COBALT", 501),
        (True, "LOCK", 501),
        (True, None, 400),
        (True, "PUT_RELATIVE", 501),
    ],
)
async def test_post_with_missing_or_unknown_override_returns_400_or_501(
    host: Host, contents: bool, override: str | None, status: int
) -> None:
    headers = {"X-WOPI-Override": override} if override is not None else {}

    response = await host.call(contents=contents, headers=headers, body=b"")

    assert response.status_code == status
    assert await host.stored() == ORIGINAL


async def test_every_response_carries_server_version_and_machine_name(host: Host) -> None:
    await host.lock(A)
    responses = [
        await host.check_file_info(),  # 200
        await host.get_file(headers={"X-WOPI-MaxExpectedSize": "1"}),  # 412
        await host.lock_op("LOCK"),  # 400
        await host.check_file_info(token="garbage"),  # 401
        await host.check_file_info(user=host.stranger),  # 404
        await host.lock(B),  # 409
        await host.put_file(b"x" * (MAX_FILE_SIZE + 1), lock=A),  # 413
        await host.call(override="NOPE"),  # 501
        await host.client.get("/no/such/route"),  # 404 from the router
        await host.client.put(f"/wopi/files/{host.doc.id}"),  # 501: a method WOPI does not define here
    ]

    assert [r.status_code for r in responses] == [200, 412, 400, 401, 404, 409, 413, 501, 404, 501]
    for response in responses:
        assert response.headers["X-WOPI-ServerVersion"] == wopihost.__version__
        assert response.headers["X-WOPI-MachineName"] == MACHINE_NAME


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/wopi/containers/abc"),
        ("GET", "/wopi/containers/abc/unknown"),
        ("POST", "/wopi/containers/abc/children"),
        ("DELETE", "/wopi/ecosystem"),
        ("POST", "/wopi/ecosystem/root_container_pointer"),
        ("POST", "/wopi/files/{id}/ancestry"),
        ("GET", "/wopi/files/{id}/cobalt"),
        ("GET", "/wopi/files/{id}/contents/extra"),
        ("PUT", "/wopi/files/{id}"),
        ("DELETE", "/wopi/files/{id}"),
        ("PUT", "/wopi/files/{id}/contents"),
        ("POST", "/wopi/direct/{id}"),
        ("GET", "/wopi"),
        ("GET", "/wopi/"),
        ("GET", "/wopi/bootstrap"),
    ],
)
async def test_unimplemented_wopi_path_or_method_returns_501_not_html(
    host: Host, method: str, path: str
) -> None:
    response = await host.client.request(
        method, path.format(id=host.doc.id), params={"access_token": host.token()}
    )

    assert response.status_code == 501
    assert response.headers["X-WOPI-ServerError"]
    assert "text/html" not in response.headers.get("Content-Type", "")


@pytest.mark.parametrize("ui_enabled", [True])
async def test_unimplemented_wopi_path_returns_501_beside_the_web_ui(host: Host) -> None:
    response = await host.client.get("/wopi/containers/abc/unknown")
    page = await host.client.get("/no/such/page")

    assert response.status_code == 501
    assert page.status_code == 404
