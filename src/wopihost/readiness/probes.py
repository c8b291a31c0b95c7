"""Checks made by calling the running deployment over HTTP and the network."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import anyio
import httpx

from wopihost.config import Settings
from wopihost.domain.discovery import Discovery
from wopihost.readiness.model import Check, failed, info, not_applicable, passed
from wopihost.readiness.settings_checks import WOPI_URL_ENV, hostname, is_loopback

# Pages of the web UI a browser would load; on the WOPI hostname each must be refused or sent elsewhere.
UI_PATHS = ("/", "/signin", "/static/app.css")


async def check_ui_refused_on_wopi_host(settings: Settings, client: httpx.AsyncClient) -> Check:
    """Request the UI's pages on the WOPI hostname and expect none of them served."""
    title = "WOPI hostname serves no user content"
    check_id = "live.wopi_host_content"
    wopi_base = settings.server.wopi_base_url
    if hostname(wopi_base) == hostname(settings.server.base_url):
        return not_applicable(check_id, title, "WOPI has no hostname of its own (see the settings check).")
    served: list[str] = []
    evidence: list[str] = []
    for path in UI_PATHS:
        url = wopi_base + path
        try:
            response = await client.get(url, follow_redirects=False)
        except httpx.HTTPError as exc:
            return failed(
                check_id, title, f"GET {url} failed: {exc}", "Check that the WOPI URL is reachable."
            )
        evidence.append(f"GET {url} -> {response.status_code}")
        if response.status_code < 300:
            served.append(url)
    if served:
        return failed(
            check_id,
            title,
            f"The WOPI hostname serves UI pages: {', '.join(served)}.",
            f"Set {WOPI_URL_ENV} to the hostname Microsoft calls, so that UiHostnameMiddleware refuses pages "
            "there; make the proxy pass the Host header through unchanged.",
            evidence=tuple(evidence),
        )
    return passed(check_id, title, "Every UI page is redirected or refused there.", evidence=tuple(evidence))


async def check_hsts(settings: Settings, client: httpx.AsyncClient) -> Check:
    """Behind TLS, the UI must send Strict-Transport-Security."""
    title = "HSTS on the web UI"
    url = settings.server.base_url + "/signin"
    if not url.startswith("https://"):
        return not_applicable("live.hsts", title, "The web UI is not served over https (see the TLS check).")
    try:
        response = await client.get(url, follow_redirects=False)
    except httpx.HTTPError as exc:
        return failed("live.hsts", title, f"GET {url} failed: {exc}", "Check that the UI URL is reachable.")
    if "strict-transport-security" not in response.headers:
        return failed(
            "live.hsts",
            title,
            f"GET {url} has no Strict-Transport-Security header.",
            "Set server.public_url (WOPIHOST_SERVER__PUBLIC_URL) to the https URL, or let the proxy add it.",
        )
    return passed(
        "live.hsts", title, f"Strict-Transport-Security: {response.headers['strict-transport-security']}"
    )


async def check_ipv6(settings: Settings) -> Check:
    """Resolve the WOPI hostname for AAAA and try to connect over IPv6."""
    title = "IPv6 reachability of the WOPI endpoint"
    parts = urlsplit(settings.server.wopi_base_url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if is_loopback(host):
        return not_applicable(
            "questions.ipv6", title, f"{host} is a loopback address, not reachable by Microsoft."
        )
    try:
        found = await anyio.getaddrinfo(host, port, family=socket.AF_INET6, type=socket.SOCK_STREAM)
    except OSError:
        found = []
    addresses = sorted({str(entry[4][0]) for entry in found})
    if not addresses:
        return info(
            "questions.ipv6", title, f"No: {host} has no AAAA record; Microsoft reaches it over IPv4 only."
        )
    try:
        with anyio.fail_after(5):
            stream = await anyio.connect_tcp(addresses[0], port)
        await stream.aclose()
    except (OSError, TimeoutError) as exc:
        return info(
            "questions.ipv6", title, f"{host} has AAAA {', '.join(addresses)} but connecting failed: {exc}."
        )
    return info(
        "questions.ipv6", title, f"Yes: {host} resolves to {', '.join(addresses)} and accepts connections."
    )


def postmessage_origins(discovery: Discovery | None, settings: Settings) -> Check:
    """The origins of Office's frames (from discovery) and the host page origin they post to."""
    title = "PostMessage origins"
    if discovery is None:
        return failed(
            "questions.postmessage", title, "Discovery could not be read.", "Check WOPIHOST_DISCOVERY__URL."
        )
    origins = sorted(
        {
            f"{urlsplit(a.urlsrc).scheme}://{urlsplit(a.urlsrc).netloc}"
            for app in discovery.apps
            for a in app.actions
            if a.urlsrc
        }
    )
    page = urlsplit(settings.server.base_url)
    return info(
        "questions.postmessage",
        title,
        f"The host page ({page.scheme}://{page.netloc}, sent as PostMessageOrigin) accepts messages from the "
        f"WOPI client's frames: {', '.join(origins) or 'none listed'}.",
    )
