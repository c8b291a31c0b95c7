"""`wopihost devclient simulate`: replay the documented co-authoring scenarios against any WOPI host.

Each scenario runs the same session manager the browser pages use, driven by a script instead of people,
on a virtual clock that moves `time_factor` times faster than real time. Every WOPI response a real client
would treat as an error is reported; the ones a revocation must cause are expected, all others are not.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio
import httpx
import orjson

from wopihost.devclient.catalog import app_for_filename
from wopihost.devclient.clock import VirtualClock
from wopihost.devclient.coauthoring import SessionManager
from wopihost.devclient.policies import POLICIES, AppName, Timings
from wopihost.devclient.scenarios import ExpectedFailure, Role, Scenario, Step
from wopihost.devclient.sessions import OpenFailure, SessionEvent, SessionGone
from wopihost.devclient.wopi_client import USER_AGENT, WopiClient, WopiTarget
from wopihost.domain.proofkeys import ProofSigner

EDITING_APPS: tuple[AppName, ...] = ("Word", "Excel", "PowerPoint")
# A script that keeps a timer due at one instant would otherwise spin forever.
MAX_STEPS_AT_ONE_INSTANT = 1000


@dataclass(frozen=True, slots=True)
class SimUser:
    """A user taking part: a name for the report, and the file as that user reaches it."""

    name: str
    target: WopiTarget
    token_expires_ms: int = 0

    @classmethod
    def from_token_json(cls, name: str, data: Mapping[str, Any]) -> SimUser:
        """Build a user from what `wopihost token` prints: wopi_src, access_token, access_token_ttl."""
        try:
            target = WopiTarget(str(data["wopi_src"]), str(data["access_token"]))
        except KeyError as exc:
            raise ValueError(f"the token of {name} lacks {exc.args[0]}") from exc
        ttl = data.get("access_token_ttl", 0)
        return cls(name, target, int(ttl) if isinstance(ttl, int) else 0)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a scenario's report."""

    at: float
    user: str
    operation: str
    status: int
    verdict: str  # "ok", "expected", "unexpected" or "note"
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return the line for --json output."""
        return {
            "at": self.at,
            "user": self.user,
            "operation": self.operation,
            "status": self.status,
            "verdict": self.verdict,
            "detail": self.detail,
        }


@dataclass(slots=True)
class Outcome:
    """The lines of a replay, and the refusals it expected that never came."""

    lines: list[Line] = field(default_factory=list, kw_only=True)
    missing: list[str] = field(default_factory=list, kw_only=True)

    @property
    def unexpected(self) -> list[Line]:
        """Return the error responses nothing in the replay explains."""
        return [line for line in self.lines if line.verdict == "unexpected"]

    @property
    def passed(self) -> bool:
        """Tell whether there were no unexpected errors and every expected failure happened."""
        return not self.unexpected and not self.missing

    def outcome_json(self) -> dict[str, Any]:
        """Return the verdict and the lines, for --json output."""
        return {
            "passed": self.passed,
            "missing": self.missing,
            "lines": [line.to_json() for line in self.lines],
        }


@dataclass(slots=True)
class ScenarioReport(Outcome):
    """What happened in one scenario, and whether it went as the docs say it should."""

    scenario: Scenario

    def to_json(self) -> dict[str, Any]:
        """Return the report for --json output."""
        scenario = self.scenario
        return {
            "app": scenario.app,
            "scenario": scenario.number,
            "title": scenario.title,
            **self.outcome_json(),
        }


Runner = Callable[[str, Mapping[str, str]], Any]


@dataclass(frozen=True, slots=True)
class Commands:
    """Shell commands run at a scenario's revoke step and after it; `{user}` becomes the user's name."""

    revoke: str | None = None
    restore: str | None = None


class Simulation:
    """Replays scenarios for one application against one file shared by up to three users."""

    def __init__(
        self,
        users: Mapping[Role, SimUser],
        signer: Callable[[], ProofSigner],
        *,
        time_factor: float = 60.0,
        timings: Timings | None = None,
        commands: Commands = Commands(),
        transport: httpx.AsyncBaseTransport | None = None,
        progress: Callable[[Line], None] | None = None,
    ) -> None:
        self.users = users
        self.signer = signer
        self.time_factor = time_factor
        self.timings = timings or Timings()
        self.commands = commands
        self.transport = transport
        self.progress = progress

    async def run(self, scenario: Scenario) -> ScenarioReport:
        """Run one scenario from start to end; never raises for what the host answers."""
        report = ScenarioReport(scenario)
        clock = VirtualClock(time_factor=self.time_factor)
        roles = {_pid(scenario, role): role for role in self.users}
        revoked_at: dict[Role, float] = {}

        def record(event: SessionEvent) -> None:
            role = roles.get(event.pid)
            user = self.users[role].name if role else event.user
            self._add(report, _classify(event, user, role, revoked_at, scenario.expected))

        async with httpx.AsyncClient(
            transport=self.transport, timeout=30.0, headers={"User-Agent": USER_AGENT}
        ) as http:
            wopi = WopiClient(http, self.signer, wall_clock=clock.wall)
            manager = SessionManager(
                wopi, clock=clock, timings=self.timings, track_heartbeats=False, on_event=record
            )
            try:
                await self._drive(scenario, manager, clock, report, revoked_at)
            finally:
                await manager.close()
                if scenario.revoked and self.commands.restore:
                    await self._command(report, clock, "restore", self.commands.restore, scenario.revoked)
        report.missing = _missing(report, scenario.expected)
        return report

    async def _drive(
        self,
        scenario: Scenario,
        manager: SessionManager,
        clock: VirtualClock,
        report: ScenarioReport,
        revoked_at: dict[Role, float],
    ) -> None:
        steps, index, spins, last = list(scenario.steps), 0, 0, -1.0
        while True:
            due = manager.next_deadline()
            upcoming = steps[index].at if index < len(steps) else None
            moments = [t for t in (upcoming, due) if t is not None]
            if not moments or (upcoming is None and min(moments) > scenario.duration):
                return
            moment = min(moments)
            spins = spins + 1 if moment == last else 0
            if spins > MAX_STEPS_AT_ONE_INSTANT:
                raise RuntimeError(f"the session makes no progress at {moment:.0f} s")
            last = moment
            await clock.advance_to(moment)
            # At equal times the script goes first: a user's action, then the timers it may trigger.
            if upcoming is not None and upcoming <= moment:
                await self._perform(scenario, steps[index], manager, clock, report, revoked_at)
                index += 1
            else:
                await manager.tick()

    async def _perform(
        self,
        scenario: Scenario,
        step: Step,
        manager: SessionManager,
        clock: VirtualClock,
        report: ScenarioReport,
        revoked_at: dict[Role, float],
    ) -> None:
        user = self.users[step.role]
        pid = _pid(scenario, step.role)
        try:
            if step.kind == "join":
                await manager.join(
                    pid=pid,
                    target=user.target,
                    policy=POLICIES[scenario.app],
                    token_expires_ms=user.token_expires_ms,
                )
            elif step.kind == "edit":
                await self._edit(manager, pid, user, step.at)
            elif step.kind == "leave":
                manager.find(pid)
                await manager.leave(pid)
            elif self.commands.revoke:
                revoked_at[step.role] = clock.monotonic()
                await self._command(report, clock, "revoke", self.commands.revoke, step.role)
        except OpenFailure as failure:
            self._add(report, Line(clock.monotonic(), user.name, "join", 0, "unexpected", str(failure)))
        except SessionGone as gone:
            note = f"{step.kind} not possible: no longer in the session ({gone.departure.value})"
            self._add(report, Line(clock.monotonic(), user.name, step.kind, 0, "note", note))

    @staticmethod
    async def _edit(manager: SessionManager, pid: str, user: SimUser, at: float) -> None:
        # Each user rewrites a line of their own, so the document stays small however long the replay.
        session, _ = manager.find(pid)
        marker = f"{user.name}: "
        key = next((block.key for block in session.model.blocks if block.text.startswith(marker)), None)
        text = f"{marker}change at {at:.0f} s"
        await manager.edit(pid, {key: text} if key else {}, [] if key else [text])

    async def _command(
        self, report: ScenarioReport, clock: VirtualClock, what: str, template: str, role: Role
    ) -> None:
        user = self.users[role]
        command = template.replace("{user}", shlex.quote(user.name))
        env = {"WOPI_SIM_USER": user.name, "WOPI_SIM_ROLE": role, "WOPI_SIM_WOPI_SRC": user.target.wopi_src}
        result = await anyio.run_process(command, check=False, env={**os.environ, **env})
        ok = result.returncode == 0
        detail = f"{command} -> exit {result.returncode}"
        if not ok:
            detail += f": {result.stderr.decode(errors='replace').strip()[:200]}"
        self._add(report, Line(clock.monotonic(), user.name, what, 0, "note" if ok else "unexpected", detail))

    def _add(self, report: ScenarioReport, line: Line) -> None:
        report.lines.append(line)
        if self.progress is not None:
            self.progress(line)


def _pid(scenario: Scenario, role: Role) -> str:
    return f"simulate-{scenario.app}-{scenario.number}-{role}"


def _classify(
    event: SessionEvent,
    user: str,
    role: Role | None,
    revoked_at: Mapping[Role, float],
    expected: Sequence[ExpectedFailure],
) -> Line:
    if event.status == 0:
        return Line(event.at, user, event.operation, 0, "note", event.detail)
    if event.ok:
        return Line(event.at, user, event.operation, event.status, "ok")
    revoked = role is not None and role in revoked_at and event.at >= revoked_at[role]
    foreseen = any(e.role == role and e.operation == event.operation for e in expected)
    verdict = "expected" if revoked and foreseen and event.status in (200, 401, 403, 404) else "unexpected"
    return Line(event.at, user, event.operation, event.status, verdict, event.detail)


def _missing(report: ScenarioReport, expected: Sequence[ExpectedFailure]) -> list[str]:
    missing = []
    for failure in expected:
        if not any(
            line.verdict == "expected" and line.operation == failure.operation for line in report.lines
        ):
            missing.append(f"no refused {failure.operation} with the revoked token of user {failure.role}")
            continue
        ended = any(line.operation == "SessionEnded" for line in report.lines)
        if failure.outcome == "session_ended" and not ended:
            missing.append("the session did not end for everyone after the refused request")
        if failure.outcome == "removed" and ended:
            missing.append("the whole session ended, but only the revoked user should have been removed")
    return missing


def format_line(line: Line) -> str:
    """Return one report line: time, user, operation, status, verdict and detail."""
    status = str(line.status) if line.status else ""
    marker = {"expected": "expected failure", "unexpected": "ERROR"}.get(line.verdict, "")
    text = f"  {line.at:6.0f}s  {line.user:<12.12} {line.operation:<16} {status:>4}  {marker}  {line.detail}"
    return text.rstrip()


def format_summary(report: Outcome) -> list[str]:
    """Return a scenario's or replay's verdict: pass or fail, counts, and what an expected failure lacked."""
    requests = sum(1 for line in report.lines if line.status)
    expected = sum(1 for line in report.lines if line.verdict == "expected")
    verdict = "PASS" if report.passed else "FAIL"
    summary = (
        f"  => {verdict}: {requests} requests, {expected} expected failures,"
        f" {len(report.unexpected)} unexpected errors"
    )
    return [summary, *(f"     missing: {text}" for text in report.missing)]


def format_report(report: ScenarioReport) -> str:
    """Return a scenario's report as text: one line per request or event, then the verdict."""
    scenario = report.scenario
    out = [f"{scenario.app}, scenario {scenario.number}: {scenario.title}"]
    out.extend(format_line(line) for line in report.lines)
    return "\n".join([*out, *format_summary(report)])


class Reported(Protocol):
    """A report that can say whether it passed and render itself for --json output."""

    @property
    def passed(self) -> bool: ...

    def to_json(self) -> dict[str, Any]: ...


def reports_json(reports: Sequence[Reported]) -> str:
    """Return every report as one JSON document."""
    passed = all(report.passed for report in reports)
    return orjson.dumps({"passed": passed, "scenarios": [r.to_json() for r in reports]}).decode("utf-8")


async def detect_app(
    user: SimUser, signer: Callable[[], ProofSigner], *, transport: httpx.AsyncBaseTransport | None = None
) -> AppName | None:
    """Return the app that edits a user's file, from the BaseFileName of a CheckFileInfo; None if unknown."""
    async with httpx.AsyncClient(transport=transport, timeout=30.0) as http:
        response = await WopiClient(http, signer).check_file_info(user.target)
    body = response.json_object() if response.ok else None
    name = body.get("BaseFileName") if body else None
    app = app_for_filename(name) if isinstance(name, str) else None
    return app.name if app and app.name in EDITING_APPS else None
