"""Replaying one real client's WOPI traffic and judging every answer the way that client does.

A replay is a script of requests on a virtual clock: the requests, their order, headers and timing are
those of the client being emulated (see client_styles). Each answer goes through the checks that client
applies; what it would treat as an error is reported as "unexpected", unless the script foresaw it (a
stale save that must be refused), in which case it is "expected".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from wopihost.devclient.client_styles import (
    ClientStyle,
    SaveKind,
    is_document_changed,
    last_modified_time,
)
from wopihost.devclient.clock import VirtualClock
from wopihost.devclient.documents import apply_edits, kind_for
from wopihost.devclient.simulate import Line, Outcome, SimUser
from wopihost.devclient.wopi_client import WopiClient, WopiResponse, WopiTarget
from wopihost.errors import WopiHostError

ClientName = Literal["collabora", "onlyoffice"]


@dataclass(slots=True)
class ReplayReport(Outcome):
    """What happened in one replay, and whether the host answered as the client needs."""

    client: ClientName
    number: int
    title: str

    def to_json(self) -> dict[str, Any]:
        """Return the report for --json output."""
        return {"client": self.client, "scenario": self.number, "title": self.title, **self.outcome_json()}


@dataclass(slots=True)
class Editor:
    """One user's view of the document, as the emulated client keeps it."""

    user: SimUser
    target: WopiTarget
    file_name: str = ""
    user_id: str = ""
    # The LastModifiedTime the client last saw; "" when it has none it can trust.
    last_modified: str = ""
    content: bytes = b""


class Replayer:
    """Sends requests in one client's style, judges the answers and writes the report."""

    def __init__(
        self,
        wopi: WopiClient,
        style: ClientStyle,
        clock: VirtualClock,
        report: ReplayReport,
        progress: Callable[[Line], None] | None = None,
    ) -> None:
        self.wopi = wopi
        self.style = style
        self.clock = clock
        self.report = report
        self.progress = progress

    async def at(self, moment: float) -> None:
        """Move the virtual clock to `moment` (sleeping the scaled real time)."""
        await self.clock.advance_to(moment)

    def record(
        self, editor: Editor, response: WopiResponse, problems: list[str], *, expected: bool = False
    ) -> Line:
        """Add a line for an answer: ok, or the problems the client would have with it."""
        if expected:
            verdict, detail = "expected", "; ".join(problems) or response.describe()
        elif problems:
            verdict, detail = "unexpected", "; ".join(problems)
        else:
            verdict, detail = "ok", ""
        line = Line(
            self.clock.monotonic(), editor.user.name, response.operation, response.status, verdict, detail
        )
        self._add(line)
        return line

    def note(self, editor: Editor, what: str, detail: str) -> None:
        """Add a line that is not a request: what the client shows or does next."""
        self._add(Line(self.clock.monotonic(), editor.user.name, what, 0, "note", detail))

    def flag(self, editor: Editor, what: str, detail: str) -> None:
        """Add an error the client would show that no single answer carries (a later comparison)."""
        self._add(Line(self.clock.monotonic(), editor.user.name, what, 0, "unexpected", detail))

    def _add(self, line: Line) -> None:
        self.report.lines.append(line)
        if self.progress is not None:
            self.progress(line)

    # Requests, each judged by the checks every client applies to it

    async def check_file_info(self, editor: Editor) -> dict[str, Any] | None:
        """CheckFileInfo; remember the name, user and LastModifiedTime the client reads from it."""
        response = await self.wopi.check_file_info(editor.target)
        body = response.json_object() if response.ok else None
        problems = [] if body is not None else [f"CheckFileInfo failed: {response.describe()}"]
        first = not editor.file_name
        if body is not None:
            editor.file_name = str(body.get("BaseFileName") or "")
            editor.user_id = str(body.get("UserId") or "")
            editor.last_modified = last_modified_time(response) or ""
            problems += _file_info_problems(body, self.style)
        self.record(editor, response, problems)
        warnings = _collabora_warnings(body) if body is not None and self.style.name == "collabora" else []
        if first and warnings:
            self.note(editor, "CheckFileInfo", "; ".join(warnings))
        return body

    async def get_file(self, editor: Editor) -> bool:
        """GetFile; keep the bytes as the document the user edits."""
        response = await self.wopi.get_file(editor.target)
        self.record(editor, response, [] if response.ok else [f"GetFile failed: {response.describe()}"])
        if response.ok:
            editor.content = response.content
        return response.ok

    async def lock(self, editor: Editor, lock_id: str, *, refresh: bool = False) -> bool:
        """Lock (or keep the lock alive the way this client does)."""
        if refresh:
            response = await self.wopi.refresh_lock(
                editor.target, lock_id, override=self.style.refresh_override
            )
        else:
            response = await self.wopi.lock(editor.target, lock_id)
        problems = [] if response.ok else [_lock_problem(response, self.style)]
        self.record(editor, response, problems)
        return response.ok

    async def unlock(self, editor: Editor, lock_id: str) -> None:
        """Unlock when the document closes."""
        response = await self.wopi.unlock(editor.target, lock_id)
        self.record(editor, response, [] if response.ok else [f"Unlock failed: {response.describe()}"])

    async def put_file(
        self,
        editor: Editor,
        lock_id: str | None,
        save: SaveKind,
        *,
        timestamp: str | None = None,
        forced: bool = False,
        expect_conflict: bool = False,
    ) -> WopiResponse:
        """PutFile with this client's headers; the answer updates the LastModifiedTime it keeps."""
        content = _edited(editor)
        stamp = None if forced else (timestamp if timestamp is not None else editor.last_modified)
        extra = self.style.put_file_headers(save, timestamp=stamp or None, editors=[editor.user_id])
        if save.exit_save and self.style.name == "collabora":
            extra["Connection"] = "close"
        response = await self.wopi.put_file(editor.target, content, lock_id=lock_id, extra_headers=extra)
        if expect_conflict:
            self._judge_conflict(editor, response)
            return response
        self.record(editor, response, self._save_problems(response, stamp))
        if response.ok:
            editor.content = content
            self._remember_timestamp(editor, response)
        return response

    def _judge_conflict(self, editor: Editor, response: WopiResponse) -> None:
        if is_document_changed(response):
            self.record(editor, response, ["refused: document changed in storage (1010)"], expected=True)
            return
        if response.ok:
            problem = "the host accepted a save based on an old copy: another user's save was overwritten"
        else:
            problem = f"expected 409 with COOLStatusCode 1010, got {response.describe()}"
        self.record(editor, response, [problem])

    def _save_problems(self, response: WopiResponse, stamp: str | None) -> list[str]:
        if is_document_changed(response):
            sent = f" (sent {stamp})" if stamp else ""
            return [f"409 1010 'document changed in storage' although nobody else saved{sent}"]
        if not response.ok:
            return [f"PutFile failed: {response.describe()}"]
        # ONLYOFFICE only logs an answer without JSON; Collabora loses the timestamp it needs.
        if self.style.name == "collabora" and last_modified_time(response) is None:
            return [
                "PutFile answer lacks JSON with LastModifiedTime: the client keeps a stale timestamp, so"
                " its next save or a joining user sees 'document changed in storage'"
            ]
        return []

    def _remember_timestamp(self, editor: Editor, response: WopiResponse) -> None:
        answered = last_modified_time(response)
        # Collabora takes whatever the answer says, "" included (and then stops sending a timestamp);
        # ONLYOFFICE keeps the old value when the answer has none.
        if answered is not None or self.style.name == "collabora":
            editor.last_modified = answered or ""

    async def rename_file(self, editor: Editor, stem: str, lock_id: str | None) -> dict[str, Any] | None:
        """RenameFile; the client reads Name (and Collabora Url and LastModifiedTime) from the answer."""
        response = await self.wopi.rename_file(editor.target, stem, lock_id=lock_id)
        body = response.json_object() if response.ok else None
        problems = [] if response.ok else [f"RenameFile failed: {response.describe()}"]
        # ONLYOFFICE takes an empty answer as "renamed to what was asked"; Collabora needs Name and Url.
        if response.ok and (self.style.name == "collabora" or response.content.strip()):
            needs_url = self.style.name == "collabora"
            problems += _named_answer_problems(body, self.style, "RenameFile", needs_url=needs_url)
            if self.style.name == "collabora":
                editor.last_modified = last_modified_time(response) or ""
        self.record(editor, response, problems)
        if response.ok and body is None:
            return {"Name": stem}
        return body if not problems else None

    async def put_relative_file(
        self, editor: Editor, suggested_target: str, *, file_conversion: bool | str = False
    ) -> dict[str, Any] | None:
        """PutRelativeFile (Save As or conversion); the answer must name the new file and its Url."""
        response = await self.wopi.put_relative_file(
            editor.target, editor.content, suggested_target=suggested_target, file_conversion=file_conversion
        )
        body = response.json_object() if response.ok else None
        problems = [] if response.ok else [f"PutRelativeFile failed: {response.describe()}"]
        if response.ok:
            problems += _named_answer_problems(body, self.style, "PutRelativeFile", needs_url=True)
        edit_url = body.get("HostEditUrl") if body else None
        # ONLYOFFICE sends the user to the converted file's HostEditUrl; without one it has nowhere to go.
        if (
            body is not None
            and file_conversion
            and self.style.name == "onlyoffice"
            and not _is_web_url(edit_url)
        ):
            problems.append(
                "PutRelativeFile answer lacks HostEditUrl: ONLYOFFICE cannot open the converted file"
            )
        self.record(editor, response, problems)
        return body if not problems else None

    async def open_url(self, editor: Editor, url: str, *, expect_name: str) -> None:
        """Load the document an answer's Url points at, as the client does after Save As or a rename."""
        target = target_from_url(url, editor.target.access_token)
        other = Editor(editor.user, target)
        response = await self.wopi.check_file_info(target)
        body = response.json_object() if response.ok else None
        problems = (
            [] if body is not None else [f"CheckFileInfo on the answer's Url failed: {response.describe()}"]
        )
        name = str(body.get("BaseFileName") or "") if body else ""
        if body is not None and name != expect_name:
            problems.append(f"the Url opens {name!r}, not {expect_name!r}")
        self.record(other, response, problems)


def target_from_url(url: str, fallback_token: str) -> WopiTarget:
    """Split a WOPI Url (WOPISrc?access_token=...) into the target a client calls."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    token = next((value for key, value in query if key == "access_token"), fallback_token)
    rest = "&".join(f"{key}={value}" for key, value in query if key != "access_token")
    return WopiTarget(urlunsplit((parts.scheme, parts.netloc, parts.path, rest, "")), token)


def _file_info_problems(body: Mapping[str, Any], style: ClientStyle) -> list[str]:
    problems = []
    if not isinstance(body.get("BaseFileName"), str) or not body.get("BaseFileName"):
        problems.append("CheckFileInfo lacks BaseFileName")
    if style.checks_timestamps and not isinstance(body.get("LastModifiedTime"), str):
        problems.append(
            "CheckFileInfo lacks LastModifiedTime: the client cannot send a timestamp, so a stale save"
            " can overwrite a co-author's work"
        )
    if body.get("UserCanWrite") is not True:
        problems.append("UserCanWrite is not true: the replay needs users who may edit")
    if body.get("SupportsLocks") is not True:
        problems.append("SupportsLocks is not true: the client edits without locking")
    return problems


def _collabora_warnings(body: Mapping[str, Any]) -> list[str]:
    """Return what Collabora logs as a host's mistake but works around."""
    warnings = []
    if not body.get("UserFriendlyName"):
        warnings.append("no UserFriendlyName: Collabora names the author 'UnknownUser'")
    if "IsAdminUser" not in body:
        warnings.append("no IsAdminUser: Collabora reports it missing in its admin console")
    return warnings


def _lock_problem(response: WopiResponse, style: ClientStyle) -> str:
    if style.name == "onlyoffice":
        return f"lock refused ({response.describe()}): ONLYOFFICE falls back to view mode"
    if style.name == "collabora":
        return f"lock refused ({response.describe()}): Collabora opens the document read-only"
    return f"lock refused: {response.describe()}"


def _named_answer_problems(
    body: Mapping[str, Any] | None, style: ClientStyle, operation: str, *, needs_url: bool
) -> list[str]:
    if body is None:
        return [f"{operation} answer is not JSON"]
    problems = []
    if not isinstance(body.get("Name"), str) or not body.get("Name"):
        problems.append(f"{operation} answer lacks Name")
    if needs_url and not _is_web_url(body.get("Url")):
        problems.append(f"{operation} answer lacks Url: the client cannot load the document by its new name")
    if style.name == "collabora" and not isinstance(body.get("LastModifiedTime"), str):
        problems.append(f"{operation} answer lacks LastModifiedTime: Collabora stops sending timestamps")
    return problems


def _is_web_url(value: object) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme in ("http", "https")


def _edited(editor: Editor) -> bytes:
    """Return the document with one more line, when the development client can edit its type."""
    if kind_for(editor.file_name) is None:
        return editor.content
    try:
        return apply_edits(editor.file_name, editor.content, {}, [f"{editor.user.name} typed this"])
    except WopiHostError:
        return editor.content
