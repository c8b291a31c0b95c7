"""Everything a running development client shares between its routes."""

from __future__ import annotations

from dataclasses import dataclass

from wopihost.devclient.clock import SessionClock
from wopihost.devclient.coauthoring import SessionManager
from wopihost.devclient.keystore import KeyStore
from wopihost.devclient.pages import PageRenderer, PageStore
from wopihost.devclient.wopi_client import WopiClient


@dataclass(frozen=True, slots=True)
class Runtime:
    """The WOPI client, the sessions, the pages and the settings that shape the pages' behaviour."""

    base_url: str
    keys: KeyStore
    wopi: WopiClient
    manager: SessionManager
    pages: PageStore
    renderer: PageRenderer
    clock: SessionClock
    poll_ms: int
    edit_notification_ms: int
