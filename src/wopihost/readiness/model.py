"""What a readiness check finds: a verdict, the evidence, and how to fix a failure."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    """The outcome of one check."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not applicable"
    NOT_RUN = "not run"
    INFO = "info"


@dataclass(frozen=True)
class Check:
    """One item of the dossier. `required` failures make the command exit non-zero."""

    id: str
    title: str
    verdict: Verdict
    detail: str = ""
    fix: str = ""
    required: bool = True
    evidence: tuple[str, ...] = ()

    @property
    def blocking(self) -> bool:
        """True when the check failed and going live depends on it."""
        return self.required and self.verdict is Verdict.FAILED


def passed(id: str, title: str, detail: str = "", **kw: Any) -> Check:
    """A passed check."""
    return Check(id, title, Verdict.PASSED, detail, **kw)


def failed(id: str, title: str, detail: str, fix: str, **kw: Any) -> Check:
    """A failed check, with what to change."""
    return Check(id, title, Verdict.FAILED, detail, fix, **kw)


def not_applicable(id: str, title: str, why: str, **kw: Any) -> Check:
    """A check that does not apply to this deployment, and why."""
    return Check(id, title, Verdict.NOT_APPLICABLE, why, **kw)


def info(id: str, title: str, detail: str, **kw: Any) -> Check:
    """An answer or a figure, with no verdict."""
    return Check(id, title, Verdict.INFO, detail, required=False, **kw)


@dataclass(frozen=True)
class Section:
    """A part of the dossier: self-check, questionnaire, settings, manual tests or traffic."""

    id: str
    title: str
    checks: tuple[Check, ...]
    note: str = ""


@dataclass(frozen=True)
class Dossier:
    """The whole go-live dossier of one deployment."""

    deployment: str
    generated_at: str
    sections: tuple[Section, ...]
    values_for_microsoft: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        """True when no required check failed."""
        return not any(c.blocking for s in self.sections for c in s.checks)

    def counts(self) -> dict[str, int]:
        """How many checks have each verdict."""
        counts = {v.value: 0 for v in Verdict}
        for section in self.sections:
            for check in section.checks:
                counts[check.verdict.value] += 1
        return counts
