"""Download as ZIP: selected files and folders as one archive, streamed, with the caller's rights checked."""

from __future__ import annotations

import io
import os
import re
import tracemalloc
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.integration.web_support import Web, running_web, signed_in_as_alice, web_settings
from wopihost.app import create_app
from wopihost.domain.permissions import Role

pytestmark = pytest.mark.anyio

BIG = 8 * 1024 * 1024


@pytest.fixture
async def roomy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Web]:
    """Alice signed in, with uploads of up to 32 MB and a ZIP limit of 20 files."""
    settings = web_settings(tmp_path, storage={"max_file_size": 32 * 1024 * 1024}, archive={"max_files": 20})
    async with running_web(tmp_path, monkeypatch, settings) as web:
        yield await signed_in_as_alice(web)


async def post_zip(web: Web, **fields: Any) -> Any:
    token = await web.csrf()
    return await web.client.post("/bulk/zip", data={**fields, "csrf_token": token})


def opened(body: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    return archive


async def test_zip_of_files_and_folder_holds_tree_with_names_as_shown(roomy: Web) -> None:
    web = roomy
    folder = await web.services.files.ensure_folder_path(web.alice, ["Reports"])
    await web.services.files.ensure_folder_path(web.alice, ["Reports", "Empty"])
    await web.upload("Q1 é.docx", b"q1", folder_parts=["Reports"])
    await web.upload("deep.xlsx", b"deep", folder_parts=["Reports", "2026"])
    loose = await web.upload("loose.pdf", b"%PDF-1.7 loose")

    response = await post_zip(web, file_id=loose.id, folder_id=folder.id, archive="My files")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"My files.zip\"; filename*=UTF-8''My%20files.zip"
    )
    archive = opened(response.content)
    assert sorted(archive.namelist()) == [
        "Reports/", "Reports/2026/", "Reports/2026/deep.xlsx", "Reports/Empty/", "Reports/Q1 é.docx",
        "loose.pdf",
    ]  # fmt: skip
    assert archive.read("Reports/2026/deep.xlsx") == b"deep"
    assert archive.read("Reports/Q1 é.docx") == b"q1"
    assert archive.read("loose.pdf") == b"%PDF-1.7 loose"


async def test_zip_of_folder_link_names_archive_in_utf8(roomy: Web) -> None:
    web = roomy
    folder = await web.services.files.ensure_folder_path(web.alice, ["Rapports été"])
    await web.upload("a.docx", b"a", folder_parts=["Rapports été"])

    response = await web.client.get(f"/folders/{folder.id}/zip")

    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"Rapports _t_.zip\"; filename*=UTF-8''Rapports%20%C3%A9t%C3%A9.zip"
    )
    assert opened(response.content).read("Rapports été/a.docx") == b"a"


async def test_zip_leaves_out_view_only_files_and_says_so(roomy: Web) -> None:
    web = roomy
    readable = await web.upload("readable.docx", b"r", owner=web.bob)
    secret = await web.upload("secret.docx", b"s", owner=web.bob)
    clash = await web.upload("Not included.txt", b"mine")
    await web.share(readable, web.alice, Role.VIEW)
    await web.share(secret, web.alice, Role.VIEW_NO_DOWNLOAD)

    ids = [readable.id, secret.id, clash.id]
    response = await post_zip(web, file_id=ids, archive="Shared with me")

    assert response.status_code == 200
    assert response.headers["x-archive-excluded"] == "1"
    archive = opened(response.content)
    assert sorted(archive.namelist()) == ["Not included (2).txt", "Not included.txt", "readable.docx"]
    assert archive.read("Not included.txt") == b"mine"
    note = archive.read("Not included (2).txt").decode()
    assert "secret.docx: shared with you without the right to download" in note
    assert b"s" not in archive.read("readable.docx")


async def test_zip_of_only_view_only_files_is_refused(roomy: Web) -> None:
    web = roomy
    secret = await web.upload("secret.docx", b"s", owner=web.bob)
    await web.share(secret, web.alice, Role.VIEW_NO_DOWNLOAD)

    response = await post_zip(web, file_id=secret.id)

    assert response.status_code == 400
    assert "none of the selected files may be downloaded" in response.text.lower()


async def test_zip_of_file_not_shared_with_user_is_not_found(roomy: Web) -> None:
    web = roomy
    private = await web.upload("private.docx", b"p", owner=web.bob)

    response = await post_zip(web, file_id=private.id)

    assert response.status_code == 404


async def test_zip_past_file_count_limit_is_refused_before_streaming(roomy: Web) -> None:
    web = roomy
    folder = await web.services.files.ensure_folder_path(web.alice, ["Many"])
    for number in range(21):
        await web.upload(f"f{number}.txt", b"x", folder_parts=["Many"])

    response = await web.client.get(f"/folders/{folder.id}/zip")

    assert response.status_code == 413
    assert "at most 20 files" in response.text


async def test_zip_of_large_file_streams_in_chunks_without_holding_it(roomy: Web) -> None:
    web = roomy
    content = os.urandom(BIG)
    folder = await web.services.files.ensure_folder_path(web.alice, ["Big"])
    await web.upload("big.bin", content, folder_parts=["Big"])
    app = create_app(web.settings, services=web.services)
    cookie = "; ".join(f"{name}={value}" for name, value in web.client.cookies.items())
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": f"/folders/{folder.id}/zip", "raw_path": f"/folders/{folder.id}/zip".encode(),
        "query_string": b"", "root_path": "", "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
        "headers": [(b"host", b"testserver"), (b"cookie", cookie.encode())],
    }  # fmt: skip
    parts: list[bytes] = []
    status: list[int] = []
    requested, finished = anyio.Event(), anyio.Event()

    async def receive() -> dict[str, Any]:
        if not requested.is_set():
            requested.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif message["type"] == "http.response.body":
            if message.get("body"):
                parts.append(message["body"])
            if not message.get("more_body"):
                finished.set()

    tracemalloc.start()
    try:
        await app(scope, receive, send)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert status == [200]
    sizes = [len(part) for part in parts]
    assert len(sizes) > 20
    assert max(sizes) <= 1024 * 1024
    # The parts kept for the check below are BIG bytes; making the ZIP held little beyond them
    # (a ZIP built in memory would hold another BIG).
    assert peak - sum(sizes) < 3 * 1024 * 1024
    assert opened(b"".join(parts)).read("Big/big.bin") == content


async def test_shared_list_marks_view_only_rows_for_the_zip_note(roomy: Web) -> None:
    web = roomy
    readable = await web.upload("readable.docx", b"r", owner=web.bob)
    secret = await web.upload("secret.docx", b"s", owner=web.bob)
    await web.share(readable, web.alice, Role.VIEW)
    await web.share(secret, web.alice, Role.VIEW_NO_DOWNLOAD)

    page = (await web.client.get("/shared")).text

    boxes = re.findall(r'<input type="checkbox" class="select-row"[^>]*>', page)
    assert [("data-no-download" in b, 'value="' + secret.id + '"' in b) for b in boxes] == [
        (False, False),
        (True, True),
    ]
    assert 'data-bulk="move"' not in page
    assert 'data-bulk="zip"' in page


async def test_zip_past_byte_limit_is_refused_naming_the_limit(roomy: Web) -> None:
    web = roomy
    web.services.archive.max_bytes = 10
    small = await web.upload("small.txt", b"123456789")
    large = await web.upload("large.txt", b"12")

    assert (await post_zip(web, file_id=small.id)).status_code == 200
    response = await post_zip(web, file_id=[small.id, large.id])

    assert response.status_code == 413
    assert "at most 10 bytes" in response.text
