"""Autosave: one PutFile of a session's content, with the token the application's rule picks.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/scenarios/coauth
"""

from __future__ import annotations

from enum import Enum

from wopihost.devclient.client_styles import (
    AUTOSAVE,
    STYLES,
    ClientStyle,
    SaveKind,
    is_document_changed,
    last_modified_time,
)
from wopihost.devclient.clock import SessionClock
from wopihost.devclient.policies import Timings
from wopihost.devclient.session_events import EventRecorder
from wopihost.devclient.sessions import DocumentSession, Participant, SaveState
from wopihost.devclient.wopi_client import WopiClient, WopiResponse


class SaveResult(Enum):
    """How a save went, and so what the session does next."""

    SAVED = "saved"
    NOTHING = "nothing"  # nobody is left whose token could save
    LOCK_LOST = "lock_lost"
    # Word and PowerPoint remove everybody when PutFile refuses one user's token.
    END_SESSION = "end_session"
    RETRY = "retry"  # tried again at the next autosave
    # Collabora's 409 with COOLStatusCode 1010: someone else changed the file since this session saw it.
    DOC_CHANGED = "doc_changed"


async def put_session(
    wopi: WopiClient,
    events: EventRecorder,
    clock: SessionClock,
    timings: Timings,
    session: DocumentSession,
    *,
    style: ClientStyle = STYLES["office"],
    kind: SaveKind = AUTOSAVE,
) -> tuple[SaveResult, Participant | None]:
    """PutFile the session's content now in the client's style, and schedule the next save."""
    saver = session.saver()
    if saver is None:
        return SaveResult.NOTHING, None
    revision, content = session.revision, session.content
    editors = sorted(session.interval_editors)
    session.save.state = "saving"
    # The style adds X-WOPI-Editors itself when its client sends it.
    extra = style.put_file_headers(kind, timestamp=session.last_modified or None, editors=editors)
    response = await wopi.put_file(saver.target, content, lock_id=session.lock_id, extra_headers=extra)
    events.wopi(session, session.file_name, response, saver.actor)
    now = clock.monotonic()
    interval = session.policy.autosave_interval(timings, len(session.participants))
    if response.ok:
        _remember_timestamp(session, style, response)
        session.saved_revision = max(session.saved_revision, revision)
        session.interval_editors.difference_update(editors)
        session.failing_since = None
        session.save = SaveState("saved", clock.wall(), saver.name)
        if session.dirty:
            session.dirty_since, session.next_save_at = now, now + interval
            session.save.state = "pending"
        else:
            session.dirty_since = session.next_save_at = None
        return SaveResult.SAVED, saver
    if is_document_changed(response):
        return SaveResult.DOC_CHANGED, saver
    if response.status == 409:
        return SaveResult.LOCK_LOST, saver
    if response.denied and session.policy.ends_session_on_first_save_denial:
        return SaveResult.END_SESSION, saver
    # Excel keeps trying, and gives up on everyone after a grace period of failures.
    if response.denied and session.failing_since is None:
        session.failing_since = now
    session.next_save_at = now + interval
    session.save = SaveState("failed", session.save.saved_at, session.save.saved_by, response.describe())
    return SaveResult.RETRY, saver


def _remember_timestamp(session: DocumentSession, style: ClientStyle, response: WopiResponse) -> None:
    # Collabora takes whatever the answer says, nothing included (then it stops sending a timestamp);
    # ONLYOFFICE keeps the value it had when the answer has none.
    answered = last_modified_time(response)
    if answered is not None or style.name == "collabora":
        session.last_modified = answered or ""
