"""Traffic estimate for the rollout plan, from whatever usage source the host has."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from wopihost.readiness.model import Check, info

# Office for the web's requests per editing session-hour (CheckFileInfo, RefreshLock every 30 min,
# autosave PutFiles, GetFile) and per view (CheckFileInfo, GetFile): rough figures, said to be extrapolated.
REQUESTS_PER_EDITOR_HOUR = 150
APP_BY_EXTENSION = {
    ".docx": "Word", ".doc": "Word", ".odt": "Word", ".rtf": "Word",
    ".xlsx": "Excel", ".xls": "Excel", ".ods": "Excel", ".xlsb": "Excel",
    ".pptx": "PowerPoint", ".ppt": "PowerPoint", ".odp": "PowerPoint",
}  # fmt: skip
# The keys of `UsageFacts.sources`: which source measured each number of the dossier.
EDIT_SESSIONS, VIEW_SESSIONS, PEAK_EDITORS, PUTFILE_BYTES = "edit_sessions", "view_sessions", "peak", "bytes"


@dataclass
class UsageFacts:
    """What a source measured over a window. `views` is None when the source does not record views.

    `sources` names the source of each number (by the keys above) where it is not `source` itself.
    """

    source: str
    days: float
    edit_sessions_by_app: dict[str, int] = field(default_factory=dict)
    saves: int = 0
    putfile_bytes: int = 0
    peak_hour_editors: int = 0
    peak_hour_saves: int = 0
    views_by_app: dict[str, int] | None = None
    sources: dict[str, str] = field(default_factory=dict)

    def source_of(self, key: str) -> str:
        """The source that measured one of the numbers."""
        return self.sources.get(key, self.source)


class UsageSource(Protocol):
    """A source of usage data: the database's audit trail and versions today; metrics could implement it."""

    name: str

    async def usage(self, since: datetime, until: datetime) -> UsageFacts:
        """The usage between `since` and `until`."""
        ...


def app_of(extension: str) -> str:
    """Word, Excel, PowerPoint or Other, by file extension."""
    return APP_BY_EXTENSION.get(extension.lower(), "Other")


def traffic_checks(facts: UsageFacts) -> list[Check]:
    """The dossier's traffic lines; each says whether it is measured or extrapolated."""
    per_day = max(facts.days, 1.0)
    sessions = sum(facts.edit_sessions_by_app.values())
    by_app = ", ".join(f"{app} {n / per_day:.1f}" for app, n in sorted(facts.edit_sessions_by_app.items()))
    if facts.views_by_app is None:
        views = "extrapolated: not recorded by this source"
    else:
        total = sum(facts.views_by_app.values()) / per_day
        by_view = ", ".join(f"{a} {n / per_day:.1f}" for a, n in sorted(facts.views_by_app.items()))
        views = f"{total:.1f} ({by_view or 'none'}); {_src(facts, VIEW_SESSIONS)}"
    peak_rps = facts.peak_hour_editors * REQUESTS_PER_EDITOR_HOUR / 3600
    return [
        info(
            "traffic.edit_sessions",
            "Editing sessions per day (measured)",
            f"{sessions / per_day:.1f} ({by_app or 'none'}); {_src(facts, EDIT_SESSIONS)}",
        ),
        info("traffic.view_sessions", "View sessions per day", views),
        info(
            "traffic.peak_editors",
            "Peak concurrent editors (measured)",
            f"{facts.peak_hour_editors} distinct editors active in the busiest hour; "
            f"{_src(facts, PEAK_EDITORS)}",
        ),
        info(
            "traffic.peak_rps",
            "WOPI requests per second at peak (extrapolated)",
            f"{peak_rps:.2f}: {facts.peak_hour_editors} editors x {REQUESTS_PER_EDITOR_HOUR} requests per "
            f"editor-hour (measured saves in that hour: {facts.peak_hour_saves})",
        ),
        info(
            "traffic.putfile_bytes",
            "PutFile bytes per day (measured)",
            f"{facts.putfile_bytes / per_day:,.0f} bytes in {facts.saves / per_day:.1f} saves per day; "
            f"{_src(facts, PUTFILE_BYTES)}",
        ),
    ]


def _src(facts: UsageFacts, key: str) -> str:
    return f"source: {facts.source_of(key)}, {facts.days:g} days"
