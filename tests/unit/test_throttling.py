"""Sign-in throttling rules: keys per user name and address, IPv6 grouping, how long a counter blocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wopihost.domain.throttling import (
    Failures,
    address_group,
    address_key,
    seconds_blocked,
    user_address_key,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


def test_user_address_key_same_for_case_and_spaces_of_user_name() -> None:
    assert user_address_key(" Alice ", "10.0.0.1") == user_address_key("alice", "10.0.0.1")


def test_user_address_key_differs_by_address_and_by_user() -> None:
    keys = {
        user_address_key("alice", "10.0.0.1"),
        user_address_key("alice", "10.0.0.2"),
        user_address_key("bob", "10.0.0.1"),
        address_key("10.0.0.1"),
    }
    assert len(keys) == 4


def test_keys_hold_no_user_name_or_address() -> None:
    key = user_address_key("alice", "10.0.0.1")
    assert "alice" not in key
    assert "10.0.0.1" not in key
    assert len(key) == 64


@pytest.mark.parametrize(
    ("address", "group"),
    [
        ("10.0.0.1", "10.0.0.1"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("unknown", "unknown"),
    ],
)
def test_address_group_ipv6_by_its_64(address: str, group: str) -> None:
    assert address_group(address) == group


def test_seconds_blocked_below_limit_zero_at_limit_rest_of_window() -> None:
    started = Failures(4, NOW - timedelta(minutes=5))
    assert seconds_blocked(started, 5, WINDOW, NOW) == 0
    full = Failures(5, NOW - timedelta(minutes=5))
    assert seconds_blocked(full, 5, WINDOW, NOW) == 10 * 60
    assert seconds_blocked(full, 5, WINDOW, NOW + timedelta(minutes=10)) == 0
    assert seconds_blocked(None, 5, WINDOW, NOW) == 0
