"""The host page's rules that need no HTTP: wd* parameters, the action URL, and the page's headers.

Spec: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/hostpage
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from wopihost.domain.action_urls import ActionUrlContext, build_action_url
from wopihost.domain.discovery import Action, Discovery
from wopihost.web.catalog import app_of, client_origins, favicon_origins, friendly_app_name
from wopihost.web.security import HOST_PAGE_CACHE_HEADERS, HOST_PAGE_REFERRER_POLICY, build_csp, origin_of

# Passed to the WOPI client like every wd* parameter, then removed from the address bar (hostpage.rst).
WD_REMOVED_AFTER_USE = ("wdPreviousSession", "wdPreviousCorrelation")


def wd_parameters(raw_query: str) -> list[str]:
    """The `wd*` parameters of a query string, each as its raw `name=value` text, in order."""
    pieces = (piece for piece in raw_query.split("&") if piece)
    return [piece for piece in pieces if unquote(piece.partition("=")[0]).startswith("wd")]


def append_raw_parameters(url: str, pieces: Sequence[str]) -> str:
    """Append already-encoded `name=value` pieces to a URL's query, unchanged, skipping ones it has."""
    base, hash_sign, fragment = url.partition("#")
    present = set(base.partition("?")[2].split("&"))
    extra = [piece for piece in pieces if piece not in present]
    if not extra:
        return url
    separator = "" if base.endswith(("?", "&")) else ("&" if "?" in base else "?")
    return f"{base}{separator}{'&'.join(extra)}{hash_sign}{fragment}"


@dataclass(frozen=True, slots=True)
class HostFrame:
    """Everything the host page template needs about the WOPI client frame."""

    action_name: str
    action_url: str
    client_origin: str
    app_name: str
    fav_icon_url: str | None
    session_id: str
    style_nonce: str
    csp: str
    # The embedview page (CheckFileInfo's HostEmbeddedViewUrl) may be framed by the host's own pages.
    embeddable: bool = False

    def headers(self) -> dict[str, str]:
        """The host page's response headers: its own CSP, no referrer, and no caching."""
        headers = {
            "Content-Security-Policy": self.csp,
            "Referrer-Policy": HOST_PAGE_REFERRER_POLICY,
            **HOST_PAGE_CACHE_HEADERS,
        }
        if self.embeddable:
            headers["X-Frame-Options"] = "SAMEORIGIN"
        return headers


def host_frame(
    discovery: Discovery,
    action: Action,
    *,
    wopi_src: str,
    language: str | None,
    raw_query: str,
    business_user: bool = False,
    embeddable: bool = False,
) -> HostFrame:
    """Build the action URL (with the user's language, a new host session ID and the wd* parameters)."""
    session_id = secrets.token_hex(16)
    context = ActionUrlContext(
        wopi_src=wopi_src,
        language=language or None,
        host_session_id=session_id,
        business_user=business_user,
    )
    url = append_raw_parameters(build_action_url(action, context), wd_parameters(raw_query))
    app = app_of(discovery, action)
    nonce = secrets.token_urlsafe(16)
    origins = (origin_of(url), *client_origins(discovery))
    favicon = app.fav_icon_url if app else None
    return HostFrame(
        action_name=action.name,
        action_url=url,
        client_origin=origin_of(url),
        app_name=friendly_app_name(app),
        fav_icon_url=favicon,
        session_id=session_id,
        style_nonce=nonce,
        csp=build_csp(
            frame_origins=origins,
            form_origins=origins,
            image_origins=(*origins, *favicon_origins(discovery)),
            style_nonce=nonce,
            frame_ancestors="'self'" if embeddable else "'none'",
        ),
        embeddable=embeddable,
    )
