"""Counts sent as text: only ASCII digits are numbers."""

from __future__ import annotations

import pytest

from wopihost.numbers import ascii_digits


@pytest.mark.parametrize(("text", "expected"), [("0", 0), ("42", 42), ("0007", 7), ("9" * 40, int("9" * 40))])
def test_ascii_digits_of_digits_returns_value(text: str, expected: int) -> None:
    assert ascii_digits(text) == expected


@pytest.mark.parametrize("text", [None, "", " 1", "-1", "1.5", "²", "١٢", "1e3", "0x10"])
def test_ascii_digits_of_anything_else_returns_none(text: str | None) -> None:
    assert ascii_digits(text) is None


def test_ascii_digits_longer_than_limit_returns_none() -> None:
    assert ascii_digits("1234567890", max_digits=9) is None
    assert ascii_digits("123456789", max_digits=9) == 123456789
