"""Running the go-live readiness checks from the administrators' console: one run at a time, in the
background, keeping the last dossier (as HTML) with its time."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from wopihost.domain.records import User
from wopihost.errors import Unsupported
from wopihost.ports import Clock
from wopihost.services.admin import require_admin

logger = logging.getLogger("wopihost.admin")

# Runs every check and returns whether the deployment is ready, and the HTML dossier.
DossierRunner = Callable[[], Awaitable[tuple[bool, str]]]


@dataclass(frozen=True, slots=True)
class ReadinessRun:
    """One run of the checks: who started it and when, and once finished its verdict and dossier."""

    started_by: str
    started_at: datetime
    finished_at: datetime | None = None
    ready: bool | None = None
    html: str = ""
    failed: str = ""  # the error class when the run itself broke


class ReadinessRuns:
    """The checks run by this process: the one running now, if any, and the last finished one.

    Each server process keeps its own; the checks create and remove a readiness user and folder, so two
    runs at once in one process would trip over each other, and a second start is refused meanwhile.
    """

    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock
        self._runner: DossierRunner | None = None
        self.current: ReadinessRun | None = None
        self.last: ReadinessRun | None = None

    def use(self, runner: DossierRunner) -> None:
        """Set what runs the checks (wired once the services exist, since the checks use them)."""
        self._runner = runner

    def start(self, admin: User) -> bool:
        """Mark a run as started by `admin`; False when one is running already."""
        require_admin(admin)
        if self._runner is None:
            raise Unsupported("the readiness checks are not available in this process")
        if self.current is not None:
            return False
        self.current = ReadinessRun(started_by=admin.id, started_at=self._clock.now())
        return True

    async def finish(self) -> None:
        """Run the checks started by `start` and keep the result; never raises."""
        run, runner = self.current, self._runner
        if run is None or runner is None:
            return
        try:
            ready, html = await runner()
            self.last = ReadinessRun(run.started_by, run.started_at, self._clock.now(), ready, html)
        except Exception as exc:
            logger.exception("op=readiness_run status=error")
            self.last = ReadinessRun(
                run.started_by, run.started_at, self._clock.now(), failed=type(exc).__name__
            )
        finally:
            self.current = None
