"""WOPI and the trash: a trashed file (on its own or inside a trashed folder) answers every operation with
404 for everyone until its owner restores it, with its versions and shares; emptying frees its content."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import anyio
import httpx
import pytest

from tests.integration.conftest import ORIGINAL, Host
from wopihost.adapters.clock import FakeClock

pytestmark = pytest.mark.anyio

A = "lock-A"
Operation = Callable[[Host, str], Awaitable[httpx.Response]]

# Every WOPI operation on a file, each with its own fresh token for the owner issued before the deletion.
OPERATIONS: dict[str, Operation] = {
    "CheckFileInfo": lambda h, t: h.check_file_info(token=t),
    "GetFile": lambda h, t: h.get_file(token=t),
    "Lock": lambda h, t: h.call(override="LOCK", token=t, headers={"X-WOPI-Lock": A}),
    "GetLock": lambda h, t: h.call(override="GET_LOCK", token=t),
    "RefreshLock": lambda h, t: h.call(override="REFRESH_LOCK", token=t, headers={"X-WOPI-Lock": A}),
    "Unlock": lambda h, t: h.call(override="UNLOCK", token=t, headers={"X-WOPI-Lock": A}),
    "PutFile": lambda h, t: h.put_file(b"new", token=t, lock=A),
    "PutRelativeFile": lambda h, t: h.call(
        override="PUT_RELATIVE", token=t, headers={"X-WOPI-SuggestedTarget": ".docx"}, body=b"copy"
    ),
    "RenameFile": lambda h, t: h.call(override="RENAME_FILE", token=t, headers={"X-WOPI-RequestedName": "x"}),
    "DeleteFile": lambda h, t: h.call(override="DELETE", token=t),
    "PutUserInfo": lambda h, t: h.call(override="PUT_USER_INFO", token=t, body=b"info"),
}


async def _trash_parent_folder(host: Host) -> None:
    """Move the document into a folder and trash the folder."""
    folder = await host.services.files.ensure_folder_path(host.owner, ["Reports"])
    await host.services.files.move(await host.services.files.access_as_owner(host.doc.id), folder)
    await host.services.files.delete_folder(host.owner, folder)


async def _trash_file(host: Host) -> None:
    assert (await host.call(override="DELETE")).status_code == 200


@pytest.mark.parametrize("operation", OPERATIONS, ids=list(OPERATIONS))
@pytest.mark.parametrize("how", ["file", "folder"])
async def test_operation_on_trashed_file_returns_404(host: Host, operation: str, how: str) -> None:
    token = host.token()
    await (_trash_file(host) if how == "file" else _trash_parent_folder(host))

    response = await OPERATIONS[operation](host, token)

    assert response.status_code == 404
    assert await host.stored() is None


async def test_delete_file_then_share_recipients_lose_access_and_restore_brings_it_back(host: Host) -> None:
    versions = await host.versions()
    await _trash_file(host)

    trashed = [await host.check_file_info(user=user) for user in (host.editor, host.viewer)]
    restored = await host.services.trash.restore(host.doc.id, host.owner)
    back = [await host.check_file_info(user=user) for user in (host.editor, host.viewer)]

    assert [r.status_code for r in trashed] == [404, 404]
    assert [r.status_code for r in back] == [200, 200]
    assert (restored.name, restored.to_root, restored.renamed) == ("report.docx", False, False)
    assert await host.versions() == versions
    assert await host.stored() == ORIGINAL


async def test_put_relative_file_name_of_trashed_file_is_free(host: Host) -> None:
    await _trash_file(host)

    response = await host.call(
        host.empty.id, "PUT_RELATIVE", headers={"X-WOPI-RelativeTarget": "report.docx"}, body=b"again"
    )

    assert response.status_code == 200
    assert response.json()["Name"] == "report.docx"
    restored = await host.services.trash.restore(host.doc.id)
    assert restored.name == "report (2).docx"
    assert await host.stored() == ORIGINAL


async def test_delete_locked_file_409_and_not_trashed(host: Host) -> None:
    await host.lock(A, user=host.editor)

    response = await host.call(override="DELETE")

    assert response.status_code == 409
    assert response.headers["X-WOPI-Lock"] == A
    assert await host.services.trash.entries(host.owner) == []
    assert await host.stored() == ORIGINAL


async def test_delete_permanently_frees_every_version_on_disk(host: Host) -> None:
    await host.lock(A)
    await host.put_file(b"second", lock=A)
    await host.unlock(A)
    keys = {v.blob_key for v in await host.versions()}
    before = host.blob_files()
    await _trash_file(host)
    assert host.blob_files() == before

    item = await host.services.trash.delete_permanently(host.doc.id, host.owner)

    assert item.stored_bytes == len(ORIGINAL) + len(b"second")
    assert host.blob_files() == before - keys
    assert await host.services.trash.entries(host.owner) == []
    assert (await host.check_file_info()).status_code == 404


async def test_purge_expired_deletes_items_past_retention_only(host: Host, clock: FakeClock) -> None:
    retention = host.services.trash.retention
    assert retention == timedelta(days=30)
    await _trash_file(host)
    clock.advance(timedelta(days=10))
    await host.call(host.empty.id, "DELETE")
    before = host.blob_files()
    empty_key = (await host.services.trash.get(host.empty.id)).id

    clock.advance(retention - timedelta(days=10))  # The first item is exactly 30 days old, the other 20.
    purged = await host.services.trash.purge_expired()

    assert purged == 1
    assert [e.item.id for e in await host.services.trash.entries(host.owner)] == [empty_key]
    assert len(host.blob_files()) == len(before) - 1
    clock.advance(timedelta(days=10))
    assert await host.services.trash.purge_expired() == 1
    assert await host.services.trash.entries(host.owner) == []


async def test_run_periodic_sweeps_at_start_and_stops_when_told(host: Host, clock: FakeClock) -> None:
    await _trash_file(host)
    clock.advance(timedelta(days=31))
    stop = anyio.Event()

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(host.services.trash.run_periodic, stop)
            # The sweep signals nothing: the test polls the store until it is done.
            while await host.services.trash.entries(host.owner):  # noqa: ASYNC110
                await anyio.sleep(0.01)
            stop.set()

    assert await host.stored() is None
