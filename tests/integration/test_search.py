"""Search through the app: suggestions and results pages, rights, escaping, currency after saves, the CLI."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import anyio
import pytest

from tests import search_documents as docs
from tests.integration.conftest import Host
from tests.integration.web_support import Web
from wopihost.adapters.sql.search_index import SqlSearchIndex
from wopihost.adapters.text_extraction import DocumentTextExtractor
from wopihost.domain.permissions import Role
from wopihost.ports import IndexEntry
from wopihost.services.search_indexer import IndexerLimits, SearchIndexer

pytestmark = pytest.mark.anyio

LOCK = "search-lock"


async def _suggest(web: Web, query: str) -> dict[str, object]:
    response = await web.client.get(
        "/search/suggest", params={"q": query}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body: dict[str, object] = response.json()
    return body


async def test_suggest_signed_out_refused(web: Web) -> None:
    response = await web.client.get("/search/suggest?q=a", headers={"Accept": "application/json"})

    assert response.status_code == 401


async def test_suggest_own_and_shared_names_with_where_they_are(signed_in: Web) -> None:
    web = signed_in
    await web.upload("Budget 2024.xlsx", docs.excel(("x",)), folder_parts=["Reports", "2024"])
    shared = await web.upload("Budget ideas.docx", docs.word("x"), owner=web.bob)
    await web.share(shared, web.alice, Role.VIEW)
    await web.upload("Budget secret.docx", docs.word("x"), owner=web.bob)

    body = await _suggest(web, "budg")

    results = body["results"]
    assert isinstance(results, list)
    assert [(r["name"], r["location"]) for r in results] == [
        ("Budget 2024.xlsx", "/Reports/2024"),
        ("Budget ideas.docx", "Shared by Bob Brown"),
    ]
    assert results[0]["url"].startswith("/files/")
    assert body["more"] is False


async def test_suggest_more_than_twenty_says_more(signed_in: Web) -> None:
    for n in range(21):
        await signed_in.upload(f"note {n:02}.txt", b"x")

    body = await _suggest(signed_in, "note")

    assert isinstance(body["results"], list)
    assert len(body["results"]) == 20
    assert body["more"] is True


async def test_suggest_folder_found_leads_to_folder_page(signed_in: Web) -> None:
    folder = await signed_in.services.files.ensure_folder_path(signed_in.alice, ["Archive", "Invoices"])

    body = await _suggest(signed_in, "invoi")

    assert body["results"] == [
        {
            "kind": "folder",
            "name": "Invoices",
            "location": "/Archive",
            "url": f"/folders/{folder.id}",
            "icon": "folder",
        }
    ]


async def test_results_page_snippet_highlighted_and_escaped(signed_in: Web) -> None:
    web = signed_in
    await web.upload("Notes.docx", docs.word("<script>alert(1)</script> the merger closes in May"))
    await web.services.indexer.reindex()

    page = await web.client.get("/search", params={"q": "merger"})

    assert page.status_code == 200
    assert "<mark>merger</mark>" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text


async def test_results_page_revoked_share_shows_no_name_and_no_snippet(signed_in: Web) -> None:
    web = signed_in
    file = await web.upload("Plan.docx", docs.word("takeover of Initech"), owner=web.bob)
    await web.share(file, web.alice, Role.EDIT)
    await web.services.indexer.reindex()
    before = await web.client.get("/search", params={"q": "initech"})

    await web.services.files.unshare(await web.services.files.access_as_owner(file.id), "alice")
    after = await web.client.get("/search", params={"q": "initech"})

    assert "Shared by Bob Brown" in before.text
    assert "<mark>Initech</mark>" in before.text
    assert "Initech" not in after.text.replace("“initech”", "")
    assert "Plan.docx" not in after.text


async def test_results_page_empty_query_shows_form_only(signed_in: Web) -> None:
    page = await signed_in.client.get("/search", params={"q": "   "})

    assert page.status_code == 200
    assert "No documents contain" not in page.text


async def test_results_page_other_users_documents_never_found(signed_in: Web) -> None:
    await signed_in.upload("Private.docx", docs.word("bob's salary"), owner=signed_in.bob)
    await signed_in.services.indexer.reindex()

    page = await signed_in.client.get("/search", params={"q": "salary"})

    assert "Private.docx" not in page.text


async def test_put_file_new_content_reindexed_old_words_gone(host: Host) -> None:
    file = await host.upload("Minutes.docx", docs.word("first draft mentions apples"))
    await host.services.indexer.reindex()
    assert await _texts(host, "apples") == ["Minutes.docx"]

    assert (await host.lock(LOCK, file.id)).status_code == 200
    response = await host.put_file(docs.word("final text mentions oranges"), file.id, lock=LOCK)
    assert response.status_code == 200
    stale = await host.services.indexer.reindex()

    assert stale == 1
    assert await _texts(host, "apples") == []
    assert await _texts(host, "oranges") == ["Minutes.docx"]


async def test_put_file_wakes_indexer_in_process(host: Host) -> None:
    woken: list[str] = []
    host.services.content.on_change(woken.append)

    await host.lock(LOCK)
    await host.put_file(b"new bytes", lock=LOCK)

    assert woken == [host.doc.id]


async def test_index_unreadable_document_logged_found_by_name_only(
    host: Host, caplog: pytest.LogCaptureFixture
) -> None:
    await host.upload("Broken.docx", b"this is not a zip")

    with caplog.at_level(logging.WARNING, logger="wopihost.search"):
        await host.services.indexer.reindex()

    assert any("op=search_extract status=failed" in r.getMessage() for r in caplog.records)
    assert not any("access_token" in r.getMessage() for r in caplog.records)
    names = await host.services.search.suggest(host.owner, "broken")
    assert [r.name for r in names.names] == ["Broken.docx"]
    assert await host.services.indexer.reindex() == 0  # recorded as failed, not retried forever


async def test_delete_file_gone_from_text_results(host: Host) -> None:
    file = await host.upload("Temp.docx", docs.word("ephemeral words"))
    await host.services.indexer.reindex()

    await host.services.files.delete(await host.services.files.access_as_owner(file.id))

    assert await _texts(host, "ephemeral") == []


async def _texts(host: Host, query: str) -> list[str]:
    results = await host.services.search.search(host.owner, query)
    return [r.name for r in results.texts]


async def test_index_new_empty_document_no_warning(host: Host, caplog: pytest.LogCaptureFixture) -> None:
    blank = await host.upload("Blank.docx", b"")

    with caplog.at_level(logging.WARNING, logger="wopihost.search"):
        await host.services.indexer.reindex()

    assert not [r for r in caplog.records if blank.id in r.getMessage()]
    assert await host.services.indexer.reindex() == 0
    assert [r.name for r in (await host.services.search.suggest(host.owner, "blank")).names] == ["Blank.docx"]


async def test_indexer_running_save_wakes_it_without_waiting_for_sweep(host: Host) -> None:
    indexer = SearchIndexer(
        index=SqlSearchIndex(host.services.db, host.clock),
        blobs=host.services.blobs,
        extractor=DocumentTextExtractor(max_chars=10_000, max_entry_size=1024 * 1024),
        limits=IndexerLimits(max_file_size=1024 * 1024, sweep_seconds=3600),
    )
    host.services.content.on_change(indexer.wake)
    stop = anyio.Event()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(indexer.run, stop)
        # The first sweep indexes the seeded files; the next one is an hour away.
        assert await _eventually(lambda: _stale_count(host), 0)
        await host.upload("Wake.docx", docs.word("woken promptly"))
        assert await _eventually(lambda: _texts(host, "promptly"), ["Wake.docx"])
        stop.set()


async def test_indexer_settles_a_burst_of_saves_into_one_pass_that_indexes_the_last(host: Host) -> None:
    index = SqlSearchIndex(host.services.db, host.clock)
    stored: list[tuple[str, int]] = []
    real_store = index.store

    async def counted(entry: IndexEntry) -> bool:
        stored.append((entry.file_id, entry.version))
        return await real_store(entry)

    index.store = counted  # type: ignore[method-assign]
    indexer = SearchIndexer(
        index=index,
        blobs=host.services.blobs,
        extractor=DocumentTextExtractor(max_chars=10_000, max_entry_size=1024 * 1024),
        limits=IndexerLimits(max_file_size=1024 * 1024, sweep_seconds=3600, settle_seconds=0.5),
    )
    host.services.content.on_change(indexer.wake)
    stop = anyio.Event()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(indexer.run, stop)
        assert await _eventually(lambda: _stale_count(host), 0)
        stored.clear()
        for n in range(4):
            file = await host.upload_replacing("Burst.docx", docs.word(f"burst number {n}"))
        assert await _eventually(lambda: _texts(host, "number"), ["Burst.docx"])
        stop.set()
    # Four saves within the settle time: the indexer ran once after them, on the last version only.
    assert stored == [(file.id, file.version)]
    assert await _texts(host, "3") == ["Burst.docx"]


async def _stale_count(host: Host) -> int:
    return len(await SqlSearchIndex(host.services.db, host.clock).find_stale(limit=10))


async def _eventually(probe: Callable[[], Awaitable[object]], expected: object, seconds: float = 10) -> bool:
    for _ in range(int(seconds / 0.05)):
        if await probe() == expected:
            return True
        await anyio.sleep(0.05)
    return False


@pytest.mark.parametrize(
    ("name", "content", "max_file_size"),
    [("Photo.png", b"\x89PNG\r\n\x1a\n....", 1024 * 1024), ("Huge.docx", docs.word("huge words"), 100)],
)
async def test_index_unsupported_or_too_large_found_by_name_only_not_retried(
    host: Host, name: str, content: bytes, max_file_size: int
) -> None:
    index = SqlSearchIndex(host.services.db, host.clock)
    indexer = SearchIndexer(
        index=index,
        blobs=host.services.blobs,
        extractor=DocumentTextExtractor(max_chars=10_000, max_entry_size=1024 * 1024),
        limits=IndexerLimits(max_file_size=max_file_size),
    )
    file = await host.upload(name, content)

    await indexer.reindex()

    assert file.id not in {f.id for f in await index.find_stale(limit=100)}
    assert await _texts(host, "huge") == []
    assert [r.name for r in (await host.services.search.suggest(host.owner, name[:4])).names] == [name]
