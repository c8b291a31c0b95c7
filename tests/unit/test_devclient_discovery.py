"""The development client's discovery XML, read back the way a host reads it; its favicons and CLI."""

from __future__ import annotations

import struct
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from wopihost.config import Settings
from wopihost.devclient.catalog import APPS
from wopihost.devclient.cli import devclient
from wopihost.devclient.discovery_xml import build_discovery_xml
from wopihost.devclient.favicons import SIZE, favicon_ico
from wopihost.devclient.keys import DevClientKeys
from wopihost.devclient.keystore import KeyStore
from wopihost.domain.action_urls import ActionUrlContext, build_action_url
from wopihost.domain.discovery import Discovery, parse_discovery
from wopihost.domain.proofkeys import ProofKeys

BASE = "http://127.0.0.1:8081"
KEYS = DevClientKeys.generate()
WOPI_SRC = "http://127.0.0.1:8080/wopi/files/abc"


@pytest.fixture(scope="module")
def discovery() -> Discovery:
    return parse_discovery(build_discovery_xml(BASE, KEYS.discovery_attributes()).encode())


def test_discovery_apps_are_word_excel_powerpoint_and_wopitest_with_own_favicons(
    discovery: Discovery,
) -> None:
    assert [app.name for app in discovery.apps] == ["Word", "Excel", "PowerPoint", "WopiTest"]
    assert [app.fav_icon_url for app in discovery.apps] == [
        f"{BASE}/favicons/word.ico",
        f"{BASE}/favicons/excel.ico",
        f"{BASE}/favicons/powerpoint.ico",
        f"{BASE}/favicons/wopitest.ico",
    ]
    assert discovery.net_zone == "external-http"


@pytest.mark.parametrize(
    ("ext", "actions"),
    [
        ("docx", {"view", "edit", "editnew", "embedview"}),
        ("doc", {"view", "embedview", "convert"}),
        ("xlsx", {"view", "edit", "editnew", "embedview"}),
        ("xls", {"view", "convert"}),
        ("pptx", {"view", "edit", "editnew", "embedview"}),
        ("ppt", {"view", "convert"}),
        ("wopitest", {"view", "getinfo"}),
    ],
)
def test_discovery_actions_per_extension_match_office_for_the_web(
    discovery: Discovery, ext: str, actions: set[str]
) -> None:
    assert {action.name for action in discovery.actions_for(ext)} == actions
    assert discovery.default_action(ext).name == "view"  # type: ignore[union-attr]


def test_discovery_requires_attributes_like_microsofts(discovery: Discovery) -> None:
    assert discovery.find_action("docx", "edit").requires == {"locks", "update"}  # type: ignore[union-attr]
    assert discovery.find_action("xlsx", "edit").requires == {"update"}  # type: ignore[union-attr]
    assert discovery.find_action("doc", "convert").requires == {"update"}  # type: ignore[union-attr]
    assert discovery.find_action("doc", "convert").newext == "docx"  # type: ignore[union-attr]
    assert discovery.find_action("xls", "convert").targetext == "xlsx"  # type: ignore[union-attr]


def test_discovery_urlsrc_carries_microsoft_placeholders(discovery: Discovery) -> None:
    word = discovery.find_action("docx", "edit").urlsrc  # type: ignore[union-attr]
    excel = discovery.find_action("xlsx", "edit").urlsrc  # type: ignore[union-attr]
    getinfo = discovery.find_action("wopitest", "getinfo").urlsrc  # type: ignore[union-attr]

    assert word.startswith(f"{BASE}/word/edit?")
    for placeholder in (
        "<ui=UI_LLCC&>",
        "<rs=DC_LLCC&>",
        "<dchat=DISABLE_CHAT&>",
        "<hid=HOST_SESSION_ID&>",
        "<sc=SESSION_CONTEXT&>",
        "<wopisrc=WOPI_SOURCE&>",
        "<IsLicensedUser=BUSINESS_USER&>",
    ):
        assert placeholder in word
    # Like Excel for the web, the Excel templates have no WOPI_SOURCE: hosts append WOPISrc themselves.
    assert "WOPI_SOURCE" not in excel
    assert "<testcategory=VALIDATOR_TEST_CATEGORY&>" in getinfo


@pytest.mark.parametrize("ext", ["docx", "xlsx"])
def test_discovery_action_urls_built_by_a_host_carry_wopisrc_once(discovery: Discovery, ext: str) -> None:
    action = discovery.find_action(ext, "edit")
    assert action is not None

    url = build_action_url(action, ActionUrlContext(wopi_src=WOPI_SRC, language="de", session_context="s"))

    query = {key.lower(): value for key, value in parse_qs(urlsplit(url).query).items()}
    assert query["wopisrc"] == [WOPI_SRC]
    assert query["ui"] == ["de-DE"]
    assert query["sc"] == ["s"]


def test_discovery_proof_key_publishes_current_and_old_keys(discovery: Discovery) -> None:
    assert discovery.proof_key is not None
    published = ProofKeys.from_discovery_attributes(discovery.proof_key.as_attributes())

    assert published == KEYS.public_keys()
    assert discovery.proof_key.has_old_key


@pytest.mark.parametrize("app", APPS, ids=lambda app: app.name)
def test_favicon_is_a_32_bit_32_pixel_ico(app: object) -> None:
    icon = favicon_ico(app.letter, app.color)  # type: ignore[attr-defined]

    reserved, kind, count = struct.unpack_from("<HHH", icon)
    width, height, _, _, planes, bits, size, offset = struct.unpack_from("<BBBBHHII", icon, 6)
    assert (reserved, kind, count) == (0, 1, 1)
    assert (width, height, planes, bits) == (SIZE, SIZE, 1, 32)
    assert offset + size == len(icon)


def test_keystore_picks_up_rotated_keys_current_becoming_old(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    store = KeyStore(path)
    before = store.discovery_attributes()

    DevClientKeys.load(path).rotate(path)
    after = store.discovery_attributes()

    assert after["oldmodulus"] == before["modulus"]
    assert after["modulus"] != before["modulus"]


def test_cli_rotate_keys_then_discovery_prints_the_new_keys(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    runner = CliRunner()
    first = runner.invoke(devclient, ["discovery", "--public-url", BASE], obj=settings)

    rotated = runner.invoke(devclient, ["rotate-keys"], obj=settings)
    second = runner.invoke(devclient, ["discovery", "--public-url", BASE], obj=settings)

    assert first.exit_code == rotated.exit_code == second.exit_code == 0, rotated.output
    old_keys = parse_discovery(first.output.encode()).proof_key
    new_keys = parse_discovery(second.output.encode()).proof_key
    assert old_keys is not None
    assert new_keys is not None
    assert new_keys.oldvalue == old_keys.value
    assert (tmp_path / "devclient" / "proof-keys.json").exists()
