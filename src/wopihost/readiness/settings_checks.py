"""Production settings check: what shipping.rst asks hosts to verify before production, read from Settings."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from wopihost.config import DISCOVERY_PRESETS, Settings
from wopihost.readiness.model import Check, failed, info, not_applicable, passed

WOPI_URL_ENV = "WOPIHOST_SERVER__WOPI_URL"
PUBLIC_URL_ENV = "WOPIHOST_SERVER__PUBLIC_URL"
PROXIES_ENV = "WOPIHOST_SERVER__TRUSTED_PROXIES"


def hostname(url: str) -> str:
    """The lower-case host name of a URL, without port."""
    return (urlsplit(url).hostname or "").lower()


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses, which Microsoft's servers can never reach."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def settings_checks(settings: Settings) -> list[Check]:
    """Every settings-only check, in dossier order."""
    return [
        check_tls(settings),
        check_dedicated_hostname(settings),
        check_trusted_proxies(settings),
        check_discovery(settings),
        check_proofs(settings),
    ]


def check_tls(settings: Settings) -> Check:
    """Office for the web only calls https WOPI URLs, and the host page must be https to frame Office."""
    title = "TLS in front of the WOPI and UI URLs"
    plain = [
        f"{name} is {url}"
        for name, url in (
            ("wopi_url", settings.server.wopi_base_url),
            ("public_url", settings.server.base_url),
        )
        if not url.startswith("https://")
    ]
    if plain:
        fix = (
            f"Put a TLS-terminating proxy in front and set {PUBLIC_URL_ENV}=https://files.example.com and "
            f"{WOPI_URL_ENV}=https://wopi.example.com (server.public_url / server.wopi_url)."
        )
        return failed("settings.tls", title, "; ".join(plain) + ": Microsoft only calls https URLs.", fix)
    return passed("settings.tls", title, "Both URLs are https; the UI sends Strict-Transport-Security.")


def check_dedicated_hostname(settings: Settings) -> Check:
    """The docs ask for a WOPI hostname that serves no user content (its cookies and pages stay elsewhere)."""
    title = "Dedicated WOPI hostname (configuration)"
    wopi, ui = hostname(settings.server.wopi_base_url), hostname(settings.server.base_url)
    if not settings.server.wopi_url or wopi == ui:
        return failed(
            "settings.dedicated_hostname",
            title,
            f"WOPI is served on {ui}, the same hostname as the web UI.",
            f"Give WOPI its own hostname: {WOPI_URL_ENV}=https://wopi.<your domain> (server.wopi_url), "
            "pointing at the same server; the UI is then refused on it.",
        )
    return passed("settings.dedicated_hostname", title, f"WOPI on {wopi}, the web UI on {ui}.")


def check_trusted_proxies(settings: Settings) -> Check:
    """Behind a TLS proxy, the forwarded headers must be believed from that proxy only."""
    title = "Trusted proxies for forwarded headers"
    https = settings.server.wopi_base_url.startswith("https://")
    if not https:
        return not_applicable(
            "settings.proxies", title, "No https URL is configured, so no TLS proxy is in front yet."
        )
    if not settings.server.trusted_proxies:
        return failed(
            "settings.proxies",
            title,
            "The URLs are https but wopihost speaks http, so a proxy is in front, and none is trusted: "
            "client addresses in logs and sign-in limits are the proxy's, and X-Forwarded-Proto is ignored.",
            f"Set {PROXIES_ENV}='[\"<proxy address>\"]' (server.trusted_proxies). Proof keys are verified "
            "against server.wopi_url, so that URL must be exactly what Microsoft calls, proxy included.",
        )
    return passed(
        "settings.proxies",
        title,
        f"Forwarded headers believed from {', '.join(settings.server.trusted_proxies)}; proofs are checked "
        f"against {settings.server.wopi_base_url}.",
    )


def check_discovery(settings: Settings) -> Check:
    """Which Office for the web environment discovery points at."""
    title = "Discovery environment"
    url = settings.discovery.resolved_url
    fix = "Set WOPIHOST_DISCOVERY__URL=microsoft-test (validation) or microsoft-production (after sign-off)."
    if url is None:
        return failed(
            "settings.discovery",
            title,
            "Discovery is the built-in development client's, not Microsoft's.",
            fix,
        )
    if url == DISCOVERY_PRESETS["microsoft-production"]:
        return passed("settings.discovery", title, f"Production environment: {url}.")
    if url == DISCOVERY_PRESETS["microsoft-test"]:
        return passed("settings.discovery", title, f"Test environment (validation, smoke tests): {url}.")
    return info("settings.discovery", title, f"A discovery URL of another WOPI client: {url}.")


def check_proofs(settings: Settings) -> Check:
    """Proof keys must be enforced so that only the WOPI client can call the WOPI endpoints."""
    title = "Proof keys enforced"
    mode = settings.proof_key_mode
    if mode != "enforce":
        return failed(
            "settings.proofs",
            title,
            f"proof_keys.mode is {mode!r}: requests with a wrong X-WOPI-Proof are served.",
            "Set WOPIHOST_PROOF_KEYS__MODE=enforce (proof_keys.mode).",
        )
    return passed(
        "settings.proofs",
        title,
        f"Enforced; proofs older than {settings.proof_keys.max_age_minutes:g} min refused.",
    )


def token_transport(settings: Settings) -> Check:
    """How access tokens travel and how long they live (an answer, not a verdict)."""
    hours = settings.tokens.ttl_seconds / 3600
    return info(
        "settings.tokens",
        "Access token transport and lifetime",
        "Tokens are POSTed to the Office frame (form field access_token, never in a page URL) and sent by "
        f"Office as the access_token query parameter; they live {hours:g} h (tokens.ttl_seconds), "
        "reported as access_token_ttl; signed, bound to one user and one file.",
    )


def values_for_microsoft(settings: Settings) -> dict[str, list[str]]:
    """What the integrator sends Microsoft: allow-list domains, redirect domains, PostMessage origin."""
    wopi, ui = hostname(settings.server.wopi_base_url), hostname(settings.server.base_url)
    origin = f"{urlsplit(settings.server.base_url).scheme}://{urlsplit(settings.server.base_url).netloc}"
    return {
        "WOPI domain allow-list": [wopi],
        "Redirect domains (business user flow)": [ui],
        "PostMessage origin (host page)": [origin],
    }
