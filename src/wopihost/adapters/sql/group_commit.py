"""Group commit for SQLite: one writer thread, and the units of work that queue up meanwhile share a commit.

SQLite has one writer at a time and, with synchronous=FULL, every commit waits for an fsync. A thread per
write made concurrent lock changes and saves queue on the database lock, each paying its own fsync. Here
one thread takes every unit of work waiting (up to MAX_BATCH), runs each in its own SAVEPOINT inside one
BEGIN IMMEDIATE transaction, in the order they arrived, and commits once. A unit that raises is rolled back
to its savepoint alone and its caller gets the exception; the others are unaffected, exactly as if each had
run in a transaction of its own, one after another. Nobody hears of a result before the commit holding it
is durable; if that commit fails, every unit in it fails with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, RootTransaction

T = TypeVar("T")
# Enough to share one fsync among every request a busy node has in flight, small enough that one batch
# never holds the database lock for long.
MAX_BATCH = 128

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Pending:
    work: Callable[[Connection], Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    result: Any = None
    error: BaseException | None = None


class GroupCommitter:
    """Runs units of work on `engine` in one writer thread, committing those that arrive together at once.

    `translate` turns a driver error into what callers should see (it may return the error itself).
    """

    def __init__(self, engine: Engine, translate: Callable[[BaseException], BaseException]) -> None:
        self._engine = engine
        self._translate = translate
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        # Used by the writer thread alone.
        self._conn: Connection | None = None

    async def run(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in the next transaction and return its result once that transaction is durable."""
        loop = asyncio.get_running_loop()
        pending = _Pending(work, loop, loop.create_future())
        self._ensure_started()
        self._queue.put(pending)
        # A cancelled caller stops waiting; its unit of work still runs and commits, as a thread's would.
        result: T = await asyncio.shield(pending.future)
        return result

    def stop(self) -> None:
        """Finish the queued units of work and stop the writer thread."""
        with self._start_lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="wopihost-sqlite-writer", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                self._close_connection()
                return
            batch = [first]
            stopping = False
            while len(batch) < MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            self._commit(batch)
            # One wake-up per event loop for the whole batch, not one per unit of work.
            by_loop: dict[asyncio.AbstractEventLoop, list[_Pending]] = {}
            for pending in batch:
                by_loop.setdefault(pending.loop, []).append(pending)
            for loop, done in by_loop.items():
                loop.call_soon_threadsafe(_deliver, done)
            if stopping:
                self._close_connection()
                return

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            conn = self._connection()
            with conn.begin() as transaction:
                if len(batch) == 1:
                    self._run_alone(conn, transaction, batch[0])
                else:
                    self._run_each(conn, batch)
        except Exception as exc:
            # BEGIN or COMMIT failed: nothing of the batch is durable, so nobody may hear otherwise.
            log.warning("a group commit of %d units of work failed: %s", len(batch), type(exc).__name__)
            self._close_connection()
            error = self._translate(exc)
            for pending in batch:
                pending.result, pending.error = None, pending.error or error

    def _connection(self) -> Connection:
        """The writer's connection, kept from batch to batch: checking one out of the pool and resetting it
        for every batch cost the writer thread as much as a lock change's statements."""
        if self._conn is None:
            self._conn = self._engine.connect().execution_options(wopihost_begin="BEGIN IMMEDIATE")
        return self._conn

    def _close_connection(self) -> None:
        """Close the writer's connection (after a failed commit, or when stopping)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def _run_alone(self, conn: Connection, transaction: RootTransaction, pending: _Pending) -> None:
        """A batch of one needs no savepoint: if its unit fails, the whole transaction is rolled back."""
        try:
            pending.result = pending.work(conn)
        except Exception as exc:
            pending.error = self._translate(exc)
            transaction.rollback()

    def _run_each(self, conn: Connection, batch: list[_Pending]) -> None:
        """Each unit in a savepoint of its own, so that one failing is rolled back alone."""
        # Savepoints go straight to the driver: through SQLAlchemy each cost more than a lock change's own
        # statements. SQLAlchemy's transaction is unaffected by them.
        driver = conn.connection.driver_connection
        assert driver is not None
        for pending in batch:
            driver.execute("SAVEPOINT unit")
            try:
                pending.result = pending.work(conn)
            except Exception as exc:
                driver.execute("ROLLBACK TO unit")
                pending.error = self._translate(exc)
            driver.execute("RELEASE unit")


def _deliver(done: list[_Pending]) -> None:
    for pending in done:
        if pending.future.done():
            continue
        if pending.error is not None:
            pending.future.set_exception(pending.error)
        else:
            pending.future.set_result(pending.result)
