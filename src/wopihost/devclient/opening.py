"""Opening a document for editing the way Office for the web does: CheckFileInfo, Lock, GetFile."""

from __future__ import annotations

import anyio

from wopihost.devclient.client_styles import STYLES, ClientStyle, SaveKind, last_modified_time
from wopihost.devclient.clock import SessionClock
from wopihost.devclient.documents import DEFAULT_LIMITS, blank_document, read_model
from wopihost.devclient.fileinfo import FileInfo
from wopihost.devclient.policies import CoauthPolicy, Timings
from wopihost.devclient.session_events import EventRecorder
from wopihost.devclient.sessions import (
    Actor,
    DocumentSession,
    OpenFailure,
    Resume,
    SessionEvent,
    failure_kind,
    is_own_lock,
)
from wopihost.devclient.wopi_client import X_WOPI_LOCK, WopiClient, WopiResponse, WopiTarget
from wopihost.domain.names import split_extension
from wopihost.errors import FileTooLarge, UnreadableDocument


def file_info_from(response: WopiResponse) -> FileInfo:
    """Return the FileInfo of a CheckFileInfo response, or raise OpenFailure as Office would refuse it."""
    if response.denied:
        raise OpenFailure("denied", response.describe())
    body = response.json_object() if response.ok else None
    if body is None:
        raise OpenFailure(
            "unavailable", response.describe() if not response.ok else "CheckFileInfo is not JSON"
        )
    return FileInfo(body)


def check_editable(info: FileInfo, extensions: frozenset[str] | None) -> None:
    """Raise OpenFailure unless the user may edit the file here, of a type the action opens."""
    if extensions is not None and _extension(info.base_file_name) not in extensions:
        raise OpenFailure("wrong_type", info.base_file_name)
    if not info.can_edit:
        raise OpenFailure("read_only")
    if not (info.flag("SupportsLocks") and info.flag("SupportsUpdate")):
        raise OpenFailure("unsupported", "the host does not support locks and PutFile")


def _extension(file_name: str) -> str:
    return split_extension(file_name)[1].lower().lstrip(".")


class DocumentOpener:
    """Starts sessions: takes the shared lock and loads the content the co-authors will edit."""

    def __init__(
        self,
        wopi: WopiClient,
        events: EventRecorder,
        clock: SessionClock,
        timings: Timings,
        style: ClientStyle = STYLES["office"],
    ) -> None:
        self._wopi = wopi
        self._events = events
        self._clock = clock
        self._timings = timings
        self._style = style

    async def open(
        self,
        key: str,
        target: WopiTarget,
        info: FileInfo,
        policy: CoauthPolicy,
        actor: Actor,
        *,
        create_new: bool,
        sink: list[SessionEvent],
        resume: Resume | None = None,
    ) -> DocumentSession:
        """Open a document for a first editor: blank it (editnew), Lock, GetFile, read its text.

        With `resume` it locks with the lock ID a dead node held: the host refreshes its own lock."""
        name = info.base_file_name
        last_modified = info.text("LastModifiedTime")
        if create_new and info.size == 0:
            # editnew: a zero-byte file gets a real blank document, written while still unlocked.
            try:
                blank = blank_document(name)
            except UnreadableDocument as exc:
                raise OpenFailure("unreadable", str(exc)) from exc
            # Not a user's change, not an autosave: ONLYOFFICE says so in its X-LOOL-WOPI-* headers.
            extra = self._style.put_file_headers(SaveKind(False, False, False), timestamp=None)
            created = await self._wopi.put_file(target, blank, lock_id=None, extra_headers=extra)
            self._events.wopi(sink, name, created, actor)
            if not created.ok:
                raise OpenFailure("create_failed", created.describe())
            last_modified = last_modified_time(created) or last_modified
        lock_id = await self._take_lock(target, name, actor, sink, resume.lock_id if resume else None)
        try:
            fetched = await self._wopi.get_file(target, max_expected_size=DEFAULT_LIMITS.max_bytes)
            self._events.wopi(sink, name, fetched, actor)
            if not fetched.ok:
                raise OpenFailure(failure_kind(fetched), fetched.describe())
            model = await anyio.to_thread.run_sync(read_model, name, fetched.content)
        except (OpenFailure, UnreadableDocument, FileTooLarge) as exc:
            self._events.wopi(sink, name, await self._wopi.unlock(target, lock_id), actor)
            if isinstance(exc, OpenFailure):
                raise
            raise OpenFailure(
                "too_large" if isinstance(exc, FileTooLarge) else "unreadable", str(exc)
            ) from exc
        now = self._clock.monotonic()
        revision = resume.revision if resume else 0
        return DocumentSession(
            key=key,
            wopi_src=target.wopi_src,
            policy=policy,
            file_name=name,
            lock_id=lock_id,
            content=fetched.content,
            model=model,
            lock_owner="",
            next_refresh_at=now + self._timings.lock_refresh,
            last_modified=last_modified,
            # Pages that saw the old node's revisions get the model anew: revisions continue past them.
            revision=revision,
            saved_revision=revision,
        )

    async def _take_lock(
        self, target: WopiTarget, name: str, actor: Actor, sink: list[SessionEvent], lock_id: str | None
    ) -> str:
        lock_id = lock_id or self._style.lock_id(target.wopi_src)
        response = await self._wopi.lock(target, lock_id)
        current = response.header(X_WOPI_LOCK) or ""
        adopt = response.status == 409 and self._style.name == "office" and is_own_lock(current)
        self._events.wopi(sink, name, response, actor, ok=response.ok or adopt)
        if response.status == 409:
            if not adopt:
                raise OpenFailure("locked", response.describe(), lock_reason=response.describe())
            # A lock of an earlier development client session: co-author with it, as Office does.
            lock_id = current
            response = await self._wopi.refresh_lock(target, lock_id, override=self._style.refresh_override)
            self._events.wopi(sink, name, response, actor)
        if response.ok:
            return lock_id
        if response.denied:
            raise OpenFailure("denied", response.describe())
        raise OpenFailure("unsupported" if response.status == 501 else "unavailable", response.describe())
