"""The periodic WOPI checks of a session: each user's edit permission, and the lock's refresh.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/scenarios/coauth
"""

from __future__ import annotations

from enum import Enum

from wopihost.devclient.fileinfo import FileInfo
from wopihost.devclient.session_events import EventRecorder
from wopihost.devclient.sessions import DocumentSession, Participant
from wopihost.devclient.wopi_client import X_WOPI_SERVER_ERROR, WopiClient, WopiResponse


class Outcome(Enum):
    """What a check found, and so what the session does next."""

    ALLOWED = "allowed"
    # The token was refused, or the user may no longer write: that user leaves the session.
    DENIED = "denied"
    # Another client holds the lock now: nobody can save here any more.
    LOCK_LOST = "lock_lost"
    # The host did not answer usefully; the check is tried again at the next round.
    UNAVAILABLE = "unavailable"


async def check_permission(
    wopi: WopiClient, events: EventRecorder, session: DocumentSession, participant: Participant
) -> Outcome:
    """Re-check one user as the application does: CheckFileInfo (Word, PowerPoint) or RefreshLock (Excel)."""
    if session.policy.permission_check == "RefreshLock":
        return await refresh_lock(wopi, events, session, participant)
    response = await wopi.check_file_info(participant.target, session_context=participant.session_context)
    body = response.json_object() if response.ok else None
    allowed = body is not None and FileInfo(body).can_edit
    if response.ok and not allowed:
        response = _with_detail(response, "UserCanWrite is no longer true")
    events.wopi(session, session.file_name, response, participant.actor, ok=allowed)
    if response.denied or (response.ok and not allowed):
        return Outcome.DENIED
    return Outcome.ALLOWED if allowed else Outcome.UNAVAILABLE


async def refresh_lock(
    wopi: WopiClient,
    events: EventRecorder,
    session: DocumentSession,
    participant: Participant,
    *,
    override: str = "REFRESH_LOCK",
) -> Outcome:
    """RefreshLock with one user's token: keeps the lock alive and proves that user may still edit."""
    response = await wopi.refresh_lock(participant.target, session.lock_id, override=override)
    events.wopi(session, session.file_name, response, participant.actor)
    if response.ok:
        return Outcome.ALLOWED
    if response.status == 409:
        return Outcome.LOCK_LOST
    return Outcome.DENIED if response.denied else Outcome.UNAVAILABLE


def _with_detail(response: WopiResponse, detail: str) -> WopiResponse:
    headers = response.headers.copy()
    headers[X_WOPI_SERVER_ERROR] = detail
    return WopiResponse(response.operation, response.status, headers, b"", response.correlation_id)
