"""Reading counts sent as text by clients (headers, query and path parameters, form fields)."""

from __future__ import annotations


def ascii_digits(text: str | None, *, max_digits: int | None = None) -> int | None:
    """The value of a string of ASCII digits, or None for anything else.

    `str.isdigit()` alone also accepts digits such as "²" that `int()` refuses, which would turn bad input
    into a server error. `max_digits` refuses longer strings (e.g. numbers that cannot name anything real).
    """
    if not text or (max_digits is not None and len(text) > max_digits):
        return None
    if not (text.isascii() and text.isdigit()):
        return None
    return int(text)
