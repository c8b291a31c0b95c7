"""`wopihost file rename`: a new extension needs --change-extension and must fit the content."""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_cli import data_dir, out, run
from tests.samples import ooxml

__all__ = ["data_dir"]


def _put(data_dir: Path, tmp_path: Path, name: str, content: bytes) -> str:
    local = tmp_path / name
    local.write_bytes(content)
    run(data_dir, "user", "add", "alice")
    return out(run(data_dir, "file", "put", str(local), "--owner", "alice"))


def test_file_rename_keeps_extension_when_none_given(data_dir: Path, tmp_path: Path) -> None:
    file_id = _put(data_dir, tmp_path, "Report.docx", ooxml())

    assert out(run(data_dir, "file", "rename", file_id, "Final")) == f"renamed {file_id} to Final.docx"


def test_file_rename_new_extension_without_flag_refused(data_dir: Path, tmp_path: Path) -> None:
    file_id = _put(data_dir, tmp_path, "notes.txt", b"plain notes\n")

    result = run(data_dir, "file", "rename", file_id, "notes.md", ok=False)

    assert "--change-extension" in result.stderr
    assert out(run(data_dir, "file", "list", "--owner", "alice")).endswith("notes.txt")
    assert "notes.md" in out(run(data_dir, "file", "rename", file_id, "notes.md", "--change-extension"))


def test_file_rename_docx_to_txt_refused_even_with_flag(data_dir: Path, tmp_path: Path) -> None:
    file_id = _put(data_dir, tmp_path, "Report.docx", ooxml())

    result = run(data_dir, "file", "rename", file_id, "Report.txt", "--change-extension", ok=False)

    assert "misdescribe" in result.stderr
    assert out(run(data_dir, "file", "list", "--owner", "alice")).endswith("Report.docx")
