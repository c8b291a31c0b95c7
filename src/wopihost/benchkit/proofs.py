"""Proof headers for load runs: a WOPI client's private keys from a file, and signatures reused while fresh.

Signing costs milliseconds, far more than the requests it signs, so each URL is signed once and the same
headers are sent again until they are half as old as a host accepts (the byte layout is the one the host
verifies, from `wopihost.domain.proofkeys`).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from wopihost.domain.proofkeys import MAX_PROOF_AGE, ProofSigner
from wopihost.errors import ConfigurationError

REUSE_FOR = MAX_PROOF_AGE / 2
_PEM_BLOCK = re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----.+?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL)


def _private_key(pem: bytes, path: Path) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ConfigurationError(f"{path}: a private key cannot be read: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigurationError(f"{path}: proof keys must be RSA keys")
    return key


def load_signer(path: Path) -> ProofSigner:
    """Read a WOPI client's proof keys: the development client's JSON key file, or PEM (current, then old).

    A PEM file with one key signs X-WOPI-ProofOld with that key too.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"{path}: {exc.strerror or exc}") from exc
    if data.lstrip().startswith(b"{"):
        try:
            document = json.loads(data)
            current, old = document["current"].encode("ascii"), document["old"].encode("ascii")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigurationError(f"{path} is not a proof key file: {exc}") from exc
        return ProofSigner(current=_private_key(current, path), old=_private_key(old, path))
    blocks = _PEM_BLOCK.findall(data)
    if not blocks:
        raise ConfigurationError(f"{path} holds neither a JSON proof key file nor a PEM private key")
    keys = [_private_key(block, path) for block in blocks[:2]]
    return ProofSigner(current=keys[0], old=keys[-1])


class ProofCache:
    """Proof headers per (access token, URL), signed once and reused for up to REUSE_FOR."""

    def __init__(self, signer: ProofSigner | None, *, reuse_for: timedelta = REUSE_FOR) -> None:
        self._signer = signer
        self._reuse_for = reuse_for
        self._signed: dict[tuple[str, str], tuple[datetime, dict[str, str]]] = {}

    @property
    def signing(self) -> bool:
        """Whether requests get proof headers at all."""
        return self._signer is not None

    def headers(self, access_token: str, url: str) -> dict[str, str]:
        """The proof headers of a request to `url` (none when not signing)."""
        if self._signer is None:
            return {}
        now = datetime.now(UTC)
        cached = self._signed.get((access_token, url))
        if cached is not None and now - cached[0] < self._reuse_for:
            return cached[1]
        signed = self._signer.headers(access_token, url, now)
        self._signed[(access_token, url)] = (now, signed)
        return signed
