"""The proof keys of a running development client, re-read when `devclient rotate-keys` replaces them."""

from __future__ import annotations

import threading
from pathlib import Path

from wopihost.devclient.keys import DevClientKeys
from wopihost.domain.proofkeys import ProofSigner


class KeyStore:
    """Loads the key file (creating it if absent) and reloads it whenever its modification time changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._keys = DevClientKeys.load_or_create(path)
        self._stamp = self._current_stamp()

    def _current_stamp(self) -> tuple[int, int]:
        stat = self.path.stat()
        return stat.st_mtime_ns, stat.st_ino

    def keys(self) -> DevClientKeys:
        """Return the keys now in the file."""
        with self._lock:
            try:
                stamp = self._current_stamp()
            except FileNotFoundError:
                return self._keys
            if stamp != self._stamp:
                self._keys = DevClientKeys.load(self.path)
                self._stamp = stamp
            return self._keys

    def signer(self) -> ProofSigner:
        """Return a signer with the current and old private keys."""
        return self.keys().signer()

    def discovery_attributes(self) -> dict[str, str]:
        """Return the `<proof-key>` attributes of the keys now in the file."""
        return self.keys().discovery_attributes()
