"""Discovery documents shaped like each real client's, every urlsrc pointing at the development client.

- microsoft: Office for the web (catalog.py, discovery_xml.py).
- collabora: Collabora Online's generated discovery: MIME-type apps with ext="", the Office-compatible
  writer/calc/impress/draw apps, view_comment for PDF, formats with only an edit action, and a
  Capabilities app whose getinfo points at /hosting/capabilities. Every other urlsrc is the one
  /browser/<hash>/cool.html page, which picks view or edit from CheckFileInfo.
- onlyoffice: ONLYOFFICE Docs' DocService/sources/wopiClient.js: Word/Excel/PowerPoint/Pdf apps with
  view, embedview, mobileView, convert, edit, formsubmit, mobileEdit and editnew, then the same actions
  under MIME-type apps with ext="", then Capabilities; urlsrc /hosting/wopi/<doctype>/<view|edit>.
- oos: Office Online Server: the internal net zone and its frame pages (/wv, /we, /x, /p).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from wopihost.devclient.catalog import APPS, AppSpec
from wopihost.devclient.client_styles import StyleName
from wopihost.devclient.discovery_xml import (
    PROOF_KEY_ORDER,
    build_discovery_xml,
    favicon_url,
    net_zone_name,
)

ShapeName = Literal["microsoft", "collabora", "onlyoffice", "oos"]
SHAPE_NAMES: tuple[ShapeName, ...] = ("microsoft", "collabora", "onlyoffice", "oos")
# How the client saves in each shape: Office Online Server saves as Office for the web does.
SHAPE_STYLES: Mapping[ShapeName, StyleName] = {
    "microsoft": "office",
    "collabora": "collabora",
    "onlyoffice": "onlyoffice",
    "oos": "office",
}
CAPABILITIES_PATH = "/hosting/capabilities"
COLLABORA_HASH = "0devclient"
COOL_PATH = f"/browser/{COLLABORA_HASH}/cool.html"
ONLYOFFICE_PREFIX = "/hosting/wopi"
_ONLYOFFICE_TEMPLATE = (
    "<rs=DC_LLCC&><dchat=DISABLE_CHAT&><embed=EMBEDDED&><fs=FULLSCREEN&><hid=HOST_SESSION_ID&>"
    "<rec=RECORDING&><sc=SESSION_CONTEXT&><thm=THEME_ID&><ui=UI_LLCC&><wopisrc=WOPI_SOURCE&>&"
)

MIME_TYPES: Mapping[str, str] = {
    "odt": "application/vnd.oasis.opendocument.text",
    "fodt": "application/vnd.oasis.opendocument.text-flat-xml",
    "ott": "application/vnd.oasis.opendocument.text-template",
    "sxw": "application/vnd.sun.xml.writer",
    "doc": "application/msword",
    "dot": "application/msword-template",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "docm": "application/vnd.ms-word.document.macroEnabled.12",
    "dotx": "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
    "rtf": "application/rtf",
    "txt": "text/plain",
    "epub": "application/epub+zip",
    "html": "text/html",
    "pdf": "application/pdf",
    "djvu": "image/vnd.djvu",
    "xps": "application/vnd.ms-xpsdocument",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "fods": "application/vnd.oasis.opendocument.spreadsheet-flat-xml",
    "ots": "application/vnd.oasis.opendocument.spreadsheet-template",
    "sxc": "application/vnd.sun.xml.calc",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    "xlsb": "application/vnd.ms-excel.sheet.binary.macroEnabled.12",
    "csv": "text/csv",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "fodp": "application/vnd.oasis.opendocument.presentation-flat-xml",
    "otp": "application/vnd.oasis.opendocument.presentation-template",
    "sxi": "application/vnd.sun.xml.impress",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pptm": "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
    "ppsx": "application/vnd.openxmlformats-officedocument.presentationml.slideshow",
    "potx": "application/vnd.openxmlformats-officedocument.presentationml.template",
    "odg": "application/vnd.oasis.opendocument.graphics",
    "fodg": "application/vnd.oasis.opendocument.graphics-flat-xml",
    "otg": "application/vnd.oasis.opendocument.graphics-template",
    "vsdx": "application/vnd.visio",
    "svg": "image/svg+xml",
}


@dataclass(frozen=True, slots=True)
class ShapedAction:
    """One `<action>` of a shaped discovery."""

    name: str
    ext: str
    urlsrc: str
    default: bool = False
    requires: str | None = None
    targetext: str | None = None

    def attributes(self) -> dict[str, str]:
        """Return the XML attributes, in the order the real documents write them."""
        attributes = {"name": self.name, "ext": self.ext}
        if self.default:
            attributes["default"] = "true"
        if self.requires:
            attributes["requires"] = self.requires
        if self.targetext:
            attributes["targetext"] = self.targetext
        attributes["urlsrc"] = self.urlsrc
        return attributes


@dataclass(frozen=True, slots=True)
class ShapedApp:
    """One `<app>` of a shaped discovery."""

    name: str
    actions: tuple[ShapedAction, ...]
    fav_icon_url: str | None = None


# Collabora: (extension, Office-compatible app, action); the MIME-type apps repeat each type with ext="".
COLLABORA_FORMATS: tuple[tuple[str, str, str], ...] = (
    ("sxw", "writer", "view"), ("odt", "writer", "edit"), ("fodt", "writer", "edit"),
    ("ott", "writer", "edit"), ("doc", "writer", "edit"), ("docx", "writer", "edit"),
    ("docm", "writer", "edit"), ("dotx", "writer", "view"), ("rtf", "writer", "edit"),
    ("txt", "writer", "view"), ("epub", "writer", "view"), ("pdf", "writer", "view_comment"),
    ("sxc", "calc", "view"), ("ods", "calc", "edit"), ("fods", "calc", "edit"), ("ots", "calc", "edit"),
    ("xls", "calc", "edit"), ("xlsx", "calc", "edit"), ("xlsm", "calc", "edit"), ("xlsb", "calc", "edit"),
    ("csv", "calc", "edit"),
    ("sxi", "impress", "view"), ("odp", "impress", "edit"), ("fodp", "impress", "edit"),
    ("otp", "impress", "edit"), ("ppt", "impress", "edit"), ("pptx", "impress", "edit"),
    ("pptm", "impress", "edit"), ("ppsx", "impress", "edit"), ("potx", "impress", "edit"),
    ("odg", "draw", "edit"), ("fodg", "draw", "edit"), ("otg", "draw", "edit"), ("vsdx", "draw", "view"),
    ("svg", "draw", "view"),
)  # fmt: skip
_COLLABORA_ICONS = {"writer": "document", "calc": "spreadsheet", "impress": "presentation", "draw": "drawing"}

# ONLYOFFICE: (app, document type, target of convert, view-only extensions, editable extensions).
ONLYOFFICE_FORMATS: tuple[tuple[str, str, str | None, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Word", "word", "docx", ("doc", "dot", "epub", "html", "sxw"),
     ("docx", "docm", "dotx", "odt", "ott", "rtf", "txt")),
    ("Excel", "cell", "xlsx", ("xls", "sxc"), ("xlsx", "xlsm", "ods", "ots", "csv")),
    ("PowerPoint", "slide", "pptx", ("ppt", "sxi"), ("pptx", "pptm", "ppsx", "potx", "odp", "otp")),
    ("Pdf", "pdf", None, ("djvu", "xps"), ("pdf",)),
)  # fmt: skip
ONLYOFFICE_FORMS = frozenset({"pdf"})
ONLYOFFICE_NEW = frozenset({"docx", "xlsx", "pptx"})

# Office Online Server's frame pages: (app slug, action) -> path and query the page tells actions apart by.
OOS_PAGES: Mapping[tuple[str, str], str] = {
    ("word", "view"): "/wv/wordviewerframe.aspx?",
    ("word", "embedview"): "/wv/wordviewerframe.aspx?embed=1&",
    ("word", "edit"): "/we/wordeditorframe.aspx?",
    ("word", "editnew"): "/we/wordeditorframe.aspx?new=1&",
    ("word", "convert"): "/we/WordConvertAndEdit.aspx?",
    ("excel", "view"): "/x/_layouts/xlviewerinternal.aspx?",
    ("excel", "embedview"): "/x/_layouts/xlembed.aspx?",
    ("excel", "edit"): "/x/_layouts/xlviewerinternal.aspx?edit=1&",
    ("excel", "editnew"): "/x/_layouts/xlviewerinternal.aspx?edit=1&new=1&",
    ("excel", "convert"): "/x/_layouts/xlviewerinternal.aspx?ConvertAndEdit=1&",
    ("powerpoint", "view"): "/p/PowerPointFrame.aspx?PowerPointView=ReadingView&",
    ("powerpoint", "embedview"): "/p/PowerPointFrame.aspx?PowerPointView=EmbedView&",
    ("powerpoint", "edit"): "/p/PowerPointFrame.aspx?PowerPointView=EditView&",
    ("powerpoint", "editnew"): "/p/PowerPointFrame.aspx?PowerPointView=EditView&New=1&",
    ("powerpoint", "convert"): "/p/PowerPointFrame.aspx?PowerPointView=EditView&ConvertAndEdit=1&",
}


def collabora_apps(base_url: str) -> list[ShapedApp]:
    """Return Collabora's apps: MIME types with ext="", writer/calc/impress/draw, then Capabilities."""
    cool = f"{base_url}{COOL_PATH}?"
    apps = [
        ShapedApp(MIME_TYPES[ext], (ShapedAction(action, "", cool, default=True),))
        for ext, _, action in COLLABORA_FORMATS
    ]
    for name, icon in _COLLABORA_ICONS.items():
        actions = tuple(
            ShapedAction(action, ext, cool, default=True)
            for ext, app, action in COLLABORA_FORMATS
            if app == name
        )
        apps.append(ShapedApp(name, actions, f"{base_url}/favicons/x-office-{icon}.ico"))
    apps.append(_capabilities(base_url, requires=None))
    return apps


def _capabilities(base_url: str, *, requires: str | None) -> ShapedApp:
    return ShapedApp(
        "Capabilities", (ShapedAction("getinfo", "", f"{base_url}{CAPABILITIES_PATH}", requires=requires),)
    )


def _onlyoffice_actions(
    base_url: str, doctype: str, target: str | None, ext: str, *, editable: bool, shown_ext: str
) -> Iterator[ShapedAction]:
    page = f"{base_url}{ONLYOFFICE_PREFIX}/{doctype}"
    end = _ONLYOFFICE_TEMPLATE
    locks = "locks,update"
    if not editable:
        yield ShapedAction("view", shown_ext, f"{page}/view?{end}", default=True)
    else:
        yield ShapedAction("view", shown_ext, f"{page}/view?{end}")
    yield ShapedAction("embedview", shown_ext, f"{page}/view?embed=1&{end}")
    yield ShapedAction("mobileView", shown_ext, f"{page}/view?mobile=1&{end}")
    if not editable:
        if target:
            convert = f"{base_url}{ONLYOFFICE_PREFIX}/convert-and-edit/{ext}/{target}?{end}"
            yield ShapedAction("convert", shown_ext, convert, requires="update", targetext=target)
        return
    yield ShapedAction("edit", shown_ext, f"{page}/edit?{end}", default=True, requires=locks)
    if ext in ONLYOFFICE_FORMS:
        yield ShapedAction("formsubmit", shown_ext, f"{page}/edit?formsubmit=1&{end}", requires=locks)
    yield ShapedAction("mobileEdit", shown_ext, f"{page}/edit?mobile=1&{end}", requires=locks)
    if ext in ONLYOFFICE_NEW:
        yield ShapedAction("editnew", shown_ext, f"{page}/edit?{end}", requires=locks)


def onlyoffice_apps(base_url: str) -> list[ShapedApp]:
    """Return ONLYOFFICE's apps: Word/Excel/PowerPoint/Pdf by extension, MIME types, Capabilities."""
    apps: list[ShapedApp] = []
    for name, doctype, target, view_only, editable in ONLYOFFICE_FORMATS:
        actions = [
            action
            for exts, can_edit in ((view_only, False), (editable, True))
            for ext in exts
            for action in _onlyoffice_actions(
                base_url, doctype, target, ext, editable=can_edit, shown_ext=ext
            )
        ]
        icon = f"{base_url}/favicons/{name.lower()}.ico"
        apps.append(ShapedApp(name, tuple(actions), icon))
    seen: set[str] = set()
    for _, doctype, target, view_only, editable in ONLYOFFICE_FORMATS:
        for exts, can_edit in ((view_only, False), (editable, True)):
            for ext in exts:
                mime = MIME_TYPES[ext]
                if mime in seen:
                    continue
                seen.add(mime)
                by_mime = _onlyoffice_actions(base_url, doctype, target, ext, editable=can_edit, shown_ext="")
                apps.append(ShapedApp(mime, tuple(by_mime)))
    apps.append(_capabilities(base_url, requires="locks,update"))
    return apps


def oos_apps(base_url: str) -> list[ShapedApp]:
    """Return Office Online Server's apps: Office's catalog on OOS's frame pages (no WopiTest)."""
    apps = []
    for app in APPS:
        if app.slug not in ("word", "excel", "powerpoint"):
            continue
        oos_actions = tuple(
            ShapedAction(
                action.name,
                ext,
                _oos_urlsrc(base_url, app, action.name, action.placeholders or app.placeholders),
                default=action.default,
                requires=action.requires,
                targetext=action.extra.get("targetext") or action.extra.get("newext"),
            )
            for action in app.actions
            for ext in action.extensions
        )
        apps.append(ShapedApp(app.name, oos_actions, favicon_url(base_url, app)))
    return apps


def _oos_urlsrc(base_url: str, app: AppSpec, action: str, placeholders: str) -> str:
    return f"{base_url}{OOS_PAGES[(app.slug, action)]}{placeholders}"


def oos_action(path: str, flags: Mapping[str, str]) -> tuple[str, str] | None:
    """Return the (app slug, action) an Office Online Server frame page stands for, or None."""
    lowered = {key.lower(): value for key, value in flags.items()}
    candidates = [key for key, page in OOS_PAGES.items() if page.split("?")[0].lower() == path.lower()]
    for key in sorted(candidates, key=lambda k: -len(OOS_PAGES[k])):
        marks = [part.split("=") for part in OOS_PAGES[key].split("?")[1].split("&") if part]
        if all(lowered.get(name.lower()) == value for name, value in marks):
            return key
    return None


def build_shaped_discovery(shape: ShapeName, base_url: str, proof_key_attributes: Mapping[str, str]) -> str:
    """Return the discovery XML of a shape, with the development client's proof keys."""
    base_url = base_url.rstrip("/")
    if shape == "microsoft":
        return build_discovery_xml(base_url, proof_key_attributes)
    builders = {"collabora": collabora_apps, "onlyoffice": onlyoffice_apps, "oos": oos_apps}
    zone_name = net_zone_name(base_url)
    if shape == "oos":
        zone_name = zone_name.replace("external", "internal")
    elif zone_name == "external-https":
        # Collabora and ONLYOFFICE say external-http whatever their scheme.
        zone_name = "external-http"
    root = ET.Element("wopi-discovery")
    zone = ET.SubElement(root, "net-zone", {"name": zone_name})
    for app in builders[shape](base_url):
        attributes = {"name": app.name}
        if app.fav_icon_url:
            attributes["favIconUrl"] = app.fav_icon_url
        element = ET.SubElement(zone, "app", attributes)
        for action in app.actions:
            ET.SubElement(element, "action", action.attributes())
    ET.SubElement(root, "proof-key", {name: proof_key_attributes[name] for name in PROOF_KEY_ORDER})
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
