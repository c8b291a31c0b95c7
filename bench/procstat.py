"""The server's process tree seen through /proc: resident memory and CPU time, sampled while load runs."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from wopihost.benchkit.results import MIB, ServerUsage

PROC = Path("/proc")
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE_SECONDS = 0.1


def _stat_fields(pid: int) -> list[str]:
    text = (PROC / str(pid) / "stat").read_text()
    # The command name (field 2) is in parentheses and may hold spaces; the fields after it are plain.
    return text[text.rindex(")") + 2 :].split()


def tree(root: int) -> list[int]:
    """`root` and every process descending from it."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                parent = int(_stat_fields(int(entry.name))[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def rss_mib(pid: int) -> float:
    """One process's resident memory in MiB (0 once it is gone)."""
    try:
        return int((PROC / str(pid) / "statm").read_text().split()[1]) * PAGE / MIB
    except (OSError, ValueError, IndexError):
        return 0.0


def cpu_seconds(pid: int) -> float:
    """One process's user and system CPU time so far (0 once it is gone)."""
    try:
        fields = _stat_fields(pid)
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, ValueError, IndexError):
        return 0.0


def tree_rss_mib(root: int) -> float:
    """The resident memory of `root`'s whole tree in MiB (shared pages count once per process)."""
    return sum(rss_mib(pid) for pid in tree(root))


@contextmanager
def sampled(root: int) -> Iterator[list[ServerUsage]]:
    """Sample `root`'s tree until the block ends; the list then holds one ServerUsage for the block."""
    pids = tree(root)
    start_rss = sum(rss_mib(pid) for pid in pids)
    start_cpu = {pid: cpu_seconds(pid) for pid in pids}
    peak = [start_rss]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(SAMPLE_SECONDS):
            peak[0] = max(peak[0], tree_rss_mib(root))

    sampler = threading.Thread(target=sample, daemon=True)
    started = time.monotonic()
    sampler.start()
    usage: list[ServerUsage] = []
    try:
        yield usage
    finally:
        stop.set()
        sampler.join()
        wall = time.monotonic() - started
        used = sum(cpu_seconds(pid) - start_cpu.get(pid, 0.0) for pid in tree(root))
        usage.append(ServerUsage(start_rss, max(peak[0], tree_rss_mib(root)), 100 * used / max(wall, 1e-6)))
