"""The LockStore contract: each lock change is a compare-and-swap; an expired lock is no lock at all.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/concepts#lock
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, timedelta, timezone

import anyio
import pytest

from tests.contract.conftest import World, make_blob, make_file
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.adapters.sql.locks import SqlLockStore
from wopihost.domain.locks import LOCK_TTL, LockBreak, LockGuard, SessionEndReason, WhenUnlocked
from wopihost.ports import LockOutcome

pytestmark = pytest.mark.anyio

A, B, C = "lock-A", "lock-B", "lock-C"


@dataclass(frozen=True)
class Case:
    """Start from `state` (lock A unlocked / active / just expired), run `op`, expect `ok` and `after`."""

    id: str
    state: str
    op: str
    args: tuple[str, ...]
    ok: bool
    after: str | None


SPEC = [
    # Lock: an unlocked file is locked; the same ID refreshes; another ID is a mismatch.
    Case("acquire-unlocked", "unlocked", "acquire", (A,), True, A),
    Case("acquire-same-id", "locked", "acquire", (A,), True, A),
    Case("acquire-other-id", "locked", "acquire", (B,), False, A),
    Case("acquire-expired-other-id", "expired", "acquire", (B,), True, B),
    Case("acquire-expired-same-id", "expired", "acquire", (A,), True, A),
    # RefreshLock: only the current lock.
    Case("refresh-unlocked", "unlocked", "refresh", (A,), False, None),
    Case("refresh-same-id", "locked", "refresh", (A,), True, A),
    Case("refresh-other-id", "locked", "refresh", (B,), False, A),
    Case("refresh-expired", "expired", "refresh", (A,), False, None),
    # Unlock: only the current lock.
    Case("release-unlocked", "unlocked", "release", (A,), False, None),
    Case("release-same-id", "locked", "release", (A,), True, None),
    Case("release-other-id", "locked", "release", (B,), False, A),
    Case("release-expired", "expired", "release", (A,), False, None),
    # UnlockAndRelock: swap(new, expected), atomically, only from the current lock.
    Case("swap-unlocked", "unlocked", "swap", (B, A), False, None),
    Case("swap-expected-matches", "locked", "swap", (B, A), True, B),
    Case("swap-expected-differs", "locked", "swap", (C, B), False, A),
    Case("swap-to-same-id", "locked", "swap", (A, A), True, A),
    Case("swap-expired", "expired", "swap", (B, A), False, None),
]


async def _prepare(store: SqlLockStore, clock: FakeClock, world: World, state: str) -> None:
    if state in ("locked", "expired"):
        outcome = await store.acquire(world.file.id, A, user_id=world.owner.id, now=clock.now())
        assert outcome is not None
        assert outcome.ok
    if state == "expired":
        clock.advance(LOCK_TTL)


async def _run(
    store: SqlLockStore, clock: FakeClock, file_id: str, op: str, args: tuple[str, ...]
) -> LockOutcome | None:
    now = clock.now()
    if op == "acquire":
        return await store.acquire(file_id, args[0], user_id="someone", now=now)
    if op == "refresh":
        return await store.refresh(file_id, args[0], now=now)
    if op == "release":
        return await store.release(file_id, args[0], now=now)
    return await store.swap(file_id, args[0], args[1], now=now)


def _lock_id(outcome: LockOutcome | None) -> str | None:
    assert outcome is not None
    return outcome.current.lock_id if outcome.current else None


@pytest.mark.parametrize("case", SPEC, ids=[c.id for c in SPEC])
async def test_lock_operation_in_state_follows_spec_table(
    lock_store: SqlLockStore, clock: FakeClock, world: World, case: Case
) -> None:
    await _prepare(lock_store, clock, world, case.state)

    outcome = await _run(lock_store, clock, world.file.id, case.op, case.args)

    assert outcome is not None
    assert (outcome.ok, _lock_id(outcome)) == (case.ok, case.after)
    assert outcome.version == world.file.version
    assert _lock_id(await lock_store.get(world.file.id, now=clock.now())) == case.after


async def test_get_unlocked_file_reports_no_lock_and_version(
    lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    assert await lock_store.get(world.file.id, now=clock.now()) == LockOutcome(True, None, 1)


async def test_acquire_unlocked_sets_thirty_minute_expiry_and_records_user(
    lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    outcome = await lock_store.acquire(world.file.id, A, user_id=world.other.id, now=clock.now())

    assert outcome is not None
    assert outcome.current is not None
    assert outcome.current.expires_at == clock.now() + timedelta(minutes=30)
    assert outcome.current.expires_at.utcoffset() == timedelta(0)
    assert outcome.current.user_id == world.other.id


@pytest.mark.parametrize("op", ["acquire", "refresh"])
async def test_renewal_of_current_lock_restarts_timer(
    lock_store: SqlLockStore, clock: FakeClock, world: World, op: str
) -> None:
    await lock_store.acquire(world.file.id, A, user_id=world.owner.id, now=clock.now())
    clock.advance(timedelta(minutes=20))

    renewed = await _run(lock_store, clock, world.file.id, op, (A,))
    clock.advance(LOCK_TTL - timedelta(microseconds=1))
    still = await lock_store.get(world.file.id, now=clock.now())
    clock.advance(timedelta(microseconds=1))
    gone = await lock_store.get(world.file.id, now=clock.now())

    assert renewed is not None
    assert renewed.ok
    assert _lock_id(still) == A
    assert _lock_id(gone) is None


async def test_swap_restarts_timer_for_new_lock(
    lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    await lock_store.acquire(world.file.id, A, user_id=world.owner.id, now=clock.now())
    clock.advance(timedelta(minutes=29))

    swapped = await lock_store.swap(world.file.id, B, A, now=clock.now())

    assert swapped is not None
    assert swapped.current is not None
    assert swapped.current.expires_at == clock.now() + LOCK_TTL


async def test_lock_one_microsecond_before_expiry_still_blocks_other_id(
    lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    await lock_store.acquire(world.file.id, A, user_id=world.owner.id, now=clock.now())
    clock.advance(LOCK_TTL - timedelta(microseconds=1))

    outcome = await lock_store.acquire(world.file.id, B, user_id=world.other.id, now=clock.now())

    assert outcome is not None
    assert not outcome.ok
    assert _lock_id(outcome) == A


async def test_expiry_compares_instants_whatever_the_time_zone(
    lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    plus_two = clock.now().astimezone(timezone(timedelta(hours=2)))
    await lock_store.acquire(world.file.id, A, user_id=world.owner.id, now=plus_two)

    held = await lock_store.get(world.file.id, now=(clock.now() + LOCK_TTL - timedelta(seconds=1)))
    expired = await lock_store.get(world.file.id, now=(clock.now() + LOCK_TTL).astimezone(UTC))

    assert _lock_id(held) == A
    assert _lock_id(expired) is None


@pytest.mark.parametrize("op", ["get", "acquire", "refresh", "release", "swap"])
async def test_operation_on_unknown_file_returns_none(
    lock_store: SqlLockStore, clock: FakeClock, world: World, op: str
) -> None:
    if op == "get":
        assert await lock_store.get("nosuchfile", now=clock.now()) is None
    else:
        assert await _run(lock_store, clock, "nosuchfile", op, (A, A)) is None


async def test_acquire_lock_id_of_1024_characters_round_trips(
    lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    long_id = ("0123456789abcdef" * 64)[:1023] + "~"

    await lock_store.acquire(world.file.id, long_id, user_id=world.owner.id, now=clock.now())

    assert _lock_id(await lock_store.get(world.file.id, now=clock.now())) == long_id


async def test_lock_on_one_file_leaves_other_files_unlocked(
    lock_store: SqlLockStore, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    second = await make_file(file_store, world.owner, clock, "b.docx")
    await lock_store.acquire(world.file.id, A, user_id=world.owner.id, now=clock.now())

    assert _lock_id(await lock_store.get(second.id, now=clock.now())) is None
    other = await lock_store.acquire(second.id, B, user_id=world.owner.id, now=clock.now())
    assert other is not None
    assert other.ok


async def test_outcome_version_follows_content_versions(
    lock_store: SqlLockStore, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    await lock_store.acquire(world.file.id, A, user_id=world.owner.id, now=clock.now())
    written = await file_store.commit_version(
        world.file.id,
        make_blob(),
        guard=LockGuard(A),
        author_id=world.owner.id,
        editors="",
        source="putfile",
        now=clock.now(),
    )

    released = await lock_store.release(world.file.id, A, now=clock.now())

    assert written is not None
    assert written.file is not None
    assert released is not None
    assert released.version == written.file.version == 2


async def test_acquire_concurrent_distinct_ids_exactly_one_wins(
    lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    outcomes: dict[str, LockOutcome | None] = {}

    async def contend(lock_id: str) -> None:
        outcomes[lock_id] = await lock_store.acquire(
            world.file.id, lock_id, user_id=world.owner.id, now=clock.now()
        )

    async with anyio.create_task_group() as tg:
        for n in range(8):
            tg.start_soon(contend, f"contender-{n}")

    winners = [lock_id for lock_id, outcome in outcomes.items() if outcome and outcome.ok]
    assert len(winners) == 1
    assert {_lock_id(outcome) for outcome in outcomes.values()} == {winners[0]}


async def test_release_after_expiry_then_acquire_by_other_client_succeeds(
    lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    await lock_store.acquire(world.file.id, A, user_id=world.owner.id, now=clock.now())
    clock.advance(LOCK_TTL + timedelta(seconds=1))

    late_release = await lock_store.release(world.file.id, A, now=clock.now())
    taken = await lock_store.acquire(world.file.id, B, user_id=world.other.id, now=clock.now())

    assert late_release is not None
    assert not late_release.ok
    assert late_release.current is None
    assert taken is not None
    assert taken.ok
    assert _lock_id(taken) == B


def test_spec_table_covers_every_operation_and_state() -> None:
    assert {(c.op, c.state) for c in SPEC} >= {
        (op, state)
        for op in ("acquire", "refresh", "release", "swap")
        for state in ("unlocked", "locked", "expired")
    }


# Ending a session from outside the client, and the holders of a lock.


# PutFile's guard: the lock, or an empty file (the world's file is not empty).
PUTFILE_A = LockGuard(A, WhenUnlocked.IF_EMPTY)


async def _holders(store: SqlLockStore, file_id: str) -> set[tuple[str, str]]:
    return {(user_id, lock_id) for user_id, lock_id, _seen in await store.list_holders(file_id)}


async def test_break_lock_with_current_id_unlocks_and_records_who_when(
    lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    await lock_store.acquire(world.file.id, A, user_id=world.other.id, now=clock.now())
    clock.advance(timedelta(minutes=3))

    broken = await lock_store.break_lock(world.file.id, A, ended_by=world.owner.id, now=clock.now())

    assert broken is not None
    assert (broken.ok, broken.current) == (True, None)
    assert _lock_id(await lock_store.get(world.file.id, now=clock.now())) is None
    assert await _holders(lock_store, world.file.id) == set()
    assert await lock_store.list_breaks(world.file.id) == [
        LockBreak(world.file.id, world.other.id, world.owner.id, clock.now(), SessionEndReason.ENDED)
    ]


@pytest.mark.parametrize("state", ["unlocked", "expired", "relocked"])
async def test_break_lock_without_expected_lock_changes_nothing(
    lock_store: SqlLockStore, clock: FakeClock, world: World, state: str
) -> None:
    if state != "unlocked":
        await lock_store.acquire(world.file.id, A, user_id=world.other.id, now=clock.now())
    if state == "expired":
        clock.advance(LOCK_TTL)
    if state == "relocked":
        await lock_store.swap(world.file.id, B, A, now=clock.now())

    broken = await lock_store.break_lock(world.file.id, A, ended_by=world.owner.id, now=clock.now())

    assert broken is not None
    assert not broken.ok
    assert _lock_id(broken) == (B if state == "relocked" else None)
    assert await lock_store.list_breaks(world.file.id) == []


async def test_break_lock_on_unknown_file_returns_none(lock_store: SqlLockStore, clock: FakeClock) -> None:
    assert await lock_store.break_lock("nosuchfile", A, ended_by=None, now=clock.now()) is None
    assert await lock_store.release_holder("nosuchfile", "u", ended_by=None, now=clock.now()) is None


async def test_save_with_broken_lock_is_refused_whole(
    lock_store: SqlLockStore, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    await lock_store.acquire(world.file.id, A, user_id=world.other.id, now=clock.now())
    await lock_store.break_lock(world.file.id, A, ended_by=world.owner.id, now=clock.now())

    written = await file_store.commit_version(
        world.file.id,
        make_blob(),
        guard=PUTFILE_A,
        author_id=world.other.id,
        editors="",
        source="putfile",
        now=clock.now(),
    )

    assert written is not None
    assert written.file is None
    assert len(await file_store.list_versions(world.file.id)) == 1


async def test_break_lock_racing_saves_leaves_each_save_whole_or_absent(
    lock_store: SqlLockStore, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    await lock_store.acquire(world.file.id, A, user_id=world.other.id, now=clock.now())
    saved: list[bool] = []

    async def save() -> None:
        outcome = await file_store.commit_version(
            world.file.id,
            make_blob(),
            guard=PUTFILE_A,
            author_id=world.other.id,
            editors="",
            source="putfile",
            now=clock.now(),
        )
        saved.append(outcome is not None and outcome.file is not None)

    async def end() -> None:
        await lock_store.break_lock(world.file.id, A, ended_by=world.owner.id, now=clock.now())

    async with anyio.create_task_group() as tg:
        for _ in range(4):
            tg.start_soon(save)
        tg.start_soon(end)
        for _ in range(4):
            tg.start_soon(save)

    versions = await file_store.list_versions(world.file.id)
    record = await file_store.find_file(world.file.id)
    assert record is not None
    assert len(versions) == 1 + saved.count(True) == record.version
    assert _lock_id(await lock_store.get(world.file.id, now=clock.now())) is None
    assert len(await lock_store.list_breaks(world.file.id)) == 1


async def test_lock_refresh_relock_and_save_record_their_users_as_holders(
    lock_store: SqlLockStore, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    file_id = world.file.id
    await lock_store.acquire(file_id, A, user_id=world.owner.id, now=clock.now())
    await lock_store.refresh(file_id, A, now=clock.now(), user_id=world.other.id)
    await file_store.commit_version(
        file_id,
        make_blob(),
        guard=LockGuard(A),
        author_id=world.third.id,
        editors="",
        source="putfile",
        now=clock.now(),
    )
    all_three = {(world.owner.id, A), (world.other.id, A), (world.third.id, A)}
    assert await _holders(lock_store, file_id) == all_three

    await lock_store.swap(file_id, B, A, now=clock.now(), user_id=world.other.id)
    assert await _holders(lock_store, file_id) == {(u, B) for u, _ in all_three}

    await lock_store.release(file_id, B, now=clock.now())
    assert await _holders(lock_store, file_id) == set()


async def test_refused_operations_record_no_holder(
    lock_store: SqlLockStore, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    await lock_store.acquire(world.file.id, A, user_id=world.owner.id, now=clock.now())

    await lock_store.acquire(world.file.id, B, user_id=world.other.id, now=clock.now())
    await lock_store.refresh(world.file.id, B, now=clock.now(), user_id=world.other.id)
    await file_store.commit_version(
        world.file.id,
        make_blob(),
        guard=LockGuard(B),
        author_id=world.third.id,
        editors="",
        source="putfile",
        now=clock.now(),
    )

    assert await _holders(lock_store, world.file.id) == {(world.owner.id, A)}


async def test_new_lock_after_expiry_forgets_holders_of_the_old_one(
    lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    await lock_store.acquire(world.file.id, A, user_id=world.other.id, now=clock.now())
    clock.advance(LOCK_TTL)

    await lock_store.acquire(world.file.id, B, user_id=world.third.id, now=clock.now())

    assert await _holders(lock_store, world.file.id) == {(world.third.id, B)}


async def test_release_holder_of_sole_editor_releases_and_records_revocation(
    lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    await lock_store.acquire(world.file.id, A, user_id=world.other.id, now=clock.now())

    released = await lock_store.release_holder(
        world.file.id, world.other.id, ended_by=world.owner.id, now=clock.now()
    )

    assert released is not None
    assert released.ok
    assert _lock_id(await lock_store.get(world.file.id, now=clock.now())) is None
    assert [b.reason for b in await lock_store.list_breaks(world.file.id)] == [SessionEndReason.REVOKED]


async def test_release_holder_of_one_of_two_co_editors_keeps_the_lock(
    lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    await lock_store.acquire(world.file.id, A, user_id=world.other.id, now=clock.now())
    await lock_store.acquire(world.file.id, A, user_id=world.third.id, now=clock.now())

    kept = await lock_store.release_holder(
        world.file.id, world.other.id, ended_by=world.owner.id, now=clock.now()
    )
    then = await lock_store.release_holder(
        world.file.id, world.third.id, ended_by=world.owner.id, now=clock.now()
    )

    assert kept is not None
    assert (kept.ok, _lock_id(kept)) == (False, A)
    assert then is not None
    assert then.ok
    assert len(await lock_store.list_breaks(world.file.id)) == 1


async def test_release_holder_ignores_a_co_editor_not_seen_within_the_lock_lifetime(
    lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    await lock_store.acquire(world.file.id, A, user_id=world.third.id, now=clock.now())
    for _ in range(2):
        clock.advance(timedelta(minutes=20))
        await lock_store.refresh(world.file.id, A, now=clock.now(), user_id=world.other.id)

    released = await lock_store.release_holder(
        world.file.id, world.other.id, ended_by=world.owner.id, now=clock.now()
    )

    assert released is not None
    assert released.ok


async def test_release_holder_of_a_user_not_holding_the_lock_keeps_it(
    lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    await lock_store.acquire(world.file.id, A, user_id=world.third.id, now=clock.now())

    kept = await lock_store.release_holder(
        world.file.id, world.other.id, ended_by=world.owner.id, now=clock.now()
    )

    assert kept is not None
    assert (kept.ok, _lock_id(kept)) == (False, A)
    assert await lock_store.list_breaks(world.file.id) == []


async def test_join_records_a_co_author_who_made_no_lock_call_and_revocation_keeps_the_lock(
    lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    await lock_store.acquire(world.file.id, A, user_id=world.other.id, now=clock.now())
    await lock_store.join(world.file.id, A, user_id=world.third.id, now=clock.now())

    kept = await lock_store.release_holder(
        world.file.id, world.other.id, ended_by=world.owner.id, now=clock.now()
    )

    assert kept is not None
    assert (kept.ok, _lock_id(kept)) == (False, A)


async def test_join_of_another_or_expired_lock_records_nobody(
    lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    await lock_store.acquire(world.file.id, A, user_id=world.other.id, now=clock.now())
    await lock_store.join(world.file.id, B, user_id=world.third.id, now=clock.now())
    clock.advance(timedelta(minutes=31))
    await lock_store.join(world.file.id, A, user_id=world.third.id, now=clock.now())
    await lock_store.join("nosuchfile", A, user_id=world.third.id, now=clock.now())

    assert await _holders(lock_store, world.file.id) == {(world.other.id, A)}
