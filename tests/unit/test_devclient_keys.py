"""The development client's persisted proof keys."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from wopihost.devclient.keys import DevClientKeys
from wopihost.domain.proofkeys import (
    X_WOPI_PROOF,
    X_WOPI_PROOF_OLD,
    X_WOPI_TIMESTAMP,
    ProofKeys,
    ProofMatch,
    verify_proof,
)
from wopihost.errors import ConfigurationError

NOW = datetime(2025, 3, 14, 15, 9, 26, tzinfo=UTC)
TOKEN = "token"
URL = "http://127.0.0.1:8080/wopi/files/abc?access_token=token"


PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _numbers(key: rsa.RSAPrivateKey) -> rsa.RSAPublicNumbers:
    return key.public_key().public_numbers()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _pem(key: PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _verify(keys: ProofKeys, headers: dict[str, str]) -> ProofMatch | None:
    verdict = verify_proof(
        keys,
        access_token=TOKEN,
        url=URL,
        timestamp=int(headers[X_WOPI_TIMESTAMP]),
        proof_b64=headers[X_WOPI_PROOF],
        proof_old_b64=headers[X_WOPI_PROOF_OLD],
    )
    return verdict.match


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "devclient" / "proof-keys.json"


def test_load_or_create_missing_file_creates_two_distinct_2048_bit_keys(path: Path) -> None:
    keys = DevClientKeys.load_or_create(path)
    assert path.is_file()
    assert keys.current.key_size == keys.old.key_size == 2048
    assert _numbers(keys.current) != _numbers(keys.old)


def test_load_or_create_existing_file_returns_same_keys(path: Path) -> None:
    created = DevClientKeys.load_or_create(path)
    loaded = DevClientKeys.load_or_create(path)
    assert _numbers(loaded.current) == _numbers(created.current)
    assert _numbers(loaded.old) == _numbers(created.old)
    assert loaded.current.private_numbers() == created.current.private_numbers()


def test_load_or_create_new_file_is_private(path: Path) -> None:
    DevClientKeys.load_or_create(path)
    assert _mode(path) == 0o600
    assert _mode(path.parent) & 0o077 == 0


def test_load_or_create_file_holds_pem_private_keys(path: Path) -> None:
    DevClientKeys.load_or_create(path)
    document = json.loads(path.read_text())
    assert document["current"].startswith("-----BEGIN PRIVATE KEY-----")
    assert document["old"].startswith("-----BEGIN PRIVATE KEY-----")


def test_load_or_create_other_process_created_file_first_returns_its_keys(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    winner = DevClientKeys.generate()
    original_load = DevClientKeys.load
    calls = 0

    def racing_load(cls: type[DevClientKeys], target: Path) -> DevClientKeys:
        nonlocal calls
        calls += 1
        if calls == 1:
            # The file is absent when checked, then another process writes it before this one does.
            winner.save(target)
            raise FileNotFoundError(target)
        return original_load(target)

    monkeypatch.setattr(DevClientKeys, "load", classmethod(racing_load))
    keys = DevClientKeys.load_or_create(path)
    assert _numbers(keys.current) == _numbers(winner.current)
    assert _numbers(DevClientKeys.load(path).current) == _numbers(winner.current)


def test_load_missing_file_raises_file_not_found(path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        DevClientKeys.load(path)


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
        pytest.param(b"[]", id="list"),
        pytest.param(b'{"format": 2, "current": "", "old": ""}', id="unknown-format"),
        pytest.param(b'{"format": 1, "current": "x"}', id="missing-old"),
        pytest.param(b'{"format": 1, "current": 1, "old": 2}', id="not-strings"),
        pytest.param(b'{"format": 1, "current": "garbage", "old": "garbage"}', id="not-pem"),
    ],
)
def test_load_corrupt_file_raises_configuration_error(path: Path, document: bytes) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(document)
    with pytest.raises(ConfigurationError, match="not a valid proof key file"):
        DevClientKeys.load(path)


@pytest.mark.parametrize(
    "make_key",
    [
        pytest.param(lambda: ec.generate_private_key(ec.SECP256R1()), id="ec-key"),
        pytest.param(lambda: rsa.generate_private_key(65537, 1024), id="rsa-1024"),
    ],
)
def test_load_unsuitable_key_raises_configuration_error(
    path: Path, make_key: Callable[[], PrivateKey]
) -> None:
    pem = _pem(make_key())
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"format": 1, "current": pem, "old": pem}))
    with pytest.raises(ConfigurationError):
        DevClientKeys.load(path)


def test_rotate_current_key_becomes_old_and_new_current_is_saved(path: Path) -> None:
    keys = DevClientKeys.load_or_create(path)
    rotated = keys.rotate(path)
    assert _numbers(rotated.old) == _numbers(keys.current)
    assert _numbers(rotated.current) not in (_numbers(keys.current), _numbers(keys.old))
    reloaded = DevClientKeys.load(path)
    assert _numbers(reloaded.current) == _numbers(rotated.current)
    assert _numbers(reloaded.old) == _numbers(keys.current)


def test_rotate_rewritten_file_stays_private_and_alone(path: Path) -> None:
    DevClientKeys.load_or_create(path).rotate(path)
    assert _mode(path) == 0o600
    assert list(path.parent.iterdir()) == [path]


def test_rotate_write_fails_leaves_previous_file_and_no_temporary(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = DevClientKeys.load_or_create(path)
    before = path.read_bytes()

    def failing_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        keys.rotate(path)
    assert path.read_bytes() == before
    assert list(path.parent.iterdir()) == [path]


def test_load_or_create_write_fails_leaves_no_file(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_link(source: str, target: Path) -> None:
        raise OSError("read-only file system")

    monkeypatch.setattr(os, "link", failing_link)
    with pytest.raises(OSError, match="read-only"):
        DevClientKeys.load_or_create(path)
    assert not path.exists()
    assert list(path.parent.iterdir()) == []


def test_signer_proofs_verify_with_discovery_attributes(path: Path) -> None:
    keys = DevClientKeys.load_or_create(path)
    host_keys = ProofKeys.from_discovery_attributes(keys.discovery_attributes())
    assert _verify(host_keys, keys.signer().headers(TOKEN, URL, NOW)) is ProofMatch.PROOF_WITH_CURRENT_KEY


def test_signer_after_rotation_verifies_with_stale_discovery_through_proof_old(path: Path) -> None:
    keys = DevClientKeys.load_or_create(path)
    stale = ProofKeys.from_discovery_attributes(keys.discovery_attributes())
    rotated = keys.rotate(path)
    assert _verify(stale, rotated.signer().headers(TOKEN, URL, NOW)) is ProofMatch.PROOF_OLD_WITH_CURRENT_KEY
    fresh = ProofKeys.from_discovery_attributes(rotated.discovery_attributes())
    assert _verify(fresh, keys.signer().headers(TOKEN, URL, NOW)) is ProofMatch.PROOF_WITH_OLD_KEY


def test_discovery_attributes_gives_six_attributes(path: Path) -> None:
    attributes = DevClientKeys.load_or_create(path).discovery_attributes()
    assert set(attributes) == {"value", "modulus", "exponent", "oldvalue", "oldmodulus", "oldexponent"}
    assert attributes["exponent"] == attributes["oldexponent"] == "AQAB"
    assert attributes["modulus"] != attributes["oldmodulus"]
