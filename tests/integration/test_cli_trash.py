"""`wopihost trash list | restore | empty | purge`, through CliRunner."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from tests.integration.test_cli import data_dir, isolated_logging, out, run
from wopihost.adapters.clock import FakeClock
from wopihost.app import build_services
from wopihost.config import load_settings

__all__ = ["data_dir", "isolated_logging"]


def put(data_dir: Path, tmp_path: Path, name: str, owner: str = "alice") -> str:
    local = tmp_path / name
    local.write_bytes(b"bytes of " + name.encode())
    return out(run(data_dir, "file", "put", str(local), "--owner", owner, "--to", f"/Reports/{name}"))


def trash(data_dir: Path, file_id: str, *, long_ago: bool = False) -> None:
    """Delete a file as its owner would, now or (with `long_ago`) on 1 January 2026."""

    async def delete() -> None:
        clock = FakeClock() if long_ago else None
        services = build_services(load_settings(data_dir=data_dir), clock=clock)
        try:
            await services.files.delete(await services.files.access_as_owner(file_id))
        finally:
            await services.aclose()

    anyio.run(delete)


@pytest.fixture
def two_trashed(data_dir: Path, tmp_path: Path) -> tuple[str, str]:
    """alice's old.docx, deleted on 1 January 2026, and new.docx, deleted now."""
    run(data_dir, "user", "add", "alice")
    run(data_dir, "user", "add", "bob")
    old, new = put(data_dir, tmp_path, "old.docx"), put(data_dir, tmp_path, "new.docx")
    trash(data_dir, old, long_ago=True)
    trash(data_dir, new)
    return old, new


def test_trash_list_shows_items_newest_first_with_location(
    two_trashed: tuple[str, str], data_dir: Path
) -> None:
    old, new = two_trashed

    lines = [line.split("\t") for line in out(run(data_dir, "trash", "list", "--user", "alice")).splitlines()]

    assert [(f[0], f[2], f[3], f[4]) for f in lines] == [
        (new, "17", "/Reports", "new.docx"),
        (old, "17", "/Reports", "old.docx"),
    ]
    assert lines[1][1] == "2026-01-01T00:00:00.0000000Z"
    assert out(run(data_dir, "trash", "list", "--user", "bob")) == ""
    assert out(run(data_dir, "file", "list", "--owner", "alice", "/Reports")) == ""


def test_trash_restore_puts_file_back_and_reports_new_name(
    two_trashed: tuple[str, str], data_dir: Path, tmp_path: Path
) -> None:
    old, _new = two_trashed
    put(data_dir, tmp_path, "old.docx")

    result = run(data_dir, "trash", "restore", old)

    assert out(result) == "restored 'old.docx' as 'old (2).docx', the name being taken"
    names = [
        line.split("\t")[3]
        for line in out(run(data_dir, "file", "list", "--owner", "alice", "/Reports")).splitlines()
    ]
    assert names == ["old (2).docx", "old.docx"]


def test_trash_restore_unknown_item_fails_plainly(two_trashed: tuple[str, str], data_dir: Path) -> None:
    result = run(data_dir, "trash", "restore", "nosuchitem", ok=False)

    assert "nothing of that ID is in the trash" in result.stderr


def test_trash_empty_deletes_every_item_and_its_blobs(two_trashed: tuple[str, str], data_dir: Path) -> None:
    blobs = {p.name for p in (data_dir / "blobs").rglob("*") if p.is_file()}

    result = run(data_dir, "trash", "empty", "--user", "alice")

    assert out(result) == "deleted 2 items permanently"
    assert out(run(data_dir, "trash", "list", "--user", "alice")) == ""
    left = {p.name for p in (data_dir / "blobs").rglob("*") if p.is_file()}
    assert len(blobs - left) == 2


def test_trash_purge_deletes_only_items_past_retention(two_trashed: tuple[str, str], data_dir: Path) -> None:
    _old, new = two_trashed

    result = run(data_dir, "trash", "purge")

    assert out(result) == "deleted 1 expired item permanently"
    assert [
        line.split("\t")[0] for line in out(run(data_dir, "trash", "list", "--user", "alice")).splitlines()
    ] == [new]


def test_trash_purge_retention_from_environment(
    two_trashed: tuple[str, str], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WOPIHOST_TRASH__RETENTION_DAYS", "3650")

    result = run(data_dir, "trash", "purge")

    assert out(result) == "deleted 0 expired items permanently"
