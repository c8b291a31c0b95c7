"""A fake clock and a small in-memory WOPI host behind httpx.MockTransport, for the client's unit tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson

from wopihost.devclient.keys import DevClientKeys
from wopihost.devclient.wopi_client import WopiClient, WopiTarget
from wopihost.domain.names import decode_utf7

WALL_START = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
HOST = "http://host.test"


class ManualClock:
    """A session clock that moves only when told; wall time moves with it."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return WALL_START + timedelta(seconds=self.now)

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeFile:
    name: str
    content: bytes
    lock: str = ""


@dataclass
class FakeUser:
    user_id: str
    name: str
    can_write: bool = True


@dataclass
class FakeHost:
    """Enough of a WOPI host for session logic: CheckFileInfo, GetFile, PutFile, locks, RenameFile."""

    files: dict[str, FakeFile] = field(default_factory=dict)
    users: dict[str, FakeUser] = field(default_factory=dict)  # by token
    revoked: set[str] = field(default_factory=set)
    # A file of user names, one a line, that shell commands can append to (simulate's --revoke-command).
    revoked_names: Path | None = None
    requests: list[tuple[str, str, httpx.Request]] = field(default_factory=list)  # (operation, token, ...)

    def add_file(self, file_id: str, name: str, content: bytes) -> None:
        self.files[file_id] = FakeFile(name, content)

    def target(self, file_id: str, token: str, name: str, *, can_write: bool = True) -> WopiTarget:
        self.users[token] = FakeUser(f"id-{name.lower()}", name, can_write)
        return WopiTarget(f"{HOST}/wopi/files/{file_id}", token)

    def operations(self) -> list[tuple[str, str]]:
        """(operation, user name) of every request so far."""
        return [
            (op, self.users[token].name if token in self.users else token) for op, token, _ in self.requests
        ]

    def handle(self, request: httpx.Request) -> httpx.Response:
        parts = urlsplit(str(request.url))
        token = parse_qs(parts.query)["access_token"][0]
        assert request.headers["Authorization"] == f"Bearer {token}"
        segments = parts.path.split("/")
        file = self.files[segments[3]]
        contents = len(segments) > 4
        override = request.headers.get("X-WOPI-Override", "")
        operation = {"LOCK": "Lock", "UNLOCK": "Unlock", "REFRESH_LOCK": "RefreshLock", "PUT": "PutFile"}.get(
            override, override or ("GetFile" if contents else "CheckFileInfo")
        )
        if operation == "RENAME_FILE":
            operation = "RenameFile"
        self.requests.append((operation, token, request))
        if token in self.revoked or token not in self.users or self._revoked_by_name(token):
            return httpx.Response(401)
        return self._operation(operation, file, self.users[token], request)

    def _revoked_by_name(self, token: str) -> bool:
        if self.revoked_names is None or not self.revoked_names.exists():
            return False
        return self.users[token].name in self.revoked_names.read_text().split()

    def _operation(
        self, operation: str, file: FakeFile, user: FakeUser, request: httpx.Request
    ) -> httpx.Response:
        lock = request.headers.get("X-WOPI-Lock", "")
        if operation == "CheckFileInfo":
            info = {
                "BaseFileName": file.name,
                "Size": len(file.content),
                "UserId": user.user_id,
                "UserFriendlyName": user.name,
                "UserCanWrite": user.can_write,
                "SupportsLocks": True,
                "SupportsUpdate": True,
                "SupportsRename": True,
                "UserCanRename": True,
            }
            return httpx.Response(200, content=orjson.dumps(info))
        if operation == "GetFile":
            return httpx.Response(200, content=file.content)
        if operation in ("Lock", "RefreshLock", "Unlock") or (operation == "PutFile" and file.lock):
            if operation == "Lock" and not file.lock:
                file.lock = lock
            if file.lock != lock:
                return httpx.Response(409, headers={"X-WOPI-Lock": file.lock})
            if operation == "Unlock":
                file.lock = ""
        if operation == "PutFile":
            if not user.can_write:
                return httpx.Response(401)
            if not file.lock and file.content:
                return httpx.Response(409, headers={"X-WOPI-Lock": ""})
            file.content = request.content
        if operation == "RenameFile":
            stem = decode_utf7(request.headers["X-WOPI-RequestedName"], "X-WOPI-RequestedName")
            file.name = stem + "." + file.name.rsplit(".", 1)[1]
            return httpx.Response(200, content=orjson.dumps({"Name": stem}))
        return httpx.Response(200)


def fake_wopi(host: FakeHost, keys: DevClientKeys, clock: ManualClock) -> WopiClient:
    """A WOPI client whose requests reach `host` in memory."""
    http = httpx.AsyncClient(transport=httpx.MockTransport(host.handle))
    return WopiClient(http, keys.signer, wall_clock=clock.wall)
