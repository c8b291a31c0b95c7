"""The replays of Collabora Online's and ONLYOFFICE's traffic: who sends what, in which order, and when.

Times are seconds of the replayed session. Lock refreshes come at each client's own cadence (Collabora
every 15 minutes with LOCK, ONLYOFFICE every 10 with REFRESH_LOCK), so a replay spans half an hour of
virtual time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import httpx

from wopihost.devclient.client_styles import STYLES, SaveKind
from wopihost.devclient.clock import VirtualClock
from wopihost.devclient.documents import blank_document, kind_for
from wopihost.devclient.replay import ClientName, Editor, Replayer, ReplayReport
from wopihost.devclient.scenarios import Role
from wopihost.devclient.simulate import Line, SimUser
from wopihost.devclient.wopi_client import USER_AGENT, WopiClient
from wopihost.domain.names import split_extension
from wopihost.domain.proofkeys import ProofSigner
from wopihost.errors import WopiHostError

# Saves in a row, each answered before the next is sent: none may conflict with the one before.
CHAINED_SAVES = 20
SESSION_END = 1900.0
Script = Callable[[Replayer, Mapping[Role, Editor]], Awaitable[list[str]]]


@dataclass(frozen=True, slots=True)
class ReplayScript:
    """One replay: its number and title, and the coroutine that performs it."""

    client: ClientName
    number: int
    title: str
    run: Script

    def new_report(self) -> ReplayReport:
        """Return an empty report for this replay."""
        return ReplayReport(self.client, self.number, self.title)


async def _open(replayer: Replayer, editor: Editor, lock_id: str) -> bool:
    body = await replayer.check_file_info(editor)
    return body is not None and await replayer.get_file(editor) and await replayer.lock(editor, lock_id)


async def _keep_lock(replayer: Replayer, editor: Editor, lock_id: str, start: float, end: float) -> None:
    moment = start + replayer.style.refresh_seconds
    while moment < end:
        await replayer.at(moment)
        await replayer.lock(editor, lock_id, refresh=True)
        moment += replayer.style.refresh_seconds


async def _chained_saves(replayer: Replayer, editor: Editor, lock_id: str, start: float) -> None:
    for index in range(CHAINED_SAVES):
        await replayer.at(start + index)
        # Every fifth save is the idle autosave; the others are the user pressing Save.
        save = SaveKind.autosaved() if index % 5 == 0 else SaveKind.by_user()
        await replayer.put_file(editor, lock_id, save)


async def _rename_and_back(replayer: Replayer, editor: Editor, lock_id: str) -> None:
    stem, ext = split_extension(editor.file_name)
    renamed = await replayer.rename_file(editor, f"{stem} renamed", lock_id)
    url = renamed.get("Url") if renamed else None
    if isinstance(url, str) and renamed is not None:
        await replayer.open_url(editor, url, expect_name=f"{renamed.get('Name')}{ext}")
    if renamed is not None:
        # The replay leaves the host's file as it found it.
        await replayer.rename_file(editor, stem, lock_id)


async def _save_as(replayer: Replayer, editor: Editor, suggested: str, *, conversion: bool | str) -> None:
    created = await replayer.put_relative_file(editor, suggested, file_conversion=conversion)
    url = created.get("Url") if created else None
    if created is not None and isinstance(url, str):
        await replayer.open_url(editor, url, expect_name=str(created.get("Name")))


async def collabora_one_editor(replayer: Replayer, editors: Mapping[Role, Editor]) -> list[str]:
    """Open, 20 chained saves, a co-author joining, lock refreshes, rename, Save As, exit save, close."""
    a, b = editors["A"], editors["B"]
    lock_id = replayer.style.lock_id(a.target.wopi_src)
    if not await _open(replayer, a, lock_id):
        return []
    await _chained_saves(replayer, a, lock_id, 30.0)
    await replayer.at(60.0)
    await _joins_after_saves(replayer, a, b)
    await _keep_lock(replayer, a, lock_id, 0.0, SESSION_END - 95)
    await replayer.at(SESSION_END - 90)
    await _rename_and_back(replayer, a, lock_id)
    await replayer.at(SESSION_END - 60)
    stem, ext = split_extension(a.file_name)
    await _save_as(replayer, a, f"{stem} (copy){ext}", conversion=False)
    await replayer.at(SESSION_END)
    await replayer.put_file(a, lock_id, SaveKind.on_exit())
    await replayer.unlock(a, lock_id)
    return []


async def _joins_after_saves(replayer: Replayer, a: Editor, b: Editor) -> None:
    seen = a.last_modified
    body = await replayer.check_file_info(b)
    if body is None or not seen or b.last_modified == seen:
        return
    replayer.flag(
        b,
        "DocumentChanged",
        f"CheckFileInfo says LastModifiedTime {b.last_modified!r} but the last PutFile answered {seen!r}:"
        " Collabora shows 'Document has been changed in storage' to the joining user",
    )


async def collabora_stale_save(replayer: Replayer, editors: Mapping[Role, Editor]) -> list[str]:
    """A saves; B, whose copy is older, saves with its stale timestamp: 409 with COOLStatusCode 1010."""
    a, b = editors["A"], editors["B"]
    # Both sessions work under the document's one lock, as Collabora's sessions of a document do, so
    # only the timestamp can tell the host that B's copy is out of date.
    lock_id = replayer.style.lock_id(a.target.wopi_src)
    if not await _open(replayer, a, lock_id):
        return []
    await replayer.at(1.0)
    if await replayer.check_file_info(b) is None or not await replayer.get_file(b):
        return []
    await replayer.at(30.0)
    saved = await replayer.put_file(a, lock_id, SaveKind.by_user())
    if not saved.ok:
        return []
    await replayer.at(31.0)
    refused = await replayer.put_file(b, lock_id, SaveKind.autosaved(), expect_conflict=True)
    missing = [] if refused.status == 409 else ["the host did not refuse B's stale save with 409 and 1010"]
    await replayer.at(32.0)
    kept = a.content
    if await replayer.get_file(b) and b.content != kept and refused.status == 409:
        replayer.flag(b, "FileChanged", "the refused save changed the file anyway")
    if refused.status == 409:
        await replayer.at(33.0)
        replayer.note(
            b, "DocumentChanged", "Collabora asks B; B chooses to overwrite (a save without timestamp)"
        )
        await replayer.put_file(b, lock_id, SaveKind.by_user(), forced=True)
    await replayer.at(40.0)
    await replayer.unlock(a, lock_id)
    return missing


async def onlyoffice_editing(replayer: Replayer, editors: Mapping[Role, Editor]) -> list[str]:
    """Open (an empty file gets its blank document first), chained saves, refreshes, rename, exit save."""
    a = editors["A"]
    lock_id = replayer.style.lock_id(a.target.wopi_src)
    body = await replayer.check_file_info(a)
    if body is None:
        return []
    if body.get("Size") == 0 and kind_for(a.file_name) is not None:
        # The new-document flow: the template is written while the file is still unlocked.
        a.content = _blank(a.file_name)
        created = await replayer.put_file(a, None, SaveKind(False, False, False), timestamp="")
        if not created.ok:
            return []
    if not await replayer.lock(a, lock_id) or not await replayer.get_file(a):
        return []
    await _chained_saves(replayer, a, lock_id, 10.0)
    await _keep_lock(replayer, a, lock_id, 0.0, SESSION_END - 95)
    await replayer.at(SESSION_END - 90)
    await _rename_and_back(replayer, a, lock_id)
    await replayer.at(SESSION_END)
    await replayer.put_file(a, lock_id, SaveKind.on_exit())
    await replayer.unlock(a, lock_id)
    return []


async def onlyoffice_conversion(replayer: Replayer, editors: Mapping[Role, Editor]) -> list[str]:
    """Convert: PutRelativeFile with an extension-only SuggestedTarget and X-WOPI-FileConversion."""
    a = editors["A"]
    if await replayer.check_file_info(a) is None or not await replayer.get_file(a):
        return []
    target = _conversion_target(a.file_name)
    await replayer.at(5.0)
    await _save_as(replayer, a, f".{target}", conversion="true")
    return []


def _conversion_target(name: str) -> str:
    kind = kind_for(name)
    return {"excel": "xlsx", "powerpoint": "pptx"}.get(kind or "", "docx")


def _blank(name: str) -> bytes:
    try:
        return blank_document(name)
    except WopiHostError:
        return b""


SCRIPTS: dict[ClientName, tuple[ReplayScript, ...]] = {
    "collabora": (
        ReplayScript(
            "collabora",
            1,
            "one editor: chained saves, a co-author joining, rename, Save As, exit save",
            collabora_one_editor,
        ),
        ReplayScript(
            "collabora",
            2,
            "two users: B saves a stale copy after A saved (409, COOLStatusCode 1010)",
            collabora_stale_save,
        ),
    ),
    "onlyoffice": (
        ReplayScript(
            "onlyoffice",
            1,
            "editing: new-document flow, chained saves, RefreshLock, rename, exit save",
            onlyoffice_editing,
        ),
        ReplayScript(
            "onlyoffice",
            2,
            "conversion: extension-only SuggestedTarget with X-WOPI-FileConversion",
            onlyoffice_conversion,
        ),
    ),
}


async def run_replay(
    script: ReplayScript,
    users: Mapping[Role, SimUser],
    signer: Callable[[], ProofSigner],
    *,
    time_factor: float = 60.0,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Callable[[Line], None] | None = None,
) -> ReplayReport:
    """Run one replay against the host the users' tokens point at; never raises for what it answers."""
    report = script.new_report()
    clock = VirtualClock(time_factor=time_factor)
    editors = {role: Editor(user, user.target) for role, user in users.items()}
    async with httpx.AsyncClient(
        transport=transport, timeout=30.0, headers={"User-Agent": USER_AGENT}
    ) as http:
        wopi = WopiClient(http, signer, wall_clock=clock.wall)
        replayer = Replayer(wopi, STYLES[script.client], clock, report, progress)
        report.missing = await script.run(replayer, editors)
    return report
