"""The host page's pure rules: wd* parameters, the action URL, headers and the CSP."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.standin_client import discovery_xml
from wopihost.domain.action_urls import choose_action
from wopihost.domain.discovery import Discovery, parse_discovery
from wopihost.web.hostpage import append_raw_parameters, host_frame, wd_parameters

CLIENT = "http://client.test:9000"
WOPI_SRC = "https://wopi.example/wopi/files/abc"


@pytest.fixture(scope="module")
def discovery() -> Discovery:
    return parse_discovery(discovery_xml(CLIENT))


def test_wd_parameters_only_wd_names_kept_raw() -> None:
    query = "foo=1&wdOrigin=BROWSELIST&wdPreviousSession=a%2Fb&bar=wd&wdX=%E2%9C%93+y"
    assert wd_parameters(query) == ["wdOrigin=BROWSELIST", "wdPreviousSession=a%2Fb", "wdX=%E2%9C%93+y"]


def test_wd_parameters_empty_query_nothing() -> None:
    assert wd_parameters("") == []
    assert wd_parameters("&&") == []


def test_append_raw_parameters_to_url_with_query_joined_by_ampersand() -> None:
    assert append_raw_parameters("https://c/x?a=1", ["wdA=%20"]) == "https://c/x?a=1&wdA=%20"


def test_append_raw_parameters_to_url_without_query_adds_question_mark() -> None:
    assert append_raw_parameters("https://c/x#f", ["wdA=1"]) == "https://c/x?wdA=1#f"


def test_append_raw_parameters_already_present_not_repeated() -> None:
    assert append_raw_parameters("https://c/x?wdA=1", ["wdA=1"]) == "https://c/x?wdA=1"


def test_host_frame_action_url_carries_language_session_wopisrc_and_wd(discovery: Discovery) -> None:
    action = choose_action(discovery, "docx", "edit")
    assert action is not None
    frame = host_frame(
        discovery, action, wopi_src=WOPI_SRC, language="de-DE,de;q=0.9", raw_query="wdOrigin=X&q=1"
    )
    params = parse_qs(urlsplit(frame.action_url).query)
    assert params["ui"] == ["de-DE"]
    assert params["wopisrc"] == [WOPI_SRC]
    assert params["hid"] == [frame.session_id]
    assert params["wdOrigin"] == ["X"]
    assert "q" not in params
    assert "access_token" not in frame.action_url
    assert frame.client_origin == CLIENT
    assert frame.app_name == "Word"
    assert frame.fav_icon_url == f"{CLIENT}/favicon/word.svg"


def test_host_frame_each_call_new_session_and_nonce(discovery: Discovery) -> None:
    action = choose_action(discovery, "docx", "view")
    assert action is not None
    first = host_frame(discovery, action, wopi_src=WOPI_SRC, language=None, raw_query="")
    second = host_frame(discovery, action, wopi_src=WOPI_SRC, language=None, raw_query="")
    assert first.session_id != second.session_id
    assert first.style_nonce != second.style_nonce


def test_host_frame_headers_no_cache_no_referrer_and_client_csp(discovery: Discovery) -> None:
    action = choose_action(discovery, "docx", "view")
    assert action is not None
    headers = host_frame(discovery, action, wopi_src=WOPI_SRC, language=None, raw_query="").headers()
    assert headers["Cache-Control"] == "no-cache, no-store"
    assert headers["Expires"] == "-1"
    assert headers["Pragma"] == "no-cache"
    assert headers["Referrer-Policy"] == "no-referrer"
    directives = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert directives["frame-src"] == CLIENT
    assert directives["form-action"] == f"'self' {CLIENT}"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
