"""ProofKeyVerifier: modes, freshness, the three key combinations, and rate-limited rediscovery.

The verifier runs on a real DiscoveryService whose source is a fake that counts its fetches, with a fake
clock, so that rotation and rate limiting are observed without sleeping.
"""

from __future__ import annotations

import base64
import dataclasses
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import anyio
import anyio.lowlevel
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from wopihost.adapters.clock import FakeClock
from wopihost.config import ProofMode
from wopihost.domain.proofkeys import (
    MAX_TICKS,
    ProofPublicKey,
    ProofSigner,
    discovery_proof_key_attributes,
    ticks_from_datetime,
    ticks_from_timedelta,
)
from wopihost.errors import DiscoveryUnavailable, ProofKeyInvalid
from wopihost.services.discovery import DiscoveryService
from wopihost.services.proof import ProofHeaders, ProofKeyVerifier

pytestmark = pytest.mark.anyio

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln"
URL = f"https://wopi.example.com/wopi/files/abcdefghijklmnopqrstuvwx?access_token={TOKEN}"
CORRELATION_ID = "3f9c1d2e-0b7a-4c55-9d0e-correlation"
INTERVAL = timedelta(seconds=60)
MAX_AGE = timedelta(minutes=20)
ONE_TICK = timedelta(microseconds=1)  # the clock's resolution; ticks are 100 ns
PROOF_LOGGER = "wopihost.proof"

Keys = dict[str, rsa.RSAPrivateKey]


@pytest.fixture(scope="module")
def keys() -> Keys:
    """Five unrelated 2048-bit key pairs: A and B in discovery at first, C, D and E for rotations."""
    return {name: rsa.generate_private_key(public_exponent=65537, key_size=2048) for name in "ABCDE"}


def _public(key: rsa.RSAPrivateKey) -> ProofPublicKey:
    return ProofPublicKey.from_public_key(key.public_key())


_APPS = (
    '<net-zone name="external-https"><app name="Word">'
    '<action name="edit" ext="docx" urlsrc="https://client.example/we/wordeditorframe.aspx?"/>'
    "</app></net-zone>"
)


def discovery_xml(current: rsa.RSAPrivateKey | None, old: rsa.RSAPrivateKey | None = None) -> bytes:
    """A discovery document publishing `current` (and `old`) as proof keys; none when `current` is None."""
    if current is None:
        return f"<wopi-discovery>{_APPS}</wopi-discovery>".encode()
    attributes = discovery_proof_key_attributes(_public(current), _public(old or current))
    if old is None:
        attributes = {k: v for k, v in attributes.items() if not k.startswith("old")}
    rendered = " ".join(f'{name}="{value}"' for name, value in attributes.items())
    return f"<wopi-discovery>{_APPS}<proof-key {rendered}/></wopi-discovery>".encode()


class CountingSource:
    """A discovery source that serves whatever `document` holds (or raises it) and counts its fetches."""

    def __init__(self, document: bytes | Exception) -> None:
        self.document = document
        self.fetches = 0

    async def fetch(self) -> bytes:
        self.fetches += 1
        await anyio.lowlevel.checkpoint()  # a real fetch yields to other tasks
        if isinstance(self.document, Exception):
            raise self.document
        return self.document


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


MakeVerifier = Callable[..., ProofKeyVerifier]


@pytest.fixture
def make_verifier(clock: FakeClock, tmp_path: Path) -> MakeVerifier:
    def make(source: CountingSource, mode: ProofMode = "enforce") -> ProofKeyVerifier:
        discovery = DiscoveryService(source, cache_file=tmp_path / "discovery.xml", clock=clock)
        return ProofKeyVerifier(
            discovery=discovery, clock=clock, mode=mode, max_age=MAX_AGE, rediscovery_interval=INTERVAL
        )

    return make


def signed(
    clock: FakeClock,
    proof_key: rsa.RSAPrivateKey,
    proof_old_key: rsa.RSAPrivateKey,
    *,
    age: timedelta = timedelta(0),
    url: str = URL,
) -> ProofHeaders:
    """A request for URL, signed over `url` by a client holding these keys, `age` before the clock's time."""
    timestamp = ticks_from_datetime(clock.now() - age)
    proof, proof_old = ProofSigner(proof_key, proof_old_key).sign(TOKEN, url, timestamp)
    return ProofHeaders(
        access_token=TOKEN,
        url=URL,
        proof=proof,
        proof_old=proof_old,
        timestamp=str(timestamp),
        correlation_id=CORRELATION_ID,
    )


def proof_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == PROOF_LOGGER and r.levelno == logging.WARNING]


# Modes ------------------------------------------------------------------------------------------------


async def test_check_mode_off_accepts_unsigned_request_without_fetching_discovery(
    make_verifier: MakeVerifier,
) -> None:
    source = CountingSource(DiscoveryUnavailable("never asked"))
    verifier = make_verifier(source, mode="off")

    await verifier.check(ProofHeaders(TOKEN, URL, proof=None, proof_old=None, timestamp=None))

    assert source.fetches == 0


async def test_check_enforce_invalid_proofs_raises_and_logs_one_warning_with_correlation_id(
    make_verifier: MakeVerifier, clock: FakeClock, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    verifier = make_verifier(CountingSource(discovery_xml(keys["A"], keys["B"])))

    with pytest.raises(ProofKeyInvalid):
        await verifier.check(signed(clock, keys["C"], keys["D"]))

    [warning] = proof_warnings(caplog)
    assert f"correlation_id={CORRELATION_ID}" in warning
    assert "mode=enforce" in warning
    assert TOKEN not in caplog.text


async def test_check_log_mode_invalid_proofs_accepted_and_logged_with_correlation_id(
    make_verifier: MakeVerifier, clock: FakeClock, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    verifier = make_verifier(CountingSource(discovery_xml(keys["A"], keys["B"])), mode="log")

    await verifier.check(signed(clock, keys["C"], keys["D"]))

    [warning] = proof_warnings(caplog)
    assert f"correlation_id={CORRELATION_ID}" in warning
    assert "mode=log" in warning


async def test_check_log_mode_valid_proof_logs_nothing(
    make_verifier: MakeVerifier, clock: FakeClock, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    verifier = make_verifier(CountingSource(discovery_xml(keys["A"], keys["B"])), mode="log")

    await verifier.check(signed(clock, keys["A"], keys["B"]))

    assert proof_warnings(caplog) == []


async def test_check_correlation_id_with_spaces_cannot_add_fields_to_log_line(
    make_verifier: MakeVerifier, clock: FakeClock, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    verifier = make_verifier(CountingSource(discovery_xml(keys["A"], keys["B"])), mode="log")
    request = signed(clock, keys["C"], keys["D"])
    forged = dataclasses.replace(request, correlation_id="x status=ok\tmode=off")

    await verifier.check(forged)

    [warning] = proof_warnings(caplog)
    keys_in_line = [pair.partition("=")[0] for pair in warning.split()]
    assert (keys_in_line.count("status"), keys_in_line.count("mode")) == (1, 1)


# The three combinations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proof_key", "proof_old_key", "fetches"),
    [
        # X-WOPI-Proof with the current key: no rotation, so discovery is fetched once only.
        ("A", "B", 1),
        # X-WOPI-ProofOld with the current key: the client has rotated (to E), discovery is stale.
        ("E", "A", 2),
        # X-WOPI-Proof with the old key: the client still signs with the key discovery calls old.
        ("B", "E", 2),
    ],
    ids=["proof-current", "proofold-current", "proof-old"],
)
async def test_check_each_documented_combination_accepted_and_rotation_rediscovers(
    make_verifier: MakeVerifier,
    clock: FakeClock,
    keys: Keys,
    proof_key: str,
    proof_old_key: str,
    fetches: int,
) -> None:
    source = CountingSource(discovery_xml(keys["A"], keys["B"]))
    verifier = make_verifier(source)
    await verifier.check(signed(clock, keys["A"], keys["B"]))
    clock.advance(INTERVAL)

    await verifier.check(signed(clock, keys[proof_key], keys[proof_old_key]))

    assert source.fetches == fetches


async def test_check_proof_old_signed_with_old_key_refused(
    make_verifier: MakeVerifier, clock: FakeClock, keys: Keys
) -> None:
    # Not one of the three combinations: ProofOld is only ever checked against the current key.
    verifier = make_verifier(CountingSource(discovery_xml(keys["A"], keys["B"])))

    with pytest.raises(ProofKeyInvalid):
        await verifier.check(signed(clock, keys["E"], keys["B"]))


async def test_check_proof_over_other_url_refused(
    make_verifier: MakeVerifier, clock: FakeClock, keys: Keys
) -> None:
    verifier = make_verifier(CountingSource(discovery_xml(keys["A"], keys["B"])))
    request = signed(clock, keys["A"], keys["B"], url=URL.replace("wopi.example.com", "internal:8080"))

    with pytest.raises(ProofKeyInvalid):
        await verifier.check(request)


# Timestamps -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "accepted"),
    [
        (timedelta(0), True),
        (MAX_AGE, True),
        (MAX_AGE + ONE_TICK, False),
        (timedelta(days=1), False),
        (-timedelta(minutes=5), True),
        (-timedelta(minutes=5) - ONE_TICK, False),
        (-timedelta(days=365), False),
    ],
    ids=["now", "exactly-20-min", "20-min-and-a-tick", "a-day", "5-min-ahead", "further-ahead", "year-ahead"],
)
async def test_check_timestamp_by_age_accepted_only_within_window(
    make_verifier: MakeVerifier, clock: FakeClock, keys: Keys, age: timedelta, accepted: bool
) -> None:
    verifier = make_verifier(CountingSource(discovery_xml(keys["A"], keys["B"])))
    request = signed(clock, keys["A"], keys["B"], age=age)

    if accepted:
        await verifier.check(request)
    else:
        with pytest.raises(ProofKeyInvalid, match="TimeStamp"):
            await verifier.check(request)


@pytest.mark.parametrize(
    "timestamp",
    [
        None,
        "",
        "abc",
        "-1",
        "1.5",
        " 638000000000000000",
        "0x10",
        "\u0661\u0662",
        str(MAX_TICKS + 1),
        "9" * 400,
    ],
    ids=["missing", "empty", "letters", "negative", "fraction", "space", "hex", "arabic", "max+1", "huge"],
)
async def test_check_timestamp_malformed_refused_without_fetching_discovery(
    make_verifier: MakeVerifier, clock: FakeClock, keys: Keys, timestamp: str | None
) -> None:
    source = CountingSource(discovery_xml(keys["A"], keys["B"]))
    verifier = make_verifier(source)
    request = dataclasses.replace(signed(clock, keys["A"], keys["B"]), timestamp=timestamp)

    with pytest.raises(ProofKeyInvalid, match="TimeStamp"):
        await verifier.check(request)

    # Junk is refused before any work that an attacker could use to make the host fetch discovery.
    assert source.fetches == 0


async def test_check_proof_signed_over_other_timestamp_refused(
    make_verifier: MakeVerifier, clock: FakeClock, keys: Keys
) -> None:
    verifier = make_verifier(CountingSource(discovery_xml(keys["A"], keys["B"])))
    request = signed(clock, keys["A"], keys["B"])
    later = str(int(request.timestamp or "0") + ticks_from_timedelta(timedelta(seconds=1)))

    with pytest.raises(ProofKeyInvalid):
        await verifier.check(dataclasses.replace(request, timestamp=later))


# Rediscovery ------------------------------------------------------------------------------------------


async def test_check_success_only_through_old_key_rediscovers_once_per_interval(
    make_verifier: MakeVerifier, clock: FakeClock, keys: Keys
) -> None:
    source = CountingSource(discovery_xml(keys["A"], keys["B"]))
    verifier = make_verifier(source)
    await verifier.check(signed(clock, keys["A"], keys["B"]))
    clock.advance(INTERVAL)

    await verifier.check(signed(clock, keys["B"], keys["E"]))
    await verifier.check(signed(clock, keys["B"], keys["E"]))
    clock.advance(INTERVAL)
    await verifier.check(signed(clock, keys["B"], keys["E"]))

    assert source.fetches == 3


async def test_check_proof_old_match_rediscovers_and_then_uses_new_current_key(
    make_verifier: MakeVerifier, clock: FakeClock, keys: Keys
) -> None:
    source = CountingSource(discovery_xml(keys["A"], keys["B"]))
    verifier = make_verifier(source)
    await verifier.check(signed(clock, keys["A"], keys["B"]))
    source.document = discovery_xml(keys["C"], keys["A"])  # the client rotated: C is current, A old
    clock.advance(INTERVAL)

    await verifier.check(signed(clock, keys["C"], keys["A"]))  # ProofOld with the host's current key
    await verifier.check(signed(clock, keys["C"], keys["A"]))  # now X-WOPI-Proof with the current key

    assert source.fetches == 2


async def test_check_failure_rediscovers_and_retry_succeeds_after_client_rotated_twice(
    make_verifier: MakeVerifier, clock: FakeClock, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    source = CountingSource(discovery_xml(keys["A"], keys["B"]))
    verifier = make_verifier(source)
    await verifier.check(signed(clock, keys["A"], keys["B"]))
    # The client rotated twice since the host last fetched: neither of its keys is one the host knows.
    source.document = discovery_xml(keys["C"], keys["D"])
    clock.advance(INTERVAL)

    await verifier.check(signed(clock, keys["C"], keys["D"]))

    assert source.fetches == 2
    assert proof_warnings(caplog) == []


async def test_check_repeated_failures_fetch_at_most_once_per_interval(
    make_verifier: MakeVerifier, clock: FakeClock, keys: Keys
) -> None:
    source = CountingSource(discovery_xml(keys["A"], keys["B"]))
    verifier = make_verifier(source)

    async def forged() -> None:
        with pytest.raises(ProofKeyInvalid):
            await verifier.check(signed(clock, keys["D"], keys["E"]))

    for _ in range(20):
        await forged()
    fetches_at_start = source.fetches
    clock.advance(INTERVAL - ONE_TICK)
    for _ in range(20):
        await forged()
    fetches_within_interval = source.fetches
    clock.advance(ONE_TICK)
    for _ in range(20):
        await forged()

    # The first check fetches (there is no copy yet); a refetch then waits out the whole interval.
    assert (fetches_at_start, fetches_within_interval, source.fetches) == (1, 1, 2)


async def test_check_concurrent_failures_share_one_rediscovery(
    make_verifier: MakeVerifier, clock: FakeClock, keys: Keys
) -> None:
    source = CountingSource(discovery_xml(keys["A"], keys["B"]))
    verifier = make_verifier(source)
    await verifier.check(signed(clock, keys["A"], keys["B"]))
    clock.advance(INTERVAL)
    refused = 0

    async def forged() -> None:
        nonlocal refused
        try:
            await verifier.check(signed(clock, keys["D"], keys["E"]))
        except ProofKeyInvalid:
            refused += 1

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tasks:
            for _ in range(25):
                tasks.start_soon(forged)

    assert (refused, source.fetches) == (25, 2)


# Discovery without usable keys ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["enforce", "log"])
async def test_check_discovery_without_proof_key_refused_in_enforce_only(
    make_verifier: MakeVerifier, clock: FakeClock, keys: Keys, mode: ProofMode
) -> None:
    verifier = make_verifier(CountingSource(discovery_xml(None)), mode=mode)
    request = signed(clock, keys["A"], keys["B"])

    if mode == "enforce":
        with pytest.raises(ProofKeyInvalid, match="no proof keys"):
            await verifier.check(request)
    else:
        await verifier.check(request)


@pytest.mark.parametrize(
    "document",
    [
        DiscoveryUnavailable("connection refused"),
        b"<html>502 Bad Gateway</html>",
        b"not xml at all \x00",
        b'<wopi-discovery><proof-key value="AAAA" modulus="AQAB" exponent="AQAB"/></wopi-discovery>',
    ],
    ids=["unreachable", "html", "binary", "no-apps"],
)
async def test_check_discovery_unavailable_refused_with_proof_key_invalid_only(
    make_verifier: MakeVerifier, clock: FakeClock, keys: Keys, document: bytes | Exception
) -> None:
    source = CountingSource(document)
    verifier = make_verifier(source)

    with pytest.raises(ProofKeyInvalid):
        await verifier.check(signed(clock, keys["A"], keys["B"]))
    with pytest.raises(ProofKeyInvalid):
        await verifier.check(signed(clock, keys["A"], keys["B"]))

    # One fetch for the first check; the retry after its failure and the second check are rate limited.
    assert source.fetches == 1


async def test_check_discovery_with_weak_key_refused_and_logged(
    make_verifier: MakeVerifier, clock: FakeClock, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    # An odd 512-bit modulus: far too small for a proof key, however it was made.
    modulus = base64.b64encode((2**511 + 2**64 + 1).to_bytes(64, "big")).decode()
    exponent = base64.b64encode((65537).to_bytes(3, "big")).decode()
    xml = discovery_xml(None).replace(
        b"</wopi-discovery>",
        f'<proof-key modulus="{modulus}" exponent="{exponent}"/></wopi-discovery>'.encode(),
    )
    verifier = make_verifier(CountingSource(xml))

    with pytest.raises(ProofKeyInvalid):
        await verifier.check(signed(clock, keys["A"], keys["B"]))

    assert any(r.name == PROOF_LOGGER and r.levelno == logging.ERROR for r in caplog.records)


async def test_check_discovery_recovers_after_outage(
    make_verifier: MakeVerifier, clock: FakeClock, keys: Keys
) -> None:
    source = CountingSource(DiscoveryUnavailable("connection refused"))
    verifier = make_verifier(source)
    with pytest.raises(ProofKeyInvalid):
        await verifier.check(signed(clock, keys["A"], keys["B"]))
    source.document = discovery_xml(keys["A"], keys["B"])

    clock.advance(INTERVAL)
    await verifier.check(signed(clock, keys["A"], keys["B"]))

    assert source.fetches == 2


async def test_check_after_outage_uses_copy_loaded_by_periodic_refresh_at_once(
    clock: FakeClock, keys: Keys, tmp_path: Path
) -> None:
    source = CountingSource(DiscoveryUnavailable("connection refused"))
    discovery = DiscoveryService(source, cache_file=tmp_path / "discovery.xml", clock=clock)
    verifier = ProofKeyVerifier(
        discovery=discovery, clock=clock, mode="enforce", max_age=MAX_AGE, rediscovery_interval=INTERVAL
    )
    with pytest.raises(ProofKeyInvalid):
        await verifier.check(signed(clock, keys["A"], keys["B"]))
    source.document = discovery_xml(keys["A"], keys["B"])

    clock.advance(timedelta(seconds=1))
    await discovery.refresh()  # what the background refresh does
    await verifier.check(signed(clock, keys["A"], keys["B"]))

    assert source.fetches == 2
