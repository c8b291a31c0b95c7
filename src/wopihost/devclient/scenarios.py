"""The co-authoring scenarios of the docs as scripts: who joins, edits, leaves or loses access, and when.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/scenarios/coauth#scenarios
Times are seconds of the replayed session; each script ends with everyone still there leaving.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from wopihost.devclient.policies import AppName

Role = Literal["A", "B", "C"]
StepKind = Literal["join", "edit", "leave", "revoke"]
Outcome = Literal["removed", "session_ended"]
SCENARIO_NUMBERS = (1, 2, 3, 4, 5, 6)
REVOKING = frozenset({4, 5, 6})


@dataclass(frozen=True, slots=True)
class Step:
    """One scripted action of one user."""

    at: float
    kind: StepKind
    role: Role


@dataclass(frozen=True, slots=True)
class ExpectedFailure:
    """A request a real client makes with a revoked user's token, which the host must refuse."""

    role: Role
    operation: str
    # What the application then does, per the docs' tables.
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class Scenario:
    """One scenario for one application."""

    number: int
    app: AppName
    title: str
    steps: tuple[Step, ...]
    duration: float
    expected: tuple[ExpectedFailure, ...] = ()

    @property
    def roles(self) -> frozenset[Role]:
        """Return the users the scenario needs."""
        return frozenset(step.role for step in self.steps)

    @property
    def revoked(self) -> Role | None:
        """Return whose edit permission the scenario removes, if anyone's."""
        return next((step.role for step in self.steps if step.kind == "revoke"), None)


TITLES = {
    1: "User A edits; user B is in the session but makes no changes",
    2: "Users A and B both edit",
    3: "User A leaves; user B keeps editing; user C joins",
    4: "User A edits; user B watches and loses edit permission",
    5: "Users A and B edit; user B loses edit permission",
    6: "Users A and B edit; user A loses edit permission",
}
# Edits fall between the autosave instants (multiples of 10 s after a change) so that the order is clear.
_OFFSET = 3.0


def _edits(role: Role, start: float, stop: float, every: float = 20.0) -> list[Step]:
    steps, at = [], start
    while at < stop:
        steps.append(Step(at, "edit", role))
        at += every
    return steps


def _alternate(first: Role, second: Role, start: float, stop: float) -> list[Step]:
    return _edits(first, start, stop) + _edits(second, start + 10.0, stop)


def _baseline(*roles: Role) -> list[Step]:
    return [Step(5.0 * index, "join", role) for index, role in enumerate(roles)]


def _script(duration: float, steps: Iterable[Step], leaving: Iterable[Role]) -> tuple[Step, ...]:
    ending = [Step(duration, "leave", role) for role in leaving]
    return tuple(sorted([*steps, *ending], key=lambda step: step.at))


def scenario(number: int, app: AppName) -> Scenario:
    """Return scenario `number` (1 to 6) as `app` plays it."""
    excel = app == "Excel"
    # Long enough for a CheckFileInfo round (every 5 minutes) or, for Excel, two autosaves (every 2).
    duration = 260.0 if excel else 330.0
    title = TITLES[number]
    if number == 1:
        steps = [*_baseline("A", "B"), *_edits("A", 10 + _OFFSET, duration - 30)]
        return Scenario(1, app, title, _script(duration, steps, ("A", "B")), duration)
    if number == 2:
        steps = [*_baseline("A", "B"), *_alternate("A", "B", 10 + _OFFSET, duration - 30)]
        return Scenario(2, app, title, _script(duration, steps, ("A", "B")), duration)
    if number == 3:
        steps = [
            *_baseline("A", "B"),
            *_edits("A", 10 + _OFFSET, 50),
            Step(60.0, "leave", "A"),
            Step(70.0, "join", "C"),
            *_alternate("B", "C", 80 + _OFFSET, duration - 30),
        ]
        return Scenario(3, app, title, _script(duration, steps, ("B", "C")), duration)
    return _excel_revoking(number, title) if excel else _word_revoking(number, app, title)


def _word_revoking(number: int, app: AppName, title: str) -> Scenario:
    # Word and PowerPoint: a refused PutFile ends the session for everyone; otherwise the periodic
    # CheckFileInfo with the revoked user's token removes only that user.
    revoke_at = 120.0
    if number == 4:
        duration = 360.0
        steps = [
            *_baseline("A", "B"),
            *_edits("A", 10 + _OFFSET, duration - 30),
            Step(revoke_at, "revoke", "B"),
        ]
        expected = (ExpectedFailure("B", "CheckFileInfo", "removed"),)
        return Scenario(4, app, title, _script(duration, steps, ("A", "B")), duration, expected)
    culprit: Role = "B" if number == 5 else "A"
    other: Role = "A" if number == 5 else "B"
    duration = 240.0
    steps = [
        *_baseline("A", "B"),
        *_alternate("A", "B", 10 + _OFFSET, revoke_at),
        Step(revoke_at, "revoke", culprit),
        # The revoked user, unaware, keeps typing; the other stops, so the next save uses the revoked token.
        Step(revoke_at + 1, "edit", culprit),
    ]
    expected = (ExpectedFailure(culprit, "PutFile", "session_ended"),)
    return Scenario(number, app, title, _script(duration, steps, (other, culprit)), duration, expected)


def _excel_revoking(number: int, title: str) -> Scenario:
    # Excel saves with the principal user's token (B, who joined last) and checks permissions by
    # RefreshLock every 15 minutes.
    revoke_at = 150.0
    if number in (4, 5):
        duration = 480.0
        editing = _edits("A", 10 + _OFFSET, duration - 20)
        if number == 5:
            editing += _edits("B", 20 + _OFFSET, duration - 20)
        steps = [*_baseline("A", "B"), *editing, Step(revoke_at, "revoke", "B")]
        expected = (ExpectedFailure("B", "PutFile", "session_ended"),)
        return Scenario(number, "Excel", title, _script(duration, steps, ("A", "B")), duration, expected)
    duration = 960.0
    steps = [
        *_baseline("A", "B"),
        *_alternate("A", "B", 10 + _OFFSET, duration - 20),
        Step(revoke_at, "revoke", "A"),
    ]
    expected = (ExpectedFailure("A", "RefreshLock", "removed"),)
    return Scenario(6, "Excel", title, _script(duration, steps, ("A", "B")), duration, expected)
