"""`wopihost db` and the start-up schema check, on SQLite and PostgreSQL.

SQLite is one node's own file, so commands bring it up to date themselves (the README's run command works on
a fresh machine); a PostgreSQL database may be shared by many nodes, so only `init` and `db upgrade` change it
unless `database.auto_upgrade` says otherwise, and `serve` refuses an outdated schema with the fix.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
from pathlib import Path

import asyncpg
import pytest
from alembic import command
from click.testing import CliRunner, Result

from tests.servers import WOPIHOST, free_port
from wopihost.adapters.sql.migrate import alembic_config, head_revision, history
from wopihost.cli import main

HEAD = head_revision()
PREVIOUS = history()[-2].revision
UPGRADE_HINT = "run `wopihost db upgrade`"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("WOPIHOST_")]:
        monkeypatch.delenv(name)


def cli(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), *args], env=env, catch_exceptions=False)


def sqlite_revision(data_dir: Path) -> str:
    with sqlite3.connect(data_dir / "wopihost.db") as conn:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def serve_refused(data_dir: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`wopihost serve` as a process: it must stop before listening, with status 1."""
    result = subprocess.run(
        [*WOPIHOST, "--data-dir", str(data_dir), "serve", "--port", str(free_port())],
        env={**os.environ, "WOPIHOST_DEVCLIENT__ENABLED": "false", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    return result


def test_db_current_upgrade_and_history_on_fresh_sqlite(tmp_path: Path) -> None:
    data = tmp_path / "data"
    current = cli(data, "db", "current", "--check")
    assert current.exit_code == 1
    assert f"revision none (no schema); this wopihost needs {HEAD}" in current.output

    upgraded = cli(data, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert f"upgraded the database schema from nothing to {HEAD}" in upgraded.output
    assert sqlite_revision(data) == HEAD

    again = cli(data, "db", "upgrade")
    assert again.output.strip() == f"database schema at revision {HEAD} (the latest)"
    assert cli(data, "db", "current", "--check").exit_code == 0

    lines = cli(data, "db", "history").output.splitlines()
    assert [line.split("\t")[0] for line in lines] == [r.revision for r in history()]
    assert lines[0].startswith("0001\t")
    assert lines[-1].endswith("(head)")


def test_sqlite_demo_setup_creates_the_schema_and_commands_upgrade_an_old_one(tmp_path: Path) -> None:
    data = tmp_path / "data"
    demo = cli(data, "demo-setup")
    assert demo.exit_code == 0, demo.output
    assert sqlite_revision(data) == HEAD

    downgrade(f"sqlite+aiosqlite:///{data / 'wopihost.db'}", PREVIOUS)
    assert sqlite_revision(data) == PREVIOUS
    listed = cli(data, "user", "list")
    assert listed.exit_code == 0, listed.output
    assert "alice" in listed.output
    assert sqlite_revision(data) == HEAD


def test_sqlite_without_auto_upgrade_refuses_an_old_schema_and_serve_names_both_revisions(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    assert cli(data, "init").exit_code == 0
    downgrade(f"sqlite+aiosqlite:///{data / 'wopihost.db'}", PREVIOUS)
    env = {"WOPIHOST_DATABASE__AUTO_UPGRADE": "false"}

    listed = cli(data, "user", "list", env=env)
    assert listed.exit_code == 1
    expected = f"database schema at revision {PREVIOUS}; this wopihost needs {HEAD}: {UPGRADE_HINT}"
    assert expected in listed.output
    assert expected in serve_refused(data, env).stderr
    assert sqlite_revision(data) == PREVIOUS

    assert cli(data, "db", "upgrade", env=env).exit_code == 0
    assert cli(data, "user", "list", env=env).exit_code == 0


def test_schema_newer_than_the_code_is_refused_and_never_touched(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert cli(data, "init").exit_code == 0
    with sqlite3.connect(data / "wopihost.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")

    for args in (["user", "list"], ["db", "upgrade"], ["init"]):
        result = cli(data, *args)
        assert result.exit_code == 1, args
        assert "revision 9999, which this wopihost does not know" in result.output
    assert sqlite_revision(data) == "9999"


async def _pg_revision(url: str) -> str | None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"), timeout=5)
    try:
        if not await conn.fetchval("SELECT to_regclass('alembic_version') IS NOT NULL"):
            return None
        return str(await conn.fetchval("SELECT version_num FROM alembic_version"))
    finally:
        await conn.close()


@pytest.mark.postgres
def test_postgresql_is_never_migrated_implicitly_and_serve_refuses_until_db_upgrade(
    tmp_path: Path, postgresql_url: str
) -> None:
    data = tmp_path / "data"
    env = {"WOPIHOST_DATABASE__URL": postgresql_url}

    refused = cli(data, "user", "list", env=env)
    assert refused.exit_code == 1
    assert f"revision none (no schema); this wopihost needs {HEAD}: {UPGRADE_HINT}" in refused.output
    assert f"needs {HEAD}: {UPGRADE_HINT}" in serve_refused(data, env).stderr
    assert asyncio.run(_pg_revision(postgresql_url)) is None

    upgraded = cli(data, "db", "upgrade", env=env)
    assert f"upgraded the database schema from nothing to {HEAD}" in upgraded.output
    assert cli(data, "db", "current", "--check", env=env).exit_code == 0
    assert cli(data, "user", "add", "alice", env=env).exit_code == 0

    downgrade(postgresql_url, PREVIOUS)
    current = cli(data, "db", "current", "--check", env=env)
    assert current.exit_code == 1
    assert f"revision {PREVIOUS}; this wopihost needs {HEAD}" in current.output
    expected = f"database schema at revision {PREVIOUS}; this wopihost needs {HEAD}: {UPGRADE_HINT}"
    assert expected in serve_refused(data, env).stderr
    assert asyncio.run(_pg_revision(postgresql_url)) == PREVIOUS


@pytest.mark.postgres
def test_postgresql_init_and_auto_upgrade_setting_migrate(tmp_path: Path, postgresql_url: str) -> None:
    data = tmp_path / "data"
    env = {"WOPIHOST_DATABASE__URL": postgresql_url}
    assert cli(data, "init", env=env).exit_code == 0
    assert asyncio.run(_pg_revision(postgresql_url)) == HEAD

    downgrade(postgresql_url, PREVIOUS)
    allowed = cli(data, "user", "list", env={**env, "WOPIHOST_DATABASE__AUTO_UPGRADE": "true"})
    assert allowed.exit_code == 0, allowed.output
    assert asyncio.run(_pg_revision(postgresql_url)) == HEAD
