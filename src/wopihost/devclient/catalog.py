"""The applications the development client emulates, the file types each opens and the actions it offers.

Modelled on Office for the web's discovery:
https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/discovery
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from wopihost.devclient.policies import AppName
from wopihost.domain.names import split_extension

ActionName = Literal["view", "edit", "editnew", "convert", "embedview", "getinfo"]
ACTION_NAMES: tuple[ActionName, ...] = ("view", "edit", "editnew", "convert", "embedview", "getinfo")

# The optional parameters Office for the web puts in its urlsrc templates. Word and PowerPoint carry a
# WOPI_SOURCE placeholder; Excel's templates do not, so hosts must append WOPISrc themselves.
_COMMON = "<ui=UI_LLCC&><rs=DC_LLCC&><dchat=DISABLE_CHAT&><hid=HOST_SESSION_ID&><sc=SESSION_CONTEXT&>"
WORD_PLACEHOLDERS = (
    f"{_COMMON}<wopisrc=WOPI_SOURCE&><IsLicensedUser=BUSINESS_USER&><actnavid=ACTIVITY_NAVIGATION_ID&>"
)
EXCEL_PLACEHOLDERS = f"{_COMMON}<IsLicensedUser=BUSINESS_USER&><showpagestats=PERFSTATS&>"
WOPITEST_PLACEHOLDERS = f"{_COMMON}<testcategory=VALIDATOR_TEST_CATEGORY&>"
GETINFO_PLACEHOLDERS = "<ui=UI_LLCC&><rs=DC_LLCC&><testcategory=VALIDATOR_TEST_CATEGORY&>"


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One `<action>` for a group of extensions."""

    name: ActionName
    extensions: tuple[str, ...]
    requires: str | None = None
    default: bool = False
    # Word and PowerPoint announce a conversion's result as newprogid/newext, Excel as targetext.
    extra: Mapping[str, str] = field(default_factory=dict)
    placeholders: str | None = None


@dataclass(frozen=True, slots=True)
class AppSpec:
    """One `<app>`: its name, URL segment, colours for the UI and actions."""

    name: AppName
    slug: str
    color: str
    letter: str
    placeholders: str
    actions: tuple[ActionSpec, ...]

    def action(self, name: str, extension: str) -> ActionSpec | None:
        """Return the action of this name for a file extension (without the dot), or None."""
        ext = extension.lower().lstrip(".")
        return next((a for a in self.actions if a.name == name and ext in a.extensions), None)

    def action_names(self) -> frozenset[str]:
        """Return the names of every action this app offers."""
        return frozenset(a.name for a in self.actions)


_LOCKS_UPDATE = "locks,update"
APPS: tuple[AppSpec, ...] = (
    AppSpec(
        "Word",
        "word",
        "#2b579a",
        "W",
        WORD_PLACEHOLDERS,
        (
            ActionSpec("view", ("docx", "docm", "dotx", "dotm", "doc", "txt"), default=True),
            ActionSpec("embedview", ("docx", "doc")),
            ActionSpec("edit", ("docx", "docm", "txt"), requires=_LOCKS_UPDATE),
            ActionSpec("editnew", ("docx",), requires=_LOCKS_UPDATE),
            ActionSpec(
                "convert",
                ("doc",),
                requires="update",
                extra={"newprogid": "Word.Document.12", "newext": "docx"},
            ),
        ),
    ),
    AppSpec(
        "Excel",
        "excel",
        "#217346",
        "X",
        EXCEL_PLACEHOLDERS,
        (
            ActionSpec("view", ("xlsx", "xlsm", "xls", "csv"), default=True),
            ActionSpec("embedview", ("xlsx",)),
            ActionSpec("edit", ("xlsx", "xlsm"), requires="update"),
            ActionSpec("editnew", ("xlsx",), requires="update"),
            ActionSpec("convert", ("xls",), requires="update", extra={"targetext": "xlsx"}),
        ),
    ),
    AppSpec(
        "PowerPoint",
        "powerpoint",
        "#b7472a",
        "P",
        WORD_PLACEHOLDERS,
        (
            ActionSpec("view", ("pptx", "ppsx", "ppt"), default=True),
            ActionSpec("embedview", ("pptx",)),
            ActionSpec("edit", ("pptx",), requires=_LOCKS_UPDATE),
            ActionSpec("editnew", ("pptx",), requires=_LOCKS_UPDATE),
            ActionSpec(
                "convert",
                ("ppt",),
                requires="update",
                extra={"newprogid": "PowerPoint.Show.12", "newext": "pptx"},
            ),
        ),
    ),
    AppSpec(
        "WopiTest",
        "wopitest",
        "#5c2d91",
        "T",
        WOPITEST_PLACEHOLDERS,
        (
            ActionSpec("view", ("wopitest",), default=True),
            ActionSpec("getinfo", ("wopitest",), placeholders=GETINFO_PLACEHOLDERS),
        ),
    ),
)
APPS_BY_SLUG: Mapping[str, AppSpec] = {app.slug: app for app in APPS}
APPS_BY_NAME: Mapping[AppName, AppSpec] = {app.name: app for app in APPS}


def app_for_filename(filename: str) -> AppSpec | None:
    """Return the app whose view action opens this file, or None."""
    ext = split_extension(filename)[1].lower().lstrip(".")
    return next((app for app in APPS if app.action("view", ext)), None)
