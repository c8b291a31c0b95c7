"""Recording WOPI error responses off the hot path: a bounded queue, written in batches, purged by age."""

from __future__ import annotations

import logging
from collections import deque
from datetime import timedelta

import anyio

from wopihost.domain.admin import WopiError
from wopihost.ports import Clock, WopiErrorLog

logger = logging.getLogger("wopihost.admin")

# The most errors written in one transaction.
_BATCH = 200


class WopiErrorRecorder:
    """Takes errors from the WOPI middleware without waiting, writes them now and then, and purges old ones.

    When the database is slower than the errors come, the queue fills up and further errors are dropped
    and counted: a WOPI response never waits for the error log.
    """

    def __init__(
        self,
        *,
        log: WopiErrorLog,
        clock: Clock,
        retention: timedelta,
        max_rows: int,
        max_queued: int = 10_000,
        flush_interval: timedelta = timedelta(seconds=1),
        purge_interval: timedelta = timedelta(hours=1),
    ) -> None:
        self._log = log
        self._clock = clock
        self.retention = retention
        self._max_rows = max_rows
        self._max_queued = max_queued
        self._flush_seconds = flush_interval.total_seconds()
        self._purge_seconds = purge_interval.total_seconds()
        self._queue: deque[WopiError] = deque()
        self.dropped = 0

    def submit(self, error: WopiError) -> None:
        """Queue one error; drop and count it when the queue is full."""
        if len(self._queue) >= self._max_queued:
            self.dropped += 1
            return
        self._queue.append(error)

    async def flush(self) -> int:
        """Write every queued error, in batches; return how many were written."""
        written = 0
        while self._queue:
            batch = [self._queue.popleft() for _ in range(min(_BATCH, len(self._queue)))]
            try:
                await self._log.add_many(batch)
            except Exception:
                # The log is for diagnosis only: a failed write loses the batch, never the server.
                self.dropped += len(batch)
                logger.exception("op=wopi_error_log status=error dropped=%d", len(batch))
                return written
            written += len(batch)
        return written

    async def purge(self) -> int:
        """Delete errors older than the retention and beyond the row limit."""
        before = self._clock.now() - self.retention
        return await self._log.purge(before=before, keep_rows=self._max_rows)

    async def run(self, stop: anyio.Event) -> None:
        """Flush now and then and purge at the purge interval, until `stop` is set; flush once more then."""
        waited = self._purge_seconds
        while not stop.is_set():
            if waited >= self._purge_seconds:
                waited = 0.0
                try:
                    await self.purge()
                except Exception:
                    logger.exception("op=wopi_error_purge status=error")
            await self.flush()
            with anyio.move_on_after(self._flush_seconds):
                await stop.wait()
            waited += self._flush_seconds
        await self.flush()
