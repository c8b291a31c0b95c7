"""Property-based tests over every WOPI endpoint: hostile input never breaks the server or the data.

Each example starts from a fresh copy of the seeded data directory and sends a short sequence of generated
requests: every operation and override (and unknown ones), WOPI headers with generated values (non-ASCII
and latin-1 bytes, control characters, huge strings, malformed UTF-7, 1025-character lock IDs, repeats),
bodies, methods and token variants. Every response must

- not be a 5xx, except 501, the documented answer to an operation the host does not support (proof
  keys are off here, so their documented 500 cannot occur);
- carry X-WOPI-ServerVersion and X-WOPI-MachineName, and X-WOPI-Lock if it is a 409;
- if it is not a 2xx, leave the stored state as it was: every file's bytes, version, name, lock and
  version history, the folders' file lists, users' UserInfo, the blobs on disk and the upload area.

A second property sends raw ASGI messages, so that header bytes httpx would not produce (latin-1 bytes
of 0x80 and above, in any header) reach the application exactly as an HTTP server hands them over.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.types import Message

import wopihost
import wopihost.services.users
from tests.integration.conftest import (
    MACHINE_NAME,
    MAX_FILE_SIZE,
    USERS,
    Host,
    _cheap_password_hasher,
    make_settings,
)
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.keyring_file import load_or_create_keyring
from wopihost.app import build_services, create_app
from wopihost.services.tokens import TokenService

pytestmark = pytest.mark.anyio

LOCK = "lock-A"
FUZZ_SETTINGS = settings(
    max_examples=125,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# A fresh application per example ----------------------------------------------------------------------


@asynccontextmanager
async def fresh_host(seeded: tuple[Path, dict[str, str]]) -> AsyncIterator[Host]:
    """The application on a private copy of the seeded data; proof keys off, as in conftest's `host`."""
    seed_dir, ids = seeded
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        patch.setattr(wopihost.services.users, "PasswordHasher", _cheap_password_hasher)
        settings_ = make_settings(Path(tmp) / "data")
        shutil.copytree(seed_dir, settings_.data_dir)
        clock = FakeClock()
        services = build_services(settings_, clock=clock, ui_enabled=False)
        try:
            app = create_app(settings_, services=services)
            users = {role: await services.users.get_user_by_name(name) for role, (name, _) in USERS.items()}
            files = {key: (await services.files.access_as_owner(i)).file for key, i in ids.items()}
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="https://wopihost.test"
            ) as client:
                yield Host(
                    services,
                    app,
                    client,
                    clock,
                    settings_,
                    owner=users["owner"],
                    editor=users["editor"],
                    viewer=users["viewer"],
                    stranger=users["stranger"],
                    doc=files["doc"],
                    empty=files["empty"],
                )
        finally:
            await services.aclose()


async def snapshot(host: Host) -> dict[str, Any]:
    """Everything a rejected request must leave as it was, read from the stores."""
    now = host.clock.now()
    state: dict[str, Any] = {"blobs": host.blob_files(), "uploads": host.temporary_files()}
    for user in (host.owner, host.editor, host.viewer, host.stranger):
        fresh = await host.services.users.get_user(user.id)
        root = await host.services.files.ensure_folder_path(fresh, [])
        folders, files = await host.services.files.list_folder(root)
        state[f"user:{user.username}"] = (fresh.user_info, sorted(f.name for f in folders))
        for file in files:
            lock = file.active_lock(now)
            versions = await host.versions(file.id)
            state[f"file:{file.id}"] = (
                file.name,
                file.version,
                file.size,
                file.sha256,
                (lock.lock_id, lock.expires_at) if lock else None,
                [(v.number, v.blob_key, v.size) for v in versions],
                await host.stored(file.id),
            )
    return state


def check_response(response: httpx.Response, what: str) -> None:
    headers = response.headers
    assert response.status_code < 500 or response.status_code == 501, (
        f"{what} -> {response.status_code} {headers.get('X-WOPI-ServerError')}"
    )
    assert headers.get("X-WOPI-ServerVersion") == wopihost.__version__, what
    assert headers.get("X-WOPI-MachineName") == MACHINE_NAME, what
    if response.status_code == 409:
        assert "X-WOPI-Lock" in headers, f"{what}: 409 without X-WOPI-Lock"


# Strategies -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """A WOPI operation: how it is called, and the headers it reads with values a real client sends."""

    method: str
    contents: bool
    override: str | None
    headers: dict[str, tuple[str, ...]]
    takes_body: bool = False


LOCKS = (LOCK, "lock-B", "L" * 1024)
OPERATIONS = {
    "CheckFileInfo": Operation("GET", False, None, {}),
    "GetFile": Operation("GET", True, None, {"X-WOPI-MaxExpectedSize": ("1", "100000")}),
    "PutFile": Operation("POST", True, "PUT", {"X-WOPI-Lock": LOCKS, "X-WOPI-Editors": ("bob",)}, True),
    "Lock": Operation("POST", False, "LOCK", {"X-WOPI-Lock": LOCKS}),
    "UnlockAndRelock": Operation("POST", False, "LOCK", {"X-WOPI-Lock": LOCKS, "X-WOPI-OldLock": LOCKS}),
    "Unlock": Operation("POST", False, "UNLOCK", {"X-WOPI-Lock": LOCKS}),
    "RefreshLock": Operation("POST", False, "REFRESH_LOCK", {"X-WOPI-Lock": LOCKS}),
    "GetLock": Operation("POST", False, "GET_LOCK", {}),
    "PutRelativeFile(suggested)": Operation(
        "POST",
        False,
        "PUT_RELATIVE",
        {
            "X-WOPI-SuggestedTarget": (".docx", ".pdf", "copy.docx", "+AOk-t+AOk-.docx"),
        },
        True,
    ),
    "PutRelativeFile(relative)": Operation(
        "POST",
        False,
        "PUT_RELATIVE",
        {
            "X-WOPI-RelativeTarget": ("copy.docx", "report.docx", "NEW.docx", "+AOk-t+AOk-.docx"),
            "X-WOPI-OverwriteRelativeTarget": ("true", "false"),
        },
        True,
    ),
    "RenameFile": Operation(
        "POST",
        False,
        "RENAME_FILE",
        {"X-WOPI-RequestedName": ("renamed", "new", "REPORT"), "X-WOPI-Lock": LOCKS},
    ),
    "DeleteFile": Operation("POST", False, "DELETE", {}),
    "PutUserInfo": Operation("POST", False, "PUT_USER_INFO", {}, True),
    "GetShareUrl": Operation("POST", False, "GET_SHARE_URL", {"X-WOPI-UrlType": ("ReadOnly", "ReadWrite")}),
}
# Overrides wopihost does not implement, other spellings, and other methods on the WOPI paths.
UNKNOWN_OVERRIDES = [
    "COBALT",
    "GET_RESTRICTED_LINK",
    "REVOKE_RESTRICTED_LINK",
    "READ_SECURE_STORE",
    "CHECK_FOLDER_INFO",
    "lock",
    " Put_Relative ",
    "",
    " ",
]
OTHER_METHODS = ["PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
WOPI_HEADERS = sorted(
    {name for op in OPERATIONS.values() for name in op.headers}
    | {
        "X-WOPI-Override",
        "X-WOPI-Size",
        "X-WOPI-FileConversion",
        "X-WOPI-CorrelationId",
        "X-WOPI-Proof",
        "X-WOPI-TimeStamp",
        "X-WOPI-ItemVersion",
    }
    | {"Authorization", "Content-Type"}
)
HOSTILE_VALUES = [
    "",
    " ",
    "TRUE",
    "yes",
    "-1",
    "1e3",
    "99999999999999999999999",
    ".",
    "..",
    "../secrets.docx",
    "a/b.docx",
    "a\\b.docx",
    "CON.docx",
    "lpt1",
    "name.",
    " name",
    "+ZZZ-.docx",
    "name+",
    "+2D0-.docx",
    "+AC4ALg-",
    "+AC8-etc+AC8-passwd",
    "x" * 1025,
    "x" * 10_000,
    "Bearer garbage",
    "e\u0301te\u0301.docx",
    "\u00e9t\u00e9.docx",
]
# HTTP servers refuse CR, LF and NUL in header values; everything else may reach the application.
_FORBIDDEN_IN_HEADERS = frozenset(b"\r\n\x00")


def _header_bytes(data: bytes) -> bytes:
    return bytes(b for b in data if b not in _FORBIDDEN_IN_HEADERS)


hostile_values = st.one_of(
    st.sampled_from(HOSTILE_VALUES).map(lambda v: v.encode("utf-8")),
    st.text(max_size=40).map(lambda v: _header_bytes(v.encode("utf-8"))),
    st.text(st.characters(codec="latin-1"), max_size=40).map(lambda v: _header_bytes(v.encode("latin-1"))),
    st.binary(max_size=60).map(_header_bytes),
    st.integers(min_value=1020, max_value=1030).map(lambda n: b"k" * n),
)
bodies = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b"", b'{"a": 1}', b"caf\xe9", b"\x00" * 5000]),
    st.just(b"\x00" * (MAX_FILE_SIZE + 1)),
)
# Weighted by repetition: most requests are well formed enough to reach the code behind the checks.
TOKENS = ["owner"] * 12 + ["editor"] * 4 + ["viewer", "stranger", "other-file", "garbage", "missing"]
TOKENS += ["expired", "fileurl", "bearer", "two-different"]
FILES = ["doc"] * 12 + ["empty"] * 6 + ["unknown", "\u00e9t\u00e9", "..", "x" * 300]


@dataclass(frozen=True)
class Call:
    """One generated request."""

    name: str
    method: str
    file: str
    contents: bool
    headers: list[tuple[str, bytes]]
    body: bytes | None
    token: str

    def describe(self) -> str:
        path = "/contents" if self.contents else ""
        shown = [(n, v if len(v) <= 40 else v[:40] + b"...") for n, v in self.headers]
        return f"{self.name}: {self.method} {self.file}{path} token={self.token} headers={shown}"


@st.composite
def calls(draw: st.DrawFn) -> Call:
    """A request: an operation with its headers mostly right, some wrong or repeated, and extra headers."""
    kind = draw(st.sampled_from([*OPERATIONS, *OPERATIONS, "unknown-override", "other-method"]))
    if kind == "unknown-override":
        operation = Operation("POST", draw(st.booleans()), draw(st.sampled_from(UNKNOWN_OVERRIDES)), {}, True)
    elif kind == "other-method":
        operation = Operation(draw(st.sampled_from(OTHER_METHODS)), draw(st.booleans()), None, {}, True)
    else:
        operation = OPERATIONS[kind]
    headers: list[tuple[str, bytes]] = []
    if operation.override is not None:
        headers.append(("X-WOPI-Override", operation.override.encode()))
    for name, good in operation.headers.items():
        if draw(st.integers(0, 9)) == 0:
            continue  # missing
        hostile = draw(st.integers(0, 4)) == 0
        headers.append((name, draw(hostile_values if hostile else st.sampled_from(good).map(str.encode))))
    if draw(st.integers(0, 2)) == 0:
        extra = st.tuples(st.sampled_from(WOPI_HEADERS), hostile_values)
        headers += draw(st.lists(extra, min_size=1, max_size=2))
    if headers and draw(st.integers(0, 9)) == 0:
        headers.append(draw(st.sampled_from(headers)))  # a repeated header, same value
    body = draw(bodies) if operation.takes_body else draw(st.one_of(st.none(), st.none(), bodies))
    return Call(
        name=kind,
        method=operation.method,
        file=draw(st.sampled_from(FILES)),
        contents=operation.contents,
        headers=headers,
        body=body,
        token=draw(st.sampled_from(TOKENS)),
    )


def _file_id(host: Host, file: str) -> str:
    return {"doc": host.doc.id, "empty": host.empty.id, "unknown": "a" * 24}.get(file, file)


def _token(host: Host, how: str, file_id: str) -> tuple[str | None, list[tuple[str, bytes]]]:
    """The access_token query value and extra headers of a token variant."""
    tokens = host.services.tokens
    match how:
        case "owner" | "editor" | "viewer" | "stranger":
            return tokens.issue(getattr(host, how).id, file_id).token, []
        case "other-file":
            other = host.empty.id if file_id == host.doc.id else host.doc.id
            return tokens.issue(host.owner.id, other).token, []
        case "garbage":
            return "eyJhbGciOiJub25lIn0.e30.", []
        case "expired":
            past = FakeClock(host.clock.now() - timedelta(days=2))
            keyring = load_or_create_keyring(host.settings.token_keys_file)
            expired = TokenService(keyring, ttl=timedelta(hours=1), clock=past)
            return expired.issue(host.owner.id, file_id).token, []
        case "fileurl":
            return tokens.issue(host.owner.id, file_id, kind="fileurl").token, []
        case "bearer":
            return None, [("Authorization", f"Bearer {tokens.issue(host.owner.id, file_id).token}".encode())]
        case "two-different":
            other = tokens.issue(host.editor.id, file_id).token
            return tokens.issue(host.owner.id, file_id).token, [("Authorization", f"Bearer {other}".encode())]
    return None, []


def _path(host: Host, call: Call) -> str:
    return f"/wopi/files/{_file_id(host, call.file)}" + ("/contents" if call.contents else "")


async def send(host: Host, call: Call) -> httpx.Response:
    token, extra = _token(host, call.token, _file_id(host, call.file))
    return await host.client.request(
        call.method,
        _path(host, call),
        params={"access_token": token} if token is not None else None,
        headers=[(name.encode("ascii"), value) for name, value in [*call.headers, *extra]],
        content=call.body,
    )


async def run_and_check(host: Host, sequence: list[Call]) -> None:
    before = await snapshot(host)
    for number, call in enumerate(sequence):
        response = await send(host, call)
        what = f"request {number}: {call.describe()}"
        check_response(response, what)
        after = await snapshot(host)
        if not 200 <= response.status_code < 300:
            assert after == before, f"{what} -> {response.status_code} changed the stored state"
        before = after


# Properties -------------------------------------------------------------------------------------------


@FUZZ_SETTINGS
@given(sequence=st.lists(calls(), min_size=1, max_size=4), locked=st.booleans())
async def test_any_request_sequence_answers_documented_status_and_rejections_change_nothing(
    seeded: tuple[Path, dict[str, str]], sequence: list[Call], locked: bool
) -> None:
    async with fresh_host(seeded) as host:
        if locked:
            await host.services.locks.lock(await host.services.files.access_as_owner(host.doc.id), LOCK)
        await run_and_check(host, sequence)


# Raw ASGI: header bytes exactly as an HTTP server passes them ---------------------------------------------

LATIN1_VALUES = [
    b"caf\xe9",
    b"\xff\xfe",
    b"\xc3\xa9t\xc3\xa9.docx",
    b"verrou-\xe9",
    b"\x80" * 1025,
    b"+AOk-\xe9",
]
raw_values = st.one_of(
    st.sampled_from(LATIN1_VALUES),
    st.binary(min_size=1, max_size=60).map(lambda v: _header_bytes(bytes(b | 0x80 for b in v))),
    st.text(st.characters(codec="latin-1", min_codepoint=0x80), min_size=1, max_size=30).map(
        lambda v: v.encode("latin-1")
    ),
)
RAW_QUERIES = [
    b"access_token=%FF",
    b"access_token=\xe9",
    b"access_token=a%2",
    b"access_token=&access_token=",
    b"%%%",
]


@st.composite
def raw_calls(draw: st.DrawFn) -> tuple[Call, bytes | None]:
    """A generated call with latin-1 bytes of 0x80 and above in one or more of its headers, and a query."""
    call = draw(calls())
    headers = list(call.headers)
    # Mostly headers other than the override, which would otherwise make most requests a 501.
    others = [i for i, (name, _) in enumerate(headers) if name != "X-WOPI-Override"]
    any_header = not others or draw(st.integers(0, 5)) == 0
    replaceable = list(range(len(headers))) if any_header else others
    if replaceable:
        for index in draw(st.sets(st.sampled_from(replaceable), max_size=2)):
            headers[index] = (headers[index][0], draw(raw_values))
    headers.append((draw(st.sampled_from(WOPI_HEADERS)), draw(raw_values)))
    query = draw(st.one_of(st.none(), st.none(), st.sampled_from(RAW_QUERIES)))
    return Call(call.name, call.method, call.file, call.contents, headers, call.body, call.token), query


async def send_raw(host: Host, call: Call, query: bytes | None) -> tuple[int, list[tuple[bytes, bytes]]]:
    """Call the application with a hand-built scope; return the status and the response headers."""
    token, extra = _token(host, call.token, _file_id(host, call.file))
    if query is None:
        query = f"access_token={token}".encode() if token is not None else b""
    body = call.body or b""
    headers = [
        (b"host", b"wopihost.test"),
        (b"content-length", str(len(body)).encode()),
        *((name.lower().encode("ascii"), value) for name, value in [*call.headers, *extra]),
    ]
    path = _path(host, call)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": call.method,
        "scheme": "https",
        "server": ("wopihost.test", 443),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": path,
        "raw_path": path.encode("utf-8"),
        "query_string": query,
        "headers": headers,
    }
    incoming: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await host.app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], list(start.get("headers", []))


@FUZZ_SETTINGS
@given(sequence=st.lists(raw_calls(), min_size=1, max_size=3), locked=st.booleans())
async def test_raw_latin1_header_bytes_answer_documented_status_and_change_nothing(
    seeded: tuple[Path, dict[str, str]], sequence: list[tuple[Call, bytes | None]], locked: bool
) -> None:
    async with fresh_host(seeded) as host:
        if locked:
            await host.services.locks.lock(await host.services.files.access_as_owner(host.doc.id), LOCK)
        before = await snapshot(host)
        for call, query in sequence:
            status, headers = await send_raw(host, call, query)
            what = (
                f"{call.describe()} query={query!r} -> {status} {dict(headers).get(b'x-wopi-servererror')!r}"
            )
            names = {name.lower() for name, _ in headers}
            assert status < 500 or status == 501, what
            assert {b"x-wopi-serverversion", b"x-wopi-machinename"} <= names, what
            if status == 409:
                assert b"x-wopi-lock" in names, what
            after = await snapshot(host)
            if not 200 <= status < 300:
                assert after == before, what
            before = after
