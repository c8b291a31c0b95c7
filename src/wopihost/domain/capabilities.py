"""A WOPI client's /hosting/capabilities document (Collabora Online, ONLYOFFICE). Parsing only, no I/O.

Collabora Online answers JSON such as {"convert-to": {"available": true, "endpoint": "/cool/convert-to"},
"hasMobileSupport": true, "hasTemplateSaveAs": false, "hasTemplateSource": true, "hasWASMSupport": false,
"productName": "Collabora Online Development Edition", "productVersion": "24.04.5.1", ...}; ONLYOFFICE
answers the same shape without productName. Every key is optional.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wopihost.errors import DiscoveryUnavailable

# Collabora's answer is a few hundred bytes; anything much larger is not a capabilities document.
MAX_CAPABILITIES_SIZE = 64 * 1024
_FLAGS = (
    ("hasMobileSupport", "mobile support"),
    ("hasTemplateSaveAs", "template save-as"),
    ("hasTemplateSource", "template source"),
    ("hasWASMSupport", "WASM (offline) support"),
    ("hasZoteroSupport", "Zotero support"),
    ("hasDocumentSigningSupport", "document signing"),
    ("hasSettingIframeSupport", "settings iframe"),
)


@dataclass(frozen=True, slots=True)
class ClientCapabilities:
    """What the WOPI client says about itself; `raw` keeps every key, including ones not modelled here."""

    product_name: str | None = None
    product_version: str | None = None
    product_version_hash: str | None = None
    convert_to_available: bool = False
    convert_to_endpoint: str | None = None
    server_id: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def flag(self, key: str) -> bool:
        """A boolean capability by its JSON name ("hasMobileSupport"); False when absent or not a boolean."""
        return self.raw.get(key) is True

    def to_json(self) -> bytes:
        """The document as received (its parsed keys), for the on-disk copy."""
        return json.dumps(dict(self.raw), sort_keys=True).encode()


def parse_capabilities(data: bytes) -> ClientCapabilities:
    """Parse a capabilities answer; raise DiscoveryUnavailable if it is not a JSON object."""
    if len(data) > MAX_CAPABILITIES_SIZE:
        raise DiscoveryUnavailable(f"capabilities document is larger than {MAX_CAPABILITIES_SIZE} bytes")
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise DiscoveryUnavailable(f"capabilities document is not JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise DiscoveryUnavailable("capabilities document is not a JSON object")
    convert = parsed.get("convert-to")
    convert = convert if isinstance(convert, dict) else {}
    return ClientCapabilities(
        product_name=_text(parsed.get("productName")),
        product_version=_text(parsed.get("productVersion")),
        product_version_hash=_text(parsed.get("productVersionHash")),
        convert_to_available=convert.get("available") is True,
        convert_to_endpoint=_text(convert.get("endpoint")),
        server_id=_text(parsed.get("serverId")),
        raw=parsed,
    )


def format_capabilities(
    capabilities: ClientCapabilities | None, *, advertised: bool, error: str | None
) -> str:
    """Render capabilities as readable text, for `wopihost discovery show`."""
    if not advertised:
        return "capabilities: not advertised by discovery\n"
    if capabilities is None:
        return f"capabilities: unavailable ({error or 'not fetched yet'})\n"
    version = capabilities.product_version or "?"
    if capabilities.product_version_hash:
        version += f" ({capabilities.product_version_hash})"
    convert = "no"
    if capabilities.convert_to_available:
        convert = f"yes, at {capabilities.convert_to_endpoint}" if capabilities.convert_to_endpoint else "yes"
    lines = [
        "capabilities:",
        f"  product: {capabilities.product_name or '(not named)'} {version}",
        f"  convert-to: {convert}",
    ]
    lines.extend(f"  {label}: {'yes' if capabilities.flag(key) else 'no'}" for key, label in _FLAGS)
    if capabilities.server_id:
        lines.append(f"  server id: {capabilities.server_id}")
    return "\n".join(lines) + "\n"


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
