"""The SearchIndex contract on SQLite (FTS5) and PostgreSQL (tsvector): matches, ranking, rights, currency."""

from __future__ import annotations

import anyio
import pytest
from sqlalchemy import Connection, text

from tests.contract.conftest import World, commit_new_version, make_blob, make_file
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.adapters.sql.search_index import SqlSearchIndex
from wopihost.adapters.sql.shares import SqlShareStore
from wopihost.adapters.sql.trash import SqlTrashStore
from wopihost.domain.locks import LockGuard
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord
from wopihost.ports import IndexEntry

pytestmark = pytest.mark.anyio


@pytest.fixture
def index(db: Database, clock: FakeClock) -> SqlSearchIndex:
    return SqlSearchIndex(db, clock)


async def _index_text(index: SqlSearchIndex, file: FileRecord, body: str) -> None:
    assert await index.store(IndexEntry(file.id, file.version, "ok", body))


async def _names(index: SqlSearchIndex, user_id: str, query: str) -> list[str]:
    return [match.name for match in await index.search_names(user_id, query, limit=20)]


async def _texts(index: SqlSearchIndex, user_id: str, query: str) -> list[str]:
    return [match.file.name for match in await index.search_text(user_id, query, limit=20)]


async def test_search_names_substring_any_case_and_accents_finds_own_file(
    index: SqlSearchIndex, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    await make_file(file_store, world.owner, clock, "Résumé Élodie.docx")

    assert await _names(index, world.owner.id, "resume") == ["Résumé Élodie.docx"]
    assert await _names(index, world.owner.id, "ELODIE") == ["Résumé Élodie.docx"]
    assert await _names(index, world.owner.id, "sumé él") == ["Résumé Élodie.docx"]


async def test_search_names_prefix_matches_rank_first(
    index: SqlSearchIndex, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    for name in ("Annual report.docx", "Report draft.docx", "Reports overview.xlsx"):
        await make_file(file_store, world.owner, clock, name)

    found = await _names(index, world.owner.id, "report")

    assert found == ["Report draft.docx", "Reports overview.xlsx", "Annual report.docx"]


async def test_search_names_folders_found_root_never(
    index: SqlSearchIndex, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    folder = await file_store.ensure_folder(
        world.owner.id, world.owner.root_folder_id, "Budgets", now=clock.now()
    )

    matches = await index.search_names(world.owner.id, "budg", limit=20)
    everything = await index.search_names(world.owner.id, "a", limit=20)

    assert [(m.kind, m.id, m.folder_id) for m in matches] == [
        ("folder", folder.id, world.owner.root_folder_id)
    ]
    assert all(m.name for m in everything)


async def test_search_names_wildcards_in_query_match_literally(
    index: SqlSearchIndex, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    await make_file(file_store, world.owner, clock, "100% done.docx")
    await make_file(file_store, world.owner, clock, "plain.docx")

    assert await _names(index, world.owner.id, "%") == ["100% done.docx"]
    assert await _names(index, world.owner.id, "_") == []


async def test_search_names_limit_respected(
    index: SqlSearchIndex, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    for n in range(5):
        await make_file(file_store, world.owner, clock, f"memo {n}.docx")

    assert len(await index.search_names(world.owner.id, "memo", limit=3)) == 3


async def test_search_names_other_users_file_never_found(
    index: SqlSearchIndex, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    await make_file(file_store, world.owner, clock, "Secret plan.docx")

    assert await _names(index, world.other.id, "secret") == []


async def test_search_names_shared_file_found_until_unshared(
    index: SqlSearchIndex,
    file_store: SqlFileStore,
    share_store: SqlShareStore,
    clock: FakeClock,
    world: World,
) -> None:
    shared = await make_file(file_store, world.owner, clock, "Shared plan.docx")
    await share_store.set_share(shared.id, world.other.id, Role.EDIT, now=clock.now())

    found = await index.search_names(world.other.id, "plan", limit=20)
    await share_store.remove_share(shared.id, world.other.id)

    assert [(m.id, m.owner_id, m.role) for m in found] == [(shared.id, world.owner.id, Role.EDIT)]
    assert await _names(index, world.other.id, "plan") == []
    assert await _names(index, world.third.id, "plan") == []


async def test_search_text_matches_words_with_highlighted_snippet(
    index: SqlSearchIndex, world: World
) -> None:
    await _index_text(index, world.file, "The quarterly budget for Zürich grew by a third.")

    matches = await index.search_text(world.owner.id, "budget zurich", limit=20)

    assert [m.file.id for m in matches] == [world.file.id]
    highlighted = [part.text for part in matches[0].snippet if part.match]
    assert "budget" in highlighted
    assert "".join(part.text for part in matches[0].snippet).count("quarterly") == 1


async def test_search_text_last_word_matches_as_prefix(index: SqlSearchIndex, world: World) -> None:
    await _index_text(index, world.file, "Procurement guidelines")

    assert await _texts(index, world.owner.id, "procure") == [world.file.name]
    assert await _texts(index, world.owner.id, "guide procurement") == []


@pytest.mark.parametrize("query", ['"', "NEAR(", "a OR", "*", "col:x", "-x", "'", "& | !", "a:*"])
async def test_search_text_query_syntax_in_user_text_is_inert(
    index: SqlSearchIndex, world: World, query: str
) -> None:
    await _index_text(index, world.file, "nothing to see")

    assert await _texts(index, world.owner.id, query) == []


async def test_search_text_rights_shared_found_revoked_hidden_other_never(
    index: SqlSearchIndex, share_store: SqlShareStore, clock: FakeClock, world: World
) -> None:
    await _index_text(index, world.file, "confidential merger terms")
    await share_store.set_share(world.file.id, world.other.id, Role.VIEW, now=clock.now())

    shared = await index.search_text(world.other.id, "merger", limit=20)
    await share_store.remove_share(world.file.id, world.other.id)

    assert [(m.file.id, m.role) for m in shared] == [(world.file.id, Role.VIEW)]
    assert await _texts(index, world.other.id, "merger") == []
    assert await _texts(index, world.third.id, "merger") == []


async def test_find_stale_lists_unindexed_and_outdated_files(
    index: SqlSearchIndex, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    second = await make_file(file_store, world.owner, clock, "b.docx")
    assert {f.id for f in await index.find_stale(limit=10)} == {world.file.id, second.id}

    await _index_text(index, world.file, "first")
    await index.store(IndexEntry(second.id, second.version, "unsupported"))
    assert await index.find_stale(limit=10) == []

    await file_store.commit_version(
        world.file.id,
        make_blob(9),
        guard=LockGuard(None),
        author_id=world.owner.id,
        editors="",
        source="putfile",
        now=clock.now(),
    )
    assert [f.version for f in await index.find_stale(limit=10)] == [2]


async def test_store_old_version_refused_and_keeps_nothing(
    index: SqlSearchIndex, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    await file_store.commit_version(
        world.file.id,
        make_blob(9),
        guard=LockGuard(None),
        author_id=world.owner.id,
        editors="",
        source="putfile",
        now=clock.now(),
    )

    stored = await index.store(IndexEntry(world.file.id, 1, "ok", "outdated words"))

    assert stored is False
    assert await _texts(index, world.owner.id, "outdated") == []


async def test_store_new_version_replaces_text(
    index: SqlSearchIndex, file_store: SqlFileStore, clock: FakeClock, world: World
) -> None:
    await _index_text(index, world.file, "old wording")
    saved = await commit_new_version(file_store, world.file, clock)

    await _index_text(index, saved, "new wording")
    await _index_text(index, saved, "new wording")  # again, as a second process would

    assert await _texts(index, world.owner.id, "old") == []
    assert await _texts(index, world.owner.id, "new wording") == [world.file.name]


async def test_delete_file_removes_its_entry_and_text(
    index: SqlSearchIndex, file_store: SqlFileStore, db: Database, clock: FakeClock, world: World
) -> None:
    await _index_text(index, world.file, "ephemeral content")

    await file_store.delete_file(world.file.id, guard=LockGuard(None), now=clock.now())

    assert await _texts(index, world.owner.id, "ephemeral") == []
    assert await db.read(_count_documents) == 0


async def test_clear_forgets_everything_so_all_is_stale(index: SqlSearchIndex, world: World) -> None:
    await _index_text(index, world.file, "some text")

    assert await index.clear() == 1
    assert [f.id for f in await index.find_stale(limit=10)] == [world.file.id]
    assert await _texts(index, world.owner.id, "some") == []


def _count_documents(conn: Connection) -> int:
    count = conn.execute(text("SELECT count(*) FROM search_documents")).scalar_one()
    if conn.dialect.name == "sqlite":
        count += conn.execute(text("SELECT count(*) FROM search_fts")).scalar_one()
    return int(count)


async def test_store_concurrently_same_version_leaves_one_entry(
    index: SqlSearchIndex, db: Database, world: World
) -> None:
    async with anyio.create_task_group() as tasks:
        for _ in range(6):
            tasks.start_soon(_index_text, index, world.file, "indexed by several processes")

    assert await db.read(_count_documents) == (2 if db.is_sqlite else 1)
    assert await _texts(index, world.owner.id, "several") == [world.file.name]


async def test_store_text_of_a_million_distinct_words_kept_searchable(
    index: SqlSearchIndex, world: World
) -> None:
    # Past PostgreSQL's 1 MB tsvector limit: the start of the text stays searchable there.
    words = [f"w{n:07d}" for n in range(110_000)]

    stored = await index.store(IndexEntry(world.file.id, world.file.version, "ok", " ".join(words)))

    assert stored is True
    assert await _texts(index, world.owner.id, words[0]) == [world.file.name]


async def test_search_trashed_file_hidden_by_name_and_text_until_restored(
    index: SqlSearchIndex, file_store: SqlFileStore, db: Database, clock: FakeClock, world: World
) -> None:
    file = await make_file(file_store, world.owner, clock, "Budget plan.xlsx")
    await _index_text(index, file, "quarterly budget figures")
    trash = SqlTrashStore(db)

    await trash.trash_file(file.id, deleted_by=world.owner.id, now=clock.now())

    assert await _names(index, world.owner.id, "budget") == []
    assert await _texts(index, world.owner.id, "quarterly") == []
    await trash.restore(file.id)
    assert await _names(index, world.owner.id, "budget") == ["Budget plan.xlsx"]
    assert await _texts(index, world.owner.id, "quarterly") == ["Budget plan.xlsx"]
