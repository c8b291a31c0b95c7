"""Folder shares: stored once per folder and user, and inherited by everything inside the folder at any depth.

`find_access` and `find_folder_access` give a user the strongest of their share of the item and their
shares of every folder above it (the owner always being the owner), on the very next lookup after a
change, and follow the item wherever it moves.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.contract.conftest import World, make_file
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.files import SqlFileStore
from wopihost.adapters.sql.search_index import SqlSearchIndex
from wopihost.adapters.sql.shares import SqlShareStore
from wopihost.adapters.sql.trash import SqlTrashStore
from wopihost.domain.locks import LockGuard
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord, Folder, FolderShare
from wopihost.errors import NotFound
from wopihost.ports import IndexEntry

pytestmark = pytest.mark.anyio


@dataclass
class Tree:
    """alice's /Projects/Alpha/Drafts with a file at each level, and /Private beside them."""

    projects: Folder
    alpha: Folder
    drafts: Folder
    private: Folder
    top_file: FileRecord
    deep_file: FileRecord


@pytest.fixture
async def tree(file_store: SqlFileStore, clock: FakeClock, world: World) -> Tree:
    owner, root = world.owner.id, world.owner.root_folder_id
    projects = await file_store.ensure_folder(owner, root, "Projects", now=clock.now())
    alpha = await file_store.ensure_folder(owner, projects.id, "Alpha", now=clock.now())
    drafts = await file_store.ensure_folder(owner, alpha.id, "Drafts", now=clock.now())
    private = await file_store.ensure_folder(owner, root, "Private", now=clock.now())
    top_file = await make_file(file_store, world.owner, clock, "plan.docx", folder_id=projects.id)
    deep_file = await make_file(file_store, world.owner, clock, "draft.docx", folder_id=drafts.id)
    return Tree(projects, alpha, drafts, private, top_file, deep_file)


async def _file_role(files: SqlFileStore, file_id: str, user_id: str) -> Role | None:
    access = await files.find_access(file_id, user_id)
    return access.role if access else None


async def _folder_role(files: SqlFileStore, folder_id: str, user_id: str) -> Role | None:
    access = await files.find_folder_access(folder_id, user_id)
    return access.role if access else None


async def test_set_folder_share_again_replaces_role_and_lists_once(
    share_store: SqlShareStore, clock: FakeClock, world: World, tree: Tree
) -> None:
    await share_store.set_folder_share(tree.alpha.id, world.other.id, Role.VIEW, now=clock.now())
    await share_store.set_folder_share(tree.alpha.id, world.other.id, Role.EDIT, now=clock.now())
    await share_store.set_folder_share(tree.alpha.id, world.third.id, Role.VIEW, now=clock.now())

    shares = await share_store.list_folder_shares(tree.alpha.id)

    assert sorted(shares, key=lambda s: s.user_id) == sorted(
        [
            FolderShare(tree.alpha.id, world.other.id, Role.EDIT),
            FolderShare(tree.alpha.id, world.third.id, Role.VIEW),
        ],
        key=lambda s: s.user_id,
    )
    assert await share_store.list_folders_shared_with(world.other.id) == [(tree.alpha, Role.EDIT)]
    assert await share_store.folder_sharing_summary([tree.alpha.id, tree.drafts.id]) == {tree.alpha.id: 2}


async def test_remove_folder_share_reports_whether_there_was_one(
    share_store: SqlShareStore, clock: FakeClock, world: World, tree: Tree
) -> None:
    await share_store.set_folder_share(tree.alpha.id, world.other.id, Role.VIEW, now=clock.now())

    assert await share_store.remove_folder_share(tree.alpha.id, world.other.id) is True
    assert await share_store.remove_folder_share(tree.alpha.id, world.other.id) is False
    assert await share_store.list_folder_shares(tree.alpha.id) == []
    assert await share_store.list_folders_shared_with(world.other.id) == []


@pytest.mark.parametrize("role", [Role.VIEW, Role.VIEW_NO_DOWNLOAD, Role.EDIT])
async def test_folder_share_reaches_every_level_below_and_nothing_beside(
    file_store: SqlFileStore,
    share_store: SqlShareStore,
    clock: FakeClock,
    world: World,
    tree: Tree,
    role: Role,
) -> None:
    await share_store.set_folder_share(tree.projects.id, world.other.id, role, now=clock.now())
    # Added after the share: reached as well.
    later = await make_file(file_store, world.owner, clock, "later.xlsx", folder_id=tree.drafts.id)

    for file in (tree.top_file, tree.deep_file, later):
        assert await _file_role(file_store, file.id, world.other.id) is role
    for folder in (tree.projects, tree.alpha, tree.drafts):
        assert await _folder_role(file_store, folder.id, world.other.id) is role
    assert await _folder_role(file_store, tree.private.id, world.other.id) is None
    assert await _folder_role(file_store, world.owner.root_folder_id, world.other.id) is None
    assert await _file_role(file_store, world.file.id, world.other.id) is None
    assert await _file_role(file_store, tree.deep_file.id, world.third.id) is None


async def test_find_folder_access_path_starts_at_highest_folder_the_user_may_see(
    file_store: SqlFileStore, share_store: SqlShareStore, clock: FakeClock, world: World, tree: Tree
) -> None:
    await share_store.set_folder_share(tree.drafts.id, world.other.id, Role.EDIT, now=clock.now())
    await share_store.set_folder_share(tree.alpha.id, world.other.id, Role.VIEW, now=clock.now())

    seen = await file_store.find_folder_access(tree.drafts.id, world.other.id)
    owned = await file_store.find_folder_access(tree.drafts.id, world.owner.id)

    assert seen is not None
    assert owned is not None
    assert [f.id for f in seen.path] == [tree.alpha.id, tree.drafts.id]
    assert (seen.role, seen.user.id, seen.owner_name, seen.folder) == (
        Role.EDIT,
        world.other.id,
        "Alice",
        tree.drafts,
    )
    assert [f.id for f in owned.path] == [
        world.owner.root_folder_id,
        tree.projects.id,
        tree.alpha.id,
        tree.drafts.id,
    ]
    assert owned.role is Role.OWNER
    assert await _folder_role(file_store, tree.alpha.id, world.other.id) is Role.VIEW


@pytest.mark.parametrize(
    ("file_role", "folder_role", "expected"),
    [
        (Role.EDIT, Role.VIEW, Role.EDIT),
        (Role.VIEW, Role.EDIT, Role.EDIT),
        (Role.VIEW_NO_DOWNLOAD, Role.VIEW, Role.VIEW),
        (Role.VIEW, Role.VIEW_NO_DOWNLOAD, Role.VIEW),
    ],
)
async def test_file_and_folder_shares_strongest_wins(
    file_store: SqlFileStore,
    share_store: SqlShareStore,
    clock: FakeClock,
    world: World,
    tree: Tree,
    file_role: Role,
    folder_role: Role,
    expected: Role,
) -> None:
    await share_store.set_share(tree.deep_file.id, world.other.id, file_role, now=clock.now())
    await share_store.set_folder_share(tree.projects.id, world.other.id, folder_role, now=clock.now())

    assert await _file_role(file_store, tree.deep_file.id, world.other.id) is expected


async def test_several_folder_shares_above_strongest_wins_and_owner_stays_owner(
    file_store: SqlFileStore, share_store: SqlShareStore, clock: FakeClock, world: World, tree: Tree
) -> None:
    await share_store.set_folder_share(tree.projects.id, world.other.id, Role.VIEW, now=clock.now())
    await share_store.set_folder_share(tree.drafts.id, world.other.id, Role.EDIT, now=clock.now())

    assert await _file_role(file_store, tree.deep_file.id, world.other.id) is Role.EDIT
    assert await _file_role(file_store, tree.top_file.id, world.other.id) is Role.VIEW
    assert await _file_role(file_store, tree.deep_file.id, world.owner.id) is Role.OWNER
    assert await _folder_role(file_store, tree.drafts.id, world.owner.id) is Role.OWNER


async def test_revoking_folder_share_revokes_everything_inside_at_once(
    file_store: SqlFileStore, share_store: SqlShareStore, clock: FakeClock, world: World, tree: Tree
) -> None:
    await share_store.set_folder_share(tree.projects.id, world.other.id, Role.EDIT, now=clock.now())
    await share_store.set_share(tree.top_file.id, world.other.id, Role.VIEW, now=clock.now())

    await share_store.remove_folder_share(tree.projects.id, world.other.id)

    assert await _file_role(file_store, tree.deep_file.id, world.other.id) is None
    assert await _folder_role(file_store, tree.alpha.id, world.other.id) is None
    # The file's own share stays.
    assert await _file_role(file_store, tree.top_file.id, world.other.id) is Role.VIEW


async def test_file_moved_out_of_shared_folder_leaves_its_reach(
    file_store: SqlFileStore, share_store: SqlShareStore, clock: FakeClock, world: World, tree: Tree
) -> None:
    await share_store.set_folder_share(tree.projects.id, world.other.id, Role.EDIT, now=clock.now())

    await file_store.move_file(tree.deep_file.id, tree.private.id, guard=LockGuard(None), now=clock.now())

    assert await _file_role(file_store, tree.deep_file.id, world.other.id) is None
    await file_store.move_file(tree.deep_file.id, tree.alpha.id, guard=LockGuard(None), now=clock.now())
    assert await _file_role(file_store, tree.deep_file.id, world.other.id) is Role.EDIT


async def test_folder_moved_into_then_out_of_shared_folder_gains_then_loses_the_share(
    file_store: SqlFileStore, share_store: SqlShareStore, clock: FakeClock, world: World, tree: Tree
) -> None:
    await share_store.set_folder_share(tree.private.id, world.other.id, Role.VIEW, now=clock.now())

    await file_store.move_folder(tree.alpha.id, tree.private.id, now=clock.now())
    inside = await _file_role(file_store, tree.deep_file.id, world.other.id)
    path = await file_store.find_folder_access(tree.drafts.id, world.other.id)
    await file_store.move_folder(tree.alpha.id, world.owner.root_folder_id, now=clock.now())

    assert inside is Role.VIEW
    assert path is not None
    assert [f.id for f in path.path] == [tree.private.id, tree.alpha.id, tree.drafts.id]
    assert await _file_role(file_store, tree.deep_file.id, world.other.id) is None
    assert await _folder_role(file_store, tree.drafts.id, world.other.id) is None


async def test_trashed_shared_folder_hides_it_restore_brings_share_back_purge_deletes_it(
    db: Database,
    file_store: SqlFileStore,
    share_store: SqlShareStore,
    clock: FakeClock,
    world: World,
    tree: Tree,
) -> None:
    trash = SqlTrashStore(db)
    await share_store.set_folder_share(tree.alpha.id, world.other.id, Role.EDIT, now=clock.now())

    await trash.trash_folder(tree.projects.id, deleted_by=world.owner.id, now=clock.now())
    while_trashed = (
        await _folder_role(file_store, tree.alpha.id, world.other.id),
        await _file_role(file_store, tree.deep_file.id, world.other.id),
        await share_store.list_folders_shared_with(world.other.id),
    )
    await trash.restore(tree.projects.id)
    restored = await _file_role(file_store, tree.deep_file.id, world.other.id)
    await trash.trash_folder(tree.projects.id, deleted_by=world.owner.id, now=clock.now())
    await trash.purge(tree.projects.id)

    assert while_trashed == (None, None, [])
    assert restored is Role.EDIT
    assert await share_store.list_folder_shares(tree.alpha.id) == []


async def test_find_folder_access_unknown_folder_or_user_none(
    file_store: SqlFileStore, world: World, tree: Tree
) -> None:
    assert await file_store.find_folder_access("nosuchfolder", world.owner.id) is None
    assert await file_store.find_folder_access(tree.alpha.id, "nosuchuser") is None


async def test_search_finds_names_and_text_inside_shared_folder_until_revoked(
    db: Database,
    file_store: SqlFileStore,
    share_store: SqlShareStore,
    clock: FakeClock,
    world: World,
    tree: Tree,
) -> None:
    index = SqlSearchIndex(db, clock)
    assert await index.store(
        IndexEntry(tree.deep_file.id, tree.deep_file.version, "ok", "quarterly zebra figures")
    )
    await share_store.set_folder_share(tree.alpha.id, world.other.id, Role.VIEW, now=clock.now())

    names = {(m.kind, m.name) for m in await index.search_names(world.other.id, "a", limit=50)}
    texts = [m.file.name for m in await index.search_text(world.other.id, "zebra", limit=10)]
    await share_store.remove_folder_share(tree.alpha.id, world.other.id)

    assert names == {("folder", "Alpha"), ("folder", "Drafts"), ("file", "draft.docx")}
    assert texts == ["draft.docx"]
    assert await index.search_names(world.other.id, "draft", limit=10) == []
    assert await index.search_text(world.other.id, "zebra", limit=10) == []


async def test_set_folder_share_of_unknown_folder_not_found(
    share_store: SqlShareStore, clock: FakeClock, world: World
) -> None:
    with pytest.raises(NotFound):
        await share_store.set_folder_share("nosuchfolder", world.other.id, Role.VIEW, now=clock.now())
