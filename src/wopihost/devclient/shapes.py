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

from wopihost.devclient.catalog import EXCEL_PLACEHOLDERS, WORD_PLACEHOLDERS
from wopihost.devclient.client_styles import StyleName
from wopihost.devclient.discovery_xml import (
    PROOF_KEY_ORDER,
    build_discovery_xml,
    net_zone_name,
)
from wopihost.devclient.shape_formats import (
    COLLABORA_APPS,
    COLLABORA_MIME_APPS,
    ONLYOFFICE_EDITORS,
    ONLYOFFICE_FORMS,
    ONLYOFFICE_MIME_APPS,
    ONLYOFFICE_NEW,
    OOS_ACTIONS,
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
SHAPE_CLIENT_NAMES: Mapping[ShapeName, str] = {
    "microsoft": "Office for the web",
    "collabora": "Collabora Online",
    "onlyoffice": "ONLYOFFICE Docs",
    "oos": "Office Online Server",
}
CAPABILITIES_PATH = "/hosting/capabilities"
COLLABORA_HASH = "0devclient"
COOL_PATH = f"/browser/{COLLABORA_HASH}/cool.html"
ONLYOFFICE_PREFIX = "/hosting/wopi"
_ONLYOFFICE_TEMPLATE = (
    "<rs=DC_LLCC&><dchat=DISABLE_CHAT&><embed=EMBEDDED&><fs=FULLSCREEN&><hid=HOST_SESSION_ID&>"
    "<rec=RECORDING&><sc=SESSION_CONTEXT&><thm=THEME_ID&><ui=UI_LLCC&><wopisrc=WOPI_SOURCE&>&"
)


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


_COLLABORA_ICONS = {"writer": "document", "calc": "spreadsheet", "impress": "presentation", "draw": "drawing"}


def collabora_formats() -> dict[str, tuple[str, str]]:
    """Return each extension Collabora's apps list, with the app (writer, calc, ...) and the action."""
    return {
        ext: (app, action)
        for app, entries in COLLABORA_APPS
        for ext, action in (entry.split(":") for entry in entries.split())
    }


# Office Online Server's frame pages: (app, action) -> path and the query that tells actions apart.
OOS_PAGES: Mapping[tuple[str, str], str] = {
    ("Word", "view"): "/wv/wordviewerframe.aspx?",
    ("Word", "embedview"): "/wv/wordviewerframe.aspx?embed=1&",
    ("Word", "edit"): "/we/wordeditorframe.aspx?",
    ("Word", "editnew"): "/we/wordeditorframe.aspx?new=1&",
    ("Word", "convert"): "/we/WordConvertAndEdit.aspx?",
    ("WordPdf", "view"): "/wv/wordviewerframe.aspx?PdfMode=1&",
    ("WordPdf", "embedview"): "/wv/wordviewerframe.aspx?embed=1&PdfMode=1&",
    ("Excel", "view"): "/x/_layouts/xlviewerinternal.aspx?",
    ("Excel", "embedview"): "/x/_layouts/xlembed.aspx?",
    ("Excel", "edit"): "/x/_layouts/xlviewerinternal.aspx?edit=1&",
    ("Excel", "editnew"): "/x/_layouts/xlviewerinternal.aspx?edit=1&new=1&",
    ("Excel", "convert"): "/x/_layouts/ExcelConvertAndEdit.aspx?",
    ("PowerPoint", "view"): "/p/PowerPointFrame.aspx?PowerPointView=ReadingView&",
    ("PowerPoint", "embedview"): "/p/PowerPointFrame.aspx?PowerPointView=ChromelessView&Embed=1&",
    ("PowerPoint", "edit"): "/p/PowerPointFrame.aspx?PowerPointView=EditView&",
    ("PowerPoint", "editnew"): "/p/PowerPointFrame.aspx?PowerPointView=EditView&New=1&",
    ("PowerPoint", "convert"): "/p/PptConvertAndEdit.aspx?",
}
_OOS_PLACEHOLDERS = {"Excel": EXCEL_PLACEHOLDERS}


def collabora_apps(base_url: str) -> list[ShapedApp]:
    """Return Collabora's apps: writer/calc/impress/draw and kin, MIME types with ext="", Capabilities."""
    cool = f"{base_url}{COOL_PATH}?"
    apps = []
    for name, entries in COLLABORA_APPS:
        actions = tuple(
            ShapedAction(action, ext, cool, default=True)
            for ext, action in (entry.split(":") for entry in entries.split())
        )
        icon = _COLLABORA_ICONS.get(name.split("-")[0], "document")
        apps.append(ShapedApp(name, actions, f"{base_url}/favicons/x-office-{icon}.ico"))
    apps += [
        ShapedApp(mime, (ShapedAction(action, "", cool, default=True),))
        for mime, action in COLLABORA_MIME_APPS
    ]
    apps.append(_capabilities(base_url, requires=None))
    return apps


def _capabilities(base_url: str, *, requires: str | None) -> ShapedApp:
    return ShapedApp(
        "Capabilities", (ShapedAction("getinfo", "", f"{base_url}{CAPABILITIES_PATH}", requires=requires),)
    )


def _onlyoffice_actions(
    base_url: str,
    doctype: str,
    target: str | None,
    ext: str,
    *,
    editable: bool,
    shown_ext: str,
    views: bool = True,
) -> Iterator[ShapedAction]:
    page = f"{base_url}{ONLYOFFICE_PREFIX}/{doctype}"
    end = _ONLYOFFICE_TEMPLATE
    locks = "locks,update"
    if views:
        yield ShapedAction("view", shown_ext, f"{page}/view?{end}", default=not editable)
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
    for name, doctype, target, view_only, editable in ONLYOFFICE_EDITORS:
        actions = [
            action
            for exts, can_edit in ((view_only, False), (editable, True))
            for ext in exts.split()
            for action in _onlyoffice_actions(
                base_url, doctype, target, ext, editable=can_edit, shown_ext=ext
            )
        ]
        icon = f"{base_url}/favicons/{name.lower()}.ico"
        apps.append(ShapedApp(name, tuple(actions), icon))
    targets = {doctype: target for _, doctype, target, _, _ in ONLYOFFICE_EDITORS}
    for mime, doctype, edits, source in ONLYOFFICE_MIME_APPS:
        # MIME-type apps of editable types carry only the edit actions; the others view and convert.
        by_mime = _onlyoffice_actions(
            base_url,
            doctype,
            targets.get(doctype),
            source or "",
            editable=edits,
            shown_ext="",
            views=not edits,
        )
        apps.append(ShapedApp(mime, tuple(by_mime)))
    apps.append(_capabilities(base_url, requires="locks,update"))
    return apps


def oos_apps(base_url: str) -> list[ShapedApp]:
    """Return Office Online Server's apps, on its frame pages, with Office's placeholders."""
    by_app: dict[str, list[ShapedAction]] = {}
    for app, action, extensions, requires in OOS_ACTIONS:
        page = f"{base_url}{OOS_PAGES[(app, action)]}{_OOS_PLACEHOLDERS.get(app, WORD_PLACEHOLDERS)}"
        for entry in extensions.split():
            ext, _, target = entry.partition(">")
            shaped = ShapedAction(
                action,
                ext,
                page,
                default=action == "view",
                requires=requires or None,
                targetext=target or None,
            )
            by_app.setdefault(app, []).append(shaped)
    return [
        ShapedApp(name, tuple(actions), f"{base_url}/favicons/{name.lower()}.ico")
        for name, actions in by_app.items()
    ]


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
