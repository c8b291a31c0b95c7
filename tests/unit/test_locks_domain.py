"""WOPI lock values: lock ID validation (1024 ASCII characters at most) and the 30-minute expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wopihost.adapters.clock import FakeClock
from wopihost.domain.locks import (
    LOCK_TTL,
    MAX_LOCK_ID_LENGTH,
    Lock,
    LockGuard,
    WhenUnlocked,
    is_representable,
    validate_lock_id,
)
from wopihost.domain.records import FileRecord
from wopihost.errors import InvalidRequest

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def make_file(lock: Lock | None = None) -> FileRecord:
    return FileRecord(
        id="f" * 24,
        folder_id="d" * 24,
        owner_id="o" * 24,
        name="a.docx",
        size=3,
        sha256="",
        version=1,
        blob_key="b" * 24,
        created_at=T0,
        modified_at=T0,
        modified_by=None,
        lock=lock,
    )


def test_lock_ttl_is_thirty_minutes() -> None:
    assert timedelta(minutes=30) == LOCK_TTL
    assert MAX_LOCK_ID_LENGTH == 1024


@pytest.mark.parametrize(
    "lock_id",
    [
        "a",
        "x" * 1024,
        '{"S":"abc","F":4,"E":2}',
        "with spaces and ~!@#$%^&*()",
        "\x01control",
    ],
    ids=["one-char", "1024-chars", "json", "punctuation", "ascii-control"],
)
def test_validate_lock_id_ascii_up_to_1024_returns_it_unchanged(lock_id: str) -> None:
    assert validate_lock_id(lock_id) == lock_id


@pytest.mark.parametrize(
    ("lock_id", "problem"),
    [
        (None, "not provided"),
        ("", "not provided"),
        ("x" * 1025, "longer than 1024"),
        ("x" * 5000, "longer than 1024"),
        ("verrou-\u00e9", "non-ASCII"),
        ("\u00ff", "non-ASCII"),
        ("\U0001f512", "non-ASCII"),
    ],
    ids=["missing", "empty", "1025-chars", "5000-chars", "latin-1", "y-umlaut", "emoji"],
)
def test_validate_lock_id_illegal_raises_invalid_request(lock_id: str | None, problem: str) -> None:
    with pytest.raises(InvalidRequest, match=problem):
        validate_lock_id(lock_id)


def test_validate_lock_id_names_the_header_in_its_error() -> None:
    with pytest.raises(InvalidRequest, match="X-WOPI-OldLock"):
        validate_lock_id("", "X-WOPI-OldLock")


@pytest.mark.parametrize(
    ("lock_id", "representable"),
    [("a", True), ("x" * 1024, True), ("x" * 1025, False), ("\u00e9", False)],
)
def test_is_representable_matches_wopi_lock_limits(lock_id: str, representable: bool) -> None:
    assert is_representable(lock_id) is representable


@pytest.mark.parametrize(
    ("age", "active"),
    [
        (timedelta(0), True),
        (timedelta(minutes=29, seconds=59, microseconds=999999), True),
        (timedelta(minutes=30), False),
        (timedelta(hours=5), False),
    ],
    ids=["fresh", "last-microsecond", "exactly-30-minutes", "long-expired"],
)
def test_lock_is_active_until_thirty_minutes_after_taken(age: timedelta, active: bool) -> None:
    clock = FakeClock(T0)
    lock = Lock("L", expires_at=clock.now() + LOCK_TTL)
    clock.advance(age)

    assert lock.is_active(clock.now()) is active
    assert (make_file(lock).active_lock(clock.now()) == lock) is active


def test_active_lock_of_unlocked_file_is_none() -> None:
    assert make_file().active_lock(T0) is None


def test_lock_belongs_to_no_user_by_default() -> None:
    assert Lock("L", T0).user_id is None


def test_lock_guard_defaults_to_allowing_unlocked_writes() -> None:
    assert LockGuard(None).when_unlocked is WhenUnlocked.ALLOW
    assert LockGuard("L", WhenUnlocked.IF_EMPTY).lock_id == "L"
