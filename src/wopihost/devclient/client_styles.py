"""How each real WOPI client words its requests: lock IDs, lock refreshes, and the headers of a save.

Collabora Online (wsd/wopi/WopiStorage.cpp): one random lock token per document ("cool-lock" and hex
digits), kept alive by sending LOCK again every 15 minutes; PutFile carries X-COOL-WOPI-IsModifiedByUser,
-IsAutosave and -IsExitSave, and X-COOL-WOPI-Timestamp with the LastModifiedTime it last saw (from
CheckFileInfo or the previous save's JSON answer) unless the user chose to overwrite. A 409 whose JSON
says COOLStatusCode 1010 means "document changed in storage".
ONLYOFFICE Docs (DocService/sources/wopiClient.js): the lock ID is the document key (the file ID of the
WOPISrc), refreshed with REFRESH_LOCK every 10 minutes; PutFile carries X-WOPI-Editors and the
X-LOOL-WOPI-* forms of the same headers.
Office for the web: JSON-shaped lock IDs, RefreshLock, X-WOPI-Editors and nothing else.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from wopihost.devclient.sessions import new_lock_id
from wopihost.devclient.wopi_client import X_WOPI_EDITORS, WopiResponse

StyleName = Literal["office", "collabora", "onlyoffice"]
STYLE_NAMES: tuple[StyleName, ...] = ("office", "collabora", "onlyoffice")
DOC_CHANGED = 1010
_DOC_KEY_UNSAFE = re.compile(r"[^0-9A-Za-z_.=-]")
_DOC_KEY_MAX = 128


@dataclass(frozen=True, slots=True)
class SaveKind:
    """Why a PutFile happens: Collabora and ONLYOFFICE tell the host in headers."""

    modified_by_user: bool = True
    autosave: bool = True
    exit_save: bool = False

    @classmethod
    def autosaved(cls) -> SaveKind:
        """A periodic save of a user's changes."""
        return cls(modified_by_user=True, autosave=True, exit_save=False)

    @classmethod
    def by_user(cls) -> SaveKind:
        """A save the user asked for."""
        return cls(modified_by_user=True, autosave=False, exit_save=False)

    @classmethod
    def on_exit(cls) -> SaveKind:
        """The save when the last user leaves."""
        return cls(modified_by_user=True, autosave=False, exit_save=True)


@dataclass(frozen=True, slots=True)
class ClientStyle:
    """One client's way of locking and saving."""

    name: StyleName
    # The override that keeps a lock alive: Collabora re-sends LOCK with the same token.
    refresh_override: Literal["LOCK", "REFRESH_LOCK"]
    refresh_seconds: float
    # The prefixes of the save-kind and timestamp headers; empty for Office.
    prefixes: tuple[str, ...]
    sends_editors: bool

    def lock_id(self, wopi_src: str) -> str:
        """Return the lock ID this client would use for a document."""
        if self.name == "collabora":
            return "cool-lock" + secrets.token_hex(8)
        if self.name == "onlyoffice":
            return document_key(wopi_src)
        return new_lock_id()

    def put_file_headers(
        self, save: SaveKind, *, timestamp: str | None, editors: Sequence[str] = ()
    ) -> dict[str, str]:
        """Return the client-specific headers of a PutFile, X-WOPI-Editors included."""
        headers: dict[str, str] = {}
        if self.sends_editors and editors:
            headers[X_WOPI_EDITORS] = ",".join(editors)
        for prefix in self.prefixes:
            headers[f"{prefix}-WOPI-IsModifiedByUser"] = _bool(save.modified_by_user)
            headers[f"{prefix}-WOPI-IsAutosave"] = _bool(save.autosave)
            headers[f"{prefix}-WOPI-IsExitSave"] = _bool(save.exit_save)
            if timestamp:
                headers[f"{prefix}-WOPI-Timestamp"] = timestamp
        return headers

    @property
    def checks_timestamps(self) -> bool:
        """Tell whether this client sends the LastModifiedTime it last saw with each save."""
        return bool(self.prefixes)


AUTOSAVE = SaveKind.autosaved()
STYLES: dict[StyleName, ClientStyle] = {
    "office": ClientStyle("office", "REFRESH_LOCK", 900.0, (), sends_editors=True),
    "collabora": ClientStyle("collabora", "LOCK", 900.0, ("X-COOL",), sends_editors=False),
    "onlyoffice": ClientStyle("onlyoffice", "REFRESH_LOCK", 600.0, ("X-LOOL",), sends_editors=True),
}


def document_key(wopi_src: str) -> str:
    """Return ONLYOFFICE's document key: the last path segment of WOPISrc, unsafe characters replaced."""
    file_id = urlsplit(wopi_src).path.rstrip("/").rsplit("/", 1)[-1]
    return _DOC_KEY_UNSAFE.sub("_", file_id)[:_DOC_KEY_MAX]


def is_document_changed(response: WopiResponse) -> bool:
    """Tell whether a 409 is Collabora's "document changed in storage" (COOLStatusCode 1010)."""
    if response.status != 409:
        return False
    body = response.json_object() or {}
    return DOC_CHANGED in (body.get("COOLStatusCode"), body.get("LOOLStatusCode"))


def last_modified_time(response: WopiResponse) -> str | None:
    """Return the LastModifiedTime of a JSON answer (CheckFileInfo, PutFile, ...), or None."""
    body = response.json_object() if response.ok else None
    value = body.get("LastModifiedTime") if body else None
    return value if isinstance(value, str) and value else None


def _bool(value: bool) -> str:
    return "true" if value else "false"
