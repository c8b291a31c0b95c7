"""The WOPI requests a load run sends, signed as a WOPI client signs them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from wopihost.benchkit.proofs import ProofCache


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP request: method, full URL, headers and body."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class WopiFile:
    """A file's WOPISrc and an access token for it, and the proofs its requests carry."""

    wopi_src: str
    access_token: str
    proofs: ProofCache

    def __post_init__(self) -> None:
        parts = urlsplit(self.wopi_src)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ValueError(f"not a WOPISrc (http(s)://host/wopi/files/ID, no query): {self.wopi_src}")

    def _call(self, method: str, suffix: str, headers: Mapping[str, str], body: bytes = b"") -> Call:
        url = f"{self.wopi_src.rstrip('/')}{suffix}?{urlencode({'access_token': self.access_token})}"
        return Call(method, url, {**self.proofs.headers(self.access_token, url), **headers}, body)

    def check_file_info(self) -> Call:
        """CheckFileInfo."""
        return self._call("GET", "", {})

    def get_file(self) -> Call:
        """GetFile."""
        return self._call("GET", "/contents", {})

    def put_file(self, lock_id: str, body: bytes) -> Call:
        """PutFile under a lock."""
        headers = {
            "X-WOPI-Override": "PUT",
            "X-WOPI-Lock": lock_id,
            "Content-Type": "application/octet-stream",
        }
        return self._call("POST", "/contents", headers, body)

    def lock_operation(self, override: str, lock_id: str = "") -> Call:
        """LOCK, REFRESH_LOCK, UNLOCK (with `lock_id`) or GET_LOCK."""
        headers = {"X-WOPI-Override": override}
        if lock_id:
            headers["X-WOPI-Lock"] = lock_id
        return self._call("POST", "", headers)

    def lock_cycle(self, lock_id: str) -> list[Call]:
        """Lock, RefreshLock, GetLock, Unlock: the lock traffic of one editing session, in order."""
        return [
            self.lock_operation("LOCK", lock_id),
            self.lock_operation("REFRESH_LOCK", lock_id),
            self.lock_operation("GET_LOCK"),
            self.lock_operation("UNLOCK", lock_id),
        ]
