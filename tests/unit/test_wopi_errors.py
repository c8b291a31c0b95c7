"""The WOPI error recorder: a bounded queue that never waits, written in batches, dropping when full."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import anyio
import pytest

from wopihost.adapters.clock import FakeClock
from wopihost.domain.admin import WopiError, WopiErrorQuery
from wopihost.services.wopi_errors import WopiErrorRecorder

pytestmark = pytest.mark.anyio


class MemoryLog:
    """Errors kept in a list; `fail` makes writes raise like an unreachable database."""

    def __init__(self) -> None:
        self.batches: list[list[WopiError]] = []
        self.fail = False
        self.purged_before: datetime | None = None

    async def add_many(self, errors: Sequence[WopiError]) -> None:
        if self.fail:
            raise OSError("database down")
        self.batches.append(list(errors))

    async def search(
        self, query: WopiErrorQuery, *, limit: int, offset: int
    ) -> tuple[Sequence[WopiError], int]:
        raise NotImplementedError

    async def purge(self, *, before: datetime, keep_rows: int) -> int:
        self.purged_before = before
        return 0


def recorder(log: MemoryLog, clock: FakeClock, max_queued: int = 10) -> WopiErrorRecorder:
    return WopiErrorRecorder(
        log=log, clock=clock, retention=timedelta(days=14), max_rows=100, max_queued=max_queued
    )


def error(clock: FakeClock, status: int = 404) -> WopiError:
    return WopiError(at=clock.now(), operation="GetFile", status=status)


async def test_submit_when_queue_full_drops_and_counts() -> None:
    clock, log = FakeClock(), MemoryLog()
    errors = recorder(log, clock, max_queued=2)

    for _ in range(3):
        errors.submit(error(clock))
    written = await errors.flush()

    assert (written, errors.dropped) == (2, 1)
    assert [len(b) for b in log.batches] == [2]


async def test_flush_when_database_fails_drops_batch_and_keeps_going() -> None:
    clock, log = FakeClock(), MemoryLog()
    errors = recorder(log, clock)
    errors.submit(error(clock))
    log.fail = True

    written = await errors.flush()
    log.fail = False
    errors.submit(error(clock, 500))
    again = await errors.flush()

    assert (written, again, errors.dropped) == (0, 1, 1)
    assert [e.status for b in log.batches for e in b] == [500]


async def test_purge_deletes_before_now_minus_retention() -> None:
    clock, log = FakeClock(), MemoryLog()

    await recorder(log, clock).purge()

    assert log.purged_before == clock.now() - timedelta(days=14)


async def test_run_flushes_until_stopped_then_once_more() -> None:
    clock, log = FakeClock(), MemoryLog()
    errors = recorder(log, clock)
    stop = anyio.Event()
    errors.submit(error(clock))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(errors.run, stop)
        await anyio.sleep(0.05)
        errors.submit(error(clock, 409))
        stop.set()

    assert [e.status for b in log.batches for e in b] == [404, 409]
    assert log.purged_before is not None
