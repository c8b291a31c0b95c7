"""`wopihost search`: results as a user sees them, and `search reindex`."""

from __future__ import annotations

from pathlib import Path

from tests import search_documents as docs
from tests.integration.test_cli import data_dir, isolated_logging, out, run

__all__ = ["data_dir", "isolated_logging"]


def test_cli_search_prints_name_path_and_snippet(data_dir: Path, tmp_path: Path) -> None:
    local = tmp_path / "Budget.docx"
    local.write_bytes(docs.word("Quarterly résumé of the budget"))
    run(data_dir, "user", "add", "alice")
    run(data_dir, "file", "put", str(local), "--owner", "alice", "--to", "/Reports/2024/Budget.docx")

    assert out(run(data_dir, "search", "reindex")) == "indexed 1 file"
    found = out(run(data_dir, "search", "--user", "alice", "resume"))

    assert found.splitlines() == ["text\tBudget.docx\t/Reports/2024\tQuarterly [résumé] of the budget"]
    assert (
        out(run(data_dir, "search", "--user", "alice", "budg")).splitlines()[0]
        == "file\tBudget.docx\t/Reports/2024"
    )


def test_cli_search_unknown_user_fails_plainly(data_dir: Path) -> None:
    run(data_dir, "init")

    result = run(data_dir, "search", "--user", "nobody", "x", ok=False)

    assert "error:" in result.stderr
