"""Every acknowledged lock change is durable: lock changes on many files at once (so that SQLite's group
commit batches them), then SIGKILL of the server; after a restart each file carries the lock of the last
change acknowledged for it. On SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import anyio
import httpx
import pytest

from tests.integration.test_node_killed_mid_put import node
from tests.servers import mint_token_in_process, wopihost_in_process

pytestmark = pytest.mark.slow
FILES = 6
ROUNDS = 10


async def _change_locks(base: str, targets: list[tuple[str, str]]) -> dict[str, str]:
    """Lock each file, then relock it ROUNDS times, all files at once; return the acknowledged locks."""
    acknowledged: dict[str, str] = {}

    async def one(client: httpx.AsyncClient, file_id: str, token: str) -> None:
        url = f"{base}/wopi/files/{file_id}?access_token={token}"
        answer = await client.post(url, headers={"X-WOPI-Override": "LOCK", "X-WOPI-Lock": f"{file_id}-0"})
        assert answer.status_code == 200, answer.text
        acknowledged[file_id] = f"{file_id}-0"
        for n in range(1, ROUNDS + 1):
            headers = {
                "X-WOPI-Override": "LOCK",
                "X-WOPI-Lock": f"{file_id}-{n}",
                "X-WOPI-OldLock": f"{file_id}-{n - 1}",
            }
            answer = await client.post(url, headers=headers)
            assert answer.status_code == 200, answer.text
            acknowledged[file_id] = f"{file_id}-{n}"

    async with httpx.AsyncClient(timeout=30) as client, anyio.create_task_group() as group:
        for file_id, token in targets:
            group.start_soon(one, client, file_id, token)
    return acknowledged


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """The database settings: SQLite in the data directory, or a PostgreSQL database made for the test."""
    if request.param == "sqlite":
        return {}
    return {"WOPIHOST_DATABASE__URL": request.getfixturevalue("postgresql_url")}


def test_acknowledged_lock_changes_survive_sigkill(tmp_path: Path, database_env: dict[str, str]) -> None:
    data_dir = tmp_path / "data"
    env = {"WOPIHOST_DEVCLIENT__ENABLED": "false", **database_env}
    wopihost_in_process(data_dir, "init", env=env)
    wopihost_in_process(data_dir, "user", "add", "alice", env=env)
    source = tmp_path / "notes.txt"
    source.write_bytes(b"notes")
    ids = [
        wopihost_in_process(
            data_dir, "file", "put", str(source), "--owner", "alice", "--to", f"/n{n}.txt", env=env
        )
        for n in range(FILES)
    ]
    targets = [
        (file_id, mint_token_in_process(data_dir, "alice", file_id, env).access_token) for file_id in ids
    ]

    with node(data_dir, env) as (base, process):
        acknowledged = anyio.run(_change_locks, base, targets)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    with node(data_dir, env) as (base, _process):
        for file_id, token in targets:
            answer = httpx.post(
                f"{base}/wopi/files/{file_id}?access_token={token}", headers={"X-WOPI-Override": "GET_LOCK"}
            )
            assert answer.status_code == 200
            assert answer.headers["X-WOPI-Lock"] == acknowledged[file_id]
