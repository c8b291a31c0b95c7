"""The benchmark client's own logic: key files, reused proofs, Lua quoting, wrk scripts, percentiles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from wopihost.benchkit import wrk
from wopihost.benchkit.calls import WopiFile
from wopihost.benchkit.proofs import ProofCache, load_signer
from wopihost.benchkit.results import Load, Row, format_table, load_from_latencies, percentile
from wopihost.domain.proofkeys import X_WOPI_PROOF, X_WOPI_PROOF_OLD, X_WOPI_TIMESTAMP, verify_proof
from wopihost.errors import ConfigurationError

SRC = "http://127.0.0.1:8080/wopi/files/abc"


@pytest.fixture(scope="module")
def keys() -> tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]:
    return (
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )


def _pem(key: rsa.RSAPrivateKey) -> str:
    encoding, private = serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8
    return key.private_bytes(encoding, private, serialization.NoEncryption()).decode("ascii")


def test_load_signer_json_key_file_signs_verifiable_proofs(
    tmp_path: Path, keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]
) -> None:
    path = tmp_path / "proof-keys.json"
    path.write_text(
        f'{{"format": 1, "current": {_pem(keys[0])!r}, "old": {_pem(keys[1])!r}}}'.replace("'", '"').replace(
            "\n", "\\n"
        )
    )
    signer = load_signer(path)
    target = WopiFile(SRC, "token-1", ProofCache(signer))
    call = target.check_file_info()
    timestamp = int(call.headers[X_WOPI_TIMESTAMP])
    verdict = verify_proof(
        signer.public_keys(),
        access_token="token-1",
        url=call.url,
        timestamp=timestamp,
        proof_b64=call.headers[X_WOPI_PROOF],
        proof_old_b64=call.headers[X_WOPI_PROOF_OLD],
    )
    assert verdict.verified
    assert call.url == f"{SRC}?access_token=token-1"


def test_load_signer_pem_with_one_key_uses_it_for_both_proofs(
    tmp_path: Path, keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]
) -> None:
    path = tmp_path / "key.pem"
    path.write_text(_pem(keys[0]))
    signer = load_signer(path)
    proof, proof_old = signer.sign("t", SRC, 1)
    assert proof == proof_old


@pytest.mark.parametrize(
    "content",
    ["{not json", '{"format": 1}', "hello", "-----BEGIN PRIVATE KEY-----\nAA\n-----END PRIVATE KEY-----"],
)
def test_load_signer_unusable_file_raises_configuration_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "keys"
    path.write_text(content)
    with pytest.raises(ConfigurationError):
        load_signer(path)


def test_proof_cache_reuses_headers_until_they_are_too_old(
    keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey], tmp_path: Path
) -> None:
    path = tmp_path / "key.pem"
    path.write_text(_pem(keys[0]) + _pem(keys[1]))
    cache = ProofCache(load_signer(path), reuse_for=timedelta(minutes=10))
    first = cache.headers("t", SRC)
    assert cache.headers("t", SRC) is first
    assert cache.headers("t", SRC + "/contents") is not first
    expired = ProofCache(load_signer(path), reuse_for=timedelta(0))
    assert expired.headers("t", SRC) is not expired.headers("t", SRC)
    age = datetime.now(UTC) - datetime(1, 1, 1, tzinfo=UTC)
    assert int(first[X_WOPI_TIMESTAMP]) // 10_000_000 == pytest.approx(age.total_seconds(), abs=5)


def test_proof_cache_without_signer_adds_no_headers() -> None:
    assert ProofCache(None).headers("t", SRC) == {}


def test_wopi_file_refuses_a_wopi_src_with_a_query_or_another_scheme() -> None:
    for bad in ("ftp://host/wopi/files/x", f"{SRC}?access_token=t", "/wopi/files/x"):
        with pytest.raises(ValueError, match="not a WOPISrc"):
            WopiFile(bad, "t", ProofCache(None))


def test_lua_string_escapes_quotes_backslashes_and_control_bytes() -> None:
    assert wrk.lua_string('a"b\\c\n') == '"a\\034b\\092c\\010"'
    assert wrk.lua_string(b"\xff") == '"\\255"'


def test_wrk_script_steps_on_responses_only_for_cycles() -> None:
    target = WopiFile(SRC, "t", ProofCache(None))
    single = wrk.script([[target.check_file_info()]])
    cycle = wrk.script([target.lock_cycle("L1")])
    assert "function response" not in single
    assert "function response" in cycle
    assert '"REFRESH_LOCK"' in cycle
    assert '"/wopi/files/abc?access_token=t"' in cycle


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.99) == 99
    assert percentile([], 0.5) == 0
    load = load_from_latencies([3.0, 1.0, 2.0], errors=1, seconds=2.0, received=3 * 1024 * 1024)
    assert (load.requests, load.p50_ms, load.p99_ms, load.mb_per_second) == (3, 2.0, 3.0, 1.5)


def test_format_table_lists_missed_targets() -> None:
    row = Row("CheckFileInfo", "c=16 wopihost", Load(10, 0, 1.0, 1.0, 2.0, 3.0), ratio=0.25)
    row.checks[">= 0.5x bare"] = False
    table = format_table([row])
    assert "0.25x" in table
    assert "target missed: >= 0.5x bare" in table
