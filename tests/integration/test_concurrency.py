"""Races against a real server: `wopihost serve --workers 3`, so that requests meet in different processes.

The version history the server keeps (read from its SQLite database once it has stopped) shows what each
successful write did, and in which order.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx
import pytest

from tests.servers import wopihost_server
from wopihost.app import build_services, initialise
from wopihost.config import Settings
from wopihost.domain.permissions import Role

pytestmark = [pytest.mark.slow, pytest.mark.anyio, pytest.mark.timeout(180)]

ROUNDS = 25
ORIGINAL = b"original"
SERVER_ENV = {"WOPIHOST_PROOF_KEYS__MODE": "off", "WOPIHOST_LOGGING__LEVEL": "WARNING"}


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


@dataclass
class Server:
    """A running `wopihost serve` with race.docx, and tokens for its owner and an editor."""

    base: str
    data_dir: Path
    file_id: str
    tokens: tuple[str, str]
    stack: ExitStack

    def stop(self) -> None:
        self.stack.close()

    def url(self, *, contents: bool = False) -> str:
        return f"{self.base}/wopi/files/{self.file_id}" + ("/contents" if contents else "")

    def versions(self) -> list[tuple[int, str]]:
        """(number, SHA-256) of every version, oldest first, from the stopped server's database."""
        db = sqlite3.connect(f"file:{self.data_dir / 'wopihost.db'}?mode=ro", uri=True)
        try:
            rows = db.execute(
                "SELECT number, sha256 FROM versions WHERE file_id = ? ORDER BY number", (self.file_id,)
            ).fetchall()
        finally:
            db.close()
        return [(int(number), str(sha)) for number, sha in rows]

    def blob_count(self) -> int:
        root = self.data_dir / "blobs"
        return sum(1 for p in root.rglob("*") if p.is_file() and p.parent != root / "tmp")


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _prepare(data_dir: Path) -> tuple[str, tuple[str, str]]:
    settings = Settings(data_dir=data_dir)
    await initialise(settings)
    services = build_services(settings, ui_enabled=False)
    try:
        alice = await services.users.add_user("alice", "Alice")
        bob = await services.users.add_user("bob", "Bob")
        root = await services.files.ensure_folder_path(alice, [])
        file = await services.files.upload(alice, root, "race.docx", _once(ORIGINAL))
        await services.files.share(await services.files.access_as_owner(file.id), "bob", Role.EDIT)
        tokens = (
            services.tokens.issue(alice.id, file.id).token,
            services.tokens.issue(bob.id, file.id).token,
        )
        return file.id, tokens
    finally:
        await services.aclose()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    data_dir = tmp_path / "data"
    file_id, tokens = anyio.run(_prepare, data_dir)
    with ExitStack() as stack:
        base = stack.enter_context(wopihost_server(data_dir, workers=3, env=SERVER_ENV))
        yield Server(base, data_dir, file_id, tokens, stack)


@pytest.fixture
async def clients(server: Server) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Four clients, each with its own connections (so that the kernel spreads them over the workers)."""
    async with (
        httpx.AsyncClient(timeout=30) as a,
        httpx.AsyncClient(timeout=30) as b,
        httpx.AsyncClient(timeout=30) as c,
        httpx.AsyncClient(timeout=30) as d,
    ):
        yield [a, b, c, d]


async def wopi(
    client: httpx.AsyncClient,
    server: Server,
    override: str,
    *,
    token: int = 0,
    body: bytes | None = None,
    **headers: str,
) -> httpx.Response:
    wopi_headers = {"X-WOPI-Override": override, **{f"X-WOPI-{k}": v for k, v in headers.items()}}
    return await client.post(
        server.url(contents=override == "PUT"),
        params={"access_token": server.tokens[token]},
        headers=wopi_headers,
        content=body or b"",
    )


async def test_lock_simultaneous_different_ids_exactly_one_wins(
    server: Server, clients: list[httpx.AsyncClient]
) -> None:
    for n in range(ROUNDS):
        ids = (f"round-{n}-first", f"round-{n}-second")

        first, second = await asyncio.gather(
            wopi(clients[0], server, "LOCK", Lock=ids[0]),
            wopi(clients[1], server, "LOCK", token=1, Lock=ids[1]),
        )

        assert sorted([first.status_code, second.status_code]) == [200, 409], n
        winner, loser = (ids[0], second) if first.status_code == 200 else (ids[1], first)
        assert loser.headers["X-WOPI-Lock"] == winner
        assert "X-WOPI-Lock" not in (first if loser is second else second).headers
        assert (await wopi(clients[2], server, "UNLOCK", Lock=winner)).status_code == 200


async def _unlock_then_next_client_writes(
    client: httpx.AsyncClient, server: Server, lock_id: str, next_lock: str, content: bytes, delay: float
) -> None:
    # Once the unlock is through, a late write under the old lock would land after this client's write.
    await asyncio.sleep(delay)
    assert (await wopi(client, server, "UNLOCK", token=1, Lock=lock_id)).status_code == 200
    assert (await wopi(client, server, "LOCK", token=1, Lock=next_lock)).status_code == 200
    assert (await wopi(client, server, "PUT", token=1, body=content, Lock=next_lock)).status_code == 200
    assert (await wopi(client, server, "UNLOCK", token=1, Lock=next_lock)).status_code == 200


async def test_put_file_racing_unlock_writes_only_under_valid_lock(
    server: Server, clients: list[httpx.AsyncClient]
) -> None:
    expected: list[str] = [sha256_b64(ORIGINAL)]
    won = 0

    for n in range(ROUNDS):
        lock_id, next_lock = f"race-{n}", f"next-{n}"
        racing, follow_up = f"racing write {n}".encode() * 50, f"follow-up write {n}".encode()
        assert (await wopi(clients[0], server, "LOCK", Lock=lock_id)).status_code == 200

        # The unlock starts 0 to 40 ms after the PutFile, so that each side wins some rounds.
        put, _ = await asyncio.gather(
            wopi(clients[0], server, "PUT", body=racing, Lock=lock_id),
            _unlock_then_next_client_writes(clients[1], server, lock_id, next_lock, follow_up, (n % 5) / 100),
        )

        assert put.status_code in (200, 409)
        if put.status_code == 200:
            won += 1
            expected.append(sha256_b64(racing))
        else:
            assert put.headers["X-WOPI-Lock"] in ("", next_lock)
        expected.append(sha256_b64(follow_up))
        current = await clients[2].get(server.url(contents=True), params={"access_token": server.tokens[0]})
        assert current.content == follow_up

    server.stop()
    versions = server.versions()
    # Each round: the racing write (only if it answered 200), then always the next client's write after it.
    assert [number for number, _ in versions] == list(range(1, len(expected) + 1))
    assert [sha for _, sha in versions] == expected
    assert server.blob_count() == len(versions), "a refused write left its upload behind"
    print(f"PutFile won the race against Unlock in {won} of {ROUNDS} rounds")


async def test_put_file_concurrent_with_right_lock_all_succeed_with_distinct_versions(
    server: Server, clients: list[httpx.AsyncClient]
) -> None:
    lock = await wopi(clients[0], server, "LOCK", Lock="shared-session")
    start = int(lock.headers["X-WOPI-ItemVersion"])
    contents = {f"client {c} save {n}".encode() * 20 for c in range(4) for n in range(6)}

    responses = await asyncio.gather(
        *(
            wopi(clients[i % 4], server, "PUT", token=i % 2, body=body, Lock="shared-session")
            for i, body in enumerate(sorted(contents))
        )
    )

    assert [r.status_code for r in responses] == [200] * len(contents)
    item_versions = sorted(int(r.headers["X-WOPI-ItemVersion"]) for r in responses)
    assert item_versions == list(range(start + 1, start + len(contents) + 1))
    info = (await clients[0].get(server.url(), params={"access_token": server.tokens[0]})).json()
    assert info["Version"] == str(start + len(contents))
    server.stop()
    versions = server.versions()
    assert [number for number, _ in versions] == list(range(1, start + len(contents) + 1))
    assert {sha for number, sha in versions if number > start} == {sha256_b64(c) for c in contents}
    assert info["SHA256"] == versions[-1][1]
