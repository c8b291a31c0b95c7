"""Proof keys through the whole application, enforced as in production.

Discovery is served over real HTTP on 127.0.0.1 with keys made for the test, and the settings name only
that discovery URL, so the proof-key mode is the production default (enforce). Requests are signed as the
WOPI client signs them, over the configured public WOPI URL, which differs from the address the
application is reached at, as it does behind a TLS-terminating proxy.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

import wopihost
from tests.integration.conftest import MACHINE_NAME, MAX_FILE_SIZE, ORIGINAL, Host
from wopihost.config import Settings
from wopihost.devclient.discovery_xml import build_discovery_xml
from wopihost.domain.proofkeys import (
    X_WOPI_PROOF,
    X_WOPI_PROOF_OLD,
    X_WOPI_TIMESTAMP,
    ProofPublicKey,
    ProofSigner,
    discovery_proof_key_attributes,
)

pytestmark = pytest.mark.anyio

WOPI_URL = "https://wopi.example.com"  # what the WOPI client calls (server.wopi_url)
UI_URL = "https://wopihost.test"  # the web UI's public URL, which is not the WOPI URL
INTERNAL_URL = "http://10.1.2.3:8080"  # what the proxy forwards to, keeping the Host header
WOPI_HOST = "wopi.example.com"
A, B = "lock-A", "lock-B"
REDISCOVERY_INTERVAL = timedelta(seconds=60)

Keys = dict[str, rsa.RSAPrivateKey]
Signer = tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]  # the client's current and old keys


@pytest.fixture(scope="module")
def keys() -> Keys:
    """Key pairs: A (current) and B (old) in discovery at first; C, D and E for rotations and forgeries."""
    return {name: rsa.generate_private_key(public_exponent=65537, key_size=2048) for name in "ABCDE"}


def discovery_xml(current: rsa.RSAPrivateKey, old: rsa.RSAPrivateKey) -> bytes:
    """A client-shaped discovery document publishing `current` and `old` as proof keys."""
    attributes = discovery_proof_key_attributes(
        ProofPublicKey.from_public_key(current.public_key()), ProofPublicKey.from_public_key(old.public_key())
    )
    return build_discovery_xml("https://client.example", attributes).encode()


class DiscoveryServer:
    """Serves `document` at /hosting/discovery on 127.0.0.1 and counts the requests for it."""

    def __init__(self, document: bytes) -> None:
        self.document = document
        self.hits = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits += 1
                body = server.document
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/hosting/discovery"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> DiscoveryServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture(scope="module")
def discovery_server(keys: Keys) -> Iterator[DiscoveryServer]:
    with DiscoveryServer(discovery_xml(keys["A"], keys["B"])) as server:
        yield server


@pytest.fixture
def discovery(discovery_server: DiscoveryServer, keys: Keys) -> DiscoveryServer:
    """The discovery server, publishing A (current) and B (old), with no request counted yet."""
    discovery_server.document = discovery_xml(keys["A"], keys["B"])
    discovery_server.hits = 0
    return discovery_server


@pytest.fixture
def settings(tmp_path: Path, discovery: DiscoveryServer) -> Settings:
    # No proof_keys.mode: a discovery URL makes enforce the default, as in production.
    return Settings(
        data_dir=tmp_path / "data",
        storage={"max_file_size": MAX_FILE_SIZE},  # type: ignore[arg-type]
        server={"machine_name": MACHINE_NAME, "public_url": UI_URL, "wopi_url": WOPI_URL},  # type: ignore[arg-type]
        discovery={"url": discovery.url},  # type: ignore[arg-type]
    )


@pytest.fixture
async def wopi(host: Host) -> AsyncIterator[httpx.AsyncClient]:
    """A client reaching the application over plain HTTP at its internal address, as a TLS-terminating
    proxy does, with the client's Host header passed on; 500s allowed."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=host.app), base_url=INTERNAL_URL, headers={"Host": WOPI_HOST}
    ) as client:
        yield client


async def send(
    host: Host,
    client: httpx.AsyncClient,
    signer: Signer | None,
    path: str,
    *,
    override: str | None = None,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    token: str | None = None,
    signed_base: str = WOPI_URL,
    signed_target: str | None = None,
    signed_token: str | None = None,
    age: timedelta = timedelta(0),
) -> httpx.Response:
    """A WOPI request on `path` with the access token in the query, signed by `signer` (current, old).

    By default the proof covers exactly what is sent, over the configured public WOPI URL; the `signed_*`
    arguments make it cover something else.
    """
    token = token or host.token()
    target = f"{path}?access_token={token}"
    all_headers = dict(headers or {})
    if override is not None:
        all_headers["X-WOPI-Override"] = override
    if signer is not None:
        proof = ProofSigner(*signer).headers(
            signed_token or token, signed_base + (signed_target or target), host.clock.now() - age
        )
        all_headers.update(proof)
    method = "POST" if override is not None or body is not None else "GET"
    return await client.request(method, target, headers=all_headers, content=body)


def files(host: Host, contents: bool = False) -> str:
    return f"/wopi/files/{host.doc.id}" + ("/contents" if contents else "")


async def state(host: Host) -> tuple[bytes | None, int, str, str | None]:
    """Content, version, name and lock of report.docx, read from the stores, not over HTTP."""
    record = await host.record()
    lock = record.active_lock(host.clock.now())
    return await host.stored(), record.version, record.name, lock.lock_id if lock else None


# Correctly signed requests ----------------------------------------------------------------------------


async def test_settings_with_discovery_url_enforce_proofs_by_default(host: Host) -> None:
    assert host.settings.proof_key_mode == "enforce"
    assert host.services.proof.mode == "enforce"


async def test_signed_requests_for_every_core_operation_succeed(
    host: Host, wopi: httpx.AsyncClient, keys: Keys
) -> None:
    client_keys = (keys["A"], keys["B"])

    info = await send(host, wopi, client_keys, files(host))
    got = await send(host, wopi, client_keys, files(host, True))
    locked = await send(host, wopi, client_keys, files(host), override="LOCK", headers={"X-WOPI-Lock": A})
    put = await send(
        host, wopi, client_keys, files(host, True), override="PUT", headers={"X-WOPI-Lock": A}, body=b"new"
    )
    unlocked = await send(host, wopi, client_keys, files(host), override="UNLOCK", headers={"X-WOPI-Lock": A})
    again = await send(host, wopi, client_keys, files(host, True))

    assert [r.status_code for r in (info, got, locked, put, unlocked, again)] == [200] * 6
    assert info.json()["BaseFileName"] == "report.docx"
    assert (got.content, again.content) == (ORIGINAL, b"new")
    assert await state(host) == (b"new", int(info.json()["Version"]) + 1, "report.docx", None)


async def test_signed_request_with_token_in_authorization_header_signs_url_without_query(
    host: Host, wopi: httpx.AsyncClient, keys: Keys
) -> None:
    # The proof covers the URL the client called; a client sending the token elsewhere signs another URL.
    token = host.token()
    proof = ProofSigner(keys["A"], keys["B"]).headers(token, WOPI_URL + files(host), host.clock.now())

    response = await wopi.get(files(host), headers={**proof, "Authorization": f"Bearer {token}"})

    assert response.status_code == 200


# Wrong proofs -----------------------------------------------------------------------------------------

OPERATIONS = {
    # name: (path under the file, override, headers, body)
    "put-file": (True, "PUT", {"X-WOPI-Lock": A}, b"forged content"),
    "lock": (False, "LOCK", {"X-WOPI-Lock": B}, None),
    "unlock": (False, "UNLOCK", {"X-WOPI-Lock": A}, None),
    "relock": (False, "LOCK", {"X-WOPI-Lock": B, "X-WOPI-OldLock": A}, None),
    "rename": (False, "RENAME_FILE", {"X-WOPI-RequestedName": "forged", "X-WOPI-Lock": A}, None),
    "delete": (False, "DELETE", {}, None),
}


@dataclass(frozen=True)
class Forgery:
    """How a wrongly signed request differs from a right one: other keys, or a proof over other data."""

    signer: Signer | None
    signed_token: str | None = None
    signed_target: str | None = None
    age: timedelta = timedelta(0)

    async def send(self, host: Host, client: httpx.AsyncClient, path: str, **kwargs: Any) -> httpx.Response:
        return await send(
            host,
            client,
            self.signer,
            path,
            signed_token=self.signed_token,
            signed_target=self.signed_target,
            age=self.age,
            **kwargs,
        )


def _forgery(name: str, host: Host, keys: Keys) -> Forgery:
    right = (keys["A"], keys["B"])
    return {
        "unknown-keys": Forgery((keys["D"], keys["E"])),
        "old-proof-with-old-key": Forgery((keys["E"], keys["B"])),
        "other-token": Forgery(right, signed_token=host.token(host.editor)),
        "other-file": Forgery(right, signed_target=f"/wopi/files/{host.empty.id}?access_token=x"),
        "without-query": Forgery(right, signed_target=f"/wopi/files/{host.doc.id}"),
        "stale": Forgery(right, age=timedelta(minutes=21)),
        "unsigned": Forgery(None),
    }[name]


FORGERIES = [
    "unknown-keys",
    "old-proof-with-old-key",
    "other-token",
    "other-file",
    "without-query",
    "stale",
    "unsigned",
]


@pytest.mark.parametrize("forgery", FORGERIES)
@pytest.mark.parametrize("operation", list(OPERATIONS))
async def test_wrong_proof_returns_500_with_wopi_headers_and_changes_nothing(
    host: Host, wopi: httpx.AsyncClient, keys: Keys, operation: str, forgery: str
) -> None:
    locked = await send(
        host, wopi, (keys["A"], keys["B"]), files(host), override="LOCK", headers={"X-WOPI-Lock": A}
    )
    assert locked.status_code == 200
    before = await state(host)
    contents, override, headers, body = OPERATIONS[operation]
    response = await _forgery(forgery, host, keys).send(
        host, wopi, files(host, contents), override=override, headers=headers, body=body
    )

    assert response.status_code == 500
    assert response.headers["X-WOPI-ServerVersion"] == wopihost.__version__
    assert response.headers["X-WOPI-MachineName"] == MACHINE_NAME
    assert await state(host) == before == (ORIGINAL, before[1], "report.docx", A)


@pytest.mark.parametrize("forgery", FORGERIES)
@pytest.mark.parametrize("contents", [False, True], ids=["check-file-info", "get-file"])
async def test_wrong_proof_on_read_returns_500_without_content(
    host: Host, wopi: httpx.AsyncClient, keys: Keys, forgery: str, contents: bool
) -> None:
    response = await _forgery(forgery, host, keys).send(host, wopi, files(host, contents))

    assert response.status_code == 500
    assert ORIGINAL not in response.content
    assert b"BaseFileName" not in response.content


async def test_wrong_proof_without_token_returns_500_before_any_token_check(
    host: Host, wopi: httpx.AsyncClient, keys: Keys
) -> None:
    response = await wopi.get(files(host), headers={X_WOPI_TIMESTAMP: "garbage"})

    assert response.status_code == 500


async def test_wrong_proof_is_logged_with_correlation_id_and_without_token(
    host: Host, wopi: httpx.AsyncClient, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    token = host.token()

    response = await send(
        host,
        wopi,
        (keys["D"], keys["E"]),
        files(host),
        headers={"X-WOPI-CorrelationId": "corr-1234"},
        token=token,
    )

    assert response.status_code == 500
    proof_lines = [r.getMessage() for r in caplog.records if r.name == "wopihost.proof"]
    assert len(proof_lines) == 1
    assert "correlation_id=corr-1234" in proof_lines[0]
    server_lines = [r.getMessage() for r in caplog.records if r.name.startswith("wopihost")]
    assert not any(token in line or token.split(".")[2] in line for line in server_lines)


# The URL that is signed -------------------------------------------------------------------------------

FORWARDED = {
    "X-Forwarded-Host": "attacker.example",
    "X-Forwarded-Proto": "http",
    "X-Forwarded-For": "203.0.113.9",
    "Forwarded": "for=203.0.113.9;host=attacker.example;proto=http",
}


@pytest.mark.parametrize(
    ("signed_base", "status"),
    [
        (INTERNAL_URL, 500),
        ("http://attacker.example", 500),
        ("https://attacker.example", 500),
        ("http://wopi.example.com", 500),  # the scheme and host the application itself sees
        ("http://wopi.example.com:8080", 500),
        (UI_URL, 500),
        (WOPI_URL, 200),
        ("HTTPS://WOPI.EXAMPLE.COM", 200),  # the signed URL is upper-cased, so case cannot matter
    ],
    ids=[
        "internal",
        "forwarded-http",
        "forwarded-https",
        "as-seen-by-app",
        "as-seen-with-port",
        "ui-url",
        "wopi-url",
        "upper",
    ],
)
async def test_proof_url_is_configured_wopi_url_whatever_host_and_forwarded_headers_say(
    host: Host, wopi: httpx.AsyncClient, keys: Keys, signed_base: str, status: int
) -> None:
    response = await send(
        host, wopi, (keys["A"], keys["B"]), files(host), headers=FORWARDED, signed_base=signed_base
    )

    assert response.status_code == status


@pytest.mark.parametrize("host_header", ["10.1.2.3:8080", "wopihost.test", "attacker.example"])
async def test_request_on_other_hostname_than_wopi_url_is_refused_even_when_signed_for_it(
    host: Host, wopi: httpx.AsyncClient, keys: Keys, host_header: str
) -> None:
    for signed_base in (f"https://{host_header}", WOPI_URL):
        response = await send(
            host,
            wopi,
            (keys["A"], keys["B"]),
            files(host),
            headers={"Host": host_header},
            signed_base=signed_base,
        )

        assert response.status_code == 404, signed_base


async def test_proof_url_keeps_percent_encoding_of_the_request_as_sent(
    host: Host, wopi: httpx.AsyncClient, keys: Keys
) -> None:
    # The client signs the URL it sends, byte for byte; a host that decoded it first would disagree.
    token = host.token()
    target = f"{files(host)}?access_token={token}&extra=%2Fa%20b"
    proof = ProofSigner(keys["A"], keys["B"]).headers(token, WOPI_URL + target, host.clock.now())
    decoded = ProofSigner(keys["A"], keys["B"]).headers(
        token, WOPI_URL + target.replace("%2F", "/").replace("%20", " "), host.clock.now()
    )

    assert (await wopi.get(target, headers=proof)).status_code == 200
    assert (await wopi.get(target, headers=decoded)).status_code == 500


# FileUrl ----------------------------------------------------------------------------------------------


async def test_file_url_download_is_not_proof_checked(
    host: Host, wopi: httpx.AsyncClient, keys: Keys
) -> None:
    info = await send(host, wopi, (keys["A"], keys["B"]), files(host))
    file_url = httpx.URL(info.json()["FileUrl"])
    assert str(file_url).startswith(f"{WOPI_URL}/wopi/direct/")
    target = file_url.raw_path.decode("ascii")

    unsigned = await wopi.get(target)
    forged = await wopi.get(
        target, headers={X_WOPI_PROOF: "AAAA", X_WOPI_PROOF_OLD: "AAAA", X_WOPI_TIMESTAMP: "1"}
    )
    wopi_token = await wopi.get(f"/wopi/direct/{host.doc.id}", params={"token": host.token()})

    assert (unsigned.status_code, unsigned.content) == (200, ORIGINAL)
    assert (forged.status_code, forged.content) == (200, ORIGINAL)
    # Still authorised by its own token: a WOPI token (or a forged proof) opens nothing.
    assert wopi_token.status_code == 401


# Key rotation -----------------------------------------------------------------------------------------


async def test_key_rotation_by_client_host_rediscovers_once_and_accepts(
    host: Host, wopi: httpx.AsyncClient, keys: Keys, discovery: DiscoveryServer
) -> None:
    before = await send(host, wopi, (keys["A"], keys["B"]), files(host))
    assert (before.status_code, discovery.hits) == (200, 1)
    # The client rotates: C becomes its current key and A its old one. It signs with both at once.
    discovery.document = discovery_xml(keys["C"], keys["A"])
    host.clock.advance(timedelta(minutes=5))

    statuses = [(await send(host, wopi, (keys["C"], keys["A"]), files(host))).status_code for _ in range(5)]
    hits_after_rotation = discovery.hits
    retired = await send(host, wopi, (keys["B"], keys["A"]), files(host, True))

    assert statuses == [200] * 5
    assert hits_after_rotation == 2
    # B is no key of the client's any more: X-WOPI-Proof by B matches neither C nor A.
    assert retired.status_code == 500
    assert discovery.hits == 2


async def test_key_rotation_twice_before_host_noticed_failure_rediscovers_and_accepts(
    host: Host, wopi: httpx.AsyncClient, keys: Keys, discovery: DiscoveryServer
) -> None:
    assert (await send(host, wopi, (keys["A"], keys["B"]), files(host))).status_code == 200
    discovery.document = discovery_xml(keys["C"], keys["D"])
    host.clock.advance(timedelta(hours=1))

    response = await send(host, wopi, (keys["C"], keys["D"]), files(host))

    assert response.status_code == 200
    assert discovery.hits == 2


async def test_many_forged_requests_fetch_discovery_at_most_once_per_interval(
    host: Host, wopi: httpx.AsyncClient, keys: Keys, discovery: DiscoveryServer
) -> None:
    forged = (keys["D"], keys["E"])

    first = [(await send(host, wopi, forged, files(host))).status_code for _ in range(30)]
    hits_first = discovery.hits
    host.clock.advance(REDISCOVERY_INTERVAL)
    second = [(await send(host, wopi, forged, files(host))).status_code for _ in range(30)]

    assert set(first) == set(second) == {500}
    # The first request loads discovery; a refetch after a failure then waits out the whole interval.
    assert (hits_first, discovery.hits) == (1, 2)


async def test_discovery_unreachable_refuses_and_does_not_hammer(
    host: Host, wopi: httpx.AsyncClient, keys: Keys, discovery: DiscoveryServer
) -> None:
    discovery.document = b"<html>502 Bad Gateway</html>"

    statuses = [(await send(host, wopi, (keys["A"], keys["B"]), files(host))).status_code for _ in range(10)]

    assert statuses == [500] * 10
    assert discovery.hits == 1
    assert await state(host) == (ORIGINAL, (await host.record()).version, "report.docx", None)


async def test_container_and_ecosystem_requests_are_proof_checked(
    host: Host, wopi: httpx.AsyncClient, keys: Keys
) -> None:
    root = host.owner.root_folder_id
    container = host.services.tokens.issue(host.owner.id, root, kind="container").token
    ecosystem = host.services.tokens.issue_for_ecosystem(host.owner.id).token
    create = {"X-WOPI-RelativeTarget": "Signed"}
    requests: list[tuple[str, str | None, dict[str, str], str]] = [
        (f"/wopi/containers/{root}", None, {}, container),
        (f"/wopi/containers/{root}/children", None, {}, container),
        (f"/wopi/containers/{root}", "CREATE_CHILD_CONTAINER", create, container),
        ("/wopi/ecosystem", None, {}, ecosystem),
        ("/wopi/ecosystem/root_container_pointer", None, {}, ecosystem),
        (f"/wopi/files/{host.doc.id}/ancestry", None, {}, host.token()),
    ]

    for signer in ((keys["D"], keys["E"]), None):
        for path, override, headers, token in requests:
            response = await send(host, wopi, signer, path, override=override, headers=headers, token=token)
            assert response.status_code == 500, path
    folders, _files = await host.services.files.list_folder(
        await host.services.files.ensure_folder_path(host.owner, [])
    )
    assert folders == []
    for path, override, headers, token in requests:
        response = await send(
            host, wopi, (keys["A"], keys["B"]), path, override=override, headers=headers, token=token
        )
        assert response.status_code == 200, path
