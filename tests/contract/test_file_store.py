"""The ports AccessQueries, Catalog, Folders, Files and Versions: files, folders, versions, and writes
guarded atomically by the file's lock.

Deleting a folder is guarded too: by every lock on the files inside it, checked in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import anyio
import pytest

from tests.contract.conftest import World, commit_new_version, make_blob, make_file, make_user
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.audit import SqlAuditLog
from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.adapters.sql.locks import SqlLockStore
from wopihost.adapters.sql.shares import SqlShareStore
from wopihost.adapters.sql.users import SqlUserStore
from wopihost.domain.audit import SYSTEM_CLIENT, AuditAction, AuditEvent, ItemKind
from wopihost.domain.ids import looks_like_id
from wopihost.domain.locks import LOCK_TTL, LockGuard, WhenUnlocked
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord, Folder, SaveKind
from wopihost.domain.timestamps import iso8601
from wopihost.ports import FolderContents, FolderOutcome, LockOutcome, WriteOutcome

pytestmark = pytest.mark.anyio

A, B = "lock-A", "lock-B"
ALLOW, DENY, IF_EMPTY = WhenUnlocked.ALLOW, WhenUnlocked.DENY, WhenUnlocked.IF_EMPTY


@dataclass(frozen=True)
class GuardCase:
    """A file of `size` bytes in lock `state`; a write under `guard` goes through or is blocked."""

    id: str
    state: str
    size: int
    guard: LockGuard
    written: bool
    blocking: str | None = None


GUARD_SPEC = [
    # Writes by a caller with no lock (RenameFile, DeleteFile without X-WOPI-Lock, web UI edits).
    GuardCase("no-lock-unlocked", "unlocked", 5, LockGuard(None), True),
    GuardCase("no-lock-locked", "locked", 5, LockGuard(None), False, A),
    GuardCase("no-lock-expired", "expired", 5, LockGuard(None), True),
    # Writes carrying a lock ID that are allowed on unlocked files.
    GuardCase("allow-matching", "locked", 5, LockGuard(A), True),
    GuardCase("allow-mismatch", "locked", 5, LockGuard(B), False, A),
    GuardCase("allow-unlocked", "unlocked", 5, LockGuard(A), True),
    GuardCase("allow-expired-same-id", "expired", 5, LockGuard(A), True),
    # Writes that need the lock.
    GuardCase("deny-unlocked", "unlocked", 5, LockGuard(A, DENY), False, None),
    GuardCase("deny-matching", "locked", 5, LockGuard(A, DENY), True),
    GuardCase("deny-mismatch", "locked", 5, LockGuard(B, DENY), False, A),
    GuardCase("deny-expired", "expired", 5, LockGuard(A, DENY), False, None),
    # PutFile: the lock, or an unlocked empty file (document creation).
    GuardCase("putfile-unlocked-empty", "unlocked", 0, LockGuard(None, IF_EMPTY), True),
    GuardCase("putfile-unlocked-not-empty", "unlocked", 5, LockGuard(None, IF_EMPTY), False, None),
    GuardCase("putfile-locked-matching", "locked", 5, LockGuard(A, IF_EMPTY), True),
    GuardCase("putfile-locked-mismatch", "locked", 0, LockGuard(B, IF_EMPTY), False, A),
    GuardCase("putfile-locked-no-lock-id", "locked", 0, LockGuard(None, IF_EMPTY), False, A),
    GuardCase("putfile-expired-not-empty", "expired", 5, LockGuard(A, IF_EMPTY), False, None),
    GuardCase("putfile-expired-empty", "expired", 0, LockGuard(None, IF_EMPTY), True),
]


async def _file_in_state(
    files: SqlFileStore, locks: SqlLockStore, clock: FakeClock, world: World, case: GuardCase
) -> FileRecord:
    file = await make_file(files, world.owner, clock, "guarded.docx", size=case.size)
    if case.state in ("locked", "expired"):
        await locks.acquire(file.id, A, user_id=world.owner.id, now=clock.now())
    if case.state == "expired":
        clock.advance(LOCK_TTL)
    return file


def _check(outcome: WriteOutcome | None, case: GuardCase) -> None:
    assert outcome is not None
    assert (outcome.file is not None) == case.written
    if not case.written:
        assert outcome.blocking_lock is None if case.blocking is None else outcome.blocking_lock is not None
        assert (outcome.blocking_lock.lock_id if outcome.blocking_lock else None) == case.blocking


@pytest.mark.parametrize("case", GUARD_SPEC, ids=[c.id for c in GUARD_SPEC])
async def test_commit_version_under_guard_follows_spec_table(
    file_store: SqlFileStore,
    lock_store: SqlLockStore,
    clock: FakeClock,
    world: World,
    case: GuardCase,
    db: Database,
) -> None:
    file = await _file_in_state(file_store, lock_store, clock, world, case)
    blob = make_blob(7)

    def saved(written: FileRecord) -> AuditEvent:
        return AuditEvent(
            at=clock.now(),
            action=AuditAction.SAVED,
            item_id=written.id,
            item_kind=ItemKind.FILE,
            item_name=written.name,
            user_id=world.owner.id,
            client=SYSTEM_CLIENT,
            detail=str(written.version),
        )

    outcome = await file_store.commit_version(
        file.id,
        blob,
        guard=case.guard,
        author_id=world.owner.id,
        editors="",
        source="putfile",
        now=clock.now(),
        audit=saved,
    )

    _check(outcome, case)
    current = await file_store.find_file(file.id)
    assert current is not None
    assert (current.blob_key, current.version) == ((blob.key, 2) if case.written else (file.blob_key, 1))
    assert [v.number for v in await file_store.list_versions(file.id)] == ([2, 1] if case.written else [1])
    # The save's audit event is written with it, or not at all.
    events = await SqlAuditLog(db).list_item(file.id, limit=10, offset=0)
    assert [(e.action, e.detail) for e in events] == ([(AuditAction.SAVED, "2")] if case.written else [])


@pytest.mark.parametrize("case", GUARD_SPEC, ids=[c.id for c in GUARD_SPEC])
async def test_rename_file_under_guard_follows_spec_table(
    file_store: SqlFileStore, lock_store: SqlLockStore, clock: FakeClock, world: World, case: GuardCase
) -> None:
    file = await _file_in_state(file_store, lock_store, clock, world, case)

    outcome = await file_store.rename_file(file.id, "renamed.docx", guard=case.guard, now=clock.now())

    _check(outcome, case)
    current = await file_store.find_file(file.id)
    assert current is not None
    assert current.name == ("renamed.docx" if case.written else "guarded.docx")


@pytest.mark.parametrize("case", GUARD_SPEC, ids=[c.id for c in GUARD_SPEC])
async def test_delete_file_under_guard_follows_spec_table(
    file_store: SqlFileStore, lock_store: SqlLockStore, clock: FakeClock, world: World, case: GuardCase
) -> None:
    file = await _file_in_state(file_store, lock_store, clock, world, case)

    outcome = await file_store.delete_file(file.id, guard=case.guard, now=clock.now())

    _check(outcome, case)
    assert (await file_store.find_file(file.id) is None) == case.written


async def test_create_file_returns_first_version_with_utc_times(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    blob = make_blob(11)

    created = await file_store.create_file(
        folder_id=world.owner.root_folder_id,
        owner_id=world.owner.id,
        name="Report.xlsx",
        blob=blob,
        author_id=world.other.id,
        source="upload",
        now=clock.now(),
    )
    found = await file_store.find_file(created.id) if created else None

    assert created is not None
    assert looks_like_id(created.id)
    assert found == created
    assert (found.size, found.sha256, found.blob_key, found.version) == (11, blob.sha256, blob.key, 1)
    assert found.created_at == found.modified_at == clock.now()
    assert found.modified_at.utcoffset() == timedelta(0)
    assert (found.modified_by, found.lock) == (world.other.id, None)


async def test_create_file_with_aware_non_utc_time_stores_same_instant(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    moment = clock.now().astimezone(timezone(timedelta(hours=-5))) + timedelta(microseconds=123456)

    created = await file_store.create_file(
        folder_id=world.owner.root_folder_id,
        owner_id=world.owner.id,
        name="tz.docx",
        blob=make_blob(),
        author_id=world.owner.id,
        source="upload",
        now=moment,
    )
    found = await file_store.find_file(created.id) if created else None

    assert found is not None
    assert found.modified_at == moment
    assert found.modified_at.tzinfo == UTC


@pytest.mark.parametrize("taken", ["a.docx", "A.DOCX", "a.Docx"])
async def test_create_file_with_taken_name_returns_none(
    file_store: SqlFileStore, clock: FakeClock, world: World, taken: str
) -> None:
    created = await file_store.create_file(
        folder_id=world.owner.root_folder_id,
        owner_id=world.owner.id,
        name=taken,
        blob=make_blob(),
        author_id=world.owner.id,
        source="upload",
        now=clock.now(),
    )

    assert created is None
    assert [f.name for f in (await file_store.list_folder(world.owner.root_folder_id))[1]] == ["a.docx"]


async def test_create_file_same_name_in_other_folder_succeeds(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    created = await make_file(file_store, world.other, clock, "a.docx")

    assert created.id != world.file.id


@pytest.mark.parametrize("spelling", ["a.docx", "A.DOCX", "a.DocX"])
async def test_find_file_by_name_ignores_case(file_store: SqlFileStore, world: World, spelling: str) -> None:
    assert await file_store.find_file_by_name(world.owner.root_folder_id, spelling) == world.file


async def test_find_file_by_name_matches_nfc_and_nfd_spellings(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    created = await make_file(file_store, world.owner, clock, "\u00e9t\u00e9.docx")

    assert await file_store.find_file_by_name(world.owner.root_folder_id, "e\u0301te\u0301.docx") == created


async def test_find_unknown_file_returns_none(file_store: SqlFileStore, world: World) -> None:
    assert await file_store.find_file("nosuchfile") is None
    assert await file_store.find_file_by_name(world.owner.root_folder_id, "nope.docx") is None


@pytest.mark.parametrize(
    ("who", "share", "role"),
    [("owner", None, Role.OWNER), ("other", Role.EDIT, Role.EDIT), ("other", Role.VIEW, Role.VIEW)],
)
async def test_find_access_by_role_returns_file_as_user_sees_it(
    file_store: SqlFileStore,
    share_store: SqlShareStore,
    clock: FakeClock,
    world: World,
    who: str,
    share: Role | None,
    role: Role,
) -> None:
    user = world.owner if who == "owner" else world.other
    if share is not None:
        await share_store.set_share(world.file.id, user.id, share, now=clock.now())

    access = await file_store.find_access(world.file.id, user.id)

    assert access is not None
    assert (access.file, access.user, access.role) == (world.file, user, role)
    assert (access.owner_name, access.folder_name) == ("Alice", "")


@pytest.mark.parametrize("who", ["stranger", "unknown-user", "unknown-file"])
async def test_find_access_without_right_returns_none(
    file_store: SqlFileStore, world: World, who: str
) -> None:
    file_id = "nosuchfile" if who == "unknown-file" else world.file.id
    user_id = "nosuchuser" if who == "unknown-user" else world.other.id

    assert await file_store.find_access(file_id, user_id) is None


async def test_find_access_reports_folder_name(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    folder = await file_store.ensure_folder(
        world.owner.id, world.owner.root_folder_id, "Reports", now=clock.now()
    )
    file = await make_file(file_store, world.owner, clock, "q1.xlsx", folder_id=folder.id)

    access = await file_store.find_access(file.id, world.owner.id)

    assert access is not None
    assert access.folder_name == "Reports"


async def test_ensure_folder_twice_any_case_returns_same_folder(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    root = world.owner.root_folder_id
    first = await file_store.ensure_folder(world.owner.id, root, "Reports", now=clock.now())
    again = await file_store.ensure_folder(world.owner.id, root, "REPORTS", now=clock.now())
    child = await file_store.ensure_folder(world.owner.id, first.id, "2026", now=clock.now())

    assert again == first
    assert [f.name for f in await file_store.folder_path(child.id)] == ["", "Reports", "2026"]
    assert (await file_store.list_folder(root))[0] == [first]
    assert await file_store.find_folder(first.id) == first


async def test_ensure_folder_concurrently_creates_one_folder(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    made = []

    async def ensure() -> None:
        made.append(
            await file_store.ensure_folder(
                world.owner.id, world.owner.root_folder_id, "Same", now=clock.now()
            )
        )

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(ensure)

    assert len({f.id for f in made}) == 1


async def test_commit_version_records_history_newest_first(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    blobs = [make_blob(n) for n in (10, 20)]
    for blob in blobs:
        clock.advance(timedelta(minutes=1))
        await file_store.commit_version(
            world.file.id,
            blob,
            guard=LockGuard(None),
            author_id=world.other.id,
            editors=f"{world.other.id},{world.third.id}",
            source="putfile",
            now=clock.now(),
        )

    versions = await file_store.list_versions(world.file.id)
    second = await file_store.find_version(world.file.id, 2)
    current = await file_store.find_file(world.file.id)

    assert [(v.number, v.blob_key, v.size) for v in versions] == [
        (3, blobs[1].key, 20),
        (2, blobs[0].key, 10),
        (1, world.file.blob_key, world.file.size),
    ]
    assert second is not None
    assert (second.author_id, second.editors, second.source) == (
        world.other.id,
        f"{world.other.id},{world.third.id}",
        "putfile",
    )
    assert second.created_at == clock.now() - timedelta(minutes=1)
    assert current is not None
    assert (current.version, current.modified_by) == (3, world.other.id)
    assert current.modified_at == clock.now()
    assert await file_store.find_version(world.file.id, 9) is None


async def _commit(
    store: SqlFileStore,
    world: World,
    clock: FakeClock,
    *,
    guard: LockGuard | None = None,
    expected: datetime | None = None,
    save: SaveKind | None = None,
) -> WriteOutcome | None:
    return await store.commit_version(
        world.file.id,
        make_blob(),
        guard=guard or LockGuard(None),
        author_id=world.owner.id,
        editors="",
        source="putfile",
        now=clock.now(),
        save=save,
        expected_modified_at=expected,
    )


async def test_commit_version_moves_modified_at_when_the_clock_repeats(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    times = [world.file.modified_at]
    for _ in range(5):
        outcome = await _commit(file_store, world, clock)
        assert outcome is not None
        assert outcome.file is not None
        times.append(outcome.file.modified_at)

    assert times == sorted(set(times))
    assert len({iso8601(t) for t in times}) == len(times)
    current = await file_store.find_file(world.file.id)
    assert current is not None
    assert current.modified_at == times[-1]
    assert (await file_store.list_versions(world.file.id))[0].created_at == times[-1]


async def test_commit_version_moves_modified_at_when_the_clock_steps_back(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    clock.advance(-timedelta(hours=1))

    outcome = await _commit(file_store, world, clock)

    assert outcome is not None
    assert outcome.file is not None
    assert outcome.file.modified_at == world.file.modified_at + timedelta(microseconds=1)


async def test_commit_version_takes_the_clock_when_it_is_ahead(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    clock.advance(timedelta(seconds=3))

    outcome = await _commit(file_store, world, clock)

    assert outcome is not None
    assert outcome.file is not None
    assert outcome.file.modified_at == clock.now()


async def test_commit_version_with_expected_time_writes_when_it_matches(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    outcome = await _commit(file_store, world, clock, expected=world.file.modified_at)

    assert outcome is not None
    assert outcome.file is not None
    assert (outcome.file.version, outcome.stale) == (2, False)


async def test_commit_version_with_stale_expected_time_is_refused_unchanged(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    await _commit(file_store, world, clock)
    before = await file_store.find_file(world.file.id)

    outcome = await _commit(file_store, world, clock, expected=world.file.modified_at)

    assert outcome is not None
    assert (outcome.file, outcome.stale, outcome.blocking_lock) == (None, True, None)
    assert outcome.current == before
    assert await file_store.find_file(world.file.id) == before
    assert len(await file_store.list_versions(world.file.id)) == 2


async def test_commit_version_reports_a_blocking_lock_before_a_stale_time(
    file_store: SqlFileStore, lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    await lock_store.acquire(world.file.id, A, user_id=world.owner.id, now=clock.now())

    outcome = await _commit(
        file_store, world, clock, guard=LockGuard(B), expected=world.file.modified_at - timedelta(days=1)
    )

    assert outcome is not None
    assert outcome.stale is False
    assert outcome.blocking_lock is not None
    assert outcome.blocking_lock.lock_id == A


async def test_commit_version_with_one_expected_time_lets_one_of_concurrent_writers_through(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    outcomes: list[WriteOutcome | None] = []

    async def write() -> None:
        outcomes.append(await _commit(file_store, world, clock, expected=world.file.modified_at))

    async with anyio.create_task_group() as tg:
        for _ in range(6):
            tg.start_soon(write)

    assert sorted(o.stale for o in outcomes if o is not None) == [False] + [True] * 5
    assert len(await file_store.list_versions(world.file.id)) == 2


@pytest.mark.parametrize(
    "save",
    [SaveKind(), SaveKind(True, False, False), SaveKind(False, True, False), SaveKind(True, False, True)],
    ids=["unsaid", "user", "autosave", "exit"],
)
async def test_commit_version_records_save_kind(
    file_store: SqlFileStore, clock: FakeClock, world: World, save: SaveKind
) -> None:
    await _commit(file_store, world, clock, save=save)

    newest, first = await file_store.list_versions(world.file.id)
    assert (newest.save, first.save) == (save, SaveKind())


async def test_commit_version_on_unknown_file_returns_none(
    file_store: SqlFileStore, clock: FakeClock
) -> None:
    outcome = await file_store.commit_version(
        "nosuchfile",
        make_blob(),
        guard=LockGuard(None),
        author_id="x",
        editors="",
        source="putfile",
        now=clock.now(),
    )

    assert outcome is None


async def test_commit_version_concurrently_loses_no_version(
    file_store: SqlFileStore, lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    await lock_store.acquire(world.file.id, A, user_id=world.owner.id, now=clock.now())
    versions: list[int] = []

    async def write() -> None:
        outcome = await file_store.commit_version(
            world.file.id,
            make_blob(),
            guard=LockGuard(A, IF_EMPTY),
            author_id="x",
            editors="",
            source="putfile",
            now=clock.now(),
        )
        assert outcome is not None
        assert outcome.file is not None
        versions.append(outcome.file.version)

    async with anyio.create_task_group() as tg:
        for _ in range(8):
            tg.start_soon(write)

    assert sorted(versions) == list(range(2, 10))
    assert [v.number for v in await file_store.list_versions(world.file.id)] == list(range(9, 0, -1))


async def test_rename_file_keeps_id_and_content(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    outcome = await file_store.rename_file(world.file.id, "b.docx", guard=LockGuard(None), now=clock.now())

    assert outcome is not None
    assert outcome.file is not None
    assert (outcome.file.id, outcome.file.name, outcome.file.blob_key, outcome.file.version) == (
        world.file.id,
        "b.docx",
        world.file.blob_key,
        world.file.version,
    )
    assert await file_store.find_file_by_name(world.owner.root_folder_id, "B.DOCX") == outcome.file


@pytest.mark.parametrize("taken", ["b.docx", "B.DOCX"])
async def test_rename_file_to_taken_name_reports_name_taken(
    file_store: SqlFileStore, clock: FakeClock, world: World, taken: str
) -> None:
    await make_file(file_store, world.owner, clock, "b.docx")

    outcome = await file_store.rename_file(world.file.id, taken, guard=LockGuard(None), now=clock.now())

    assert outcome == WriteOutcome(file=None, name_taken=True)
    assert (await file_store.find_file(world.file.id)) == world.file


async def test_rename_file_to_own_name_in_other_case_succeeds(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    outcome = await file_store.rename_file(world.file.id, "A.docx", guard=LockGuard(None), now=clock.now())

    assert outcome is not None
    assert outcome.file is not None
    assert outcome.file.name == "A.docx"


async def test_rename_unknown_file_returns_none(file_store: SqlFileStore, clock: FakeClock) -> None:
    assert (
        await file_store.rename_file("nosuchfile", "x.docx", guard=LockGuard(None), now=clock.now()) is None
    )


async def test_move_file_to_other_folder_keeps_id(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    folder = await file_store.ensure_folder(
        world.owner.id, world.owner.root_folder_id, "Archive", now=clock.now()
    )

    outcome = await file_store.move_file(world.file.id, folder.id, guard=LockGuard(None), now=clock.now())

    assert outcome is not None
    assert outcome.file is not None
    assert (outcome.file.id, outcome.file.folder_id) == (world.file.id, folder.id)
    assert [f.id for f in (await file_store.list_folder(folder.id))[1]] == [world.file.id]
    assert (await file_store.list_folder(world.owner.root_folder_id))[1] == []


async def test_move_file_onto_taken_name_reports_name_taken(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    folder = await file_store.ensure_folder(
        world.owner.id, world.owner.root_folder_id, "Archive", now=clock.now()
    )
    await make_file(file_store, world.owner, clock, "A.DOCX", folder_id=folder.id)

    outcome = await file_store.move_file(world.file.id, folder.id, guard=LockGuard(None), now=clock.now())

    assert outcome == WriteOutcome(file=None, name_taken=True)


async def test_delete_file_releases_every_version_blob_and_share(
    file_store: SqlFileStore, share_store: SqlShareStore, clock: FakeClock, world: World
) -> None:
    later = make_blob()
    await file_store.commit_version(
        world.file.id,
        later,
        guard=LockGuard(None),
        author_id="x",
        editors="",
        source="putfile",
        now=clock.now(),
    )
    await share_store.set_share(world.file.id, world.other.id, Role.EDIT, now=clock.now())

    outcome = await file_store.delete_file(world.file.id, guard=LockGuard(None), now=clock.now())

    assert outcome is not None
    assert outcome.file is not None
    assert set(outcome.released_blobs) == {world.file.blob_key, later.key}
    assert await file_store.find_file(world.file.id) is None
    assert await file_store.list_versions(world.file.id) == []
    assert await share_store.list_shares(world.file.id) == []
    assert await share_store.list_shared_with(world.other.id) == []


async def test_delete_unknown_file_returns_none(file_store: SqlFileStore, clock: FakeClock) -> None:
    assert await file_store.delete_file("nosuchfile", guard=LockGuard(None), now=clock.now()) is None


async def test_prune_versions_keeps_newest_and_returns_dropped_blobs(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    blobs = [make_blob() for _ in range(3)]
    for blob in blobs:
        await file_store.commit_version(
            world.file.id,
            blob,
            guard=LockGuard(None),
            author_id="x",
            editors="",
            source="putfile",
            now=clock.now(),
        )

    dropped = await file_store.prune_versions(world.file.id, 2)

    assert set(dropped) == {world.file.blob_key, blobs[0].key}
    assert [v.number for v in await file_store.list_versions(world.file.id)] == [4, 3]
    assert await file_store.prune_versions(world.file.id, 2) == []


async def test_commit_version_keep_versions_prunes_in_same_write(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    blobs = [make_blob() for _ in range(3)]
    outcomes = [
        await file_store.commit_version(
            world.file.id, blob, guard=LockGuard(None), author_id="x", editors="", source="putfile",
            now=clock.now(), keep_versions=2,
        )
        for blob in blobs
    ]  # fmt: skip

    assert [o.released_blobs if o else None for o in outcomes] == [
        (),
        (world.file.blob_key,),
        (blobs[0].key,),
    ]
    assert [v.number for v in await file_store.list_versions(world.file.id)] == [4, 3]


async def test_commit_version_refused_prunes_nothing(
    file_store: SqlFileStore, lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    await commit_new_version(file_store, world.file, clock)
    await lock_store.acquire(world.file.id, "L", user_id=world.owner.id, now=clock.now())

    outcome = await file_store.commit_version(
        world.file.id, make_blob(), guard=LockGuard("other"), author_id="x", editors="", source="putfile",
        now=clock.now(), keep_versions=1,
    )  # fmt: skip

    assert outcome is not None
    assert outcome.file is None
    assert outcome.released_blobs == ()
    assert [v.number for v in await file_store.list_versions(world.file.id)] == [2, 1]


async def test_create_file_share_with_gives_edit_role_in_same_write(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    created = await file_store.create_file(
        folder_id=world.owner.root_folder_id, owner_id=world.owner.id, name="copy.docx", blob=make_blob(),
        author_id=world.other.id, source="putrelative", now=clock.now(), share_with=world.other.id,
    )  # fmt: skip

    assert created is not None
    access = await file_store.find_access(created.id, world.other.id)
    assert access is not None
    assert access.role is Role.EDIT
    assert await file_store.find_access(created.id, world.third.id) is None


async def test_list_folder_sorts_by_name_ignoring_case(
    file_store: SqlFileStore, user_store: SqlUserStore, clock: FakeClock
) -> None:
    owner = await make_user(user_store, clock, "zed")
    for name in ("b.docx", "C.docx", "a.docx"):
        await make_file(file_store, owner, clock, name)

    assert [f.name for f in (await file_store.list_folder(owner.root_folder_id))[1]] == [
        "a.docx",
        "b.docx",
        "C.docx",
    ]


@pytest.mark.parametrize(
    ("name", "same_name"),
    [
        ("\u00df" * 250 + ".docx", "\u1e9e" * 250 + ".DOCX"),
        ("\ufb03" * 250 + ".xlsx", "ffi" * 250 + ".xlsx"),
        ("\U0001f600" * 250 + ".pptx", "\U0001f600" * 250 + ".PPTX"),
    ],
    ids=["sharp-s", "ffi-ligature", "emoji"],
)
async def test_create_file_longest_name_whose_key_grows_when_case_folded_round_trips(
    file_store: SqlFileStore, clock: FakeClock, world: World, name: str, same_name: str
) -> None:
    created = await make_file(file_store, world.owner, clock, name)
    other = await make_file(file_store, world.owner, clock, name[:-6] + "x.docx")

    found = await file_store.find_file(created.id)
    assert found is not None
    assert found.name == name
    assert await file_store.find_file_by_name(world.owner.root_folder_id, same_name) == created
    recased_name = name[:-5] + name[-5:].upper()
    taken = await file_store.rename_file(other.id, recased_name, guard=LockGuard(None), now=clock.now())
    assert taken == WriteOutcome(file=None, name_taken=True)
    recased = await file_store.rename_file(created.id, recased_name, guard=LockGuard(None), now=clock.now())
    assert recased is not None
    assert recased.file is not None


async def test_ensure_folder_longest_name_whose_key_grows_when_case_folded_succeeds(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    folder = await file_store.ensure_folder(
        world.owner.id, world.owner.root_folder_id, "\u00df" * 255, now=clock.now()
    )

    assert (await file_store.find_folder(folder.id)) == folder


async def test_create_file_concurrently_same_name_creates_one(
    file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    created: list[FileRecord | None] = []

    async def create() -> None:
        created.append(
            await file_store.create_file(
                folder_id=world.owner.root_folder_id,
                owner_id=world.owner.id,
                name="Same.docx",
                blob=make_blob(),
                author_id=world.owner.id,
                source="upload",
                now=clock.now(),
            )
        )

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(create)

    assert len([c for c in created if c is not None]) == 1
    assert [f.name for f in (await file_store.list_folder(world.owner.root_folder_id))[1]] == [
        "a.docx",
        "Same.docx",
    ]


@dataclass
class Tree:
    """/Reports (top.docx, Empty/, 2026/ (middle.docx, Q1/ (bottom.xlsx))) beside /Archive (outside.docx)."""

    top: Folder
    middle: Folder
    bottom: Folder
    empty: Folder
    sibling: Folder
    inside: list[FileRecord]  # top.docx, middle.docx, bottom.xlsx
    outside: FileRecord


@pytest.fixture
async def tree(file_store: SqlFileStore, clock: FakeClock, world: World) -> Tree:
    owner, root = world.owner.id, world.owner.root_folder_id

    async def folder(parent_id: str, name: str) -> Folder:
        return await file_store.ensure_folder(owner, parent_id, name, now=clock.now())

    top = await folder(root, "Reports")
    middle = await folder(top.id, "2026")
    bottom = await folder(middle.id, "Q1")
    empty = await folder(top.id, "Empty")
    sibling = await folder(root, "Archive")
    inside = [
        await make_file(file_store, world.owner, clock, name, folder_id=place.id)
        for name, place in (("top.docx", top), ("middle.docx", middle), ("bottom.xlsx", bottom))
    ]
    outside = await make_file(file_store, world.owner, clock, "outside.docx", folder_id=sibling.id)
    return Tree(top, middle, bottom, empty, sibling, inside, outside)


async def test_rename_folder_keeps_id_and_contents(
    file_store: SqlFileStore, clock: FakeClock, world: World, tree: Tree
) -> None:
    outcome = await file_store.rename_folder(tree.top.id, "Plans")

    renamed = Folder(tree.top.id, world.owner.id, world.owner.root_folder_id, "Plans")
    assert outcome == FolderOutcome(folder=renamed)
    assert await file_store.find_folder(tree.top.id) == renamed
    subfolders, files = await file_store.list_folder(tree.top.id)
    assert ([f.id for f in subfolders], [f.id for f in files]) == (
        [tree.middle.id, tree.empty.id],
        [tree.inside[0].id],
    )
    access = await file_store.find_access(tree.inside[0].id, world.owner.id)
    assert access is not None
    assert access.folder_name == "Plans"
    root = world.owner.root_folder_id
    assert await file_store.ensure_folder(world.owner.id, root, "PLANS", now=clock.now()) == renamed


@pytest.mark.parametrize("taken", ["Archive", "ARCHIVE", "a\u0300rchive"[:0] + "archive"])
async def test_rename_folder_to_sibling_name_in_any_case_reports_name_taken(
    file_store: SqlFileStore, tree: Tree, taken: str
) -> None:
    outcome = await file_store.rename_folder(tree.top.id, taken)

    assert outcome == FolderOutcome(folder=None, name_taken=True)
    assert await file_store.find_folder(tree.top.id) == tree.top


async def test_rename_folder_to_own_name_in_other_case_succeeds(file_store: SqlFileStore, tree: Tree) -> None:
    outcome = await file_store.rename_folder(tree.top.id, "REPORTS")

    assert outcome is not None
    assert outcome.folder is not None
    assert (outcome.folder.id, outcome.folder.name) == (tree.top.id, "REPORTS")


@pytest.mark.parametrize("name", ["Q1", "top.docx"], ids=["cousin-folder", "file-beside-it"])
async def test_rename_folder_to_name_used_outside_its_siblings_succeeds(
    file_store: SqlFileStore, tree: Tree, name: str
) -> None:
    outcome = await file_store.rename_folder(tree.empty.id, name)

    assert outcome is not None
    assert outcome.folder is not None
    assert outcome.folder.name == name


async def test_rename_unknown_folder_returns_none(file_store: SqlFileStore) -> None:
    assert await file_store.rename_folder("nosuchfolder", "x") is None


async def test_count_folder_contents_counts_every_depth(
    file_store: SqlFileStore, world: World, tree: Tree
) -> None:
    counts = {
        "top": await file_store.count_folder_contents(tree.top.id),
        "bottom": await file_store.count_folder_contents(tree.bottom.id),
        "empty": await file_store.count_folder_contents(tree.empty.id),
        "root": await file_store.count_folder_contents(world.owner.root_folder_id),
    }

    assert counts == {
        "top": FolderContents(files=3, folders=3),
        "bottom": FolderContents(files=1, folders=0),
        "empty": FolderContents(files=0, folders=0),
        "root": FolderContents(files=5, folders=5),
    }


async def test_count_unknown_folder_contents_returns_none(file_store: SqlFileStore) -> None:
    assert await file_store.count_folder_contents("nosuchfolder") is None


async def test_delete_folder_removes_tree_versions_shares_and_releases_every_blob(
    file_store: SqlFileStore, share_store: SqlShareStore, clock: FakeClock, world: World, tree: Tree
) -> None:
    later = make_blob()
    bottom_file = tree.inside[2]
    await file_store.commit_version(
        bottom_file.id,
        later,
        guard=LockGuard(None),
        author_id=world.owner.id,
        editors="",
        source="putfile",
        now=clock.now(),
    )
    await share_store.set_share(tree.inside[1].id, world.other.id, Role.EDIT, now=clock.now())

    outcome = await file_store.delete_folder(tree.top.id, now=clock.now())

    assert outcome is not None
    assert (outcome.folder, outcome.deleted) == (tree.top, FolderContents(files=3, folders=3))
    assert outcome.released_blobs == tuple(sorted({f.blob_key for f in tree.inside} | {later.key}))
    for folder in (tree.top, tree.middle, tree.bottom, tree.empty):
        assert await file_store.find_folder(folder.id) is None
    for file in tree.inside:
        assert await file_store.find_file(file.id) is None
        assert await file_store.list_versions(file.id) == []
    assert await share_store.list_shared_with(world.other.id) == []
    subfolders, files = await file_store.list_folder(world.owner.root_folder_id)
    assert (subfolders, files) == ([tree.sibling], [world.file])
    assert await file_store.find_file(tree.outside.id) == tree.outside


async def test_delete_folder_with_locked_files_inside_refuses_naming_first_and_keeps_everything(
    file_store: SqlFileStore, lock_store: SqlLockStore, clock: FakeClock, world: World, tree: Tree
) -> None:
    for file in (tree.inside[0], tree.inside[2]):
        await lock_store.acquire(file.id, A, user_id=world.other.id, now=clock.now())

    outcome = await file_store.delete_folder(tree.top.id, now=clock.now())

    assert outcome is not None
    assert (outcome.folder, outcome.deleted, outcome.released_blobs) == (None, None, ())
    assert outcome.blocking_file is not None
    assert outcome.blocking_file.name == "bottom.xlsx"
    assert outcome.blocking_file.lock is not None
    assert (outcome.blocking_file.lock.lock_id, outcome.blocking_file.lock.user_id) == (A, world.other.id)
    assert await file_store.count_folder_contents(tree.top.id) == FolderContents(files=3, folders=3)
    for file in tree.inside:
        assert [v.number for v in await file_store.list_versions(file.id)] == [1]


async def test_delete_folder_with_expired_lock_inside_succeeds(
    file_store: SqlFileStore, lock_store: SqlLockStore, clock: FakeClock, world: World, tree: Tree
) -> None:
    await lock_store.acquire(tree.inside[2].id, A, user_id=world.other.id, now=clock.now())
    clock.advance(LOCK_TTL)

    outcome = await file_store.delete_folder(tree.top.id, now=clock.now())

    assert outcome is not None
    assert outcome.folder == tree.top
    assert await file_store.find_file(tree.inside[2].id) is None


async def test_delete_empty_folder_releases_nothing(
    file_store: SqlFileStore, clock: FakeClock, tree: Tree
) -> None:
    outcome = await file_store.delete_folder(tree.empty.id, now=clock.now())

    assert outcome == FolderOutcome(folder=tree.empty, deleted=FolderContents(files=0, folders=0))
    assert (await file_store.list_folder(tree.top.id))[0] == [tree.middle]


async def test_delete_unknown_folder_returns_none(file_store: SqlFileStore, clock: FakeClock) -> None:
    assert await file_store.delete_folder("nosuchfolder", now=clock.now()) is None


async def _race_lock_and_delete(
    file_store: SqlFileStore, lock_store: SqlLockStore, clock: FakeClock, file: FileRecord, holder_id: str
) -> tuple[LockOutcome | None, FolderOutcome | None]:
    """Lock `file` and delete its folder at the same time."""
    locked: list[LockOutcome | None] = []
    deleted: list[FolderOutcome | None] = []

    async def lock() -> None:
        locked.append(await lock_store.acquire(file.id, A, user_id=holder_id, now=clock.now()))

    async def delete() -> None:
        deleted.append(await file_store.delete_folder(file.folder_id, now=clock.now()))

    async with anyio.create_task_group() as tg:
        tg.start_soon(lock)
        tg.start_soon(delete)
    return locked[0], deleted[0]


async def test_delete_folder_racing_lock_lets_exactly_one_win(
    file_store: SqlFileStore, lock_store: SqlLockStore, clock: FakeClock, world: World
) -> None:
    for round_ in range(10):
        folder = await file_store.ensure_folder(
            world.owner.id, world.owner.root_folder_id, f"Race {round_}", now=clock.now()
        )
        files = [
            await make_file(file_store, world.owner, clock, f"{n}.docx", folder_id=folder.id) for n in "abc"
        ]

        locked, deleted = await _race_lock_and_delete(
            file_store, lock_store, clock, files[round_ % 3], world.other.id
        )

        assert deleted is not None
        if locked is None:
            assert deleted.folder == folder, f"round {round_}: the lock lost, so the deletion must have won"
            assert await file_store.find_folder(folder.id) is None
        else:
            assert locked.ok
            assert deleted.folder is None, f"round {round_}: a locked file was deleted"
            assert deleted.blocking_file is not None
            assert await file_store.count_folder_contents(folder.id) == FolderContents(files=3, folders=0)
