"""The command line: init, user add, file put, share/unshare and token, through click's CliRunner."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from wopihost.adapters.clock import SystemClock
from wopihost.adapters.keyring_file import load_or_create_keyring
from wopihost.cli import main
from wopihost.domain.ids import looks_like_id
from wopihost.services.tokens import TokenService

TEN_HOURS_MS = 10 * 3600 * 1000


@pytest.fixture(autouse=True)
def isolated_logging() -> Iterator[None]:
    """The CLI configures the root logger for its process; give the rest of the test session its own back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    watched = [logging.getLogger(name) for name in ("alembic", "uvicorn.access")]
    saved = [(lg.level, lg.disabled, lg.propagate) for lg in watched]
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for lg, (lvl, disabled, propagate) in zip(watched, saved, strict=True):
            lg.setLevel(lvl)
            lg.disabled, lg.propagate = disabled, propagate


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_password_hashing: None) -> Path:
    for name in [n for n in os.environ if n.startswith("WOPIHOST_")]:
        monkeypatch.delenv(name)
    return tmp_path / "data"


def run(data_dir: Path, *args: str, ok: bool = True) -> Result:
    result = CliRunner().invoke(main, ["--data-dir", str(data_dir), *args], catch_exceptions=False)
    assert (result.exit_code == 0) is ok, (result.exit_code, result.stdout, result.stderr)
    return result


def out(result: Result) -> str:
    return result.stdout.strip()


@pytest.fixture
def populated(data_dir: Path, tmp_path: Path) -> dict[str, str]:
    """alice and bob, and alice's report.docx."""
    local = tmp_path / "report.docx"
    local.write_bytes(b"report bytes")
    alice = out(run(data_dir, "user", "add", "alice", "--name", "Alice A."))
    bob = out(run(data_dir, "user", "add", "bob"))
    file_id = out(run(data_dir, "file", "put", str(local), "--owner", "alice"))
    return {"alice": alice, "bob": bob, "file": file_id}


def test_init_twice_is_idempotent(data_dir: Path) -> None:
    first = run(data_dir, "init")
    keys = (data_dir / "secrets" / "signing-keys.json").read_bytes()
    alice = out(run(data_dir, "user", "add", "alice"))

    second = run(data_dir, "init")

    assert out(first) == out(second) == f"initialised {data_dir.resolve()}"
    assert (data_dir / "secrets" / "signing-keys.json").read_bytes() == keys
    assert (data_dir / "wopihost.db").is_file()
    assert alice in out(run(data_dir, "user", "list"))


def test_user_add_prints_stable_user_id(data_dir: Path) -> None:
    user_id = out(run(data_dir, "user", "add", "alice", "--name", "Alice A."))

    listed = out(run(data_dir, "user", "list"))

    assert looks_like_id(user_id)
    assert listed == f"{user_id}\talice\tAlice A.\t-"


@pytest.mark.parametrize("username", ["Bad Name!", "", ".leading-dot", "x" * 65])
def test_user_add_invalid_username_fails_with_message(data_dir: Path, username: str) -> None:
    result = run(data_dir, "user", "add", username, ok=False)

    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")


def test_user_add_taken_username_fails_and_keeps_first_user(data_dir: Path) -> None:
    first = out(run(data_dir, "user", "add", "alice"))

    result = run(data_dir, "user", "add", "alice", ok=False)

    assert "already exists" in result.stderr
    assert out(run(data_dir, "user", "list")).split("\t")[0] == first


def test_file_put_prints_file_id_and_lists_file(populated: dict[str, str], data_dir: Path) -> None:
    listing = out(run(data_dir, "file", "list", "--owner", "alice"))

    assert looks_like_id(populated["file"])
    assert listing == f"{populated['file']}\t12\tv1\treport.docx"


def test_file_put_to_path_creates_folders(populated: dict[str, str], data_dir: Path, tmp_path: Path) -> None:
    local = tmp_path / "q1.xlsx"
    local.write_bytes(b"numbers")

    file_id = out(
        run(data_dir, "file", "put", str(local), "--owner", "alice", "--to", "/Reports/2026/q1.xlsx")
    )

    assert looks_like_id(file_id)
    assert (
        out(run(data_dir, "file", "list", "--owner", "alice", "/Reports/2026"))
        == f"{file_id}\t7\tv1\tq1.xlsx"
    )


def test_file_put_existing_name_fails_unless_replace(
    populated: dict[str, str], data_dir: Path, tmp_path: Path
) -> None:
    local = tmp_path / "report.docx"
    local.write_bytes(b"second edition")

    refused = run(data_dir, "file", "put", str(local), "--owner", "alice", ok=False)
    replaced = out(run(data_dir, "file", "put", str(local), "--owner", "alice", "--replace"))

    assert "already exists" in refused.stderr
    assert replaced == populated["file"]
    assert out(run(data_dir, "file", "list", "--owner", "alice")) == f"{replaced}\t14\tv2\treport.docx"


def test_token_prints_wopi_src_token_and_ttl_in_ms_since_epoch(
    populated: dict[str, str], data_dir: Path
) -> None:
    before_ms = time.time() * 1000

    printed = json.loads(out(run(data_dir, "token", "--user", "alice", "--file", populated["file"])))

    assert set(printed) == {"wopi_src", "access_token", "access_token_ttl"}
    assert printed["wopi_src"] == f"http://127.0.0.1:8080/wopi/files/{populated['file']}"
    assert isinstance(printed["access_token_ttl"], int)
    assert abs(printed["access_token_ttl"] - (before_ms + TEN_HOURS_MS)) < 60_000
    assert len(printed["access_token"]) < 2000
    keyring = load_or_create_keyring(data_dir / "secrets" / "signing-keys.json")
    service = TokenService(keyring, ttl=timedelta(hours=10), clock=SystemClock())
    claims = service.verify(printed["access_token"], file_id=populated["file"])
    assert claims.user_id == populated["alice"]


@pytest.mark.parametrize(
    ("user", "file"), [("nobody", "file"), ("alice", "nosuchfilenosuchfilenosu"), ("bob", "file")]
)
def test_token_for_unknown_user_or_file_or_no_access_fails(
    populated: dict[str, str], data_dir: Path, user: str, file: str
) -> None:
    result = run(data_dir, "token", "--user", user, "--file", populated.get(file, file), ok=False)

    assert result.stderr.startswith("error: ")
    assert result.stdout == ""


def test_share_then_unshare_grants_then_revokes_token(populated: dict[str, str], data_dir: Path) -> None:
    file_id = populated["file"]

    shared = run(data_dir, "share", file_id, "--with", "bob", "--role", "edit")
    token = json.loads(out(run(data_dir, "token", "--user", "bob", "--file", file_id)))
    unshared = run(data_dir, "unshare", file_id, "--with", "bob")
    refused = run(data_dir, "token", "--user", "bob", "--file", file_id, ok=False)
    again = run(data_dir, "unshare", file_id, "--with", "bob")

    assert out(shared) == f"shared {file_id} with bob (edit)"
    assert token["wopi_src"].endswith(file_id)
    assert out(unshared) == f"unshared {file_id} from bob"
    assert refused.stderr.startswith("error: ")
    assert out(again) == f"bob had no share of {file_id}"


@pytest.mark.parametrize(
    "args",
    [
        ("share", "FILE", "--with", "nobody"),
        ("share", "FILE", "--with", "alice"),
        ("share", "nosuchfilenosuchfilenosu", "--with", "bob"),
        ("unshare", "FILE", "--with", "nobody"),
    ],
    ids=["unknown-user", "owner", "unknown-file", "unshare-unknown-user"],
)
def test_share_invalid_target_fails_with_message(
    populated: dict[str, str], data_dir: Path, args: tuple[str, ...]
) -> None:
    result = run(data_dir, *[populated["file"] if a == "FILE" else a for a in args], ok=False)

    assert result.stderr.startswith("error: ")


def test_data_dir_from_environment_is_used(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WOPIHOST_DATA_DIR", str(data_dir))

    result = CliRunner().invoke(main, ["user", "add", "eve"], catch_exceptions=False)

    assert result.exit_code == 0
    assert (data_dir / "wopihost.db").is_file()
