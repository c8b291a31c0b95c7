"""What a serving process keeps out of memory: modules that only some commands or requests need.

A server on an up-to-date SQLite database starts without Alembic (the schema check reads the version table
itself), without the PostgreSQL driver and dialect, SQLAlchemy's asyncio extension, the ZIP writer, the web
UI, the readiness and bench commands, prometheus-client (with metrics off) or, until discovery is fetched,
HTTPX: each is imported when first used. Nor does it load SQLAlchemy's ORM, which the stores never use. The
check runs in a fresh interpreter, since this one has imported them all.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import anyio

from wopihost.adapters.sql.migrate import head_revision
from wopihost.app import initialise
from wopihost.config import Settings
from wopihost.migrations import HEAD_REVISION

NOT_AT_SERVE_TIME = [
    "alembic",
    "mako",
    "asyncpg",
    "sqlalchemy.ext.asyncio",
    "sqlalchemy.dialects.postgresql",
    "sqlalchemy.orm",
    "stream_zip",
    "Crypto",
    "jinja2",
    "babel",
    "wopihost.web.app",
    "wopihost.readiness",
    "wopihost.benchkit",
    "prometheus_client",
]

SERVE = """
import json, sys
import anyio
import wopihost.cli
from wopihost.app import create_app, initialise
from wopihost.config import Settings

settings = Settings(data_dir=sys.argv[1], proof_keys={"mode": "off"})
anyio.run(initialise, settings)
app = create_app(settings)
print(json.dumps(sorted(sys.modules)))
from starlette.testclient import TestClient
with TestClient(app) as client:
    assert client.get("/healthz").status_code == 200
print(json.dumps(sorted(sys.modules)))
"""


def test_head_revision_constant_is_the_head_of_the_packaged_migrations() -> None:
    assert head_revision() == HEAD_REVISION


def test_serve_on_current_sqlite_schema_leaves_lazy_modules_unimported(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    anyio.run(initialise, Settings(data_dir=data_dir, proof_keys={"mode": "off"}))  # type: ignore[arg-type]

    result = subprocess.run(
        [sys.executable, "-c", SERVE, str(data_dir)], capture_output=True, text=True, timeout=60, check=True
    )

    built, served = (set(json.loads(line)) for line in result.stdout.splitlines()[-2:])
    assert "wopihost.app" in built
    # The test client brings HTTPX itself; before it, nothing had.
    assert "httpx" not in built
    assert [name for name in NOT_AT_SERVE_TIME if name in served] == []
