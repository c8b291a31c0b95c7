"""WOPI discovery XML: the apps, actions and proof keys a WOPI client publishes. Parsing only, no I/O.

Spec: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/discovery
"""

from __future__ import annotations

import base64
import binascii
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from wopihost.errors import DiscoveryUnavailable

# Net zones in order of preference. Office for the web publishes external-https; Collabora Online and
# ONLYOFFICE publish external-http even when their URLs are https.
NET_ZONE_PREFERENCE = ("external-https", "external-http", "internal-https", "internal-http")
# Expat expands internal entities, so a document type declaration could blow up memory (billion laughs).
_FORBIDDEN_MARKUP = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_PROOF_KEY_ATTRIBUTES = ("value", "modulus", "exponent", "oldvalue", "oldmodulus", "oldexponent")
# Collabora Online and ONLYOFFICE publish, besides apps named after extensions, one app per MIME type whose
# actions have ext="". These are the MIME types of the formats a host keeps, with the document kind each is
# opened as and the extensions it stands for (IANA names; Collabora's spelling where it differs).
_MIME_TYPES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("application/vnd.oasis.opendocument.text", "text", ("odt",)),
    ("application/vnd.oasis.opendocument.text-flat-xml", "text", ("fodt",)),
    ("application/vnd.oasis.opendocument.text-template", "text", ("ott",)),
    ("application/vnd.oasis.opendocument.text-master", "text", ("odm",)),
    ("application/vnd.oasis.opendocument.text-master-template", "text", ("otm",)),
    ("application/vnd.oasis.opendocument.text-web", "text", ("oth",)),
    ("application/vnd.sun.xml.writer", "text", ("sxw",)),
    ("application/vnd.sun.xml.writer.template", "text", ("stw",)),
    ("application/vnd.sun.xml.writer.global", "text", ("sxg",)),
    ("application/msword", "text", ("doc", "dot")),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "text", ("docx",)),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.template", "text", ("dotx",)),
    ("application/vnd.ms-word.document.macroenabled.12", "text", ("docm",)),
    ("application/vnd.ms-word.template.macroenabled.12", "text", ("dotm",)),
    ("application/rtf", "text", ("rtf",)),
    ("text/rtf", "text", ("rtf",)),
    ("text/plain", "text", ("txt",)),
    ("application/epub+zip", "text", ("epub",)),
    ("application/vnd.oasis.opendocument.spreadsheet", "spreadsheet", ("ods",)),
    ("application/vnd.oasis.opendocument.spreadsheet-flat-xml", "spreadsheet", ("fods",)),
    ("application/vnd.oasis.opendocument.spreadsheet-template", "spreadsheet", ("ots",)),
    ("application/vnd.sun.xml.calc", "spreadsheet", ("sxc",)),
    ("application/vnd.sun.xml.calc.template", "spreadsheet", ("stc",)),
    ("application/vnd.ms-excel", "spreadsheet", ("xls", "xlt", "xla")),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "spreadsheet", ("xlsx",)),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.template", "spreadsheet", ("xltx",)),
    ("application/vnd.ms-excel.sheet.macroenabled.12", "spreadsheet", ("xlsm",)),
    ("application/vnd.ms-excel.sheet.binary.macroenabled.12", "spreadsheet", ("xlsb",)),
    ("application/vnd.ms-excel.template.macroenabled.12", "spreadsheet", ("xltm",)),
    ("text/csv", "spreadsheet", ("csv",)),
    ("application/vnd.oasis.opendocument.presentation", "presentation", ("odp",)),
    ("application/vnd.oasis.opendocument.presentation-flat-xml", "presentation", ("fodp",)),
    ("application/vnd.oasis.opendocument.presentation-template", "presentation", ("otp",)),
    ("application/vnd.sun.xml.impress", "presentation", ("sxi",)),
    ("application/vnd.sun.xml.impress.template", "presentation", ("sti",)),
    ("application/vnd.ms-powerpoint", "presentation", ("ppt", "pot", "pps")),
    ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "presentation", ("pptx",)),
    ("application/vnd.openxmlformats-officedocument.presentationml.template", "presentation", ("potx",)),
    ("application/vnd.openxmlformats-officedocument.presentationml.slideshow", "presentation", ("ppsx",)),
    ("application/vnd.ms-powerpoint.presentation.macroenabled.12", "presentation", ("pptm",)),
    ("application/vnd.ms-powerpoint.template.macroenabled.12", "presentation", ("potm",)),
    ("application/vnd.ms-powerpoint.slideshow.macroenabled.12", "presentation", ("ppsm",)),
    ("application/vnd.oasis.opendocument.graphics", "drawing", ("odg",)),
    ("application/vnd.oasis.opendocument.graphics-flat-xml", "drawing", ("fodg",)),
    ("application/vnd.oasis.opendocument.graphics-template", "drawing", ("otg",)),
    ("application/vnd.sun.xml.draw", "drawing", ("sxd",)),
    ("application/vnd.sun.xml.draw.template", "drawing", ("std",)),
    ("application/vnd.visio", "drawing", ("vsd",)),
    ("application/vnd.ms-visio.drawing", "drawing", ("vsdx",)),
    ("application/pdf", "drawing", ("pdf",)),
    ("image/svg+xml", "drawing", ("svg",)),
    ("image/png", "drawing", ("png",)),
    ("image/jpeg", "drawing", ("jpg", "jpeg")),
    ("image/jpg", "drawing", ("jpg",)),
    ("image/gif", "drawing", ("gif",)),
    ("image/bmp", "drawing", ("bmp",)),
    ("image/tiff", "drawing", ("tif", "tiff")),
)
_EXTENSIONS_BY_MIME_TYPE = {mime: exts for mime, _, exts in _MIME_TYPES}
_KIND_BY_MIME_TYPE = {mime: kind for mime, kind, _ in _MIME_TYPES}
# Where a client publishes its /hosting/capabilities endpoint (Collabora Online, ONLYOFFICE).
CAPABILITIES_APP = "capabilities"
CAPABILITIES_ACTION = "getinfo"


@dataclass(frozen=True, slots=True)
class Action:
    """One `<action>`: what can be done (`name`) to files with extension `ext` (or `progid`), and where."""

    name: str
    ext: str
    urlsrc: str
    requires: frozenset[str] = frozenset()
    default: bool = False
    progid: str | None = None
    newprogid: str | None = None
    newext: str | None = None
    targetext: str | None = None


@dataclass(frozen=True, slots=True)
class App:
    """One `<app>`: "Word", "Excel", "WopiTest", or for Collabora a MIME type or "writer"."""

    name: str
    actions: tuple[Action, ...]
    fav_icon_url: str | None = None
    check_license: bool = False


@dataclass(frozen=True, slots=True)
class ProofKeyInfo:
    """The `<proof-key>` attributes as published: base64 strings, "" where an attribute is absent."""

    value: str
    modulus: str
    exponent: str
    oldvalue: str = ""
    oldmodulus: str = ""
    oldexponent: str = ""

    @property
    def has_old_key(self) -> bool:
        return bool(self.oldvalue or (self.oldmodulus and self.oldexponent))

    def as_attributes(self) -> dict[str, str]:
        """Return the attributes by their XML names, the shape `ProofKeys.from_discovery_attributes` takes."""
        return {name: getattr(self, name) for name in _PROOF_KEY_ATTRIBUTES}


@dataclass(frozen=True, slots=True)
class Discovery:
    """A parsed discovery document: the apps of one net zone, and the proof keys."""

    apps: tuple[App, ...]
    proof_key: ProofKeyInfo | None = None
    net_zone: str = ""
    _by_ext: Mapping[str, tuple[tuple[App, Action], ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        index: dict[str, list[tuple[App, Action]]] = {}
        for app in self.apps:
            for action in app.actions:
                if action.ext:
                    index.setdefault(action.ext, []).append((app, action))
        # Actions of MIME-type apps come after those named by extension, which clients publish as the
        # primary ones (Collabora calls its MIME-type apps legacy).
        for app in self.apps:
            for action in app.actions:
                if not action.ext:
                    for ext in extensions_for_mime_type(app.name):
                        index.setdefault(ext, []).append((app, action))
        object.__setattr__(self, "_by_ext", {ext: tuple(pairs) for ext, pairs in index.items()})

    def actions_for(self, ext: str) -> tuple[Action, ...]:
        """Every action offered for an extension ("docx" or ".DOCX"), in document order."""
        return tuple(action for _, action in self._by_ext.get(normalize_extension(ext), ()))

    def find_action(self, ext: str, name: str) -> Action | None:
        """The first action called `name` for an extension, or None."""
        return next((action for action in self.actions_for(ext) if action.name == name), None)

    def find_app(self, ext: str) -> App | None:
        """The app that handles an extension (the first one offering any action for it), or None."""
        pairs = self._by_ext.get(normalize_extension(ext), ())
        return pairs[0][0] if pairs else None

    def find_app_named(self, name: str) -> App | None:
        """The app with this name ("Word", or a MIME type for Collabora Online), or None."""
        return next((app for app in self.apps if app.name == name), None)

    def app_of(self, action: Action) -> App | None:
        """The app that publishes this very action (MIME-type apps publish equal actions), or None."""
        same = next((app for app in self.apps if any(a is action for a in app.actions)), None)
        return same or next((app for app in self.apps if action in app.actions), None)

    @property
    def capabilities_url(self) -> str | None:
        """The client's /hosting/capabilities URL, if discovery advertises one (Collabora, ONLYOFFICE)."""
        for app in self.apps:
            if app.name.lower() == CAPABILITIES_APP:
                for action in app.actions:
                    if action.name.lower() == CAPABILITIES_ACTION:
                        return action.urlsrc
        return None

    def default_action(self, ext: str) -> Action | None:
        """The action marked `default="true"` for an extension, or None."""
        return next((action for action in self.actions_for(ext) if action.default), None)

    @property
    def extensions(self) -> tuple[str, ...]:
        """Every extension with at least one action, in document order."""
        return tuple(self._by_ext)


def normalize_extension(ext: str) -> str:
    """Return an extension as discovery spells it: "docx" for ".DOCX"."""
    return ext.strip().lstrip(".").lower()


def extensions_for_mime_type(mime_type: str) -> tuple[str, ...]:
    """The extensions a MIME-type app name stands for ("odt" for OpenDocument text); () if unknown."""
    return _EXTENSIONS_BY_MIME_TYPE.get(mime_type.strip().lower(), ())


def document_kind(mime_type: str) -> str | None:
    """The kind of document a MIME type is: "text", "spreadsheet", "presentation" or "drawing"."""
    return _KIND_BY_MIME_TYPE.get(mime_type.strip().lower())


def parse_discovery(xml: bytes) -> Discovery:
    """Parse a discovery document; raise DiscoveryUnavailable if it is not one, or has no usable action."""
    root = _parse_root(xml)
    zone = _choose_net_zone(root)
    apps = tuple(app for app in (_parse_app(element) for element in _children(zone, "app")) if app.actions)
    if not apps:
        raise DiscoveryUnavailable("discovery XML has no usable action")
    proof_keys = list(_children(root, "proof-key"))
    proof_key = _parse_proof_key(proof_keys[0]) if proof_keys else None
    return Discovery(apps=apps, proof_key=proof_key, net_zone=zone.get("name", ""))


def _parse_root(xml: bytes) -> ET.Element:
    if b"\x00" in xml:
        # UTF-16 or UTF-32 would hide a DOCTYPE from the byte check below; no WOPI client sends them.
        raise DiscoveryUnavailable("discovery XML is not in UTF-8")
    if _FORBIDDEN_MARKUP.search(xml):
        raise DiscoveryUnavailable("discovery XML contains a DTD or entity declaration")
    try:
        root = ET.fromstring(xml)  # noqa: S314 - DTDs and entities are refused above
    except ET.ParseError as exc:
        raise DiscoveryUnavailable(f"discovery XML is not well-formed: {exc}") from exc
    if _local_name(root.tag) != "wopi-discovery":
        raise DiscoveryUnavailable(f"discovery XML has root <{_local_name(root.tag)}>, not <wopi-discovery>")
    return root


def _choose_net_zone(root: ET.Element) -> ET.Element:
    zones = [zone for zone in _children(root, "net-zone") if any(_children(zone, "app"))]
    if not zones:
        raise DiscoveryUnavailable("discovery XML has no net-zone with apps")

    def rank(zone: ET.Element) -> int:
        name = zone.get("name", "").lower()
        return NET_ZONE_PREFERENCE.index(name) if name in NET_ZONE_PREFERENCE else len(NET_ZONE_PREFERENCE)

    return min(zones, key=rank)


def _parse_app(element: ET.Element) -> App:
    actions = tuple(
        action for action in (_parse_action(child) for child in _children(element, "action")) if action
    )
    return App(
        name=element.get("name", "").strip(),
        actions=actions,
        fav_icon_url=_optional(element.get("favIconUrl")),
        check_license=element.get("checkLicense", "").strip().lower() == "true",
    )


def _parse_action(element: ET.Element) -> Action | None:
    name = element.get("name", "").strip()
    urlsrc = element.get("urlsrc", "").strip()
    if not name or not urlsrc:
        # Collabora's discovery template leaves urlsrc empty; such an action cannot be invoked.
        return None
    return Action(
        name=name,
        ext=normalize_extension(element.get("ext", "")),
        urlsrc=urlsrc,
        requires=_split_requires(element.get("requires", "")),
        default=element.get("default", "").strip().lower() == "true",
        progid=_optional(element.get("progid")),
        newprogid=_optional(element.get("newprogid")),
        newext=_optional(element.get("newext")),
        targetext=_optional(element.get("targetext")),
    )


def _parse_proof_key(element: ET.Element) -> ProofKeyInfo | None:
    values = {name: "".join(element.get(name, "").split()) for name in _PROOF_KEY_ATTRIBUTES}
    for name, value in values.items():
        if value and not _is_base64(value):
            raise DiscoveryUnavailable(f"discovery proof-key attribute {name} is not base64")
    info = ProofKeyInfo(**values)
    if not (info.value or (info.modulus and info.exponent)):
        return None
    return info


def _split_requires(value: str) -> frozenset[str]:
    return frozenset(part.strip().lower() for part in value.split(",") if part.strip())


def _is_base64(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _children(element: ET.Element, name: str) -> Iterable[ET.Element]:
    return (child for child in element if _local_name(child.tag) == name)


def _local_name(tag: object) -> str:
    # Comments and processing instructions have a function as their tag.
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _optional(value: str | None) -> str | None:
    stripped = (value or "").strip()
    return stripped or None


def format_discovery(discovery: Discovery) -> str:
    """Render a discovery document as readable text, for `wopihost discovery show`."""
    lines = [f"net-zone: {discovery.net_zone or '(unnamed)'}", _format_proof_key(discovery.proof_key)]
    for app in discovery.apps:
        lines.append("")
        lines.append(f"app {app.name}" + (" (checkLicense)" if app.check_license else ""))
        lines.append(f"  favicon: {app.fav_icon_url or '-'}")
        lines.extend(f"  {_format_action(action, app)}" for action in app.actions)
    return "\n".join(lines) + "\n"


def _format_proof_key(proof_key: ProofKeyInfo | None) -> str:
    if proof_key is None:
        return "proof key: absent"
    return f"proof key: present (old key: {'present' if proof_key.has_old_key else 'absent'})"


def _format_action(action: Action, app: App) -> str:
    by_type = ",".join(extensions_for_mime_type(app.name))
    target = action.ext or (f"progid={action.progid}" if action.progid else f"({by_type or 'any'})")
    parts = [f"{action.name:<14} {target:<8}", f"requires={','.join(sorted(action.requires)) or '-'}"]
    if action.default:
        parts.append("default")
    extras = (("newext", action.newext), ("newprogid", action.newprogid), ("targetext", action.targetext))
    parts.extend(f"{label}={value}" for label, value in extras if value)
    return " ".join(parts) + f"\n      {action.urlsrc}"
