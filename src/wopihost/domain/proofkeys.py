"""WOPI proof keys: the signed X-WOPI-Proof headers that show a request comes from the WOPI client.

Spec: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/scenarios/proofkeys
"""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from wopihost.errors import ProofKeyInvalid

X_WOPI_PROOF = "X-WOPI-Proof"
X_WOPI_PROOF_OLD = "X-WOPI-ProofOld"
X_WOPI_TIMESTAMP = "X-WOPI-TimeStamp"

MAX_PROOF_AGE = timedelta(minutes=20)
# Clocks of client and host drift apart, so a timestamp slightly ahead is normal; one far ahead would let
# a captured request be replayed for longer than MAX_PROOF_AGE. Five minutes is the customary tolerance
# (Kerberos uses the same).
MAX_CLOCK_SKEW = timedelta(minutes=5)
# Smaller keys are breakable; WOPI clients publish 2048-bit keys.
MIN_MODULUS_BITS = 1024

TICKS_PER_SECOND = 10_000_000
_TICKS_PER_MICROSECOND = 10
_TICKS_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
# .NET's DateTime.MaxValue.Ticks; X-WOPI-TimeStamp is a DateTime's ticks, so nothing above it is valid.
MAX_TICKS = 3_155_378_975_999_999_999

# CryptoAPI PUBLICKEYBLOB: BLOBHEADER (type, version, reserved, key algorithm) then RSAPUBKEY
# (magic, bit length, public exponent), all little-endian, then the modulus, little-endian too.
_CSP_HEADER = struct.Struct("<BBHI4sII")
_PUBLICKEYBLOB = 0x06
_CUR_BLOB_VERSION = 0x02
_CALG_RSA_KEYX = 0x0000A400
_CALG_RSA_SIGN = 0x00002400
_RSA1 = b"RSA1"


def ticks_from_datetime(dt: datetime) -> int:
    """Return the .NET ticks (100 ns since 0001-01-01 UTC) of an aware datetime."""
    if dt.tzinfo is None:
        raise ValueError("ticks need an aware datetime")
    return ticks_from_timedelta(dt - _TICKS_EPOCH)


def datetime_from_ticks(ticks: int) -> datetime:
    """Return the UTC datetime of .NET ticks, truncated to the microsecond; ValueError when out of range."""
    if not 0 <= ticks <= MAX_TICKS:
        raise ValueError(f"{ticks} is not a valid number of ticks")
    return _TICKS_EPOCH + timedelta(microseconds=ticks // _TICKS_PER_MICROSECOND)


def ticks_from_timedelta(delta: timedelta) -> int:
    """Return a duration in .NET ticks (100 ns)."""
    seconds = delta.days * 86_400 + delta.seconds
    return seconds * TICKS_PER_SECOND + delta.microseconds * _TICKS_PER_MICROSECOND


def parse_timestamp_header(value: str | None) -> int:
    """Return the ticks in an X-WOPI-TimeStamp header value, or raise ProofKeyInvalid."""
    if not value or not value.isascii() or not value.isdigit():
        raise ProofKeyInvalid(f"{X_WOPI_TIMESTAMP} is missing or not a number")
    ticks = int(value)
    if ticks > MAX_TICKS:
        raise ProofKeyInvalid(f"{X_WOPI_TIMESTAMP} is out of range")
    return ticks


def is_timestamp_fresh(timestamp: int, now: datetime, max_age: timedelta = MAX_PROOF_AGE) -> bool:
    """Tell whether a timestamp is at most `max_age` old and at most MAX_CLOCK_SKEW ahead of `now`."""
    if not 0 <= timestamp <= MAX_TICKS:
        return False
    age = ticks_from_datetime(now) - timestamp
    return -ticks_from_timedelta(MAX_CLOCK_SKEW) <= age <= ticks_from_timedelta(max_age)


def _upper_invariant(text: str) -> str:
    # .NET's ToUpperInvariant maps one character to one character; Python's upper() expands some
    # ("ß" -> "SS"), which would change the signed bytes, so those characters are kept as they are.
    if text.isascii():
        return text.upper()
    return "".join(upper if len(upper := char.upper()) == 1 else char for char in text)


def expected_proof(access_token: str, url: str, timestamp: int) -> bytes:
    """Return the bytes a WOPI client signs: length-prefixed token, upper-cased full URL and timestamp."""
    if not 0 <= timestamp <= MAX_TICKS:
        raise ProofKeyInvalid(f"timestamp {timestamp} is out of range")
    token_bytes = access_token.encode("utf-8")
    url_bytes = _upper_invariant(url).encode("utf-8")
    return b"".join(
        (
            struct.pack(">I", len(token_bytes)),
            token_bytes,
            struct.pack(">I", len(url_bytes)),
            url_bytes,
            struct.pack(">I", 8),
            struct.pack(">q", timestamp),
        )
    )


def _b64decode(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ProofKeyInvalid(f"{what} is not valid base64") from exc


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _int_to_bytes(value: int, length: int | None = None) -> bytes:
    return value.to_bytes(length or max(1, (value.bit_length() + 7) // 8), "big")


@dataclass(frozen=True, slots=True)
class ProofPublicKey:
    """An RSA public key that WOPI proofs are verified with."""

    modulus: int
    exponent: int
    _key: rsa.RSAPublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.modulus.bit_length() < MIN_MODULUS_BITS or self.modulus % 2 == 0:
            raise ProofKeyInvalid(f"RSA modulus must be odd and at least {MIN_MODULUS_BITS} bits")
        if not 3 <= self.exponent < self.modulus or self.exponent % 2 == 0:
            raise ProofKeyInvalid("RSA exponent must be odd, at least 3 and less than the modulus")
        object.__setattr__(self, "_key", rsa.RSAPublicNumbers(self.exponent, self.modulus).public_key())

    @classmethod
    def from_modulus_exponent(cls, modulus_b64: str, exponent_b64: str) -> ProofPublicKey:
        """Build a key from discovery's base64 big-endian `modulus` and `exponent`."""
        modulus = int.from_bytes(_b64decode(modulus_b64, "modulus"), "big")
        exponent = int.from_bytes(_b64decode(exponent_b64, "exponent"), "big")
        return cls(modulus, exponent)

    @classmethod
    def from_csp_blob(cls, value_b64: str) -> ProofPublicKey:
        """Build a key from discovery's `value`: a base64 CryptoAPI PUBLICKEYBLOB (.NET's ExportCspBlob)."""
        blob = _b64decode(value_b64, "CSP blob")
        if len(blob) < _CSP_HEADER.size:
            raise ProofKeyInvalid("CSP blob is too short")
        kind, version, _reserved, algorithm, magic, bits, exponent = _CSP_HEADER.unpack_from(blob)
        if kind != _PUBLICKEYBLOB or version != _CUR_BLOB_VERSION:
            raise ProofKeyInvalid("CSP blob is not a version 2 PUBLICKEYBLOB")
        if algorithm not in (_CALG_RSA_KEYX, _CALG_RSA_SIGN) or magic != _RSA1:
            raise ProofKeyInvalid("CSP blob does not hold an RSA public key")
        modulus_bytes = blob[_CSP_HEADER.size :]
        if bits == 0 or len(modulus_bytes) != (bits + 7) // 8:
            raise ProofKeyInvalid("CSP blob's modulus length does not match its bit length")
        return cls(int.from_bytes(modulus_bytes, "little"), exponent)

    @classmethod
    def from_public_key(cls, key: rsa.RSAPublicKey) -> ProofPublicKey:
        """Wrap a `cryptography` RSA public key."""
        numbers = key.public_numbers()
        return cls(numbers.n, numbers.e)

    @property
    def size_bytes(self) -> int:
        """The length of the modulus, and so of every signature, in bytes."""
        return (self.modulus.bit_length() + 7) // 8

    def modulus_b64(self) -> str:
        """Return the modulus as discovery's `modulus` attribute: base64 big-endian."""
        return _b64encode(_int_to_bytes(self.modulus, self.size_bytes))

    def exponent_b64(self) -> str:
        """Return the exponent as discovery's `exponent` attribute: base64 big-endian."""
        return _b64encode(_int_to_bytes(self.exponent))

    def to_csp_blob(self) -> str:
        """Return the key as discovery's `value` attribute: a base64 PUBLICKEYBLOB as .NET exports it."""
        if self.exponent >= 2**32:
            raise ProofKeyInvalid("a CSP blob cannot hold an exponent of more than 32 bits")
        bits = self.modulus.bit_length()
        header = _CSP_HEADER.pack(
            _PUBLICKEYBLOB, _CUR_BLOB_VERSION, 0, _CALG_RSA_KEYX, _RSA1, bits, self.exponent
        )
        return _b64encode(header + self.modulus.to_bytes(self.size_bytes, "little"))

    def verifies(self, signature: bytes, data: bytes) -> bool:
        """Tell whether `signature` is this key's RSA PKCS#1 v1.5 SHA-256 signature of `data`."""
        if len(signature) != self.size_bytes:
            return False
        try:
            self._key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return False
        return True


def _key_from_attributes(attributes: Mapping[str, str], prefix: str) -> ProofPublicKey | None:
    modulus = attributes.get(f"{prefix}modulus", "").strip()
    exponent = attributes.get(f"{prefix}exponent", "").strip()
    value = attributes.get(f"{prefix}value", "").strip()
    from_numbers = ProofPublicKey.from_modulus_exponent(modulus, exponent) if modulus and exponent else None
    from_blob = ProofPublicKey.from_csp_blob(value) if value else None
    if from_numbers and from_blob and from_numbers != from_blob:
        raise ProofKeyInvalid(f"proof-key {prefix}value and {prefix}modulus/{prefix}exponent disagree")
    return from_numbers or from_blob


@dataclass(frozen=True, slots=True)
class ProofKeys:
    """The WOPI client's current and old public proof keys, as its discovery XML publishes them."""

    current: ProofPublicKey
    old: ProofPublicKey | None = None

    @classmethod
    def from_discovery_attributes(cls, attributes: Mapping[str, str]) -> ProofKeys:
        """Build the keys from a `<proof-key>` element's attributes; either key form may be absent."""
        current = _key_from_attributes(attributes, "")
        if current is None:
            raise ProofKeyInvalid("proof-key has neither value nor modulus/exponent")
        return cls(current, _key_from_attributes(attributes, "old"))


class ProofMatch(Enum):
    """Which of the three documented header/key combinations verified."""

    PROOF_WITH_CURRENT_KEY = "proof-current"
    PROOF_OLD_WITH_CURRENT_KEY = "proofold-current"
    PROOF_WITH_OLD_KEY = "proof-old"


@dataclass(frozen=True, slots=True)
class ProofVerdict:
    """The outcome of checking a request's proof headers; `reason` says why it failed."""

    match: ProofMatch | None
    reason: str = ""

    @property
    def verified(self) -> bool:
        """Tell whether one of the three combinations matched."""
        return self.match is not None

    @property
    def rotation_detected(self) -> bool:
        """Tell whether only a key other than the current one matched: the keys were rotated on one side.

        After a match of X-WOPI-ProofOld with the current key the host's discovery is stale; after a match
        with the old key the client's machine is. Refreshing discovery is the documented reaction to both.
        """
        return self.match is not None and self.match is not ProofMatch.PROOF_WITH_CURRENT_KEY


def _decode_signature(value: str | None, header: str) -> tuple[bytes | None, str]:
    if not value:
        return None, f"{header} is missing"
    try:
        return _b64decode(value, header), ""
    except ProofKeyInvalid as exc:
        return None, str(exc)


def verify_proof(
    keys: ProofKeys,
    *,
    access_token: str,
    url: str,
    timestamp: int,
    proof_b64: str | None,
    proof_old_b64: str | None,
) -> ProofVerdict:
    """Check a request's proof headers with the three documented combinations; never raises."""
    try:
        data = expected_proof(access_token, url, timestamp)
    except ProofKeyInvalid as exc:
        return ProofVerdict(None, str(exc))
    proof, proof_problem = _decode_signature(proof_b64, X_WOPI_PROOF)
    proof_old, proof_old_problem = _decode_signature(proof_old_b64, X_WOPI_PROOF_OLD)
    attempts = (
        (ProofMatch.PROOF_WITH_CURRENT_KEY, keys.current, proof),
        (ProofMatch.PROOF_OLD_WITH_CURRENT_KEY, keys.current, proof_old),
        (ProofMatch.PROOF_WITH_OLD_KEY, keys.old, proof),
    )
    for match, key, signature in attempts:
        if key is not None and signature is not None and key.verifies(signature, data):
            return ProofVerdict(match)
    problems = [p for p in (proof_problem, proof_old_problem) if p]
    return ProofVerdict(None, "; ".join([*problems, "no signature matched the proof keys"]))


def _sign(key: rsa.RSAPrivateKey, data: bytes) -> str:
    return _b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256()))


@dataclass(frozen=True, slots=True)
class ProofSigner:
    """Signs WOPI requests as a WOPI client does: X-WOPI-Proof with the current key, ProofOld with the old."""

    current: rsa.RSAPrivateKey
    old: rsa.RSAPrivateKey

    def sign(self, access_token: str, url: str, timestamp: int) -> tuple[str, str]:
        """Return the base64 (X-WOPI-Proof, X-WOPI-ProofOld) signatures of a request."""
        data = expected_proof(access_token, url, timestamp)
        return _sign(self.current, data), _sign(self.old, data)

    def headers(self, access_token: str, url: str, now: datetime) -> dict[str, str]:
        """Return the X-WOPI-Proof, X-WOPI-ProofOld and X-WOPI-TimeStamp headers of a request made `now`."""
        timestamp = ticks_from_datetime(now)
        proof, proof_old = self.sign(access_token, url, timestamp)
        return {X_WOPI_PROOF: proof, X_WOPI_PROOF_OLD: proof_old, X_WOPI_TIMESTAMP: str(timestamp)}

    def public_keys(self) -> ProofKeys:
        """Return the public keys a host verifies this signer's proofs with."""
        return ProofKeys(
            ProofPublicKey.from_public_key(self.current.public_key()),
            ProofPublicKey.from_public_key(self.old.public_key()),
        )


def discovery_proof_key_attributes(
    current_public: ProofPublicKey, old_public: ProofPublicKey
) -> dict[str, str]:
    """Return the six attributes of discovery's `<proof-key>` element for a current and an old key."""
    return {
        "value": current_public.to_csp_blob(),
        "modulus": current_public.modulus_b64(),
        "exponent": current_public.exponent_b64(),
        "oldvalue": old_public.to_csp_blob(),
        "oldmodulus": old_public.modulus_b64(),
        "oldexponent": old_public.exponent_b64(),
    }
