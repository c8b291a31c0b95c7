"""LastModifiedTime: the one way a file's modification time is written to WOPI clients and read back.

Collabora Online compares the LastModifiedTime of CheckFileInfo and of PutFile's answer with what it sends in
X-COOL-WOPI-Timestamp, as strings, so every response must spell one moment identically, and every content
change must move the moment, even within one second.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

# The database keeps microseconds; the next change is at least this much later than the last.
RESOLUTION = timedelta(microseconds=1)


# Every CheckFileInfo formats its file's modification time, which changes only when the file does.
@functools.lru_cache(maxsize=4096)
def iso8601(moment: datetime) -> str:
    """UTC in the round-trip format WOPI asks for, e.g. 2009-06-15T13:45:30.0000000Z."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "0Z"


def next_modified_at(previous: datetime, now: datetime) -> datetime:
    """The modification time of a change made at `now` to content last changed at `previous`.

    Strictly later than `previous`, so that the formatted time changes with every change even when the
    clock repeats a value or steps back (a fake clock, NTP, another node's clock).
    """
    return now if now > previous else previous + RESOLUTION
