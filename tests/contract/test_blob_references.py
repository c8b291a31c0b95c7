"""SqlBlobReferences on SQLite and PostgreSQL: every file's and version's key, in byte order, in pages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.contract.conftest import commit_new_version, make_file, make_user
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.blob_references import SqlBlobReferences
from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.adapters.sql.users import SqlUserStore
from wopihost.domain.records import Version
from wopihost.ports import BlobReference

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("page_size", [1, 2, 1000])
async def test_referenced_keys_lists_files_and_versions_in_key_order_across_pages(
    db: Database, user_store: SqlUserStore, file_store: SqlFileStore, clock: FakeClock, page_size: int
) -> None:
    owner = await make_user(user_store, clock)
    first = await make_file(file_store, owner, clock, "a.docx")
    second = await commit_new_version(file_store, await make_file(file_store, owner, clock, "b.docx"), clock)

    listed = [ref async for ref in SqlBlobReferences(db, page_size=page_size).referenced_keys()]

    versions = [v async for v in _versions(file_store, first.id, second.id)]
    expected = [BlobReference(f.blob_key, f.id, None) for f in (first, second)]
    expected += [BlobReference(v.blob_key, v.file_id, v.number) for v in versions]
    assert listed == sorted(
        expected, key=lambda r: (r.key, r.file_id, -1 if r.version is None else r.version)
    )
    assert [r.key for r in listed] == sorted(r.key for r in listed)


async def _versions(files: SqlFileStore, *file_ids: str) -> AsyncIterator[Version]:
    for file_id in file_ids:
        for version in await files.list_versions(file_id):
            yield version
