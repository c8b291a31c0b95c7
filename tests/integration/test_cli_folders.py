"""`wopihost folder list | move | share | unshare | shares`, through CliRunner."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from tests.integration.test_cli import data_dir, isolated_logging, out, run
from wopihost.app import build_services
from wopihost.config import load_settings

__all__ = ["data_dir", "isolated_logging"]


def put(data_dir: Path, tmp_path: Path, target: str) -> str:
    local = tmp_path / Path(target).name
    local.write_bytes(b"bytes")
    return out(run(data_dir, "file", "put", str(local), "--owner", "alice", "--to", target))


@pytest.fixture
def files(data_dir: Path, tmp_path: Path) -> dict[str, str]:
    """alice's /Projects/Alpha/plan.docx and /Archive, and the users bob and carol."""
    run(data_dir, "user", "add", "alice", "--name", "Alice Adams")
    run(data_dir, "user", "add", "bob")
    run(data_dir, "user", "add", "carol")
    plan = put(data_dir, tmp_path, "/Projects/Alpha/plan.docx")
    put(data_dir, tmp_path, "/Archive/old.docx")
    return {"plan": plan}


def folder_ids(data_dir: Path) -> dict[str, str]:
    lines = out(run(data_dir, "folder", "list", "--user", "alice")).splitlines()
    return {fields[1]: fields[0] for fields in (line.split("\t") for line in lines)}


def test_folder_share_by_path_lets_recipient_get_token_for_file_inside_until_unshared(
    files: dict[str, str], data_dir: Path
) -> None:
    shared = run(
        data_dir, "folder", "share", "/projects", "--user", "alice", "--with", "bob", "--role", "edit"
    )
    token = run(data_dir, "token", "--user", "bob", "--file", files["plan"])
    listed = out(run(data_dir, "folder", "shares", "/Projects", "--user", "alice"))
    bob_sees = out(run(data_dir, "folder", "list", "--user", "bob"))
    unshared = run(data_dir, "folder", "unshare", "/Projects", "--user", "alice", "--with", "bob")
    refused = run(data_dir, "token", "--user", "bob", "--file", files["plan"], ok=False)
    carol = run(data_dir, "token", "--user", "carol", "--file", files["plan"], ok=False)

    projects = folder_ids(data_dir)["/Projects"]
    assert out(shared) == f"shared {projects} (Projects) with bob (edit)"
    assert "access_token" in out(token)
    assert listed == "bob\tedit"
    assert f"{projects}\tProjects/\tshared by Alice Adams (edit)" in bob_sees.splitlines()
    assert out(unshared) == f"unshared {projects} from bob"
    assert "not visible" in refused.stderr
    assert "not visible" in carol.stderr


def test_folder_list_marks_shared_folders(files: dict[str, str], data_dir: Path) -> None:
    run(data_dir, "folder", "share", "/Projects/Alpha", "--user", "alice", "--with", "bob")
    run(data_dir, "folder", "share", "/Projects/Alpha", "--user", "alice", "--with", "carol")

    lines = out(run(data_dir, "folder", "list", "--user", "alice")).splitlines()

    assert [line.split("\t")[1:] for line in lines] == [
        ["/", "-"],
        ["/Archive", "-"],
        ["/Projects", "-"],
        ["/Projects/Alpha", "shared with 2"],
    ]


def test_folder_move_by_path_and_id_keeps_ids_and_share_follows_the_folder(
    files: dict[str, str], data_dir: Path
) -> None:
    run(data_dir, "folder", "share", "/Archive", "--user", "alice", "--with", "bob")
    alpha = folder_ids(data_dir)["/Projects/Alpha"]

    moved = run(data_dir, "folder", "move", alpha, "/Archive", "--user", "alice")

    assert out(moved) == f"moved {alpha} (Alpha) into Archive"
    assert folder_ids(data_dir)["/Archive/Alpha"] == alpha
    assert "access_token" in out(run(data_dir, "token", "--user", "bob", "--file", files["plan"]))


def test_folder_move_while_file_inside_locked_refused_with_message(
    files: dict[str, str], data_dir: Path
) -> None:
    async def lock() -> None:
        services = build_services(load_settings(data_dir=data_dir))
        try:
            await services.locks.lock(await services.files.access_as_owner(files["plan"]), "cli-lock")
        finally:
            await services.aclose()

    anyio.run(lock)

    refused = run(data_dir, "folder", "move", "/Projects", "/Archive", "--user", "alice", ok=False)

    assert "cannot move 'Projects': 'plan.docx' inside it is being edited by Alice Adams" in refused.stderr
    assert "/Projects/Alpha" in folder_ids(data_dir)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("folder", "share", "/Nowhere", "--user", "alice", "--with", "bob"), "no folder '/Nowhere'"),
        (("folder", "share", "/Projects", "--user", "alice", "--with", "nobody"), "no user 'nobody'"),
        (("folder", "share", "/Projects", "--user", "alice", "--with", "alice"), "owner already"),
        (("folder", "share", "/", "--user", "bob", "--with", "carol"), "root folder cannot be shared"),
        (("folder", "move", "/Projects", "/Projects/Alpha", "--user", "alice"), "into itself"),
    ],
    ids=["unknown-folder", "unknown-user", "owner", "root", "cycle"],
)
def test_folder_commands_invalid_fail_with_message(
    files: dict[str, str], data_dir: Path, args: tuple[str, ...], message: str
) -> None:
    failed = run(data_dir, *args, ok=False)

    assert message in failed.stderr


def test_folder_share_by_recipient_refused_only_owner_shares(files: dict[str, str], data_dir: Path) -> None:
    run(data_dir, "folder", "share", "/Projects", "--user", "alice", "--with", "bob", "--role", "edit")
    projects = folder_ids(data_dir)["/Projects"]

    refused = run(data_dir, "folder", "share", projects, "--user", "bob", "--with", "carol", ok=False)
    moved = run(data_dir, "folder", "move", projects, "/", "--user", "bob", ok=False)

    assert "only the owner may share this folder" in refused.stderr
    assert "belongs to another user" in moved.stderr


def test_top_level_share_and_unshare_take_a_folder_id_too(files: dict[str, str], data_dir: Path) -> None:
    projects = folder_ids(data_dir)["/Projects"]

    shared = run(data_dir, "share", projects, "--with", "bob", "--role", "view")
    token = run(data_dir, "token", "--user", "bob", "--file", files["plan"])
    unshared = run(data_dir, "unshare", projects, "--with", "bob")
    again = run(data_dir, "unshare", projects, "--with", "bob")
    unknown = run(data_dir, "share", "nosuchthingnosuchthingno", "--with", "bob", ok=False)

    assert out(shared) == f"shared folder {projects} (Projects) with bob (view)"
    assert "access_token" in out(token)
    assert out(unshared) == f"unshared {projects} from bob"
    assert out(again) == f"bob had no share of {projects}"
    assert "no file or folder nosuchthingnosuchthingno" in unknown.stderr
