"""The session manager: opens documents for editing, shares them between co-authors and runs their timers.

Behaviour follows https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/scenarios/coauth
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

import anyio

from wopihost.devclient.checks import Outcome, check_permission, refresh_lock
from wopihost.devclient.client_styles import AUTOSAVE, STYLES, ClientStyle, SaveKind
from wopihost.devclient.clock import SessionClock, epoch_ms
from wopihost.devclient.documents import apply_edits, read_model
from wopihost.devclient.fileinfo import FileInfo
from wopihost.devclient.opening import DocumentOpener, check_editable, file_info_from
from wopihost.devclient.policies import CoauthPolicy, Timings
from wopihost.devclient.saving import SaveResult, put_session
from wopihost.devclient.session_events import EventRecorder
from wopihost.devclient.sessions import (
    Actor,
    Departure,
    DocumentSession,
    Joined,
    OpenFailure,
    Participant,
    Resume,
    SessionEvent,
    SessionGone,
    document_key,
)
from wopihost.devclient.wopi_client import WopiClient, WopiTarget

# How long a page that was removed can still learn why.
DEPARTURE_MEMORY = 3600.0


class SessionManager:
    """Every editing session of this client, keyed by document."""

    def __init__(
        self,
        wopi: WopiClient,
        *,
        clock: SessionClock,
        timings: Timings,
        track_heartbeats: bool = True,
        on_event: Callable[[SessionEvent], None] | None = None,
        style: ClientStyle = STYLES["office"],
    ) -> None:
        self.wopi = wopi
        self.style = style
        self.clock = clock
        self.timings = timings
        self._track_heartbeats = track_heartbeats
        self._events = EventRecorder(clock, on_event)
        self._opener = DocumentOpener(wopi, self._events, clock, timings, style)
        self._sessions: dict[str, DocumentSession] = {}
        self._by_pid: dict[str, DocumentSession] = {}
        self._departed: dict[str, tuple[Departure, float]] = {}
        self._opening: defaultdict[str, anyio.Lock] = defaultdict(anyio.Lock)

    @property
    def events(self) -> EventRecorder:
        """Return the recorder of the sessions' WOPI requests and changes."""
        return self._events

    # Joining and leaving

    async def join(
        self,
        *,
        pid: str,
        target: WopiTarget,
        policy: CoauthPolicy,
        token_expires_ms: int = 0,
        session_context: str | None = None,
        create_new: bool = False,
        extensions: frozenset[str] | None = None,
        resume: Resume | None = None,
    ) -> Joined:
        """Check the user may edit (CheckFileInfo), then join the document's session or open one
        (with `resume`, with the lock and revision of a session another node held)."""
        sink: list[SessionEvent] = []
        response = await self.wopi.check_file_info(target, session_context=session_context)
        try:
            info = file_info_from(response)
        except OpenFailure:
            self._events.wopi(sink, "", response, Actor(pid, ""))
            raise
        actor = Actor(pid, info.user_name)
        self._events.wopi(sink, info.base_file_name, response, actor)
        try:
            check_editable(info, extensions)
            return await self._admit(
                actor,
                target,
                info,
                policy,
                token_expires_ms=token_expires_ms,
                session_context=session_context,
                create_new=create_new,
                sink=sink,
                resume=resume,
            )
        except OpenFailure as failure:
            failure.info = info
            raise

    async def _admit(
        self,
        actor: Actor,
        target: WopiTarget,
        info: FileInfo,
        policy: CoauthPolicy,
        *,
        token_expires_ms: int,
        session_context: str | None,
        create_new: bool,
        sink: list[SessionEvent],
        resume: Resume | None = None,
    ) -> Joined:
        pid = actor.pid
        key = document_key(target.wopi_src)
        async with self._opening[key]:
            session = self._sessions.get(key)
            if session is None or session.ended:
                session = await self._opener.open(
                    key, target, info, policy, actor, create_new=create_new, sink=sink, resume=resume
                )
                session.lock_owner = pid
                self._sessions[key] = session
            session.log.extend(sink)
            now = self.clock.monotonic()
            participant = Participant(
                pid=pid,
                user_id=info.user_id,
                name=actor.name,
                target=target,
                token_expires_ms=token_expires_ms,
                session_context=session_context,
                joined_at=now,
                last_seen=now,
                next_check_at=now + policy.permission_interval(self.timings),
            )
            session.participants[pid] = participant
            self._by_pid[pid] = session
            self._events.note(session, "Join", actor, detail=f"{len(session.participants)} editing")
        return Joined(participant, session, info)

    async def leave(self, pid: str, reason: Departure = Departure.LEFT) -> None:
        """Take a participant out: save their changes, and Unlock when nobody is left."""
        session = self._by_pid.get(pid)
        if session is None:
            return
        async with session.op_lock:
            participant = session.participants.get(pid)
            if participant is not None and not session.ended:
                await self._depart(session, participant, reason)

    @property
    def sessions(self) -> Mapping[str, DocumentSession]:
        """Return the live sessions by document key (read-only)."""
        return MappingProxyType(self._sessions)

    @property
    def departures(self) -> Mapping[str, tuple[Departure, float]]:
        """Return why and when (monotonic) each recently removed page left (read-only)."""
        return MappingProxyType(self._departed)

    def abandon(self, key: str) -> None:
        """Drop a session another node took over: no save and no Unlock, since the lock is its now."""
        session = self._sessions.get(key)
        for pid in list(session.participants) if session else ():
            self._by_pid.pop(pid, None)
        if session is not None:
            session.participants.clear()
            self._finish(session)

    async def close(self) -> None:
        """Leave every session (on shutdown): final saves and Unlocks."""
        for session in list(self._sessions.values()):
            for pid in list(session.participants):
                await self.leave(pid)

    # Editing

    def find(self, pid: str) -> tuple[DocumentSession, Participant]:
        """Return a participant's session; SessionGone when they left or were removed."""
        session = self._by_pid.get(pid)
        participant = session.participants.get(pid) if session else None
        if session is None or participant is None or session.ended:
            departure = self._departed.get(pid)
            raise SessionGone(departure[0] if departure else Departure.SESSION_ENDED)
        return session, participant

    def touch(self, pid: str) -> tuple[DocumentSession, Participant]:
        """Record that a participant's page is alive, and return their session."""
        session, participant = self.find(pid)
        participant.last_seen = self.clock.monotonic()
        return session, participant

    async def edit(self, pid: str, edits: Mapping[str, str], appended: Sequence[str] = ()) -> int:
        """Apply a participant's changes to the shared model; return the new revision."""
        session, participant = self.touch(pid)
        if not edits and not appended:
            return session.revision
        async with session.edit_lock:
            content = await anyio.to_thread.run_sync(
                lambda: apply_edits(session.file_name, session.content, edits, appended)
            )
            model = await anyio.to_thread.run_sync(read_model, session.file_name, content)
            session, participant = self.find(pid)
            now = self.clock.monotonic()
            session.content, session.model = content, model
            session.revision += 1
            participant.last_change_at = now
            session.last_change_by = pid
            session.interval_editors.add(participant.user_id)
            if session.next_save_at is None:
                interval = session.policy.autosave_interval(self.timings, len(session.participants))
                session.dirty_since, session.next_save_at = now, now + interval
            if session.save.state != "saving":
                session.save.state = "pending"
            return session.revision

    async def flush(self, pid: str) -> None:
        """Save now if anything is unsaved (before a download, or when the user asks)."""
        session, _ = self.touch(pid)
        async with session.op_lock:
            if session.dirty and not session.ended:
                await self._save(session, SaveKind.by_user())

    # Timers

    def next_deadline(self) -> float | None:
        """Return when the earliest timer of any session is due, or None when none is pending."""
        moments: list[float] = []
        for session in self._sessions.values():
            if session.ended:
                continue
            if session.next_save_at is not None:
                moments.append(session.next_save_at)
            if session.failing_since is not None:
                moments.append(session.failing_since + self.timings.excel_save_failure_grace)
            if session.policy.permission_check == "CheckFileInfo":
                moments.append(session.next_refresh_at)
            for participant in session.participants.values():
                moments.append(participant.next_check_at)
                if self._track_heartbeats:
                    moments.append(participant.last_seen + self.timings.heartbeat_timeout)
        return min(moments, default=None)

    async def tick(self) -> None:
        """Run every timer that is due: departures, permission checks, lock refreshes and autosaves."""
        async with anyio.create_task_group() as group:
            for session in list(self._sessions.values()):
                group.start_soon(self._service, session)
        now = self.clock.monotonic()
        for pid, (_, at) in list(self._departed.items()):
            if now - at > DEPARTURE_MEMORY:
                del self._departed[pid]

    async def _service(self, session: DocumentSession) -> None:
        async with session.op_lock:
            if session.ended:
                return
            await self._expire(session)
            await self._check_permissions(session)
            await self._keep_lock(session)
            now = self.clock.monotonic()
            if session.next_save_at is not None and now >= session.next_save_at and not session.ended:
                await self._save(session)
            grace = self.timings.excel_save_failure_grace
            if (
                session.failing_since is not None
                and now - session.failing_since >= grace
                and not session.ended
            ):
                await self._end(session, Departure.SESSION_ENDED, culprit=session.saver())

    async def _expire(self, session: DocumentSession) -> None:
        now, wall_ms = self.clock.monotonic(), epoch_ms(self.clock.wall())
        for participant in list(session.participants.values()):
            if session.ended:
                return
            if participant.token_expires_ms and wall_ms >= participant.token_expires_ms:
                await self._depart(session, participant, Departure.EXPIRED)
            elif self._track_heartbeats and now - participant.last_seen > self.timings.heartbeat_timeout:
                await self._depart(session, participant, Departure.TIMEOUT)

    async def _check_permissions(self, session: DocumentSession) -> None:
        for participant in list(session.participants.values()):
            now = self.clock.monotonic()
            if session.ended or now < participant.next_check_at:
                continue
            participant.next_check_at = now + session.policy.permission_interval(self.timings)
            outcome = await check_permission(self.wopi, self._events, session, participant)
            await self._react(session, participant, outcome)

    async def _keep_lock(self, session: DocumentSession) -> None:
        # Excel's per-user RefreshLock checks keep its lock alive; Word and PowerPoint refresh on a timer.
        while (
            not session.ended
            and session.policy.permission_check == "CheckFileInfo"
            and self.clock.monotonic() >= session.next_refresh_at
        ):
            holder = session.participants.get(session.lock_owner) or next(
                iter(session.participants.values()), None
            )
            if holder is None:
                return
            outcome = await refresh_lock(
                self.wopi, self._events, session, holder, override=self.style.refresh_override
            )
            if outcome is not Outcome.DENIED:
                session.next_refresh_at = self.clock.monotonic() + self.timings.lock_refresh
            # A refused token leaves; the loop then refreshes with the next user's token.
            await self._react(session, holder, outcome)

    async def _react(self, session: DocumentSession, participant: Participant, outcome: Outcome) -> None:
        if outcome is Outcome.LOCK_LOST:
            await self._end(session, Departure.LOCK_LOST)
        elif outcome is Outcome.DENIED and participant.pid in session.participants:
            await self._depart(session, participant, Departure.PERMISSION)

    # Saving and ending

    async def _save(self, session: DocumentSession, kind: SaveKind = AUTOSAVE) -> None:
        result, saver = await put_session(
            self.wopi, self._events, self.clock, self.timings, session, style=self.style, kind=kind
        )
        # On DOC_CHANGED Collabora asks the user; here the session ends and the newer work stays stored.
        ending = {SaveResult.DOC_CHANGED: Departure.DOC_CHANGED, SaveResult.LOCK_LOST: Departure.LOCK_LOST}
        if result in ending:
            await self._end(session, ending[result])
        elif result is SaveResult.END_SESSION:
            await self._end(session, Departure.SESSION_ENDED, culprit=saver)

    async def _depart(self, session: DocumentSession, participant: Participant, reason: Departure) -> None:
        """Remove one participant; the last one out saves and unlocks."""
        if reason in (Departure.LEFT, Departure.TIMEOUT) and session.dirty:
            last = len(session.participants) == 1
            await self._save(session, SaveKind.on_exit() if last else SaveKind.by_user())
            if session.ended:
                return
        del session.participants[participant.pid]
        self._forget(participant.pid, reason)
        self._events.note(
            session, "Leave", participant.actor, detail=reason.value, ok=reason is Departure.LEFT
        )
        if not session.participants:
            # Changes of a user whose token expired or was revoked cannot be saved; they are lost.
            async with self._opening[session.key]:
                response = await self.wopi.unlock(participant.target, session.lock_id)
                self._events.wopi(session, session.file_name, response, participant.actor)
                self._finish(session)

    async def _end(
        self, session: DocumentSession, reason: Departure, *, culprit: Participant | None = None
    ) -> None:
        """End a session for everyone, releasing the lock with a token that still works if it is ours."""
        if session.ended:
            return
        session.ended = True
        remaining = list(session.participants.values())
        for participant in remaining:
            self._forget(participant.pid, Departure.PERMISSION if participant is culprit else reason)
        self._events.note(
            session,
            "SessionEnded",
            culprit.actor if culprit else Actor("", ""),
            detail=reason.value,
            ok=False,
        )
        if reason is not Departure.LOCK_LOST:
            async with self._opening[session.key]:
                for participant in (p for p in remaining if p is not culprit):
                    response = await self.wopi.unlock(participant.target, session.lock_id)
                    self._events.wopi(session, session.file_name, response, participant.actor)
                    if response.ok:
                        break
        session.participants.clear()
        self._finish(session)

    def _finish(self, session: DocumentSession) -> None:
        session.ended = True
        if self._sessions.get(session.key) is session:
            del self._sessions[session.key]

    def _forget(self, pid: str, reason: Departure) -> None:
        self._by_pid.pop(pid, None)
        self._departed[pid] = (reason, self.clock.monotonic())
