"""What happens in sessions, recorded for the pages' WOPI log, the logs and `simulate`'s report."""

from __future__ import annotations

import logging
from collections.abc import Callable

from wopihost.devclient.clock import SessionClock
from wopihost.devclient.sessions import Actor, DocumentSession, SessionEvent
from wopihost.devclient.wopi_client import WopiResponse
from wopihost.logging_setup import log_value

log = logging.getLogger("wopihost.devclient.sessions")
# Events go to a session's log, or to a list while the session is being opened.
EventSink = DocumentSession | list[SessionEvent]


class EventRecorder:
    """Turns WOPI responses and session changes into events and hands them on."""

    def __init__(self, clock: SessionClock, on_event: Callable[[SessionEvent], None] | None = None) -> None:
        self._clock = clock
        self._on_event = on_event

    def wopi(
        self,
        session: EventSink,
        file_name: str,
        response: WopiResponse,
        actor: Actor,
        *,
        ok: bool | None = None,
    ) -> None:
        """Record a WOPI request's outcome; `ok` overrides what the status says."""
        detail = "" if response.ok and ok is not False else response.describe()
        self._record(
            session,
            SessionEvent(
                at=self._clock.monotonic(),
                wall=self._clock.wall(),
                file_name=file_name,
                operation=response.operation,
                user=actor.name,
                pid=actor.pid,
                status=response.status,
                ok=response.ok if ok is None else ok,
                detail=detail,
            ),
        )

    def note(
        self, session: DocumentSession, what: str, actor: Actor, *, detail: str = "", ok: bool = True
    ) -> None:
        """Record a change that is not a WOPI request: a user joining or leaving, a session ending."""
        event = SessionEvent(
            self._clock.monotonic(),
            self._clock.wall(),
            session.file_name,
            what,
            actor.name,
            ok=ok,
            detail=detail,
            pid=actor.pid,
        )
        self._record(session, event)

    def _record(self, session: EventSink, event: SessionEvent) -> None:
        if isinstance(session, list):
            session.append(event)
        else:
            session.log.append(event)
        log.info(
            "op=%s file=%s user=%s status=%d ok=%s",
            event.operation,
            log_value(event.file_name, limit=255),
            log_value(event.user),
            event.status,
            event.ok,
        )
        if self._on_event is not None:
            self._on_event(event)
