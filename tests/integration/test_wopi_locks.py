"""Lock, Unlock, RefreshLock, UnlockAndRelock and GetLock over HTTP, driven from the spec's tables.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/files/lock (and siblings)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from tests.integration.conftest import ORIGINAL, Host
from wopihost.domain.locks import LOCK_TTL

pytestmark = pytest.mark.anyio

A, B, C = "lock-A", "lock-B", "lock-C"
ABSENT = None  # the response must not carry X-WOPI-Lock


@dataclass(frozen=True)
class Case:
    """From lock `state` on report.docx, the editor sends `override` with X-WOPI-* `headers`."""

    id: str
    state: str  # unlocked | locked (with A) | expired (A, taken 30 minutes ago)
    override: str
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    lock_header: str | None = ABSENT
    after: str = ""  # the lock on the file afterwards ("" when unlocked)


SPEC = [
    # Lock: lock an unlocked file; the same ID refreshes; otherwise 409 with the current lock.
    Case("lock-unlocked", "unlocked", "LOCK", {"Lock": B}, 200, ABSENT, B),
    Case("lock-same-id-refreshes", "locked", "LOCK", {"Lock": A}, 200, ABSENT, A),
    Case("lock-other-id", "locked", "LOCK", {"Lock": B}, 409, A, A),
    Case("lock-expired-lock", "expired", "LOCK", {"Lock": B}, 200, ABSENT, B),
    Case("lock-no-lock-header", "unlocked", "LOCK", {}, 400, ABSENT, ""),
    Case("lock-empty-lock-header", "locked", "LOCK", {"Lock": ""}, 400, ABSENT, A),
    # Unlock: only with the current lock; an unlocked file answers 409 with an empty X-WOPI-Lock.
    Case("unlock-same-id", "locked", "UNLOCK", {"Lock": A}, 200, ABSENT, ""),
    Case("unlock-other-id", "locked", "UNLOCK", {"Lock": B}, 409, A, A),
    Case("unlock-unlocked", "unlocked", "UNLOCK", {"Lock": A}, 409, "", ""),
    Case("unlock-expired-lock", "expired", "UNLOCK", {"Lock": A}, 409, "", ""),
    Case("unlock-no-lock-header", "locked", "UNLOCK", {}, 400, ABSENT, A),
    Case("unlock-empty-lock-header", "locked", "UNLOCK", {"Lock": ""}, 400, ABSENT, A),
    # RefreshLock: the same rules as Unlock, but the lock stays.
    Case("refresh-same-id", "locked", "REFRESH_LOCK", {"Lock": A}, 200, ABSENT, A),
    Case("refresh-other-id", "locked", "REFRESH_LOCK", {"Lock": B}, 409, A, A),
    Case("refresh-unlocked", "unlocked", "REFRESH_LOCK", {"Lock": A}, 409, "", ""),
    Case("refresh-expired-lock", "expired", "REFRESH_LOCK", {"Lock": A}, 409, "", ""),
    Case("refresh-no-lock-header", "locked", "REFRESH_LOCK", {}, 400, ABSENT, A),
    # UnlockAndRelock: LOCK with X-WOPI-OldLock; atomic swap from the current lock only.
    Case("relock-old-matches", "locked", "LOCK", {"Lock": B, "OldLock": A}, 200, ABSENT, B),
    Case("relock-old-differs", "locked", "LOCK", {"Lock": C, "OldLock": B}, 409, A, A),
    Case("relock-unlocked", "unlocked", "LOCK", {"Lock": B, "OldLock": A}, 409, "", ""),
    Case("relock-expired-lock", "expired", "LOCK", {"Lock": B, "OldLock": A}, 409, "", ""),
    Case("relock-no-new-lock", "locked", "LOCK", {"OldLock": A}, 400, ABSENT, A),
    Case("relock-empty-old-lock", "locked", "LOCK", {"Lock": B, "OldLock": ""}, 400, ABSENT, A),
    # GetLock: always 200 with X-WOPI-Lock, empty when unlocked.
    Case("getlock-unlocked", "unlocked", "GET_LOCK", {}, 200, "", ""),
    Case("getlock-locked", "locked", "GET_LOCK", {}, 200, A, A),
    Case("getlock-expired-lock", "expired", "GET_LOCK", {}, 200, "", ""),
]


async def put_in_state(host: Host, state: str, file_id: str | None = None) -> None:
    if state in ("locked", "expired"):
        assert (await host.lock(A, file_id, user=host.owner)).status_code == 200
    if state == "expired":
        host.clock.advance(LOCK_TTL)


@pytest.mark.parametrize("case", SPEC, ids=[c.id for c in SPEC])
async def test_lock_operation_in_state_follows_spec_table(host: Host, case: Case) -> None:
    await put_in_state(host, case.state)

    response = await host.lock_op(case.override, user=host.editor, **case.headers)

    assert response.status_code == case.status
    assert response.headers.get("X-WOPI-Lock") == case.lock_header
    if case.status == 409:
        assert response.headers.get("X-WOPI-LockFailureReason")
    assert await host.current_lock() == case.after
    assert await host.stored() == ORIGINAL


@pytest.mark.parametrize(
    "case", [c for c in SPEC if c.status == 200 and c.override != "GET_LOCK"], ids=lambda c: c.id
)
async def test_lock_operation_success_reports_item_version_of_check_file_info(host: Host, case: Case) -> None:
    await put_in_state(host, case.state)

    response = await host.lock_op(case.override, **case.headers)

    assert response.headers["X-WOPI-ItemVersion"] == (await host.check_file_info()).json()["Version"]


async def test_lock_item_version_follows_saves(host: Host) -> None:
    locked = await host.lock(A)
    saved = await host.put_file(b"v2", lock=A)
    refreshed = await host.lock_op("REFRESH_LOCK", Lock=A)
    unlocked = await host.unlock(A)

    assert locked.headers["X-WOPI-ItemVersion"] == "1"
    assert saved.headers["X-WOPI-ItemVersion"] == "2"
    assert refreshed.headers["X-WOPI-ItemVersion"] == "2"
    assert unlocked.headers["X-WOPI-ItemVersion"] == "2"


@pytest.mark.parametrize(
    ("who", "override", "headers", "status"),
    [
        ("owner", "LOCK", {"Lock": A}, 200),
        ("editor", "LOCK", {"Lock": A}, 200),
        ("viewer", "LOCK", {"Lock": A}, 401),
        ("stranger", "LOCK", {"Lock": A}, 404),
        ("viewer", "UNLOCK", {"Lock": A}, 401),
        ("viewer", "REFRESH_LOCK", {"Lock": A}, 401),
        ("viewer", "LOCK", {"Lock": B, "OldLock": A}, 401),
        ("viewer", "GET_LOCK", {}, 200),
        ("stranger", "GET_LOCK", {}, 404),
    ],
)
async def test_lock_operation_by_role_is_allowed_only_to_writers(
    host: Host, who: str, override: str, headers: dict[str, str], status: int
) -> None:
    if override != "LOCK" or "OldLock" in headers:
        await put_in_state(host, "locked")
    before = await host.current_lock()

    response = await host.lock_op(override, user=getattr(host, who), **headers)

    assert response.status_code == status
    if status != 200:
        assert await host.current_lock() == before


async def test_locks_belong_to_no_user_editor_may_unlock_owners_lock(host: Host) -> None:
    await host.lock(A, user=host.owner)

    refreshed = await host.lock_op("REFRESH_LOCK", user=host.editor, Lock=A)
    saved = await host.put_file(b"by the editor", lock=A, user=host.editor)
    unlocked = await host.unlock(A, user=host.editor)

    assert (refreshed.status_code, saved.status_code, unlocked.status_code) == (200, 200, 200)
    assert await host.stored() == b"by the editor"


async def test_lock_expires_thirty_minutes_after_it_was_taken(host: Host) -> None:
    await host.lock(A)
    host.clock.advance(LOCK_TTL - timedelta(seconds=1))
    still = await host.current_lock()
    blocked = await host.lock(B)

    host.clock.advance(timedelta(seconds=1))

    assert (still, blocked.status_code, blocked.headers["X-WOPI-Lock"]) == (A, 409, A)
    assert await host.current_lock() == ""
    assert (await host.lock(B)).status_code == 200


@pytest.mark.parametrize(
    ("override", "headers", "new_lock"),
    [
        ("REFRESH_LOCK", {"Lock": A}, A),
        ("LOCK", {"Lock": A}, A),
        ("LOCK", {"Lock": B, "OldLock": A}, B),
    ],
    ids=["refresh-lock", "lock-same-id", "unlock-and-relock"],
)
async def test_lock_renewal_restarts_thirty_minute_timer(
    host: Host, override: str, headers: dict[str, str], new_lock: str
) -> None:
    await host.lock(A)
    host.clock.advance(timedelta(minutes=20))

    assert (await host.lock_op(override, **headers)).status_code == 200
    host.clock.advance(LOCK_TTL - timedelta(seconds=1))
    still = await host.current_lock()
    host.clock.advance(timedelta(seconds=1))

    assert still == new_lock
    assert await host.current_lock() == ""


async def test_unlock_and_relock_then_old_lock_no_longer_works(host: Host) -> None:
    await host.lock(A)
    await host.lock_op("LOCK", Lock=B, OldLock=A)

    stale_save = await host.put_file(b"stale", lock=A)
    stale_unlock = await host.unlock(A)

    assert (stale_save.status_code, stale_save.headers["X-WOPI-Lock"]) == (409, B)
    assert (stale_unlock.status_code, stale_unlock.headers["X-WOPI-Lock"]) == (409, B)
    assert await host.stored() == ORIGINAL


@pytest.mark.parametrize(
    ("operation", "status", "stored"),
    [
        ("putfile-not-empty", 409, ORIGINAL),
        ("putfile-empty-file", 200, b"new"),
        ("rename-without-lock", 200, ORIGINAL),
        ("delete", 200, None),
        ("lock-other-id", 200, ORIGINAL),
        ("put-relative-overwrite", 200, b"overwritten"),
    ],
)
async def test_expired_lock_behaves_as_unlocked_for_operation(
    host: Host, operation: str, status: int, stored: bytes | None
) -> None:
    file_id = host.empty.id if operation == "putfile-empty-file" else host.doc.id
    await put_in_state(host, "expired", file_id)
    if operation == "put-relative-overwrite":
        source = await host.upload("source.docx", b"source")
        response = await host.call(
            source.id,
            "PUT_RELATIVE",
            headers={"X-WOPI-RelativeTarget": "report.docx", "X-WOPI-OverwriteRelativeTarget": "true"},
            body=b"overwritten",
        )
    else:
        response = await {
            "putfile-not-empty": lambda: host.put_file(b"new", file_id),
            "putfile-empty-file": lambda: host.put_file(b"new", file_id),
            "rename-without-lock": lambda: host.call(
                file_id, "RENAME_FILE", headers={"X-WOPI-RequestedName": "x"}
            ),
            "delete": lambda: host.call(file_id, "DELETE"),
            "lock-other-id": lambda: host.lock(B, file_id),
        }[operation]()

    assert response.status_code == status
    if status == 409:
        assert response.headers["X-WOPI-Lock"] == ""
    assert await host.stored(file_id) == stored


async def test_lock_on_one_file_leaves_other_files_unlocked(host: Host) -> None:
    await host.lock(A)

    assert await host.current_lock(host.empty.id) == ""
    assert (await host.lock(B, host.empty.id)).status_code == 200
