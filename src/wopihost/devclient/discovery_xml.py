"""The development client's discovery XML, shaped like Office for the web's.

Spec: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/discovery
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from wopihost.devclient.catalog import APPS, ActionSpec, AppSpec

DISCOVERY_PATH = "/hosting/discovery"
PROOF_KEY_ORDER = ("oldvalue", "oldmodulus", "oldexponent", "value", "modulus", "exponent")


def favicon_url(base_url: str, app: AppSpec) -> str:
    """Return the favicon URL of an app, served by the development client itself."""
    return f"{base_url}/favicons/{app.slug}.ico"


def action_urlsrc(base_url: str, app: AppSpec, action: ActionSpec) -> str:
    """Return an action's urlsrc template: the action page followed by Microsoft-style placeholders."""
    return f"{base_url}/{app.slug}/{action.name}?{action.placeholders or app.placeholders}"


def net_zone_name(base_url: str) -> str:
    """Return the net zone a client reachable at `base_url` publishes itself in."""
    return "external-https" if base_url.lower().startswith("https://") else "external-http"


def build_discovery_xml(base_url: str, proof_key_attributes: Mapping[str, str]) -> str:
    """Return the discovery document: every app and action, and the current and old proof keys."""
    base_url = base_url.rstrip("/")
    root = ET.Element("wopi-discovery")
    zone = ET.SubElement(root, "net-zone", {"name": net_zone_name(base_url)})
    for app in APPS:
        attributes = {"name": app.name, "favIconUrl": favicon_url(base_url, app), "checkLicense": "false"}
        element = ET.SubElement(zone, "app", attributes)
        for action in app.actions:
            for ext in action.extensions:
                ET.SubElement(element, "action", _action_attributes(base_url, app, action, ext))
    proof = {name: proof_key_attributes[name] for name in PROOF_KEY_ORDER}
    ET.SubElement(root, "proof-key", proof)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _action_attributes(base_url: str, app: AppSpec, action: ActionSpec, ext: str) -> dict[str, str]:
    attributes = {"name": action.name, "ext": ext}
    if action.default:
        attributes["default"] = "true"
    if action.requires:
        attributes["requires"] = action.requires
    attributes.update(action.extra)
    attributes["urlsrc"] = action_urlsrc(base_url, app, action)
    return attributes
