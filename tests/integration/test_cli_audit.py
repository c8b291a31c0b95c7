"""`wopihost audit export`: JSON lines, filtered by time, file and user; CLI actions recorded as the CLI's."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.test_cli import data_dir, isolated_logging, out, populated, run

__all__ = ["data_dir", "isolated_logging", "populated"]


def exported(data_dir: Path, *args: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out(run(data_dir, "audit", "export", *args)).splitlines() if line]


def test_export_lists_cli_actions_as_the_command_lines(populated: dict[str, str], data_dir: Path) -> None:
    file_id = populated["file"]
    run(data_dir, "share", file_id, "--with", "bob", "--role", "edit")
    run(data_dir, "unshare", file_id, "--with", "bob")

    found = exported(data_dir)

    assert [(e["action"], e["client"], e["client_name"]) for e in found] == [
        ("created", "cli", "wopihost-cli"),
        ("shared", "cli", "wopihost-cli"),
        ("unshared", "cli", "wopihost-cli"),
    ]
    assert {e["item_id"] for e in found} == {file_id}


def test_export_filters_by_file_user_and_time(populated: dict[str, str], data_dir: Path) -> None:
    file_id = populated["file"]
    run(data_dir, "share", file_id, "--with", "bob", "--role", "view")

    assert len(exported(data_dir, "--file", file_id)) == 2
    assert exported(data_dir, "--file", "nosuchfilenosuchfilenosu") == []
    assert len(exported(data_dir, "--user", "alice")) == 2
    assert exported(data_dir, "--user", "bob") == []
    assert exported(data_dir, "--since", "2999-01-01") == []
    assert len(exported(data_dir, "--until", "2999-01-01T00:00:00+00:00")) == 2


def test_export_bad_time_fails_with_message(populated: dict[str, str], data_dir: Path) -> None:
    result = run(data_dir, "audit", "export", "--since", "yesterday", ok=False)

    assert "not an ISO 8601 date or time" in result.stderr
