"""What a participant does to the file itself: rename it, or save a copy under another name."""

from __future__ import annotations

from wopihost.devclient.client_styles import last_modified_time
from wopihost.devclient.coauthoring import SessionManager
from wopihost.devclient.wopi_client import WopiResponse


async def rename(manager: SessionManager, pid: str, stem: str) -> WopiResponse:
    """RenameFile with the participant's token and the session's lock; updates the name on success."""
    session, participant = manager.touch(pid)
    async with session.op_lock:
        response = await manager.wopi.rename_file(participant.target, stem, lock_id=session.lock_id)
        manager.events.wopi(session, session.file_name, response, participant.actor)
        if response.ok:
            body = response.json_object() or {}
            # Collabora takes the LastModifiedTime of the answer as the one its next save sends.
            if manager.style.name == "collabora":
                session.last_modified = last_modified_time(response) or ""
            new_stem = body.get("Name") if isinstance(body.get("Name"), str) else stem
            extension = session.file_name[len(session.file_name.rsplit(".", 1)[0]) :]
            session.file_name = f"{new_stem}{extension}"
        return response


async def insert_graphic(manager: SessionManager, pid: str, url: str, filename: str) -> WopiResponse:
    """Collabora's insert-from-storage: download the image the host page named and add it to the document.

    The development client cannot place pictures, so a line naming the image stands in for it.
    """
    response = await manager.wopi.download(url)
    if response.ok:
        text = f"[Image: {filename} ({len(response.content)} bytes)]"
        await manager.edit(pid, {}, [text])
    return response


async def save_as(manager: SessionManager, pid: str, name: str) -> WopiResponse:
    """Collabora's Save As: save pending changes, then PutRelativeFile with the full name, unlocked."""
    await manager.flush(pid)
    session, participant = manager.touch(pid)
    async with session.op_lock:
        response = await manager.wopi.put_relative_file(
            participant.target, session.content, suggested_target=name
        )
        manager.events.wopi(session, session.file_name, response, participant.actor)
    return response
