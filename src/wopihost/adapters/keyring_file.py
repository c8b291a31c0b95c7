"""The token signing keys, persisted as a JSON file readable only by the server's user."""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from pathlib import Path

from wopihost.domain.signing import SigningKey, SigningKeyring
from wopihost.errors import ConfigurationError

_KEY_BYTES = 32


class KeyringFile:
    """The keyring in its file, re-read when the file changes (checked at most every `check_seconds`)."""

    def __init__(self, path: Path, *, check_seconds: float = 5.0, reload_seconds: float = 1.0) -> None:
        self._path = path
        self._check_seconds = check_seconds
        self._reload_seconds = reload_seconds
        self._keyring = load_or_create_keyring(path)
        self._mtime = self._stat()
        self._checked = time.monotonic()

    def current(self) -> SigningKeyring:
        if time.monotonic() - self._checked >= self._check_seconds:
            self._refresh()
        return self._keyring

    def reload(self) -> SigningKeyring:
        # Rate-limited like current(): a token naming an unknown key cannot make every request read the file.
        if time.monotonic() - self._checked >= min(self._check_seconds, self._reload_seconds):
            self._refresh()
        return self._keyring

    def _refresh(self) -> None:
        self._checked = time.monotonic()
        mtime = self._stat()
        if mtime != self._mtime:
            self._keyring = load_or_create_keyring(self._path)
            self._mtime = mtime

    def _stat(self) -> int:
        try:
            return self._path.stat().st_mtime_ns
        except FileNotFoundError:
            return 0


def load_or_create_keyring(path: Path) -> SigningKeyring:
    """Load the keyring, creating it with a fresh random key on first use."""
    if not path.exists():
        keyring = SigningKeyring(current=_new_key())
        if _create_exclusively(path, keyring):
            return keyring
    try:
        data = json.loads(path.read_text("utf-8"))
        keys = [SigningKey(kid=k["kid"], secret=base64.b64decode(k["secret"])) for k in data["keys"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(f"signing keys file {path} is unreadable: {exc}") from exc
    if not keys:
        raise ConfigurationError(f"signing keys file {path} holds no key")
    return SigningKeyring(current=keys[0], previous=tuple(keys[1:]))


def rotate_keyring(path: Path, *, keep: int = 1) -> SigningKeyring:
    """Make a new current key; the newest `keep` retired keys still verify tokens until they expire."""
    old = load_or_create_keyring(path)
    keyring = SigningKeyring(current=_new_key(), previous=(old.current, *old.previous)[:keep])
    save_keyring(path, keyring)
    return keyring


def save_keyring(path: Path, keyring: SigningKeyring) -> None:
    """Write the keyring atomically with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    keys = [keyring.current, *keyring.previous]
    payload = {"keys": [{"kid": k.kid, "secret": base64.b64encode(k.secret).decode("ascii")} for k in keys]}
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(payload, out, indent=2)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def _create_exclusively(path: Path, keyring: SigningKeyring) -> bool:
    """Write a first keyring unless one appeared meanwhile; False if another process's came first.

    Nodes that share the keys file may start together: a hard link either creates the file whole or fails
    because it exists, so that every node ends up with the same keys.
    """
    staged = path.with_name(f".{path.name}.{secrets.token_hex(8)}.new")
    save_keyring(staged, keyring)
    try:
        os.link(staged, path)
    except FileExistsError:
        return False
    finally:
        staged.unlink()
    return True


def _new_key() -> SigningKey:
    return SigningKey(kid=secrets.token_hex(4), secret=secrets.token_bytes(_KEY_BYTES))
