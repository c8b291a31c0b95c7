"""Parsing discovery XML from Office for the web, Collabora Online and ONLYOFFICE."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from wopihost.domain.discovery import Discovery, format_discovery, normalize_extension, parse_discovery
from wopihost.errors import DiscoveryUnavailable

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "discovery"


def load(name: str) -> Discovery:
    return parse_discovery((FIXTURES / f"{name}.xml").read_bytes())


@pytest.fixture(scope="module")
def microsoft() -> Discovery:
    return load("m365")


@pytest.fixture(scope="module")
def collabora() -> Discovery:
    return load("collabora")


def wrap(zones: str, extra: str = "") -> bytes:
    return f'<?xml version="1.0" encoding="utf-8"?><wopi-discovery>{zones}{extra}</wopi-discovery>'.encode()


def zone(name: str, app: str = "Word", ext: str = "docx") -> str:
    return (
        f'<net-zone name="{name}"><app name="{app}">'
        f'<action name="view" ext="{ext}" urlsrc="https://{name}.example/view?"/></app></net-zone>'
    )


# Office for the web


def test_parse_microsoft_several_zones_chooses_external_https(microsoft: Discovery) -> None:
    assert microsoft.net_zone == "external-https"
    action = microsoft.find_action("docx", "view")
    assert action is not None
    assert action.urlsrc.startswith("https://FFC-word-view.officeapps.live.com/")


def test_parse_microsoft_apps_keep_document_order(microsoft: Discovery) -> None:
    assert [app.name for app in microsoft.apps] == ["Excel", "OneNote", "PowerPoint", "Word", "WopiTest"]


def test_parse_microsoft_urlsrc_entities_are_decoded(microsoft: Discovery) -> None:
    action = microsoft.find_action("docx", "edit")
    assert action is not None
    assert action.urlsrc == (
        "https://FFC-word-edit.officeapps.live.com/we/wordeditorframe.aspx?<ui=UI_LLCC&><rs=DC_LLCC&>"
        "<dchat=DISABLE_CHAT&><hid=HOST_SESSION_ID&><sc=SESSION_CONTEXT&><wopisrc=WOPI_SOURCE&>"
        "<IsLicensedUser=BUSINESS_USER&><actnavid=ACTIVITY_NAVIGATION_ID&>"
    )


def test_parse_requires_attribute_becomes_frozenset(microsoft: Discovery) -> None:
    edit = microsoft.find_action("docx", "edit")
    view = microsoft.find_action("docx", "view")
    assert edit is not None
    assert view is not None
    assert edit.requires == frozenset({"locks", "update"})
    assert view.requires == frozenset()


def test_parse_default_attribute_marks_action(microsoft: Discovery) -> None:
    edit = microsoft.find_action("docx", "edit")
    view = microsoft.find_action("docx", "view")
    assert edit is not None
    assert view is not None
    assert edit.default is True
    assert view.default is False


def test_parse_convert_action_keeps_new_and_target_extensions(microsoft: Discovery) -> None:
    word = microsoft.find_action("doc", "convert")
    excel = microsoft.find_action("xls", "convert")
    assert word is not None
    assert excel is not None
    assert (word.newext, word.newprogid, word.targetext) == ("docx", "Word.Document.12", None)
    assert (excel.newext, excel.targetext) == (None, "xlsx")


def test_parse_progid_action_keeps_progid_and_is_not_indexed_by_extension(microsoft: Discovery) -> None:
    onenote = microsoft.find_app_named("OneNote")
    assert onenote is not None
    notebook = [action for action in onenote.actions if action.progid == "OneNote.Notebook"]
    assert [action.name for action in notebook] == ["view", "edit"]
    assert all(action.ext == "" for action in notebook)
    assert "" not in microsoft.extensions


def test_find_app_for_extension_returns_name_and_favicon(microsoft: Discovery) -> None:
    word = microsoft.find_app("docx")
    assert word is not None
    assert word.name == "Word"
    assert word.fav_icon_url == "https://c1-word-view-15.cdn.office.net/wv/resources/1033/FavIcon_Word.ico"
    assert word.check_license is True


def test_find_app_wopitest_returns_validator_app_without_favicon(microsoft: Discovery) -> None:
    app = microsoft.find_app("wopitest")
    assert app is not None
    assert (app.name, app.fav_icon_url, app.check_license) == ("WopiTest", None, False)


@pytest.mark.parametrize("ext", ["docx", ".docx", "DOCX", " .Docx "])
def test_find_action_any_extension_spelling_finds_action(microsoft: Discovery, ext: str) -> None:
    action = microsoft.find_action(ext, "editnew")
    assert action is not None
    assert action.ext == "docx"


def test_find_action_unknown_extension_or_name_returns_none(microsoft: Discovery) -> None:
    assert microsoft.find_action("zip", "view") is None
    assert microsoft.find_action("docx", "present") is None
    assert microsoft.find_app("zip") is None


def test_actions_for_extension_lists_every_action_in_order(microsoft: Discovery) -> None:
    names = [action.name for action in microsoft.actions_for("pptx")]
    assert names == ["view", "edit", "editnew", "embedview", "mobileView", "attend"]


def test_default_action_returns_marked_action(microsoft: Discovery) -> None:
    xlsx = microsoft.default_action("xlsx")
    assert xlsx is not None
    assert xlsx.name == "view"
    docx = microsoft.default_action("docx")
    assert docx is not None
    assert docx.name == "edit"
    assert microsoft.default_action("csv") is None


def test_parse_proof_key_keeps_raw_base64_values(microsoft: Discovery) -> None:
    key = microsoft.proof_key
    assert key is not None
    assert key.exponent == key.oldexponent == "AQAB"
    assert key.value.startswith("BgIAAACkAABSU0ExAAgAAAEAAQ")
    assert len(base64.b64decode(key.modulus)) == 256
    assert key.modulus != key.oldmodulus
    assert key.has_old_key


def test_proof_key_as_attributes_uses_xml_names(microsoft: Discovery) -> None:
    key = microsoft.proof_key
    assert key is not None
    attributes = key.as_attributes()
    assert set(attributes) == {"value", "modulus", "exponent", "oldvalue", "oldmodulus", "oldexponent"}
    assert attributes["oldmodulus"] == key.oldmodulus


def test_parse_proof_key_absent_gives_none() -> None:
    assert parse_discovery(wrap(zone("external-https"))).proof_key is None


def test_parse_proof_key_without_old_key_has_no_old_key() -> None:
    discovery = parse_discovery(
        wrap(zone("external-https"), '<proof-key value="QUJD" modulus="QUJD" exponent="AQAB"/>')
    )
    assert discovery.proof_key is not None
    assert discovery.proof_key.oldvalue == ""
    assert not discovery.proof_key.has_old_key


def test_parse_proof_key_empty_attributes_gives_none() -> None:
    assert parse_discovery(wrap(zone("external-https"), '<proof-key value="" modulus=""/>')).proof_key is None


def test_parse_proof_key_not_base64_raises() -> None:
    xml = wrap(zone("external-https"), '<proof-key value="not base64!" modulus="QUJD" exponent="AQAB"/>')
    with pytest.raises(DiscoveryUnavailable, match="value"):
        parse_discovery(xml)


# Collabora Online and ONLYOFFICE


def test_parse_collabora_uses_external_http_zone(collabora: Discovery) -> None:
    assert collabora.net_zone == "external-http"


def test_parse_collabora_mime_type_apps_are_found_by_name(collabora: Discovery) -> None:
    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    app = collabora.find_app_named(mime)
    assert app is not None
    assert [(action.name, action.ext, action.default) for action in app.actions] == [("edit", "", True)]


def test_parse_collabora_extension_lookup_finds_office_compatible_app(collabora: Discovery) -> None:
    app = collabora.find_app("docx")
    action = collabora.find_action("docx", "edit")
    assert app is not None
    assert action is not None
    assert app.name == "writer"
    assert app.fav_icon_url == "https://collabora.example.com/browser/8c1b4a2/images/x-office-document.svg"
    assert action.urlsrc == "https://collabora.example.com/browser/8c1b4a2/cool.html?"


def test_parse_collabora_custom_action_names_are_kept(collabora: Discovery) -> None:
    action = collabora.find_action("pdf", "view_comment")
    assert action is not None
    assert not action.default
    assert collabora.find_action("pdf", "view") is None


def test_parse_onlyoffice_placeholders_with_trailing_ampersand_kept_verbatim() -> None:
    urlsrc = "http://office.example/hosting/wopi/word/edit?&lt;ui=UI_LLCC&amp;&gt;&lt;wopisrc=WOPI_SOURCE&amp;&gt;&amp;"
    xml = wrap(
        '<net-zone name="external-http"><app name="Word" favIconUrl="http://office.example/word.ico">'
        f'<action name="edit" ext="docx" default="true" requires="locks,update" urlsrc="{urlsrc}"/>'
        "</app></net-zone>"
    )
    action = parse_discovery(xml).find_action("docx", "edit")
    assert action is not None
    assert (
        action.urlsrc == "http://office.example/hosting/wopi/word/edit?<ui=UI_LLCC&><wopisrc=WOPI_SOURCE&>&"
    )


# Net zones


@pytest.mark.parametrize(
    ("zones", "chosen"),
    [
        (["internal-http", "external-http"], "external-http"),
        (["external-http", "external-https"], "external-https"),
        (["internal-http", "internal-https"], "internal-https"),
        (["something-new", "internal-http"], "internal-http"),
        (["something-new"], "something-new"),
    ],
)
def test_parse_net_zones_prefers_external_https_then_http_then_internal(
    zones: list[str], chosen: str
) -> None:
    discovery = parse_discovery(wrap("".join(zone(name) for name in zones)))
    assert discovery.net_zone == chosen
    action = discovery.find_action("docx", "view")
    assert action is not None
    assert action.urlsrc == f"https://{chosen}.example/view?"


def test_parse_net_zone_without_apps_is_skipped() -> None:
    discovery = parse_discovery(wrap('<net-zone name="external-https"/>' + zone("internal-http")))
    assert discovery.net_zone == "internal-http"


def test_parse_zones_are_not_merged() -> None:
    discovery = parse_discovery(wrap(zone("external-https", ext="docx") + zone("internal-http", ext="xlsx")))
    assert discovery.find_action("xlsx", "view") is None


# Tolerated oddities


def test_parse_action_without_urlsrc_is_skipped() -> None:
    xml = wrap(
        '<net-zone name="external-http"><app name="writer"><action name="edit" ext="odt" urlsrc=""/>'
        '<action name="view" ext="odt" urlsrc="https://c.example/cool.html?"/></app></net-zone>'
    )
    discovery = parse_discovery(xml)
    assert [action.name for action in discovery.actions_for("odt")] == ["view"]


def test_parse_namespaced_elements_are_understood() -> None:
    xml = wrap(zone("external-https")).replace(b"<wopi-discovery>", b'<wopi-discovery xmlns="urn:example">')
    assert parse_discovery(xml).find_action("docx", "view") is not None


def test_parse_utf8_byte_order_mark_is_accepted() -> None:
    assert parse_discovery(b"\xef\xbb\xbf" + wrap(zone("external-https"))).net_zone == "external-https"


def test_normalize_extension_strips_dot_and_lowers() -> None:
    assert normalize_extension(" .XLSX") == "xlsx"


# Garbage

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<wopi-discovery><net-zone name="external-https"><app name="Word">
<action name="view" ext="docx" urlsrc="https://x.example/?&lol2;"/></app></net-zone></wopi-discovery>"""


@pytest.mark.parametrize(
    ("xml", "reason"),
    [
        (b"", "not well-formed"),
        (b"<html><body>502 Bad Gateway</body></html>", "root <html>"),
        (b"<wopi-discovery><net-zone>", "not well-formed"),
        (b"<wopi-discovery/>", "no net-zone"),
        (b'<wopi-discovery><net-zone name="external-https"/></wopi-discovery>', "no net-zone"),
        (
            b'<wopi-discovery><net-zone name="x"><app name="Word"><action name="view" ext="docx"/></app>'
            b"</net-zone></wopi-discovery>",
            "no usable action",
        ),
        (BILLION_LAUGHS, "DTD or entity"),
        (b'<!doctype wopi-discovery SYSTEM "file:///etc/passwd"><wopi-discovery/>', "DTD or entity"),
        ('<?xml version="1.0" encoding="utf-16"?><wopi-discovery/>'.encode("utf-16"), "not in UTF-8"),
    ],
)
def test_parse_garbage_raises_discovery_unavailable(xml: bytes, reason: str) -> None:
    with pytest.raises(DiscoveryUnavailable, match=reason):
        parse_discovery(xml)


# Summary for the CLI


def test_format_discovery_lists_apps_actions_and_proof_key(microsoft: Discovery) -> None:
    text = format_discovery(microsoft)
    assert text.startswith("net-zone: external-https\nproof key: present (old key: present)\n")
    assert "app Word (checkLicense)\n  favicon: https://c1-word-view-15.cdn.office.net/" in text
    assert "  edit           docx     requires=locks,update default\n      https://FFC-word-edit" in text
    assert "convert        doc      requires=update newext=docx newprogid=Word.Document.12" in text
    assert "progid=OneNote.Notebook requires=cobalt,containers" in text


def test_format_discovery_without_proof_key_says_absent() -> None:
    text = format_discovery(parse_discovery(wrap(zone("external-http", app="writer"))))
    assert "proof key: absent" in text
    assert "app writer\n  favicon: -\n" in text
