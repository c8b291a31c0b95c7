"""Several `wopihost serve` processes over one PostgreSQL database, one S3 server and one Redis.

Each node is a process of its own on a free port with a data directory of its own, as on separate machines;
they share only the back ends and the token signing keys (`tokens.keys_file`), so that a request may go
to any node, as behind a load balancer without sticky sessions. Proof keys are enforced, as in production:
every node trusts the discovery of one development client, and the tests sign their WOPI requests with its
keys (tests/multinode/conftest.py), as a WOPI client does.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import asyncpg
import httpx
import pytest

from tests.redis_service import REDIS_URL
from tests.s3server import ACCESS_KEY, SECRET_KEY
from tests.servers import (
    WOPIHOST,
    free_port,
    mint_token_in_process,
    running,
    stop_process,
    wopihost_in_process,
)
from tests.services import require_tcp_service, service_unavailable
from wopihost.adapters.s3_blobs import S3BlobStore
from wopihost.benchkit.proofs import ProofCache, load_signer
from wopihost.config import S3Settings

MARKS = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.s3]
PASSWORD = "correct horse battery"
MiB = 1024 * 1024
READY_TIMEOUT = 60.0
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
# Failed sign-ins per user name and address before every node refuses more.
SIGNIN_LIMIT = 5


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres", timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def create_database(name: str) -> None:
    """An empty PostgreSQL database on the machine's server (trust authentication)."""
    await _admin(f'CREATE DATABASE "{name}"')


async def drop_database(name: str) -> None:
    """Drop a database made by `create_database`, ending any connection left to it."""
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_url(name: str) -> str:
    """The host's URL of a database on the machine's server."""
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


@contextmanager
def made_database(prefix: str) -> Iterator[str]:
    """A database made for a test (`prefix` and a random tail) and dropped afterwards; yields its name.

    Without a server that will make one, the test is skipped (it fails when CI is set).
    """
    require_tcp_service("PostgreSQL", PG_HOST, PG_PORT)
    name = f"{prefix}_{secrets.token_hex(6)}"
    try:
        anyio.run(create_database, name)
    except (OSError, asyncpg.PostgresError) as exc:
        service_unavailable(f"PostgreSQL at {PG_HOST}:{PG_PORT} refused to create a database: {exc}")
    try:
        yield name
    finally:
        anyio.run(drop_database, name)


def node_env(
    database: str, s3: S3Settings, redis_prefix: str, keys_file: Path, proof_keys_file: Path
) -> dict[str, str]:
    """The settings every node and command of a cluster shares, as environment variables."""
    secret = s3.secret_access_key.get_secret_value() if s3.secret_access_key else ""
    return {
        "WOPIHOST_DATABASE__URL": database_url(database),
        "WOPIHOST_STORAGE__BACKEND": "s3",
        "WOPIHOST_STORAGE__S3__ENDPOINT_URL": s3.endpoint_url or "",
        "WOPIHOST_STORAGE__S3__BUCKET": s3.bucket,
        "WOPIHOST_STORAGE__S3__ACCESS_KEY_ID": s3.access_key_id or "",
        "WOPIHOST_STORAGE__S3__SECRET_ACCESS_KEY": secret,
        "WOPIHOST_STORAGE__S3__PART_SIZE": str(s3.part_size),
        "WOPIHOST_STORAGE__S3__HEARTBEAT_SECONDS": str(s3.heartbeat_seconds),
        "WOPIHOST_REDIS__URL": REDIS_URL,
        "WOPIHOST_REDIS__KEY_PREFIX": redis_prefix,
        "WOPIHOST_TOKENS__KEYS_FILE": str(keys_file),
        "WOPIHOST_SIGNIN__MAX_FAILURES_PER_USER_ADDRESS": str(SIGNIN_LIMIT),
        # Every WOPI request must carry a valid proof, signed with the cluster's WOPI client keys (below).
        "WOPIHOST_PROOF_KEYS__MODE": "enforce",
        "WOPIHOST_DEVCLIENT__KEYS_FILE": str(proof_keys_file),
        "WOPIHOST_DEVCLIENT__ENABLED": "false",
        # What the tests do not look at stays off, so that the nodes leave the CPU to the requests.
        "WOPIHOST_SEARCH__INDEXER_ENABLED": "false",
        "WOPIHOST_PREVIEWS__ENABLED": "false",
    }


@dataclass
class Node:
    """One `wopihost serve` process and the URL it answers on."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    # The node's development client, when the cluster runs one on each node.
    devclient_url: str = ""

    def kill(self) -> None:
        """SIGKILL the node and everything it started: no shutdown, no clean-up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@dataclass
class Cluster:
    """The shared settings of every node, the running nodes, and what the tests need to seed data."""

    root: Path
    env: dict[str, str]
    s3: S3Settings
    database_dsn: str
    nodes: list[Node] = field(default_factory=list)
    # The cluster's WOPI client signing, made on first use.
    _proofs: ProofCache | None = field(default=None, init=False, repr=False)

    @classmethod
    def configure(cls, root: Path, *, database: str, s3_endpoint: str, redis_prefix: str) -> Cluster:
        """A cluster on an existing database, a new bucket on `s3_endpoint`, and keys under `root`."""
        s3 = S3Settings(
            endpoint_url=s3_endpoint,
            bucket=f"multinode-{secrets.token_hex(6)}",
            access_key_id=ACCESS_KEY,
            secret_access_key=SECRET_KEY,  # type: ignore[arg-type]
            part_size=5 * MiB,
            heartbeat_seconds=0.5,
        )
        shared = root / "shared"
        env = node_env(database, s3, redis_prefix, shared / "signing-keys.json", shared / "proof-keys.json")
        dsn = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"
        return cls(root=root, env=env, s3=s3, database_dsn=dsn)

    @property
    def setup_dir(self) -> Path:
        return self.root / "setup"

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """Run a `wopihost` command with the cluster's settings, as an operator on any machine would (in this
        process, which is no node)."""
        return wopihost_in_process(self.setup_dir, *args, env=self.env, stdin=stdin)

    def add_user(self, username: str, name: str) -> None:
        self.cli("user", "add", username, "--name", name, "--password-stdin", stdin=PASSWORD + "\n")

    def new_file(self, owner: str, content: bytes, *, editors: Sequence[str] = ()) -> str:
        """A file owned by `owner` holding `content`, editable by `editors`; its ID."""
        source = self.root / f"seed-{time.monotonic_ns()}.docx"
        source.write_bytes(content)
        file_id = self.cli("file", "put", str(source), "--owner", owner)
        for editor in editors:
            self.cli("share", file_id, "--with", editor, "--role", "edit")
        return file_id

    def tokens(self, file_id: str, *usernames: str) -> list[str]:
        """Access tokens to `file_id` for each user, minted by the CLI."""
        minted = [mint_token_in_process(self.setup_dir, user, file_id, self.env) for user in usernames]
        return [token.access_token for token in minted]

    async def sql(self, query: str, *args: object) -> list[asyncpg.Record]:
        """Rows of a query on the cluster's database, read directly."""
        conn = await asyncpg.connect(self.database_dsn, timeout=10)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    def incomplete_uploads(self) -> list[str]:
        """The multipart uploads in the bucket that are neither completed nor aborted."""

        async def listed() -> list[str]:
            async with S3BlobStore(self.s3) as store:
                return await store.uploads.incomplete()

        return anyio.run(listed)

    @property
    def proof_keys_file(self) -> Path:
        """The WOPI client's proof keys: those of the cluster's development clients, which sign requests."""
        return Path(self.env["WOPIHOST_DEVCLIENT__KEYS_FILE"])

    def proof_headers(self, access_token: str, url: str) -> dict[str, str]:
        """The proof headers the cluster's WOPI client sends with a request to `url`."""
        if self._proofs is None:
            self._proofs = ProofCache(load_signer(self.proof_keys_file))
        return self._proofs.headers(access_token, url)

    @contextmanager
    def wopi_client(self) -> Iterator[str]:
        """A development client of its own, whose discovery (with the proof keys) every node trusts."""
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        data_dir = self.root / "wopi-client"
        command = [*WOPIHOST, "--data-dir", str(data_dir), "devclient", "serve", "--port", str(port)]
        command += ["--public-url", url]
        env = {k: v for k, v in self.env.items() if k != "WOPIHOST_REDIS__URL"}
        with running(command, f"{url}/hosting/discovery", env=env, log=self.root / "wopi-client.log"):
            self.env["WOPIHOST_DISCOVERY__URL"] = f"{url}/hosting/discovery"
            yield url

    @contextmanager
    def started(self, count: int, *, devclient: Mapping[str, str] | None = None) -> Iterator[list[Node]]:
        """Start `count` more nodes at once, wait until each is ready, and stop them afterwards.

        With `devclient` (its settings as environment variables), each node runs a development client too.
        """
        with ExitStack() as stack:
            spawned = (_spawn(self, self.root / f"node-{free_port()}", devclient) for _ in range(count))
            nodes = [stack.enter_context(node) for node in spawned]
            for node in nodes:
                wait_ready(node)
            yield nodes


@contextmanager
def _spawn(cluster: Cluster, data_dir: Path, devclient: Mapping[str, str] | None) -> Iterator[Node]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    data_dir.mkdir(parents=True)
    log = data_dir / "serve.log"
    command = [*WOPIHOST, "--data-dir", str(data_dir), "serve", "--port", str(port), "--public-url", url]
    env = {**os.environ, **cluster.env}
    devclient_url = ""
    if devclient is not None:
        devclient_port = free_port()
        devclient_url = f"http://127.0.0.1:{devclient_port}"
        command += ["--devclient-port", str(devclient_port)]
        env.update({**devclient, "WOPIHOST_DEVCLIENT__ENABLED": "true"})
        # A node runs its own client only when it reads no other discovery; the keys are the same file.
        env.pop("WOPIHOST_DISCOVERY__URL", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield Node(url, process, log, devclient_url)
        finally:
            stop_process(process)


def wait_ready(node: Node, timeout: float = READY_TIMEOUT) -> None:
    """Poll the node's /readyz until it answers 200, or fail with the end of its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if node.process.poll() is not None:
            raise RuntimeError(f"node {node.url} exited with {node.process.returncode}:\n{_tail(node.log)}")
        try:
            if httpx.get(f"{node.url}/readyz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"node {node.url} was not ready within {timeout} s:\n{_tail(node.log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""


def sha256_b64(content: bytes) -> str:
    return base64.b64encode(hashlib.sha256(content).digest()).decode("ascii")


class Wopi:
    """WOPI requests on one file with one user's token, to whichever node each call names."""

    def __init__(self, client: httpx.AsyncClient, file_id: str, token: str) -> None:
        self.client = client
        self.file_id = file_id
        self.token = token

    def _url(self, node: Node, suffix: str = "") -> str:
        return f"{node.url}/wopi/files/{self.file_id}{suffix}?access_token={self.token}"

    async def override(self, node: Node, override: str, lock: str, **headers: str) -> httpx.Response:
        """A POST with X-WOPI-Override (LOCK, REFRESH_LOCK, UNLOCK, ...) and X-WOPI-Lock."""
        sent = {"X-WOPI-Override": override, "X-WOPI-Lock": lock, **headers}
        return await self.client.post(self._url(node), headers=sent)

    async def put_file(self, node: Node, lock: str, content: bytes) -> httpx.Response:
        headers = {"X-WOPI-Override": "PUT", "X-WOPI-Lock": lock}
        return await self.client.post(self._url(node, "/contents"), headers=headers, content=content)

    async def get_file(self, node: Node) -> bytes:
        response = await self.client.get(self._url(node, "/contents"))
        assert response.status_code == 200, response.text
        return response.content

    async def check_file_info(self, node: Node) -> dict[str, object]:
        response = await self.client.get(self._url(node))
        assert response.status_code == 200, response.text
        info: dict[str, object] = response.json()
        return info
