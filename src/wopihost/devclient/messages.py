"""What the pages tell users when something goes wrong, worded the way Office for the web words it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Notice:
    """An error dialog: a title, a message, and whether reloading or a read-only view can help."""

    title: str
    message: str
    can_reload: bool = False
    can_view: bool = False

    def to_json(self) -> dict[str, object]:
        """Return the dialog for the page's script."""
        return {
            "title": self.title,
            "message": self.message,
            "canReload": self.can_reload,
            "canView": self.can_view,
        }


NOTICES: dict[str, Notice] = {
    # Opening failures (OpenFailure.kind and the action handlers' own).
    "denied": Notice(
        "Sorry, you don't have permission",
        "You don't have permission to open this document, or it no longer exists. Ask its owner to share it"
        " with you.",
    ),
    "read_only": Notice(
        "Read-only",
        "You can view this document, but you don't have permission to edit it.",
    ),
    "locked": Notice(
        "File in use",
        "This document is locked for editing by another application or user. You can view it read-only now,"
        " or try editing again later.",
        can_reload=True,
        can_view=True,
    ),
    "unsupported": Notice(
        "Sorry, this can't be edited here",
        "The host that stores this document does not support the WOPI operations editing needs"
        " (locks and PutFile).",
        can_view=True,
    ),
    "unreadable": Notice(
        "Sorry, we couldn't open this document",
        "The document appears to be damaged, or it is not the type of file its name says.",
    ),
    "unavailable": Notice(
        "Sorry, we ran into a problem",
        "We couldn't reach the place where this document is stored. Please try again in a few minutes.",
        can_reload=True,
    ),
    "create_failed": Notice(
        "Sorry, we couldn't create the document",
        "The host refused the new blank document (PutFile on the empty, unlocked file failed).",
        can_reload=True,
    ),
    "too_large": Notice("This file is too large", "The document is too large to open in the browser."),
    "no_token": Notice(
        "Sorry, this page needs a host page",
        "Open documents from your file host: it posts an access token to this page in a form. Visiting this"
        " address directly does not work.",
    ),
    "bad_wopisrc": Notice(
        "Sorry, we couldn't find the document", "The WOPISrc parameter is missing or invalid."
    ),
    "untrusted_host": Notice(
        "Sorry, this file host isn't trusted",
        "This development client calls only the WOPI hosts it is configured for"
        " (devclient.allowed_wopi_hosts).",
    ),
    "wrong_type": Notice(
        "Sorry, this type of file can't be opened here", "This application does not open files of this type."
    ),
    "convert_denied": Notice(
        "Sorry, this document can't be converted",
        "To edit this document it has to be converted to a newer format, and you don't have permission to"
        " create files next to it.",
        can_view=True,
    ),
    "convert_failed": Notice(
        "Sorry, we couldn't convert this document",
        "The host did not accept the converted copy (PutRelativeFile failed).",
        can_reload=True,
    ),
    # Departures during a session (Departure values).
    "expired": Notice(
        "Session expired",
        "Your session has expired (access_token_ttl has passed). Reload the page to continue editing.",
        can_reload=True,
    ),
    "permission": Notice(
        "Sorry, you no longer have permission",
        "You no longer have permission to edit this document, so you have been removed from the editing"
        " session. Changes you made after that could not be saved.",
        can_reload=True,
    ),
    "session_ended": Notice(
        "The editing session ended",
        "The document could not be saved with the permissions of a user in the session, so everyone was"
        " removed from it. Reload to start a new session.",
        can_reload=True,
    ),
    "lock_lost": Notice(
        "File in use",
        "Another application took the lock on this document, so your changes can no longer be saved here.",
        can_reload=True,
        can_view=True,
    ),
    "doc_changed": Notice(
        "Document has been changed in storage",
        "Someone else saved this document after you opened it, so your changes were not saved over theirs."
        " Reload to continue with the newer version.",
        can_reload=True,
    ),
    "timeout": Notice(
        "Are you still there?",
        "You were away for a while, so you left the editing session. Reload to continue.",
        can_reload=True,
    ),
    "left": Notice("You left the document", "You closed this document.", can_reload=True),
}


def notice(kind: str) -> Notice:
    """Return the dialog for a failure or departure kind."""
    return NOTICES.get(kind, NOTICES["unavailable"])


# Windows LCIDs of the common UI languages: PostMessage's "ui-language" value.
_LCIDS = {
    "en-us": "1033", "en-gb": "2057", "de-de": "1031", "fr-fr": "1036", "fr-ca": "3084", "es-es": "3082",
    "es-mx": "2058", "it-it": "1040", "ja-jp": "1041", "ko-kr": "1042", "nl-nl": "1043", "pt-br": "1046",
    "pt-pt": "2070", "ru-ru": "1049", "sv-se": "1053", "zh-cn": "2052", "zh-tw": "1028", "pl-pl": "1045",
    "da-dk": "1030", "fi-fi": "1035", "nb-no": "1044", "tr-tr": "1055", "cs-cz": "1029", "he-il": "1037",
}  # fmt: skip


def ui_language_lcid(ui_llcc: str | None) -> str:
    """Return the LCID of the UI language asked for with UI_LLCC, falling back to en-US (1033)."""
    return _LCIDS.get((ui_llcc or "").lower(), "1033")
