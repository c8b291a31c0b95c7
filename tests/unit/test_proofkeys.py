"""Proof-key signing and verification, checked against Microsoft's published test vectors."""

from __future__ import annotations

import base64
import json
import struct
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from wopihost.domain.proofkeys import (
    MAX_TICKS,
    X_WOPI_PROOF,
    X_WOPI_PROOF_OLD,
    X_WOPI_TIMESTAMP,
    ProofKeys,
    ProofMatch,
    ProofPublicKey,
    ProofSigner,
    ProofVerdict,
    datetime_from_ticks,
    discovery_proof_key_attributes,
    expected_proof,
    is_timestamp_fresh,
    parse_timestamp_header,
    ticks_from_datetime,
    verify_proof,
)
from wopihost.errors import ProofKeyInvalid

VECTORS_FILE = Path(__file__).parent.parent / "fixtures" / "proofkey_test_vectors.json"
VECTORS: dict[str, Any] = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))
DISCOVERY: dict[str, str] = VECTORS["keysets"][0]["discovery"]

# The Python sample's test names say which combination each vector exercises; the C# cases are the same
# requests in the same order.
_COMBINATION_BY_CASE = [
    ProofMatch.PROOF_WITH_CURRENT_KEY,
    ProofMatch.PROOF_WITH_CURRENT_KEY,
    ProofMatch.PROOF_OLD_WITH_CURRENT_KEY,
    ProofMatch.PROOF_OLD_WITH_CURRENT_KEY,
    ProofMatch.PROOF_WITH_OLD_KEY,
    ProofMatch.PROOF_WITH_OLD_KEY,
    None,
    None,
]
_PYTHON_LABELS = [
    "test_proof_current_key1",
    "test_proof_current_key2",
    "test_old_proof_current_key1",
    "test_old_proof_current_key2",
    "test_proof_old_key1",
    "test_proof_old_key2",
    "test_invalid1",
    "test_invalid2",
]
EXPECTED_MATCH: dict[str, ProofMatch | None] = {
    **dict(zip(_PYTHON_LABELS, _COMBINATION_BY_CASE, strict=True)),
    **{f"ProofKeyTests.cs case {n}": match for n, match in enumerate(_COMBINATION_BY_CASE, start=1)},
}

NOW = datetime(2025, 3, 14, 15, 9, 26, 535897, tzinfo=UTC)
TOKEN = "token-é/+="
URL = "https://wopi.example.org/wopi/files/abc?access_token=token-%C3%A9%2F%2B%3D&x=Y"
ONE_TICK = 1


def _published_cases() -> list[Any]:
    return [
        pytest.param(keyset["discovery"], case, id=case["label"])
        for keyset in VECTORS["keysets"]
        for case in keyset["cases"]
    ]


def _published_keys() -> list[Any]:
    return [
        pytest.param(keyset["discovery"], prefix, id=f"{keyset['name']}-{prefix or 'current'}")
        for keyset in VECTORS["keysets"]
        for prefix in ("", "old")
    ]


def _public(key: rsa.RSAPrivateKey) -> ProofPublicKey:
    return ProofPublicKey.from_public_key(key.public_key())


def _verify(keys: ProofKeys, headers: dict[str, str], **changes: Any) -> ProofVerdict:
    request: dict[str, Any] = {
        "access_token": TOKEN,
        "url": URL,
        "timestamp": int(headers[X_WOPI_TIMESTAMP]),
        "proof_b64": headers[X_WOPI_PROOF],
        "proof_old_b64": headers[X_WOPI_PROOF_OLD],
    }
    return verify_proof(keys, **(request | changes))


@pytest.fixture(scope="module")
def private_keys() -> dict[str, rsa.RSAPrivateKey]:
    return {name: rsa.generate_private_key(public_exponent=65537, key_size=2048) for name in "abc"}


# --- Microsoft's published vectors ---


def test_published_vectors_every_case_has_expected_combination() -> None:
    labels = [case["label"] for keyset in VECTORS["keysets"] for case in keyset["cases"]]
    assert sorted(labels) == sorted(EXPECTED_MATCH)
    assert len(labels) == 16
    assert sum(case["expected"] for keyset in VECTORS["keysets"] for case in keyset["cases"]) == 12


@pytest.mark.parametrize(("discovery", "case"), _published_cases())
def test_verify_proof_published_vector_matches_documented_combination(
    discovery: dict[str, str], case: dict[str, Any]
) -> None:
    keys = ProofKeys.from_discovery_attributes(discovery)
    verdict = verify_proof(
        keys,
        access_token=case["access_token"],
        url=case["url"],
        timestamp=case["timestamp"],
        proof_b64=case["proof"],
        proof_old_b64=case["proof_old"],
    )
    assert verdict.verified is case["expected"]
    assert verdict.match is EXPECTED_MATCH[case["label"]]


@pytest.mark.parametrize(("discovery", "prefix"), _published_keys())
def test_from_csp_blob_published_value_equals_published_modulus_and_exponent(
    discovery: dict[str, str], prefix: str
) -> None:
    from_blob = ProofPublicKey.from_csp_blob(discovery[f"{prefix}value"])
    from_numbers = ProofPublicKey.from_modulus_exponent(
        discovery[f"{prefix}modulus"], discovery[f"{prefix}exponent"]
    )
    assert from_blob == from_numbers
    assert from_blob.modulus.bit_length() == 2048
    assert from_blob.exponent == 65537


@pytest.mark.parametrize(("discovery", "prefix"), _published_keys())
def test_to_csp_blob_published_key_reproduces_published_value(discovery: dict[str, str], prefix: str) -> None:
    key = ProofPublicKey.from_modulus_exponent(discovery[f"{prefix}modulus"], discovery[f"{prefix}exponent"])
    assert key.to_csp_blob() == discovery[f"{prefix}value"]
    assert key.modulus_b64() == discovery[f"{prefix}modulus"]
    assert key.exponent_b64() == discovery[f"{prefix}exponent"]


def test_discovery_proof_key_attributes_published_keys_reproduce_published_attributes() -> None:
    keys = ProofKeys.from_discovery_attributes(DISCOVERY)
    assert keys.old is not None
    assert discovery_proof_key_attributes(keys.current, keys.old) == DISCOVERY


# --- discovery attributes ---


@pytest.mark.parametrize(
    "kept", [("value", "oldvalue"), ("modulus", "exponent", "oldmodulus", "oldexponent")]
)
def test_from_discovery_attributes_one_form_only_gives_same_keys(kept: tuple[str, ...]) -> None:
    full = ProofKeys.from_discovery_attributes(DISCOVERY)
    partial = ProofKeys.from_discovery_attributes({name: DISCOVERY[name] for name in kept})
    assert partial == full


def test_from_discovery_attributes_no_old_key_gives_none() -> None:
    keys = ProofKeys.from_discovery_attributes({"value": DISCOVERY["value"], "oldvalue": ""})
    assert keys.old is None


def test_from_discovery_attributes_forms_disagree_raises() -> None:
    discovery = dict(DISCOVERY)
    discovery["value"] = discovery["oldvalue"]
    with pytest.raises(ProofKeyInvalid, match="disagree"):
        ProofKeys.from_discovery_attributes(discovery)


def test_from_discovery_attributes_no_current_key_raises() -> None:
    with pytest.raises(ProofKeyInvalid):
        ProofKeys.from_discovery_attributes({"oldvalue": DISCOVERY["oldvalue"]})


# --- malformed keys ---


def _blob(change: int = -1, byte: int = 0, cut: int = 0) -> str:
    data = bytearray(base64.b64decode(DISCOVERY["value"]))
    if change >= 0:
        data[change] = byte
    return base64.b64encode(bytes(data[: len(data) - cut])).decode()


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("not base64!", id="not-base64"),
        pytest.param("BgIAAACkAABSU0Ex", id="too-short"),
        pytest.param(_blob(0, 0x07), id="private-key-blob-type"),
        pytest.param(_blob(1, 0x03), id="wrong-version"),
        pytest.param(_blob(5, 0x66), id="unknown-algorithm"),
        pytest.param(_blob(11, ord("2")), id="magic-rsa2"),
        pytest.param(_blob(cut=1), id="truncated-modulus"),
        pytest.param(_blob(13, 0x04), id="bit-length-mismatch"),
        pytest.param(_blob(20, 0x00), id="even-modulus"),
    ],
)
def test_from_csp_blob_malformed_raises(value: str) -> None:
    with pytest.raises(ProofKeyInvalid):
        ProofPublicKey.from_csp_blob(value)


@pytest.mark.parametrize(
    ("modulus", "exponent"),
    [
        pytest.param("@@@", "AQAB", id="modulus-not-base64"),
        pytest.param(DISCOVERY["modulus"], "AQA", id="exponent-bad-padding"),
        pytest.param(
            base64.b64encode((2**2047 + 2).to_bytes(256, "big")).decode(), "AQAB", id="even-modulus"
        ),
        pytest.param(base64.b64encode((2**511 + 1).to_bytes(64, "big")).decode(), "AQAB", id="512-bit"),
        pytest.param(DISCOVERY["modulus"], "AQ==", id="exponent-one"),
        pytest.param(DISCOVERY["modulus"], "AQAA", id="even-exponent"),
        pytest.param("", "", id="empty"),
    ],
)
def test_from_modulus_exponent_malformed_raises(modulus: str, exponent: str) -> None:
    with pytest.raises(ProofKeyInvalid):
        ProofPublicKey.from_modulus_exponent(modulus, exponent)


def test_to_csp_blob_exponent_wider_than_32_bits_raises() -> None:
    key = ProofPublicKey(modulus=2**2047 + 1, exponent=2**33 + 1)
    with pytest.raises(ProofKeyInvalid):
        key.to_csp_blob()


def test_to_csp_blob_generated_key_round_trips(private_keys: dict[str, rsa.RSAPrivateKey]) -> None:
    key = _public(private_keys["a"])
    assert ProofPublicKey.from_csp_blob(key.to_csp_blob()) == key
    assert ProofPublicKey.from_modulus_exponent(key.modulus_b64(), key.exponent_b64()) == key


# --- expected proof ---


def test_expected_proof_simple_request_has_documented_layout() -> None:
    data = expected_proof("tok", "https://h/x?a=b", 635655897610773532)
    assert data == (
        b"\x00\x00\x00\x03tok"
        + b"\x00\x00\x00\x0fHTTPS://H/X?A=B"
        + b"\x00\x00\x00\x08"
        + bytes.fromhex("08d24dabc878e41c")
    )


def test_expected_proof_non_ascii_counts_utf8_bytes_and_uppercases_one_to_one() -> None:
    data = expected_proof("é", "https://h/straße", 1)
    assert data[:6] == b"\x00\x00\x00\x02\xc3\xa9"
    url = "HTTPS://H/STRAßE".encode()
    assert data[6:10] == struct.pack(">I", len(url))
    assert data[10 : 10 + len(url)] == url


@pytest.mark.parametrize("timestamp", [-1, MAX_TICKS + 1])
def test_expected_proof_timestamp_out_of_range_raises(timestamp: int) -> None:
    with pytest.raises(ProofKeyInvalid):
        expected_proof("tok", "https://h/", timestamp)


# --- ticks and freshness ---


def test_ticks_from_datetime_unix_epoch_gives_dotnet_value() -> None:
    assert ticks_from_datetime(datetime(1970, 1, 1, tzinfo=UTC)) == 621_355_968_000_000_000


def test_ticks_from_datetime_other_timezone_converts_to_utc() -> None:
    local = datetime(1970, 1, 1, 2, tzinfo=timezone(timedelta(hours=2)))
    assert ticks_from_datetime(local) == 621_355_968_000_000_000


def test_ticks_from_datetime_naive_raises() -> None:
    with pytest.raises(ValueError, match="aware"):
        ticks_from_datetime(datetime(2020, 1, 1))


def test_datetime_from_ticks_round_trip_keeps_microseconds() -> None:
    assert datetime_from_ticks(ticks_from_datetime(NOW)) == NOW
    assert datetime_from_ticks(ticks_from_datetime(NOW) + 9) == NOW
    assert datetime_from_ticks(0) == datetime(1, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("ticks", [-1, MAX_TICKS + 1])
def test_datetime_from_ticks_out_of_range_raises(ticks: int) -> None:
    with pytest.raises(ValueError, match="ticks"):
        datetime_from_ticks(ticks)


@pytest.mark.parametrize(
    "offset",
    [
        pytest.param(timedelta(0), id="now"),
        pytest.param(-timedelta(minutes=20), id="exactly-20-minutes-old"),
        pytest.param(timedelta(minutes=5), id="exactly-5-minutes-ahead"),
    ],
)
def test_is_timestamp_fresh_within_window_is_fresh(offset: timedelta) -> None:
    assert is_timestamp_fresh(ticks_from_datetime(NOW + offset), NOW)


def test_is_timestamp_fresh_20_minutes_and_one_tick_old_is_stale() -> None:
    assert not is_timestamp_fresh(ticks_from_datetime(NOW - timedelta(minutes=20)) - ONE_TICK, NOW)


def test_is_timestamp_fresh_5_minutes_and_one_tick_ahead_is_stale() -> None:
    assert not is_timestamp_fresh(ticks_from_datetime(NOW + timedelta(minutes=5)) + ONE_TICK, NOW)


def test_is_timestamp_fresh_custom_max_age_is_respected() -> None:
    timestamp = ticks_from_datetime(NOW - timedelta(minutes=2))
    assert is_timestamp_fresh(timestamp, NOW, max_age=timedelta(minutes=2))
    assert not is_timestamp_fresh(timestamp, NOW, max_age=timedelta(minutes=1))


@pytest.mark.parametrize("timestamp", [-1, MAX_TICKS + 1, 0, 635655897610773532])
def test_is_timestamp_fresh_absurd_or_published_timestamp_is_stale(timestamp: int) -> None:
    assert not is_timestamp_fresh(timestamp, NOW)


def test_parse_timestamp_header_digits_gives_ticks() -> None:
    assert parse_timestamp_header("635655897610773532") == 635655897610773532


@pytest.mark.parametrize("value", [None, "", "-1", "+1", " 1", "1_000", "1e5", "١٢", str(MAX_TICKS + 1)])
def test_parse_timestamp_header_malformed_raises(value: str | None) -> None:
    with pytest.raises(ProofKeyInvalid):
        parse_timestamp_header(value)


# --- signing and verifying ---


@pytest.mark.parametrize(
    ("client", "host", "expected"),
    [
        pytest.param("ab", "ab", ProofMatch.PROOF_WITH_CURRENT_KEY, id="same-keys"),
        pytest.param("ca", "ab", ProofMatch.PROOF_OLD_WITH_CURRENT_KEY, id="client-rotated-host-stale"),
        pytest.param("ab", "ca", ProofMatch.PROOF_WITH_OLD_KEY, id="host-rotated-client-stale"),
        pytest.param("a", "ab", ProofMatch.PROOF_WITH_CURRENT_KEY, id="proof-old-invalid"),
        pytest.param("cb", "ab", None, id="proof-old-signed-with-old-key-refused"),
        pytest.param("c", "ab", None, id="both-invalid"),
    ],
)
def test_verify_proof_signed_request_matches_expected_combination(
    private_keys: dict[str, rsa.RSAPrivateKey], client: str, host: str, expected: ProofMatch | None
) -> None:
    # A one-letter client signs X-WOPI-ProofOld with an unrelated key, making that header invalid.
    client_old = private_keys[client[1]] if len(client) == 2 else rsa.generate_private_key(65537, 2048)
    signer = ProofSigner(current=private_keys[client[0]], old=client_old)
    keys = ProofKeys(_public(private_keys[host[0]]), _public(private_keys[host[1]]))
    verdict = _verify(keys, signer.headers(TOKEN, URL, NOW))
    assert verdict.match is expected
    assert verdict.verified is (expected is not None)


def test_rotation_detected_only_for_matches_other_than_proof_with_current_key() -> None:
    assert not ProofVerdict(ProofMatch.PROOF_WITH_CURRENT_KEY).rotation_detected
    assert ProofVerdict(ProofMatch.PROOF_OLD_WITH_CURRENT_KEY).rotation_detected
    assert ProofVerdict(ProofMatch.PROOF_WITH_OLD_KEY).rotation_detected
    assert not ProofVerdict(None, "no match").rotation_detected


def test_public_keys_of_signer_verify_its_proofs(private_keys: dict[str, rsa.RSAPrivateKey]) -> None:
    signer = ProofSigner(current=private_keys["a"], old=private_keys["b"])
    verdict = _verify(signer.public_keys(), signer.headers(TOKEN, URL, NOW))
    assert verdict.match is ProofMatch.PROOF_WITH_CURRENT_KEY


def test_headers_signer_gives_three_headers_with_ticks(private_keys: dict[str, rsa.RSAPrivateKey]) -> None:
    signer = ProofSigner(current=private_keys["a"], old=private_keys["b"])
    headers = signer.headers(TOKEN, URL, NOW)
    assert set(headers) == {X_WOPI_PROOF, X_WOPI_PROOF_OLD, X_WOPI_TIMESTAMP}
    assert headers[X_WOPI_TIMESTAMP] == str(ticks_from_datetime(NOW))
    assert (headers[X_WOPI_PROOF], headers[X_WOPI_PROOF_OLD]) == signer.sign(
        TOKEN, URL, ticks_from_datetime(NOW)
    )


def test_verify_proof_url_differs_only_in_case_verified(private_keys: dict[str, rsa.RSAPrivateKey]) -> None:
    signer = ProofSigner(current=private_keys["a"], old=private_keys["b"])
    verdict = _verify(signer.public_keys(), signer.headers(TOKEN, URL, NOW), url=URL.lower())
    assert verdict.verified


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"access_token": TOKEN + "x"}, id="token"),
        pytest.param({"url": URL.replace("abc", "abd")}, id="url-path"),
        pytest.param({"url": URL.replace("https:", "http:")}, id="url-scheme"),
        pytest.param({"url": URL + "&extra=1"}, id="url-query"),
        pytest.param({"timestamp": ticks_from_datetime(NOW) + 1}, id="timestamp"),
    ],
)
def test_verify_proof_tampered_request_refused(
    private_keys: dict[str, rsa.RSAPrivateKey], change: dict[str, Any]
) -> None:
    signer = ProofSigner(current=private_keys["a"], old=private_keys["b"])
    verdict = _verify(signer.public_keys(), signer.headers(TOKEN, URL, NOW), **change)
    assert not verdict.verified
    assert "no signature matched" in verdict.reason


def test_verify_proof_flipped_signature_bit_refused(private_keys: dict[str, rsa.RSAPrivateKey]) -> None:
    signer = ProofSigner(current=private_keys["a"], old=private_keys["a"])
    headers = signer.headers(TOKEN, URL, NOW)
    signature = bytearray(base64.b64decode(headers[X_WOPI_PROOF]))
    signature[100] ^= 0x01
    tampered = base64.b64encode(bytes(signature)).decode()
    verdict = _verify(signer.public_keys(), headers, proof_b64=tampered, proof_old_b64=tampered)
    assert not verdict.verified


@pytest.mark.parametrize(
    "garbage",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("not base64!", id="bad-characters"),
        pytest.param("abc", id="bad-padding"),
        pytest.param("é" * 8, id="non-ascii"),
        pytest.param("AAAA", id="too-short-signature"),
        pytest.param(base64.b64encode(b"\x00" * 4096).decode(), id="too-long-signature"),
    ],
)
def test_verify_proof_malformed_headers_refused_without_exception(
    private_keys: dict[str, rsa.RSAPrivateKey], garbage: str | None
) -> None:
    signer = ProofSigner(current=private_keys["a"], old=private_keys["b"])
    verdict = _verify(
        signer.public_keys(), signer.headers(TOKEN, URL, NOW), proof_b64=garbage, proof_old_b64=garbage
    )
    assert not verdict.verified
    assert verdict.match is None
    assert verdict.reason


def test_verify_proof_bad_base64_names_header_in_reason(private_keys: dict[str, rsa.RSAPrivateKey]) -> None:
    signer = ProofSigner(current=private_keys["a"], old=private_keys["b"])
    verdict = _verify(
        signer.public_keys(), signer.headers(TOKEN, URL, NOW), proof_b64="%%%", proof_old_b64=None
    )
    assert f"{X_WOPI_PROOF} is not valid base64" in verdict.reason
    assert f"{X_WOPI_PROOF_OLD} is missing" in verdict.reason


def test_verify_proof_valid_proof_with_malformed_proof_old_verified(
    private_keys: dict[str, rsa.RSAPrivateKey],
) -> None:
    signer = ProofSigner(current=private_keys["a"], old=private_keys["b"])
    verdict = _verify(signer.public_keys(), signer.headers(TOKEN, URL, NOW), proof_old_b64="%%%")
    assert verdict.match is ProofMatch.PROOF_WITH_CURRENT_KEY


def test_verify_proof_no_old_key_refuses_proof_signed_with_other_key(
    private_keys: dict[str, rsa.RSAPrivateKey],
) -> None:
    signer = ProofSigner(current=private_keys["b"], old=private_keys["c"])
    verdict = _verify(ProofKeys(_public(private_keys["a"])), signer.headers(TOKEN, URL, NOW))
    assert not verdict.verified


@pytest.mark.parametrize("timestamp", [-1, MAX_TICKS + 1])
def test_verify_proof_timestamp_out_of_range_refused_without_exception(
    private_keys: dict[str, rsa.RSAPrivateKey], timestamp: int
) -> None:
    signer = ProofSigner(current=private_keys["a"], old=private_keys["b"])
    verdict = _verify(signer.public_keys(), signer.headers(TOKEN, URL, NOW), timestamp=timestamp)
    assert not verdict.verified
    assert "out of range" in verdict.reason
