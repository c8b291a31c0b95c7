"""Each use case that writes twice is one transaction or leaves nothing behind: failures injected into the
metadata store leave no content in the blob store and no half-made file."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

import pytest
from sqlalchemy import exc as sa_exc

import wopihost.adapters.sql.files as sql_files
from tests.integration.conftest import Host, body_of, make_settings
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.config import Settings
from wopihost.domain.permissions import Role
from wopihost.errors import StorageUnavailable
from wopihost.services.relative import RelativeTarget

pytestmark = pytest.mark.anyio

RETENTION = 2


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    base = make_settings(tmp_path / "data")
    return base.model_copy(update={"versions": base.versions.model_copy(update={"retention": RETENTION})})


async def _unavailable(*args: Any, **kwargs: Any) -> NoReturn:
    raise StorageUnavailable("the database went away")


async def _root_names(host: Host, owner: Any) -> list[str]:
    folder = await host.services.files.ensure_folder_path(owner, [])
    return [f.name for f in (await host.services.files.list_folder(folder))[1]]


async def test_upload_metadata_fails_leaves_no_content(host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    before = host.blob_files()
    monkeypatch.setattr(SqlFileStore, "create_file", _unavailable)
    with pytest.raises(StorageUnavailable):
        await host.upload("lost.docx", b"never referenced")
    assert host.blob_files() == before
    assert "lost.docx" not in await _root_names(host, host.owner)


async def test_save_metadata_fails_leaves_no_content_and_file_unchanged(
    host: Host, monkeypatch: pytest.MonkeyPatch
) -> None:
    record, before = await host.record(), host.blob_files()
    monkeypatch.setattr(SqlFileStore, "commit_version", _unavailable)
    folder = await host.services.files.ensure_folder_path(host.owner, [])
    with pytest.raises(StorageUnavailable):
        await host.services.files.upload(host.owner, folder, record.name, body_of(b"new"), replace=True)
    assert host.blob_files() == before
    assert await host.record() == record


async def test_save_prunes_versions_in_its_commit(host: Host) -> None:
    before = host.blob_files()
    for n in range(4):
        saved = await host.upload_replacing("pruned.docx", f"content {n}".encode())
    versions = await host.versions(saved.id)
    assert [v.number for v in versions] == [4, 3]
    # Only the kept versions' content remains.
    assert host.blob_files() - before == {Path(v.blob_key).name for v in versions}


async def test_save_pruned_content_delete_fails_save_still_succeeds(
    host: Host, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(RETENTION):
        await host.upload_replacing("kept.docx", f"content {n}".encode())
    deleted: list[str] = []

    async def failing_delete(key: str) -> None:
        deleted.append(key)
        raise OSError("disk gone")

    monkeypatch.setattr(host.services.blobs, "delete", failing_delete)
    saved = await host.upload_replacing("kept.docx", b"content after")
    assert saved.version == RETENTION + 1
    assert [v.number for v in await host.versions(saved.id)] == [3, 2]
    assert len(deleted) == 1


async def test_put_relative_share_fails_creates_neither_file_nor_content(
    host: Host, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The editor's copy of the owner's file needs a share for the editor; a failing share insert rolls
    # the file back with it.
    access = await host.services.files.find_access(host.doc.id, host.editor)
    before, names = host.blob_files(), await _root_names(host, host.owner)

    class BrokenShareRow:
        __table__ = None

    monkeypatch.setattr(sql_files, "ShareRow", BrokenShareRow)
    target = RelativeTarget(relative="copy.docx")
    with pytest.raises((StorageUnavailable, sa_exc.SQLAlchemyError)):
        await host.services.relative.put_relative_file(access, target, body_of(b"copy"))
    assert host.blob_files() == before
    assert await _root_names(host, host.owner) == names


async def test_put_relative_by_editor_shares_copy_in_same_write(host: Host) -> None:
    access = await host.services.files.find_access(host.doc.id, host.editor)
    target = RelativeTarget(relative="copy.docx")
    created = await host.services.relative.put_relative_file(access, target, body_of(b"copy"))
    copy = await host.services.files.find_access(created.id, host.editor)
    assert copy.role is Role.EDIT
