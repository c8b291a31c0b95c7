"""PreviewWorker: the background loop of one server process that renders the previews that are due.

It polls the PreviewStore, so that it finds new versions saved through any process, files left over from a
restart, and failed renderings whose retry time has come, all with the same query.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket

import anyio

from wopihost.services.previews import PreviewService

log = logging.getLogger("wopihost.previews")


def worker_name() -> str:
    """A name for this process's workers in claims: host, process and a random part (PIDs are reused)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(3)}"


class PreviewWorker:
    """Runs `concurrency` rendering loops until stopped; conversions in flight are killed on stop."""

    def __init__(self, previews: PreviewService, *, concurrency: int, poll_seconds: float) -> None:
        self._previews = previews
        self._concurrency = concurrency
        self._poll_seconds = poll_seconds
        self._name = worker_name()

    async def run(self, stop: anyio.Event) -> None:
        """Render until `stop` is set."""
        if not self._previews.enabled:
            log.warning("op=previews status=off reason=%s", self._previews.notice or "disabled")
            return
        if self._previews.notice:
            log.warning("op=previews status=pdf_only reason=%s", self._previews.notice)
        extensions = " ".join(sorted(ext.lstrip(".") for ext in self._previews.extensions))
        log.info("op=previews status=on concurrency=%d extensions=%s", self._concurrency, extensions)
        try:
            removed = await self._previews.remove_orphans()
            if removed:
                log.info("op=preview_orphans status=removed count=%d", removed)
        except Exception:
            log.exception("op=preview_orphans status=error")
        async with anyio.create_task_group() as tasks:
            for slot in range(self._concurrency):
                tasks.start_soon(self._loop, f"{self._name}/{slot}")
            await stop.wait()
            tasks.cancel_scope.cancel()

    async def _loop(self, worker: str) -> None:
        while True:
            try:
                worked = await self._previews.render_next(worker)
            except Exception:
                # The claim stays until its lease ends, so a failing store or disk is not retried at once.
                log.exception("op=preview_render status=error")
                worked = False
            if not worked:
                await anyio.sleep(self._poll_seconds)
