"""`wopihost lock break` and `wopihost unshare` ending a revoked editor's session, through CliRunner."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from tests.integration.test_cli import data_dir, isolated_logging, run
from wopihost.app import build_services
from wopihost.config import load_settings
from wopihost.services.sessions import EndedSession

__all__ = ["data_dir", "isolated_logging"]

LOCK = "cli-lock"


@pytest.fixture
def locked_by_bob(data_dir: Path, tmp_path: Path) -> str:
    """alice's report.docx, shared with bob for editing and locked by bob's client; returns its ID."""
    local = tmp_path / "report.docx"
    local.write_bytes(b"report bytes")
    run(data_dir, "user", "add", "alice", "--name", "Alice Adams")
    run(data_dir, "user", "add", "bob", "--name", "Bob Brown")
    run(data_dir, "user", "add", "root", "--admin")
    file_id = run(data_dir, "file", "put", str(local), "--owner", "alice").stdout.strip()
    run(data_dir, "share", file_id, "--with", "bob", "--role", "edit")

    async def lock() -> None:
        services = build_services(load_settings(data_dir=data_dir))
        try:
            bob = await services.users.get_user_by_name("bob")
            await services.locks.lock(await services.files.find_access(file_id, bob), LOCK)
        finally:
            await services.aclose()

    anyio.run(lock)
    return file_id


def state(data_dir: Path, file_id: str) -> tuple[str, list[EndedSession]]:
    """The file's lock ID ("" when unlocked) and its ended sessions."""

    async def read() -> tuple[str, list[EndedSession]]:
        services = build_services(load_settings(data_dir=data_dir))
        try:
            access = await services.files.access_as_owner(file_id)
            lock_id, _version = services.locks.get_lock(access)
            return lock_id, list(await services.sessions.history(file_id))
        finally:
            await services.aclose()

    return anyio.run(read)


@pytest.mark.parametrize("by", ["alice", "root"])
def test_lock_break_by_owner_or_admin_ends_session_and_records_them(
    locked_by_bob: str, data_dir: Path, by: str
) -> None:
    result = run(data_dir, "lock", "break", locked_by_bob, "--by", by)

    lock_id, ended = state(data_dir, locked_by_bob)
    assert result.stdout.strip() == f"ended the editing session of Bob Brown on {locked_by_bob}"
    assert lock_id == ""
    assert [(e.ended_by, e.editor) for e in ended] == [
        ("Alice Adams" if by == "alice" else "root", "Bob Brown")
    ]


def test_lock_break_without_by_is_recorded_as_administrator(locked_by_bob: str, data_dir: Path) -> None:
    run(data_dir, "lock", "break", locked_by_bob)

    lock_id, ended = state(data_dir, locked_by_bob)
    assert lock_id == ""
    assert [(e.ended_by, e.ended.ended_by) for e in ended] == [("an administrator", None)]


def test_lock_break_by_editor_is_refused(locked_by_bob: str, data_dir: Path) -> None:
    result = run(data_dir, "lock", "break", locked_by_bob, "--by", "bob", ok=False)

    assert "only the owner or an administrator" in result.stderr
    assert state(data_dir, locked_by_bob) == (LOCK, [])


def test_lock_break_of_unlocked_file_says_so(locked_by_bob: str, data_dir: Path) -> None:
    run(data_dir, "lock", "break", locked_by_bob)

    again = run(data_dir, "lock", "break", locked_by_bob, "--by", "alice")

    assert again.stdout.strip() == f"{locked_by_bob} has no editing session"


@pytest.mark.parametrize("args", [("nosuchfile",), ("FILE", "--by", "nobody")], ids=["file", "user"])
def test_lock_break_unknown_file_or_user_fails(
    locked_by_bob: str, data_dir: Path, args: tuple[str, ...]
) -> None:
    argv = [locked_by_bob if a == "FILE" else a for a in args]

    result = run(data_dir, "lock", "break", *argv, ok=False)

    assert result.stderr.startswith("error: ")
    assert state(data_dir, locked_by_bob)[0] == LOCK


def test_unshare_ends_the_revoked_editors_session(locked_by_bob: str, data_dir: Path) -> None:
    run(data_dir, "unshare", locked_by_bob, "--with", "bob")

    lock_id, ended = state(data_dir, locked_by_bob)
    assert lock_id == ""
    assert [(e.ended_by, e.ended.reason.value) for e in ended] == [("Alice Adams", "revoked")]
