"""RenameFile and DeleteFile over HTTP.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/renamefile
https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/deletefile
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from tests.integration.conftest import ORIGINAL, Host
from wopihost.domain.locks import LOCK_TTL
from wopihost.domain.names import encode_utf7

pytestmark = pytest.mark.anyio

A, B = "lock-A", "lock-B"
ABSENT = None


async def rename(
    host: Host, requested: str | bytes | None, *, lock: str | None = None, **kw: object
) -> httpx.Response:
    headers: dict[str, str | bytes] = {}
    if requested is not None:
        headers["X-WOPI-RequestedName"] = requested
    if lock is not None:
        headers["X-WOPI-Lock"] = lock
    return await host.call(override="RENAME_FILE", headers=headers, **kw)  # type: ignore[arg-type]


async def base_file_name(host: Host, file_id: str | None = None) -> str:
    name: str = (await host.check_file_info(file_id)).json()["BaseFileName"]
    return name


@dataclass(frozen=True)
class RenameCase:
    """RenameFile of report.docx in lock `state`, by `who`, with X-WOPI-Lock `lock`."""

    id: str
    state: str
    lock: str | None
    status: int
    lock_header: str | None = ABSENT
    who: str = "editor"


RENAME_SPEC = [
    RenameCase("unlocked-no-lock", "unlocked", None, 200),
    RenameCase("unlocked-with-lock", "unlocked", A, 200),
    RenameCase("locked-matching", "locked", A, 200),
    RenameCase("locked-other-id", "locked", B, 409, A),
    RenameCase("locked-no-lock", "locked", None, 409, A),
    RenameCase("expired-no-lock", "expired", None, 200),
    RenameCase("owner-unlocked", "unlocked", None, 200, ABSENT, "owner"),
    RenameCase("viewer-unlocked", "unlocked", None, 401, ABSENT, "viewer"),
    RenameCase("stranger-unlocked", "unlocked", None, 404, ABSENT, "stranger"),
]


@pytest.mark.parametrize("case", RENAME_SPEC, ids=[c.id for c in RENAME_SPEC])
async def test_rename_file_in_state_follows_spec_table(host: Host, case: RenameCase) -> None:
    if case.state != "unlocked":
        await host.lock(A)
    if case.state == "expired":
        host.clock.advance(LOCK_TTL)

    response = await rename(host, "Renamed", lock=case.lock, user=getattr(host, case.who))

    assert response.status_code == case.status
    assert response.headers.get("X-WOPI-Lock") == case.lock_header
    if case.status == 200:
        assert response.json()["Name"] == "Renamed"
    assert await base_file_name(host) == ("Renamed.docx" if case.status == 200 else "report.docx")
    assert await host.stored() == ORIGINAL


async def test_rename_file_keeps_id_content_and_version(host: Host) -> None:
    await rename(host, "Q1 figures")

    info = (await host.check_file_info()).json()
    assert (info["BaseFileName"], info["Version"], info["Size"]) == ("Q1 figures.docx", "1", len(ORIGINAL))
    assert (await host.record()).id == host.doc.id


@pytest.mark.parametrize(
    ("requested", "name"),
    [
        ("new", "new (2)"),
        ("NEW", "NEW (2)"),
        ("report", "report"),
        ("REPORT", "REPORT"),
        ("+AOk-t+AOk-", "\u00e9t\u00e9"),
        ("x" * 250, "x" * 250),
    ],
)
async def test_rename_file_to_taken_name_renumbers_else_keeps_requested(
    host: Host, requested: str, name: str
) -> None:
    response = await rename(host, requested)

    assert response.status_code == 200
    assert response.json()["Name"] == name
    assert await base_file_name(host) == f"{name}.docx"


async def test_rename_file_twice_onto_taken_names_counts_up(host: Host) -> None:
    await host.upload("new (2).docx", b"two")

    response = await rename(host, "new")

    assert response.json()["Name"] == "new (3)"


async def test_rename_file_answers_url_with_fresh_token_and_check_file_info_time(host: Host) -> None:
    response = await rename(host, "Renamed")

    body = response.json()
    assert set(body) == {"Name", "Url", "LastModifiedTime"}
    url = httpx.URL(body["Url"])
    assert str(url.copy_with(query=None)) == f"https://wopihost.test/wopi/files/{host.doc.id}"
    token = url.params["access_token"]
    info = (await host.check_file_info(token=token)).json()
    assert (info["BaseFileName"], info["UserId"]) == ("Renamed.docx", host.owner.id)
    assert body["LastModifiedTime"] == info["LastModifiedTime"]


@pytest.mark.parametrize(
    ("requested", "name"),
    [
        ("a/b", "a_b"),
        ("a\\b", "a_b"),
        ("a:b", "a_b"),
        ("a*b", "a_b"),
        ("a?b", "a_b"),
        ('a"b', "a_b"),
        ("a<b", "a_b"),
        ("a|b", "a_b"),
        ("con", "con_"),
        ("LPT1", "LPT1_"),
        ("x" * 251, "x" * 250),
        ("tab\there", "tab_here"),
        (" padded", "padded"),
        ("new", "new (2)"),
        ("new?", "new_"),
    ],
)
async def test_rename_file_to_illegal_name_repairs_it(host: Host, requested: str, name: str) -> None:
    response = await rename(host, encode_utf7(requested))

    assert response.status_code == 200
    assert response.json()["Name"] == name
    assert await base_file_name(host) == f"{name}.docx"


@pytest.mark.parametrize("requested", ["", " ", "???", "/", " . "])
async def test_rename_file_to_unrepairable_name_returns_400_with_reason(host: Host, requested: str) -> None:
    response = await rename(host, encode_utf7(requested))

    assert response.status_code == 400
    assert response.headers["X-WOPI-InvalidFileNameError"]
    assert await base_file_name(host) == "report.docx"


@pytest.mark.parametrize(
    "requested", [None, "a+", "caf\u00e9".encode()], ids=["missing", "bad-utf7", "non-ascii"]
)
async def test_rename_file_without_readable_requested_name_returns_400_with_reason(
    host: Host, requested: str | bytes | None
) -> None:
    response = await rename(host, requested)

    assert response.status_code == 400
    assert response.headers["X-WOPI-InvalidFileNameError"]
    assert await base_file_name(host) == "report.docx"


# DeleteFile ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "state", "status", "lock_header"),
    [
        ("owner", "unlocked", 200, ABSENT),
        ("owner", "locked", 409, A),
        ("owner", "expired", 200, ABSENT),
        ("editor", "unlocked", 401, ABSENT),
        ("viewer", "unlocked", 401, ABSENT),
        ("stranger", "unlocked", 404, ABSENT),
    ],
)
async def test_delete_file_by_role_in_state_follows_spec(
    host: Host, who: str, state: str, status: int, lock_header: str | None
) -> None:
    if state != "unlocked":
        await host.lock(A)
    if state == "expired":
        host.clock.advance(LOCK_TTL)

    response = await host.call(override="DELETE", user=getattr(host, who))

    assert response.status_code == status
    assert response.headers.get("X-WOPI-Lock") == lock_header
    assert await host.stored() == (None if status == 200 else ORIGINAL)


async def test_delete_file_then_every_operation_returns_404(host: Host) -> None:
    token = host.token()
    await host.call(override="DELETE")

    responses = [
        await host.check_file_info(token=token),
        await host.get_file(token=token),
        await host.lock(A),
        await host.check_file_info(user=host.editor),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]


async def test_delete_file_goes_to_trash_keeping_every_version_until_emptied(host: Host) -> None:
    await host.lock(A)
    await host.put_file(b"second", lock=A)
    await host.unlock(A)
    before = host.blob_files()
    keys = {v.blob_key for v in await host.versions()}

    response = await host.call(override="DELETE")

    assert response.status_code == 200
    assert len(keys) == 2
    assert keys <= before
    assert host.blob_files() == before
    item = await host.services.trash.get(host.doc.id)
    await host.services.trash.delete_permanently(item.id)
    assert host.blob_files() == before - keys


async def test_delete_file_leaves_other_files_alone(host: Host) -> None:
    await host.call(override="DELETE")

    assert await host.stored(host.empty.id) == b""
    assert (await host.check_file_info(host.empty.id, user=host.editor)).status_code == 200


async def test_delete_file_then_name_is_free_again(host: Host) -> None:
    await host.call(override="DELETE")

    response = await host.call(
        host.empty.id, "PUT_RELATIVE", headers={"X-WOPI-RelativeTarget": "report.docx"}, body=b"again"
    )

    assert response.status_code == 200
    assert response.json()["Name"] == "report.docx"
