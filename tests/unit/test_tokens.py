"""Access tokens: scoped to one user and one file, signed, expiring by the injected clock."""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from wopihost.adapters.clock import FakeClock
from wopihost.adapters.keyring_file import KeyringFile, load_or_create_keyring, rotate_keyring
from wopihost.domain.ids import new_id
from wopihost.domain.signing import SigningKey, SigningKeyring
from wopihost.errors import InvalidToken
from wopihost.services.tokens import TokenService

TTL = timedelta(hours=10)
START = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
KEY = SigningKey(kid="k1", secret=b"s" * 32)
USER, FILE, OTHER_FILE = new_id(), new_id(), new_id()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 1, 8, 30, 15, 250000, tzinfo=UTC))


@pytest.fixture
def tokens(clock: FakeClock) -> TokenService:
    return TokenService(SigningKeyring(current=KEY), ttl=TTL, clock=clock)


def _segment(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _signed(
    claims: dict[str, object], *, key: SigningKey = KEY, headers: dict[str, object] | None = None
) -> str:
    return jwt.encode(claims, key.secret, algorithm="HS256", headers={"kid": key.kid, **(headers or {})})


def _claims(clock: FakeClock, **overrides: object) -> dict[str, object]:
    claims: dict[str, object] = {
        "sub": USER,
        "fid": FILE,
        "knd": "wopi",
        "exp": int((clock.now() + TTL).timestamp()),
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def test_issue_then_verify_returns_user_file_and_expiry(tokens: TokenService, clock: FakeClock) -> None:
    issued = tokens.issue(USER, FILE)

    claims = tokens.verify(issued.token, file_id=FILE)

    assert (claims.user_id, claims.file_id) == (USER, FILE)
    assert claims.expires_at == issued.expires_at == (clock.now() + TTL).replace(microsecond=0)


def test_issue_ttl_ms_is_expiry_in_ms_since_epoch(tokens: TokenService, clock: FakeClock) -> None:
    issued = tokens.issue(USER, FILE)

    assert issued.ttl_ms == int((clock.now() + TTL).replace(microsecond=0).timestamp() * 1000)


def test_issue_token_length_is_well_under_2000_characters(tokens: TokenService) -> None:
    token = tokens.issue(USER, FILE).token

    assert len(token) < 400
    assert token.isascii()


@pytest.mark.parametrize(
    ("age", "valid"),
    [
        (timedelta(0), True),
        (TTL - timedelta(seconds=2), True),
        (TTL, False),
        (TTL + timedelta(seconds=1), False),
        (timedelta(days=30), False),
    ],
    ids=["fresh", "just-before-expiry", "at-expiry", "just-after-expiry", "month-old"],
)
def test_verify_by_age_accepts_until_expiry(
    tokens: TokenService, clock: FakeClock, age: timedelta, valid: bool
) -> None:
    token = tokens.issue(USER, FILE).token
    clock.advance(age)

    if valid:
        assert tokens.verify(token, file_id=FILE).user_id == USER
    else:
        with pytest.raises(InvalidToken, match="expired"):
            tokens.verify(token, file_id=FILE)


def _flip(token: str, index: int) -> str:
    char = token[index]
    return token[:index] + ("A" if char != "A" else "B") + token[index + 1 :]


TAMPERINGS = {
    "header-char": lambda t: _flip(t, 5),
    "payload-char": lambda t: _flip(t, t.index(".") + 8),
    "signature-char": lambda t: _flip(t, len(t) - 5),
    "signature-removed": lambda t: t.rsplit(".", 1)[0] + ".",
    "payload-swapped": lambda t: ".".join(
        [
            t.split(".")[0],
            _segment({"sub": "mallory", "fid": FILE, "knd": "wopi", "exp": 4102444800}),
            t.split(".")[2],
        ]
    ),
    "alg-none": lambda t: ".".join(
        [_segment({"alg": "none", "typ": "JWT", "kid": "k1"}), t.split(".")[1], ""]
    ),
    "appended": lambda t: t + "x",
    "prepended": lambda t: "x" + t,
}


@pytest.mark.parametrize("tamper", list(TAMPERINGS), ids=list(TAMPERINGS))
def test_verify_tampered_token_raises_invalid_token(tokens: TokenService, tamper: str) -> None:
    token = TAMPERINGS[tamper](tokens.issue(USER, FILE).token)

    with pytest.raises(InvalidToken):
        tokens.verify(token, file_id=FILE)


@pytest.mark.parametrize("keep", [1, 10, 40, -1, -10])
def test_verify_truncated_token_raises_invalid_token(tokens: TokenService, keep: int) -> None:
    token = tokens.issue(USER, FILE).token

    with pytest.raises(InvalidToken):
        tokens.verify(token[:keep], file_id=FILE)


@pytest.mark.parametrize("token", ["", "not-a-token", "a.b.c", "....", "x" * 5000, "\u00e9.\u00e9.\u00e9"])
def test_verify_garbage_raises_invalid_token(tokens: TokenService, token: str) -> None:
    with pytest.raises(InvalidToken):
        tokens.verify(token, file_id=FILE)


@pytest.mark.parametrize(
    "file_id",
    [OTHER_FILE, FILE.upper(), FILE + "x", "", "\u00e9t\u00e9", "\ud83d"],
    # Fixed IDs: the file IDs are random, and xdist workers must collect the same tests.
    ids=["other", "upper", "longer", "empty", "accented", "lone-surrogate"],
)
def test_verify_for_other_file_raises_invalid_token(tokens: TokenService, file_id: str) -> None:
    token = tokens.issue(USER, FILE).token

    with pytest.raises(InvalidToken, match="another file"):
        tokens.verify(token, file_id=file_id)


@pytest.mark.parametrize(("issued_as", "used_as"), [("fileurl", "wopi"), ("wopi", "fileurl")])
def test_verify_token_of_other_kind_raises_invalid_token(
    tokens: TokenService, issued_as: str, used_as: str
) -> None:
    token = tokens.issue(USER, FILE, kind=issued_as).token  # type: ignore[arg-type]

    with pytest.raises(InvalidToken, match="kind"):
        tokens.verify(token, file_id=FILE, kind=used_as)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "headers",
    [{"kid": "k2"}, {"kid": ""}, {"kid": 7}, {"kid": None}, {"kid": "k\u00e9"}, {"kid": ["k1"]}],
    ids=["other", "empty", "number", "null", "non-ascii", "list"],
)
def test_verify_unknown_key_id_raises_invalid_token(
    tokens: TokenService, clock: FakeClock, headers: dict[str, object]
) -> None:
    # Built by hand: PyJWT refuses to sign with a key ID that is not a string.
    token = ".".join([_segment({"alg": "HS256", "typ": "JWT", **headers}), _segment(_claims(clock)), "c2ln"])

    with pytest.raises(InvalidToken):
        tokens.verify(token, file_id=FILE)


def test_verify_token_signed_with_other_secret_under_same_kid_raises(
    tokens: TokenService, clock: FakeClock
) -> None:
    token = _signed(_claims(clock), key=SigningKey(kid="k1", secret=b"t" * 32))

    with pytest.raises(InvalidToken, match="tampered"):
        tokens.verify(token, file_id=FILE)


@pytest.mark.parametrize(
    "overrides",
    [{"knd": None}, {"knd": "admin"}, {"sub": None}, {"sub": 42}, {"fid": None}, {"exp": None}],
    ids=["no-kind", "other-kind", "no-user", "numeric-user", "no-file", "no-expiry"],
)
def test_verify_signed_token_with_incomplete_claims_raises(
    tokens: TokenService, clock: FakeClock, overrides: dict[str, object]
) -> None:
    token = _signed(_claims(clock, **overrides))

    with pytest.raises(InvalidToken):
        tokens.verify(token, file_id=FILE)


def test_verify_after_rotation_accepts_token_of_retired_key(clock: FakeClock) -> None:
    old_key, new_key = KEY, SigningKey(kid="k2", secret=b"n" * 32)
    before = TokenService(SigningKeyring(current=old_key), ttl=TTL, clock=clock).issue(USER, FILE)
    rotated = TokenService(SigningKeyring(current=new_key, previous=(old_key,)), ttl=TTL, clock=clock)

    after = rotated.issue(USER, FILE)

    assert rotated.verify(before.token, file_id=FILE).user_id == USER
    assert rotated.verify(after.token, file_id=FILE).user_id == USER
    assert jwt.get_unverified_header(after.token)["kid"] == "k2"


def test_verify_after_retired_key_dropped_rejects_its_tokens(clock: FakeClock) -> None:
    before = TokenService(SigningKeyring(current=KEY), ttl=TTL, clock=clock).issue(USER, FILE)
    dropped = TokenService(SigningKeyring(current=SigningKey("k2", b"n" * 32)), ttl=TTL, clock=clock)

    with pytest.raises(InvalidToken, match="unknown key"):
        dropped.verify(before.token, file_id=FILE)


def test_rotate_keyring_file_keeps_old_tokens_valid(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "secrets" / "signing-keys.json"
    before = TokenService(load_or_create_keyring(path), ttl=TTL, clock=clock).issue(USER, FILE)

    rotate_keyring(path, keep=1)
    reloaded = TokenService(load_or_create_keyring(path), ttl=TTL, clock=clock)

    assert reloaded.verify(before.token, file_id=FILE).user_id == USER
    assert (
        jwt.get_unverified_header(reloaded.issue(USER, FILE).token)["kid"]
        != jwt.get_unverified_header(before.token)["kid"]
    )
    assert path.stat().st_mode & 0o777 == 0o600


def test_rotate_keyring_twice_with_keep_one_drops_oldest_key(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "keys.json"
    oldest = TokenService(load_or_create_keyring(path), ttl=TTL, clock=clock).issue(USER, FILE)

    rotate_keyring(path, keep=1)
    rotate_keyring(path, keep=1)

    with pytest.raises(InvalidToken, match="unknown key"):
        TokenService(load_or_create_keyring(path), ttl=TTL, clock=clock).verify(oldest.token, file_id=FILE)


def test_signing_key_repr_hides_secret() -> None:
    assert "sss" not in repr(KEY)


def test_verify_after_rotation_by_another_process_reloads_keyring(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    running = TokenService(
        KeyringFile(path, check_seconds=3600, reload_seconds=0), ttl=TTL, clock=FakeClock(START)
    )
    before = running.issue(USER, FILE)
    rotate_keyring(path, keep=1)
    # Another worker, started after the rotation, signs with the new key.
    newer = TokenService(KeyringFile(path), ttl=TTL, clock=FakeClock(START)).issue(USER, FILE)
    assert running.verify(newer.token, file_id=FILE).user_id == USER
    assert running.verify(before.token, file_id=FILE).user_id == USER


def test_issue_after_rotation_signs_with_new_key_once_checked(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    keys = KeyringFile(path, check_seconds=0)
    service = TokenService(keys, ttl=TTL, clock=FakeClock(START))
    old_kid = jwt.get_unverified_header(service.issue(USER, FILE).token)["kid"]
    new_kid = rotate_keyring(path).current.kid
    assert jwt.get_unverified_header(service.issue(USER, FILE).token)["kid"] == new_kid != old_kid


def test_load_or_create_keyring_nodes_starting_together_share_one_keyring(tmp_path: Path) -> None:
    # Several nodes sharing one keys file must end up with the same keys, whichever created it.
    path = tmp_path / "shared" / "signing-keys.json"
    with ThreadPoolExecutor(max_workers=8) as pool:
        keyrings = list(pool.map(lambda _: load_or_create_keyring(path), range(16)))

    assert {keyring.current.kid for keyring in keyrings} == {load_or_create_keyring(path).current.kid}
    assert sorted(p.name for p in path.parent.iterdir()) == ["signing-keys.json"]
    assert path.stat().st_mode & 0o777 == 0o600
