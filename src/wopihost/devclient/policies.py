"""How each Office for the web application co-authors: autosave cadence, whose token saves, permission checks.

Spec: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/scenarios/coauth
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Literal

AppName = Literal["Word", "Excel", "PowerPoint", "WopiTest"]
APP_NAMES: tuple[AppName, ...] = ("Word", "Excel", "PowerPoint", "WopiTest")
# Word and PowerPoint save with the token of whoever changed the document last; Excel with the token of
# the user who joined most recently (the "principal user").
SaveToken = Literal["last_change", "principal"]
PermissionCheck = Literal["CheckFileInfo", "RefreshLock"]

# The documented Word interval; the other applications keep their documented ratios to it.
DOCUMENTED_WORD_AUTOSAVE = 30.0


@dataclass(frozen=True, slots=True)
class Timings:
    """Every interval of an editing session, in seconds; the defaults are the documented ones."""

    word_autosave: float = 30.0
    excel_autosave: float = 120.0
    powerpoint_autosave: float = 60.0
    # PowerPoint saves less often while one user edits alone.
    powerpoint_solo_autosave: float = 180.0
    # Word and PowerPoint re-run CheckFileInfo with each user's token at least this often.
    check_file_info: float = 300.0
    # Excel re-checks permissions with RefreshLock under each user's token at least this often.
    excel_refresh_lock: float = 900.0
    # Word and PowerPoint keep the lock alive (WOPI locks expire after 30 minutes).
    lock_refresh: float = 900.0
    # Excel removes everyone this long after the first failed PutFile if saving keeps failing.
    excel_save_failure_grace: float = 180.0
    # A browser that stops polling for this long has left (pagehide is not always delivered).
    heartbeat_timeout: float = 120.0
    # Edit_Notification is repeated this often while the user keeps editing.
    edit_notification: float = 300.0

    def __post_init__(self) -> None:
        for field in fields(self):
            if getattr(self, field.name) <= 0:
                raise ValueError(f"{field.name} must be positive")

    def compressed(self, factor: float) -> Timings:
        """Return every interval divided by `factor`."""
        if factor <= 0:
            raise ValueError("factor must be positive")
        return replace(self, **{f.name: getattr(self, f.name) / factor for f in fields(self)})

    @classmethod
    def from_settings(cls, *, autosave_seconds: float, refresh_lock_seconds: float) -> Timings:
        """Build timings from DevClientSettings: autosave is Word's; the other apps keep their ratios."""
        ratio = autosave_seconds / DOCUMENTED_WORD_AUTOSAVE
        documented = cls()
        return replace(
            documented,
            word_autosave=documented.word_autosave * ratio,
            excel_autosave=documented.excel_autosave * ratio,
            powerpoint_autosave=documented.powerpoint_autosave * ratio,
            powerpoint_solo_autosave=documented.powerpoint_solo_autosave * ratio,
            lock_refresh=refresh_lock_seconds,
            excel_refresh_lock=refresh_lock_seconds,
        )


@dataclass(frozen=True, slots=True)
class CoauthPolicy:
    """One application's co-authoring behaviour."""

    app: AppName
    save_token: SaveToken
    permission_check: PermissionCheck
    # Excel gives up on a session whose saves keep failing; Word and PowerPoint end it at the first 401/404.
    ends_session_on_first_save_denial: bool

    def autosave_interval(self, timings: Timings, editors: int) -> float:
        """Return the time between two saves while the document keeps changing."""
        if self.app == "Excel":
            return timings.excel_autosave
        if self.app == "PowerPoint":
            return timings.powerpoint_autosave if editors > 1 else timings.powerpoint_solo_autosave
        return timings.word_autosave

    def permission_interval(self, timings: Timings) -> float:
        """Return how often each user's edit permission is re-checked."""
        return (
            timings.excel_refresh_lock if self.permission_check == "RefreshLock" else timings.check_file_info
        )


POLICIES: dict[AppName, CoauthPolicy] = {
    "Word": CoauthPolicy("Word", "last_change", "CheckFileInfo", ends_session_on_first_save_denial=True),
    "PowerPoint": CoauthPolicy(
        "PowerPoint", "last_change", "CheckFileInfo", ends_session_on_first_save_denial=True
    ),
    "Excel": CoauthPolicy("Excel", "principal", "RefreshLock", ends_session_on_first_save_denial=False),
    # The validator's app; plain-text files are edited the way Word edits.
    "WopiTest": CoauthPolicy(
        "WopiTest", "last_change", "CheckFileInfo", ends_session_on_first_save_denial=True
    ),
}
