"""PutRelativeFile in suggested and specific (relative) mode, over HTTP.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/putrelativefile
"""

from __future__ import annotations

import httpx
import pytest

from tests.integration.conftest import MAX_FILE_SIZE, ORIGINAL, Host, body_of, sha256_b64
from wopihost.domain.names import decode_utf7, encode_utf7
from wopihost.domain.records import User

pytestmark = pytest.mark.anyio

A = "lock-A"


async def put_relative(
    host: Host,
    *,
    suggested: str | None = None,
    relative: str | None = None,
    overwrite: str | None = None,
    body: bytes = b"copy",
    user: User | None = None,
    file_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    wopi = dict(headers or {})
    if suggested is not None:
        wopi["X-WOPI-SuggestedTarget"] = suggested
    if relative is not None:
        wopi["X-WOPI-RelativeTarget"] = relative
    if overwrite is not None:
        wopi["X-WOPI-OverwriteRelativeTarget"] = overwrite
    return await host.call(file_id, "PUT_RELATIVE", user=user, headers=wopi, body=body)


async def open_created(host: Host, response: httpx.Response) -> httpx.Response:
    """CheckFileInfo through the Url of a PutRelativeFile response, as a client would call it."""
    url = httpx.URL(response.json()["Url"])
    assert url.host == "wopihost.test"
    return await host.client.get(url.path, params=dict(url.params))


async def names_in_root(host: Host, user: User) -> list[str]:
    folder = await host.services.files.ensure_folder_path(user, [])
    return [f.name for f in (await host.services.files.list_folder(folder))[1]]


@pytest.mark.parametrize(
    ("suggested", "name"),
    [
        (".pdf", "report.pdf"),
        (".docx", "report (2).docx"),
        ("copy.docx", "copy.docx"),
        ("report.docx", "report (2).docx"),
        ("REPORT.DOCX", "REPORT (2).DOCX"),
        ("new.docx", "new (2).docx"),
        ("a/b:c.docx", "a_b_c.docx"),
        ("con.docx", "con_.docx"),
        ("  padded.docx  ", "padded.docx"),
        ("+AOk-t+AOk-.docx", "\u00e9t\u00e9.docx"),
        ("+ZeVnLIqe-.xlsx", "\u65e5\u672c\u8a9e.xlsx"),
    ],
)
async def test_put_relative_suggested_returns_legal_free_name(host: Host, suggested: str, name: str) -> None:
    response = await put_relative(host, suggested=suggested)

    assert response.status_code == 200
    assert response.json()["Name"] == name
    created = await open_created(host, response)
    assert created.status_code == 200
    assert (created.json()["BaseFileName"], created.json()["SHA256"]) == (name, sha256_b64(b"copy"))
    assert await host.stored() == ORIGINAL


async def test_put_relative_suggested_again_numbers_each_copy(host: Host) -> None:
    names = [(await put_relative(host, suggested="copy.docx")).json()["Name"] for _ in range(3)]

    assert names == ["copy.docx", "copy (2).docx", "copy (3).docx"]


async def test_put_relative_response_has_name_url_and_time_only_without_ui(host: Host) -> None:
    response = await put_relative(host, suggested=".pdf")

    body = response.json()
    assert response.headers["Content-Type"] == "application/json"
    assert set(body) == {"Name", "Url", "LastModifiedTime"}
    assert body["Url"].startswith("https://wopihost.test/wopi/files/")
    assert "access_token=" in body["Url"]


@pytest.mark.parametrize("ui_enabled", [True])
async def test_put_relative_with_ui_also_returns_host_urls(host: Host) -> None:
    body = (await put_relative(host, suggested=".pdf")).json()

    file_id = httpx.URL(body["Url"]).path.rsplit("/", 1)[1]
    assert body["HostViewUrl"] == f"https://wopihost.test/files/{file_id}/view"
    assert body["HostEditUrl"] == f"https://wopihost.test/files/{file_id}/edit"


async def test_put_relative_specific_new_name_creates_exactly_that_file(host: Host) -> None:
    response = await put_relative(host, relative="Exact Name.docx", body=b"exact")

    assert response.status_code == 200
    assert response.json()["Name"] == "Exact Name.docx"
    assert (await open_created(host, response)).json()["Size"] == 5


@pytest.mark.parametrize("overwrite", [None, "false", "False"])
async def test_put_relative_specific_existing_without_overwrite_returns_409_with_valid_target(
    host: Host, overwrite: str | None
) -> None:
    response = await put_relative(host, relative="new.docx", overwrite=overwrite)

    assert response.status_code == 409
    assert response.headers["X-WOPI-Lock"] == ""
    assert decode_utf7(response.headers["X-WOPI-ValidRelativeTarget"], "h") == "new (2).docx"
    assert await host.stored(host.empty.id) == b""


async def test_put_relative_specific_conflict_valid_target_is_utf7(host: Host) -> None:
    await host.upload("\u00e9t\u00e9.docx", b"summer")

    response = await put_relative(host, relative=encode_utf7("\u00e9t\u00e9.docx"))

    assert response.status_code == 409
    target = response.headers["X-WOPI-ValidRelativeTarget"]
    assert target.isascii()
    assert decode_utf7(target, "h") == "\u00e9t\u00e9 (2).docx"


async def test_put_relative_specific_overwrite_unlocked_replaces_content_in_place(host: Host) -> None:
    response = await put_relative(host, relative="new.docx", overwrite="true", body=b"replacement")

    assert response.status_code == 200
    assert response.json()["Name"] == "new.docx"
    assert httpx.URL(response.json()["Url"]).path.endswith(host.empty.id)
    assert await host.stored(host.empty.id) == b"replacement"
    assert (await host.check_file_info(host.empty.id)).json()["Version"] == "2"


async def test_put_relative_specific_overwrite_locked_target_returns_409_with_its_lock(host: Host) -> None:
    await host.lock(A, host.empty.id)
    blobs = host.blob_files()

    response = await put_relative(host, relative="new.docx", overwrite="true")

    assert response.status_code == 409
    assert response.headers["X-WOPI-Lock"] == A
    assert await host.stored(host.empty.id) == b""
    assert host.blob_files() == blobs


async def test_put_relative_specific_overwrite_of_file_user_cannot_write_returns_501(host: Host) -> None:
    await host.upload("private.docx", b"owner only")

    response = await put_relative(host, relative="private.docx", overwrite="true", user=host.editor)

    assert response.status_code == 501
    assert await names_in_root(host, host.owner) == ["new.docx", "private.docx", "report.docx"]


@pytest.mark.parametrize(
    ("relative", "valid_target"),
    [
        ("a|b.docx", "a_b.docx"),
        ("con.docx", "con_.docx"),
        ("trailing.docx ", "trailing.docx"),
        ("report.docx.", "report (2).docx"),
        ("x" * 251 + ".docx", "x" * 250 + ".docx"),
    ],
)
async def test_put_relative_specific_illegal_name_returns_400_with_valid_target(
    host: Host, relative: str, valid_target: str
) -> None:
    response = await put_relative(host, relative=relative)

    assert response.status_code == 400
    assert response.headers["X-WOPI-InvalidFileNameError"]
    assert decode_utf7(response.headers["X-WOPI-ValidRelativeTarget"], "h") == valid_target
    assert await names_in_root(host, host.owner) == ["new.docx", "report.docx"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-WOPI-SuggestedTarget": ".pdf", "X-WOPI-RelativeTarget": "x.pdf"},
        {"X-WOPI-OverwriteRelativeTarget": "true"},
    ],
    ids=["neither", "both", "overwrite-only"],
)
async def test_put_relative_without_exactly_one_target_returns_400(
    host: Host, headers: dict[str, str]
) -> None:
    response = await put_relative(host, headers=headers)

    assert response.status_code == 400
    assert await names_in_root(host, host.owner) == ["new.docx", "report.docx"]


async def test_put_relative_by_viewer_goes_to_viewers_own_root(host: Host) -> None:
    response = await put_relative(host, suggested=".pdf", user=host.viewer)

    info = (await open_created(host, response)).json()
    assert response.status_code == 200
    assert (info["OwnerId"], info["UserId"], info["UserCanWrite"]) == (host.viewer.id, host.viewer.id, True)
    assert await names_in_root(host, host.viewer) == ["report.pdf"]
    assert await names_in_root(host, host.owner) == ["new.docx", "report.docx"]


async def test_put_relative_by_editor_goes_next_to_source_owned_by_owner_shared_back(host: Host) -> None:
    response = await put_relative(host, suggested=".pdf", user=host.editor)

    info = (await open_created(host, response)).json()
    assert (info["OwnerId"], info["UserId"], info["UserCanWrite"]) == (host.owner.id, host.editor.id, True)
    assert await names_in_root(host, host.owner) == ["new.docx", "report.docx", "report.pdf"]
    assert await names_in_root(host, host.editor) == []


async def test_put_relative_on_locked_source_needs_no_lock(host: Host) -> None:
    await host.lock(A)

    response = await put_relative(host, suggested=".pdf")

    assert response.status_code == 200
    assert await host.current_lock() == A


@pytest.mark.parametrize("declared", [str(MAX_FILE_SIZE + 1), str(10 * MAX_FILE_SIZE)])
async def test_put_relative_declared_size_above_limit_returns_413(host: Host, declared: str) -> None:
    response = await put_relative(host, suggested=".pdf", headers={"X-WOPI-Size": declared})

    assert response.status_code == 413
    assert await names_in_root(host, host.owner) == ["new.docx", "report.docx"]


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
async def test_put_relative_body_above_limit_returns_413_and_creates_nothing(
    host: Host, streamed: bool
) -> None:
    blobs = host.blob_files()
    data = b"z" * (MAX_FILE_SIZE + 1)

    response = await host.call(
        override="PUT_RELATIVE",
        headers={"X-WOPI-SuggestedTarget": ".pdf"},
        body=body_of(data) if streamed else data,
    )

    assert response.status_code == 413
    assert await names_in_root(host, host.owner) == ["new.docx", "report.docx"]
    assert host.blob_files() == blobs
    assert host.temporary_files() == []


async def test_put_relative_conversion_records_conversion_as_source(host: Host) -> None:
    response = await put_relative(host, suggested=".docx", headers={"X-WOPI-FileConversion": ""})

    file_id = httpx.URL(response.json()["Url"]).path.rsplit("/", 1)[1]
    assert [v.source for v in await host.versions(file_id)] == ["conversion"]


async def test_put_relative_by_stranger_returns_404(host: Host) -> None:
    response = await put_relative(host, suggested=".pdf", user=host.stranger)

    assert response.status_code == 404
    assert await names_in_root(host, host.stranger) == []
