"""The development WOPI client's RSA proof keys, kept in one private JSON file."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from wopihost.domain.proofkeys import ProofKeys, ProofPublicKey, ProofSigner, discovery_proof_key_attributes
from wopihost.errors import ConfigurationError

KEY_BITS = 2048
PUBLIC_EXPONENT = 65537
FILE_FORMAT = 1
FILE_MODE = 0o600


def generate_key() -> rsa.RSAPrivateKey:
    """Return a new 2048-bit RSA private key."""
    return rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=KEY_BITS)


def _to_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def _from_pem(pem: object) -> rsa.RSAPrivateKey:
    if not isinstance(pem, str):
        raise ValueError("a key is not a PEM string")
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < KEY_BITS:
        raise ValueError(f"a key is not an RSA key of at least {KEY_BITS} bits")
    return key


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomically(path: Path, data: bytes, *, replace: bool) -> bool:
    """Write `data` to `path` (mode 0600) via a temporary file; False if it exists and not `replace`."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            os.fchmod(file.fileno(), FILE_MODE)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            # A hard link fails if the target exists, so two processes starting at once cannot
            # overwrite each other's keys: the loser reads the winner's file instead.
            try:
                os.link(temporary, path)
            except FileExistsError:
                return False
        _fsync_directory(path.parent)
        return True
    finally:
        Path(temporary).unlink(missing_ok=True)


@dataclass(frozen=True, slots=True, eq=False)
class DevClientKeys:
    """The current and old RSA key pairs the development client signs WOPI requests with."""

    current: rsa.RSAPrivateKey
    old: rsa.RSAPrivateKey

    @classmethod
    def generate(cls) -> DevClientKeys:
        """Return two new, unrelated key pairs."""
        return cls(current=generate_key(), old=generate_key())

    @classmethod
    def load(cls, path: Path) -> DevClientKeys:
        """Read keys from `path`; FileNotFoundError if it is absent, ConfigurationError if it is unusable."""
        data = path.read_bytes()
        try:
            document = json.loads(data)
            if document.get("format") != FILE_FORMAT:
                raise ValueError(f"the format is not {FILE_FORMAT}")
            return cls(current=_from_pem(document["current"]), old=_from_pem(document["old"]))
        except (ValueError, KeyError, TypeError, AttributeError, UnsupportedAlgorithm) as exc:
            raise ConfigurationError(f"{path} is not a valid proof key file: {exc}") from exc

    @classmethod
    def load_or_create(cls, path: Path) -> DevClientKeys:
        """Read keys from `path`, generating and saving them there first if the file does not exist."""
        try:
            return cls.load(path)
        except FileNotFoundError:
            pass
        keys = cls.generate()
        if _write_atomically(path, keys.to_json(), replace=False):
            return keys
        return cls.load(path)

    def to_json(self) -> bytes:
        """Return the key file's contents: both private keys as unencrypted PKCS#8 PEM."""
        document = {"format": FILE_FORMAT, "current": _to_pem(self.current), "old": _to_pem(self.old)}
        return json.dumps(document, indent=2).encode("utf-8") + b"\n"

    def save(self, path: Path) -> None:
        """Write the keys to `path` atomically, replacing any previous file."""
        _write_atomically(path, self.to_json(), replace=True)

    def rotate(self, path: Path) -> DevClientKeys:
        """Return and save rotated keys: as Office for the web does, the current key becomes the old one."""
        rotated = DevClientKeys(current=generate_key(), old=self.current)
        rotated.save(path)
        return rotated

    def signer(self) -> ProofSigner:
        """Return a signer that produces the proof headers of WOPI requests."""
        return ProofSigner(current=self.current, old=self.old)

    def public_keys(self) -> ProofKeys:
        """Return the public halves, as a host learns them from discovery."""
        return self.signer().public_keys()

    def discovery_attributes(self) -> dict[str, str]:
        """Return the attributes of the `<proof-key>` element of the development client's discovery XML."""
        return discovery_proof_key_attributes(
            ProofPublicKey.from_public_key(self.current.public_key()),
            ProofPublicKey.from_public_key(self.old.public_key()),
        )
