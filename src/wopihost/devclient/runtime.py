"""Everything a running development client shares between its routes."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from wopihost.devclient.clock import SessionClock
from wopihost.devclient.coauthoring import SessionManager
from wopihost.devclient.comments import CommentBoard
from wopihost.devclient.keystore import KeyStore
from wopihost.devclient.pages import PageRenderer, PageStore
from wopihost.devclient.routing import Router
from wopihost.devclient.shapes import ShapeName
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
    # Host names whose WOPISrc the client calls; None allows any. A form POST from any web page can name a
    # WOPISrc, so without a list the client would fetch whatever URL a page chose.
    allowed_wopi_hosts: frozenset[str] | None = None
    # Whose discovery the client presents (see shapes.py).
    shape: ShapeName = "microsoft"
    # Comments of the open documents (comments.py), kept in memory like the pages.
    comments: CommentBoard = field(default_factory=CommentBoard)
    # With a session registry (Redis), forwards each page to the node holding its session (routing.py).
    router: Router | None = None

    def allows(self, wopi_src: str) -> bool:
        """Whether this WOPISrc points at a host the client may call."""
        if self.allowed_wopi_hosts is None:
            return True
        return (urlsplit(wopi_src).hostname or "").lower() in self.allowed_wopi_hosts
