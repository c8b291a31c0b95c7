"""Running the development client against a real `wopihost serve` process, and recording what it sends.

The client runs in this process (in a thread, under uvicorn) so that a recording transport sees every WOPI
request exactly as it goes on the wire; the host runs as a subprocess with proof keys enforced against the
client's own discovery, so a badly signed request fails there too.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx
import uvicorn
from starlette.types import ASGIApp

from tests.servers import WOPIHOST, Token, free_port, running, wopihost_in_process
from wopihost.devclient.keys import DevClientKeys
from wopihost.devclient.wopi_client import WopiClient, WopiResponse, WopiTarget
from wopihost.domain.action_urls import ActionUrlContext, build_action_url
from wopihost.domain.discovery import Discovery, parse_discovery
from wopihost.domain.proofkeys import (
    X_WOPI_PROOF,
    X_WOPI_PROOF_OLD,
    X_WOPI_TIMESTAMP,
    ProofKeys,
    ProofVerdict,
    verify_proof,
)

_OVERRIDES = {
    "LOCK": "Lock",
    "UNLOCK": "Unlock",
    "REFRESH_LOCK": "RefreshLock",
    "GET_LOCK": "GetLock",
    "PUT_RELATIVE": "PutRelativeFile",
    "RENAME_FILE": "RenameFile",
    "PUT": "PutFile",
}
_BOOT = re.compile(r'<script id="devclient-boot" type="application/json">(.*?)</script>', re.S)


@dataclass(frozen=True)
class Exchange:
    """One WOPI request as sent, and the status it got."""

    method: str
    url: str
    headers: Mapping[str, str]
    status: int
    response_headers: Mapping[str, str]
    body: bytes
    response_body: bytes

    @property
    def operation(self) -> str:
        override = self.headers.get("x-wopi-override", "")
        if override == "LOCK" and "x-wopi-oldlock" in self.headers:
            return "UnlockAndRelock"
        if override:
            return _OVERRIDES.get(override, override)
        return "GetFile" if urlsplit(self.url).path.endswith("/contents") else "CheckFileInfo"

    @property
    def file_id(self) -> str:
        return urlsplit(self.url).path.split("/wopi/files/")[1].split("/")[0]

    @property
    def token(self) -> str:
        return parse_qs(urlsplit(self.url).query)["access_token"][0]

    def verify(self, keys: ProofKeys) -> ProofVerdict:
        """Check the proof headers against published keys, over the exact URL sent."""
        return verify_proof(
            keys,
            access_token=self.token,
            url=self.url,
            timestamp=int(self.headers[X_WOPI_TIMESTAMP.lower()]),
            proof_b64=self.headers.get(X_WOPI_PROOF.lower()),
            proof_old_b64=self.headers.get(X_WOPI_PROOF_OLD.lower()),
        )


class RecordingTransport(httpx.AsyncBaseTransport):
    """A real HTTP transport that keeps a copy of every request and its response status."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        response = await self._inner.handle_async_request(request)
        content = b"".join([chunk async for chunk in response.aiter_raw()])
        self.exchanges.append(
            Exchange(
                request.method,
                str(request.url),
                {k.lower(): v for k, v in request.headers.items()},
                response.status_code,
                {k.lower(): v for k, v in response.headers.items()},
                body,
                content,
            )
        )
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    async def aclose(self) -> None:
        await self._inner.aclose()

    def for_file(self, file_id: str) -> list[Exchange]:
        return [ex for ex in list(self.exchanges) if ex.file_id == file_id]


@contextmanager
def serve_in_thread(app: ASGIApp, port: int | None = None) -> Iterator[str]:
    """Run an ASGI app under uvicorn in a background thread; yields its base URL."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def boot_of(html: str) -> dict[str, Any]:
    """Return the boot data a page hands its script."""
    match = _BOOT.search(html)
    assert match, "the page has no boot data"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


@dataclass
class DevClientUnderTest:
    """The development client in this process, its recorder and its key file."""

    base_url: str
    recorder: RecordingTransport
    keys_file: Path
    _discovery: Discovery | None = field(default=None, repr=False)

    def discovery(self) -> Discovery:
        if self._discovery is None:
            self._discovery = parse_discovery(httpx.get(f"{self.base_url}/hosting/discovery").content)
        return self._discovery

    def proof_keys(self) -> ProofKeys:
        """The public keys as a host learns them: parsed from the published discovery XML."""
        response = httpx.get(f"{self.base_url}/hosting/discovery")
        proof_key = parse_discovery(response.content).proof_key
        assert proof_key is not None
        return ProofKeys.from_discovery_attributes(proof_key.as_attributes())

    def action_url(self, ext: str, action: str, wopi_src: str, **context: Any) -> str:
        """An action URL built from discovery the way a host builds it."""
        found = self.discovery().find_action(ext, action)
        assert found is not None, f"discovery has no {action} action for .{ext}"
        return build_action_url(found, ActionUrlContext(wopi_src=wopi_src, **context))

    def open(self, action: str, ext: str, token: Token, **context: Any) -> httpx.Response:
        """Do what a host page's form does: POST access_token and access_token_ttl to an action URL."""
        url = self.action_url(ext, action, token.wopi_src, **context)
        form = {"access_token": token.access_token, "access_token_ttl": str(token.access_token_ttl)}
        return httpx.post(url, data=form, timeout=60)


@dataclass
class HostUnderTest:
    """`wopihost serve` in a subprocess, and the CLI on the same data directory."""

    data_dir: Path
    base_url: str
    env: Mapping[str, str]
    keys_file: Path

    def cli(self, *args: str) -> str:
        return wopihost_in_process(self.data_dir, *args, env=self.env)

    def add_user(self, username: str, name: str) -> None:
        self.cli("user", "add", username, "--name", name)

    def put(self, local: Path, owner: str, target: str) -> str:
        return self.cli("file", "put", str(local), "--owner", owner, "--to", target)

    def share(self, file_id: str, username: str, role: str = "edit") -> None:
        self.cli("share", file_id, "--with", username, "--role", role)

    def token(self, username: str, file_id: str) -> Token:
        return Token(**json.loads(self.cli("token", "--user", username, "--file", file_id)))

    def read(self, token: Token) -> bytes:
        """The file's current content, by a signed GetFile (the host enforces proofs)."""
        response = self._wopi(lambda client, target: client.get_file(target), token)
        assert response.ok, response.describe()
        return response.content

    def create_relative(self, seed: Token, files: list[tuple[str, bytes]]) -> list[tuple[str, Token]]:
        """Create files next to `seed` with PutRelativeFile; return each one's ID and owner token."""

        async def run() -> list[tuple[str, Token]]:
            out = []
            async with httpx.AsyncClient() as http:
                client = WopiClient(http, DevClientKeys.load(self.keys_file).signer)
                for name, content in files:
                    target = WopiTarget(seed.wopi_src, seed.access_token)
                    response = await client.put_relative_file(target, content, relative_target=name)
                    assert response.ok, f"PutRelativeFile {name}: {response.describe()}"
                    url = urlsplit(str((response.json_object() or {})["Url"]))
                    token = parse_qs(url.query)["access_token"][0]
                    wopi_src = f"{url.scheme}://{url.netloc}{url.path}"
                    out.append((url.path.rsplit("/", 1)[1], Token(wopi_src, token, seed.access_token_ttl)))
            return out

        return anyio.run(run)

    def file_name(self, token: Token) -> str:
        """The file's BaseFileName, from a signed CheckFileInfo."""
        response = self._wopi(lambda client, target: client.check_file_info(target), token)
        assert response.ok, response.describe()
        return str((response.json_object() or {})["BaseFileName"])

    def lock_foreign(self, token: Token, lock_id: str) -> None:
        """Lock the file as another WOPI client would, with a lock ID of its own."""
        response = self._wopi(lambda client, target: client.lock(target, lock_id), token)
        assert response.ok, response.describe()

    def _wopi(
        self, call: Callable[[WopiClient, WopiTarget], Awaitable[WopiResponse]], token: Token
    ) -> WopiResponse:
        async def run() -> WopiResponse:
            async with httpx.AsyncClient() as http:
                client = WopiClient(http, DevClientKeys.load(self.keys_file).signer)
                return await call(client, WopiTarget(token.wopi_src, token.access_token))

        return anyio.run(run)


@dataclass(frozen=True)
class FileSpec:
    """A file to prepare: its name and content, who shares it (and how), who gets tokens."""

    name: str
    content: bytes
    shared_with: Mapping[str, str] = field(default_factory=dict)
    tokens_for: tuple[str, ...] = ("alice",)


@dataclass(frozen=True)
class PreparedFile:
    """A prepared file: its ID and a token per user."""

    file_id: str
    tokens: Mapping[str, Token]


def prepare_files(
    host: HostUnderTest, folder: Path, owner: str, specs: list[FileSpec]
) -> dict[str, PreparedFile]:
    """Create files for tests: one upload by the CLI, the rest by PutRelativeFile next to it.

    Shares and the other users' tokens come from the CLI, run in this process.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "seed.txt").write_bytes(b"")
    seed = host.token(owner, host.put(folder / "seed.txt", owner, f"/{folder.name}/seed.txt"))
    created = host.create_relative(seed, [(spec.name, spec.content) for spec in specs])
    ids = {spec.name: file_id for spec, (file_id, _) in zip(specs, created, strict=True)}
    tokens: dict[str, dict[str, Token]] = {
        spec.name: {owner: token} for spec, (_, token) in zip(specs, created, strict=True)
    }
    for spec in specs:
        for user, role in spec.shared_with.items():
            host.share(ids[spec.name], user, role)
    for spec in specs:
        for user in spec.tokens_for:
            if user != owner:
                tokens[spec.name][user] = host.token(user, ids[spec.name])
    return {name: PreparedFile(ids[name], tokens[name]) for name in ids}


@contextmanager
def wopihost_for(
    devclient_url: str, data_dir: Path, keys_file: Path, *, public_url: str | None = None
) -> Iterator[HostUnderTest]:
    """Start `wopihost serve` verifying proofs with the development client at `devclient_url`."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "WOPIHOST_SERVER__PUBLIC_URL": public_url or base,
        "WOPIHOST_SERVER__WOPI_URL": base,
        "WOPIHOST_DEVCLIENT__PUBLIC_URL": devclient_url,
        "WOPIHOST_DEVCLIENT__ENABLED": "false",
        "WOPIHOST_PROOF_KEYS__MODE": "enforce",
        "WOPIHOST_PROOF_KEYS__REDISCOVERY_MIN_INTERVAL_SECONDS": "0",
    }
    command = [*WOPIHOST, "--data-dir", str(data_dir), "serve", "--port", str(port)]
    with running(command, f"{base}/wopi/files/probe", env=env, log=data_dir / "server.log"):
        yield HostUnderTest(data_dir, base, env, keys_file)
