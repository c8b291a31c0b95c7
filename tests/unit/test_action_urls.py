"""Action URLs built from discovery urlsrc templates, languages, and the choice of action for a file."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wopihost.domain.action_urls import (
    DEFAULT_LANGUAGE,
    MAX_ACTION_URL_LENGTH,
    SUPPORTED_LANGUAGES,
    ActionUrlContext,
    app_name_for,
    available_actions,
    build_action_url,
    choose_action,
    fill_placeholders,
    to_llcc,
)
from wopihost.domain.discovery import Action, Discovery, parse_discovery
from wopihost.errors import InvalidRequest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "discovery"
WOPI_SRC = "https://wopi.example.com/wopi/files/f-123"
ENCODED_WOPI_SRC = "https%3A%2F%2Fwopi.example.com%2Fwopi%2Ffiles%2Ff-123"


@pytest.fixture(scope="module")
def microsoft() -> Discovery:
    return parse_discovery((FIXTURES / "m365.xml").read_bytes())


@pytest.fixture(scope="module")
def collabora() -> Discovery:
    return parse_discovery((FIXTURES / "collabora.xml").read_bytes())


def build(urlsrc: str, name: str = "view", **context: object) -> str:
    return build_action_url(Action(name=name, ext="docx", urlsrc=urlsrc), ActionUrlContext(**context))  # type: ignore[arg-type]


def query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


# The shape of the URL


def test_build_urlsrc_ending_in_question_mark_appends_wopisrc() -> None:
    url = build("https://c.example/browser/abc/cool.html?", wopi_src=WOPI_SRC)
    assert url == f"https://c.example/browser/abc/cool.html?WOPISrc={ENCODED_WOPI_SRC}"


def test_build_urlsrc_without_question_mark_adds_one() -> None:
    url = build("https://onenote.example/hosting/WopiTestFrame.aspx", wopi_src=WOPI_SRC)
    assert url == f"https://onenote.example/hosting/WopiTestFrame.aspx?WOPISrc={ENCODED_WOPI_SRC}"


def test_build_urlsrc_without_question_mark_before_placeholder_gets_one() -> None:
    url = build("https://o.example/hosting/frame<ui=UI_LLCC&>", wopi_src=WOPI_SRC, language="nl")
    assert url == f"https://o.example/hosting/frame?ui=nl-NL&WOPISrc={ENCODED_WOPI_SRC}"


def test_build_urlsrc_without_question_mark_and_several_placeholders_gets_one() -> None:
    url = build("https://o.example/frame<ui=UI_LLCC&><rs=DC_LLCC&>", wopi_src=None, language="nl")
    assert url == "https://o.example/frame?ui=nl-NL&rs=nl-NL"


def test_build_placeholder_after_parameter_without_ampersand_gets_separator() -> None:
    url = build("https://o.example/frame?fixed=1<ui=UI_LLCC><rs=DC_LLCC&>", wopi_src=None, language="nl")
    assert url == "https://o.example/frame?fixed=1&ui=nl-NL&rs=nl-NL"


def test_build_urlsrc_with_only_trailing_ampersand_drops_it() -> None:
    assert build("https://o.example/hosting/frame&", wopi_src=None) == "https://o.example/hosting/frame"


def test_build_fixed_parameters_are_kept_before_placeholders() -> None:
    url = build(
        "https://p.example/p/PowerPointFrame.aspx?PowerPointView=ReadingView&<ui=UI_LLCC&>", wopi_src=WOPI_SRC
    )
    assert (
        url
        == f"https://p.example/p/PowerPointFrame.aspx?PowerPointView=ReadingView&WOPISrc={ENCODED_WOPI_SRC}"
    )


def test_build_last_placeholder_with_ampersand_filled_keeps_separator() -> None:
    url = build("https://w.example/we.aspx?<ui=UI_LLCC&>", wopi_src=WOPI_SRC, language="de")
    assert url == f"https://w.example/we.aspx?ui=de-DE&WOPISrc={ENCODED_WOPI_SRC}"


def test_build_last_placeholder_without_ampersand_filled_gets_separator_before_wopisrc() -> None:
    url = build(
        "https://o.example/WopiTestFrame.aspx?<ui=UI_LLCC&><testcategory=VALIDATOR_TEST_CATEGORY>",
        wopi_src=WOPI_SRC,
        validator_test_category="OfficeOnline",
    )
    assert url == f"https://o.example/WopiTestFrame.aspx?testcategory=OfficeOnline&WOPISrc={ENCODED_WOPI_SRC}"


def test_build_last_placeholder_without_ampersand_removed_leaves_no_separator() -> None:
    url = build(
        "https://o.example/GetWopiTestInfo.ashx?<ui=UI_LLCC&><testcategory=VALIDATOR_TEST_CATEGORY>",
        wopi_src=None,
    )
    assert url == "https://o.example/GetWopiTestInfo.ashx"


def test_build_several_placeholders_are_filled_in_template_order() -> None:
    urlsrc = (
        "https://w.example/we.aspx?<ui=UI_LLCC&><rs=DC_LLCC&><dchat=DISABLE_CHAT&><hid=HOST_SESSION_ID&>"
        "<IsLicensedUser=BUSINESS_USER&>"
    )
    url = build(
        urlsrc,
        wopi_src=WOPI_SRC,
        language="fr-CA",
        disable_chat=True,
        host_session_id="s-1",
        business_user=True,
    )
    assert query(url) == [
        ("ui", "fr-ca"),
        ("rs", "fr-ca"),
        ("dchat", "1"),
        ("hid", "s-1"),
        ("IsLicensedUser", "1"),
        ("WOPISrc", WOPI_SRC),
    ]


def test_build_unknown_placeholders_are_removed_with_their_brackets() -> None:
    url = build(
        "https://w.example/wv.aspx?<actnavid=ACTIVITY_NAVIGATION_ID&><showpagestats=PERFSTATS&><x=NEW_THING>",
        wopi_src=WOPI_SRC,
        language="de",
    )
    assert url == f"https://w.example/wv.aspx?WOPISrc={ENCODED_WOPI_SRC}"


def test_build_known_placeholders_without_value_are_removed() -> None:
    urlsrc = "https://w.example/wv.aspx?<ui=UI_LLCC&><rs=DC_LLCC&><dchat=DISABLE_CHAT&><IsLicensedUser=BUSINESS_USER&>"
    assert build(urlsrc, wopi_src=WOPI_SRC) == f"https://w.example/wv.aspx?WOPISrc={ENCODED_WOPI_SRC}"


def test_build_malformed_section_is_removed() -> None:
    assert (
        build("https://w.example/wv.aspx?<nonsense><=UI_LLCC&>", wopi_src=None) == "https://w.example/wv.aspx"
    )


def test_build_trailing_literal_ampersand_does_not_dangle() -> None:
    url = build(
        "http://o.example/hosting/wopi/word/view?<ui=UI_LLCC&><dchat=DISABLE_CHAT&>&", wopi_src=WOPI_SRC
    )
    assert url == f"http://o.example/hosting/wopi/word/view?WOPISrc={ENCODED_WOPI_SRC}"


def test_build_fragment_stays_at_the_end() -> None:
    url = build("https://w.example/app?<ui=UI_LLCC&>#frame", wopi_src=WOPI_SRC, language="it")
    assert url == f"https://w.example/app?ui=it-IT&WOPISrc={ENCODED_WOPI_SRC}#frame"


def test_build_without_wopi_src_for_preload_adds_no_wopisrc() -> None:
    url = build(
        "https://w.example/preloadframe.aspx?<ui=UI_LLCC&><rs=DC_LLCC&>",
        "preloadview",
        wopi_src=None,
        language="ja",
    )
    assert url == "https://w.example/preloadframe.aspx?ui=ja-JP&rs=ja-JP"


# WOPISrc and session context


def test_build_wopi_source_placeholder_is_filled_and_not_appended_again() -> None:
    url = build(
        "https://w.example/we.aspx?<wopisrc=WOPI_SOURCE&><IsLicensedUser=BUSINESS_USER&>", wopi_src=WOPI_SRC
    )
    assert url == f"https://w.example/we.aspx?wopisrc={ENCODED_WOPI_SRC}"
    assert url.lower().count("wopisrc=") == 1


def test_build_wopisrc_with_reserved_characters_is_fully_encoded() -> None:
    wopi_src = "https://wopi.example.com/wopi/files/a b?x=1&y=é#z"
    url = build("https://c.example/cool.html?", wopi_src=wopi_src)
    assert url == "https://c.example/cool.html?WOPISrc=" + quote(wopi_src, safe="")
    assert "%26y%3D%C3%A9%23z" in url
    assert query(url) == [("WOPISrc", wopi_src)]


def test_build_session_context_without_placeholder_is_appended_as_sc() -> None:
    url = build("https://c.example/cool.html?", wopi_src=WOPI_SRC, session_context="ctx&1")
    assert url == f"https://c.example/cool.html?WOPISrc={ENCODED_WOPI_SRC}&sc=ctx%261"


def test_build_session_context_placeholder_is_filled_and_not_appended_again() -> None:
    url = build(
        "https://w.example/we.aspx?<sc=SESSION_CONTEXT&><wopisrc=WOPI_SOURCE&>",
        wopi_src=WOPI_SRC,
        session_context="c1",
    )
    assert query(url) == [("sc", "c1"), ("wopisrc", WOPI_SRC)]


def test_build_placeholders_under_other_names_are_not_appended_again() -> None:
    url = build(
        "https://w.example/we.aspx?<ctx=SESSION_CONTEXT&><src=WOPI_SOURCE&>",
        wopi_src=WOPI_SRC,
        session_context="c1",
    )
    assert query(url) == [("ctx", "c1"), ("src", WOPI_SRC)]


def test_build_session_context_absent_adds_no_sc() -> None:
    assert "sc=" not in build("https://c.example/cool.html?", wopi_src=WOPI_SRC)


def test_build_literal_wopisrc_in_template_is_not_duplicated() -> None:
    url = build("https://c.example/cool.html?WOPISrc=fixed", wopi_src=WOPI_SRC)
    assert url == "https://c.example/cool.html?WOPISrc=fixed"


def test_build_placeholder_values_are_url_encoded() -> None:
    url = build("https://w.example/we.aspx?<hid=HOST_SESSION_ID&>", wopi_src=None, host_session_id="a&b c/d")
    assert url == "https://w.example/we.aspx?hid=a%26b%20c%2Fd"


# Placeholder values


def test_build_embedview_sets_embedded_placeholder() -> None:
    urlsrc = "https://w.example/wv.aspx?embed=1&<e=EMBEDDED&>"
    assert query(build(urlsrc, "embedview", wopi_src=None)) == [("embed", "1"), ("e", "true")]
    assert query(build(urlsrc, "view", wopi_src=None)) == [("embed", "1")]
    assert query(build(urlsrc, "view", wopi_src=None, embedded=True)) == [("embed", "1"), ("e", "true")]


def test_build_broadcast_placeholders_are_filled_from_context(microsoft: Discovery) -> None:
    attend = microsoft.find_action("pptx", "attend")
    assert attend is not None
    context = ActionUrlContext(
        wopi_src=WOPI_SRC,
        fullscreen=True,
        recording=True,
        theme_id=2,
        disable_async=True,
        disable_broadcast=True,
    )
    params = dict(query(build_action_url(attend, context)))
    assert {key: params[key] for key in ("fs", "rec", "thm", "na", "vp")} == {
        "fs": "true",
        "rec": "true",
        "thm": "2",
        "na": "true",
        "vp": "true",
    }
    assert "e" not in params


def test_build_business_user_sets_licensed_user_on_view(microsoft: Discovery) -> None:
    view = microsoft.find_action("docx", "view")
    assert view is not None
    params = dict(query(build_action_url(view, ActionUrlContext(wopi_src=WOPI_SRC, business_user=True))))
    assert params["IsLicensedUser"] == "1"
    assert "IsLicensedUser" not in dict(query(build_action_url(view, ActionUrlContext(wopi_src=WOPI_SRC))))


def test_build_data_language_defaults_to_ui_language_and_can_differ() -> None:
    urlsrc = "https://x.example/x.aspx?<ui=UI_LLCC&><rs=DC_LLCC&>"
    assert query(build(urlsrc, wopi_src=None, language="pt-br")) == [("ui", "pt-BR"), ("rs", "pt-BR")]
    assert query(build(urlsrc, wopi_src=None, language="en", data_language="de-CH")) == [
        ("ui", "en-US"),
        ("rs", "de-DE"),
    ]
    assert query(build(urlsrc, wopi_src=None, data_language="sv")) == [("rs", "sv-SE")]


def test_fill_placeholders_empty_value_removes_section() -> None:
    assert fill_placeholders("a?<ui=UI_LLCC&>b", {"UI_LLCC": ""}) == "a?b"


# The whole of a real template


def test_build_word_edit_for_german_business_user_matches_expected_url(microsoft: Discovery) -> None:
    edit = choose_action(microsoft, "docx", "edit")
    assert edit is not None
    context = ActionUrlContext(wopi_src=WOPI_SRC, language="de-AT", business_user=True, host_session_id="h1")
    assert build_action_url(edit, context) == (
        "https://FFC-word-edit.officeapps.live.com/we/wordeditorframe.aspx?ui=de-DE&rs=de-DE&hid=h1&"
        f"wopisrc={ENCODED_WOPI_SRC}&IsLicensedUser=1"
    )


def test_build_wopitest_view_for_validator_appends_wopisrc(microsoft: Discovery) -> None:
    view = choose_action(microsoft, "wopitest", "view")
    assert view is not None
    context = ActionUrlContext(wopi_src=WOPI_SRC, language="en-US", validator_test_category="All")
    assert build_action_url(view, context) == (
        "https://onenote.officeapps-df.live.com/hosting/WopiTestFrame.aspx?ui=en-US&rs=en-US&testcategory=All&"
        f"WOPISrc={ENCODED_WOPI_SRC}"
    )


def test_build_collabora_edit_passes_language_as_lang_and_appends_wopisrc(collabora: Discovery) -> None:
    edit = choose_action(collabora, "docx", "edit")
    assert edit is not None
    url = build_action_url(edit, ActionUrlContext(wopi_src=WOPI_SRC, language="de", business_user=True))
    expected = (
        f"https://collabora.example.com/browser/8c1b4a2/cool.html?WOPISrc={ENCODED_WOPI_SRC}&lang=de-DE"
    )
    assert url == expected


# Length limit


def test_max_action_url_length_is_the_documented_2048_bytes() -> None:
    assert MAX_ACTION_URL_LENGTH == 2048


def test_build_url_at_limit_is_allowed_and_one_byte_over_raises() -> None:
    urlsrc = "https://c.example/cool.html?"
    base = len(build(urlsrc, wopi_src=WOPI_SRC, session_context="x"))
    fits = "x" * (MAX_ACTION_URL_LENGTH - base + 1)
    assert len(build(urlsrc, wopi_src=WOPI_SRC, session_context=fits)) == MAX_ACTION_URL_LENGTH
    with pytest.raises(InvalidRequest, match="2048"):
        build(urlsrc, wopi_src=WOPI_SRC, session_context=fits + "x")


def test_build_length_counts_encoded_bytes() -> None:
    action = Action(name="view", ext="docx", urlsrc="https://c.example/cool.html?")
    context = ActionUrlContext(wopi_src=None, session_context="é" * 10)
    url = build_action_url(action, context, max_length=100)
    assert url.endswith("sc=" + "%C3%A9" * 10)
    with pytest.raises(InvalidRequest):
        build_action_url(action, context, max_length=len(url) - 1)


# Properties over many templates

_BASES = [
    "https://c.example/x",
    "https://c.example/x?",
    "https://c.example/x?fixed=1&",
    "https://c.example/x?fixed=1",
]
_SECTIONS = [
    "<ui=UI_LLCC&>",
    "<rs=DC_LLCC&>",
    "<dchat=DISABLE_CHAT&>",
    "<sc=SESSION_CONTEXT&>",
    "<wopisrc=WOPI_SOURCE&>",
    "<IsLicensedUser=BUSINESS_USER&>",
    "<actnavid=ACTIVITY_NAVIGATION_ID&>",
    "<testcategory=VALIDATOR_TEST_CATEGORY>",
]


@settings(database=None, max_examples=300)
@given(
    base=st.sampled_from(_BASES),
    sections=st.lists(st.sampled_from(_SECTIONS), unique=True),
    trailing=st.sampled_from(["", "&"]),
    wopi_src=st.sampled_from([None, WOPI_SRC]),
    language=st.sampled_from([None, "de", "xx-YY"]),
    business_user=st.booleans(),
    session_context=st.sampled_from([None, "ctx"]),
    category=st.sampled_from([None, "All"]),
)
def test_build_any_template_never_leaves_empty_parameters(
    base: str,
    sections: list[str],
    trailing: str,
    wopi_src: str | None,
    language: str | None,
    business_user: bool,
    session_context: str | None,
    category: str | None,
) -> None:
    urlsrc = base + "".join(sections) + trailing
    url = build(
        urlsrc,
        wopi_src=wopi_src,
        language=language,
        business_user=business_user,
        session_context=session_context,
        validator_test_category=category,
    )
    assert "?&" not in url
    assert "&&" not in url
    assert not url.endswith(("&", "?"))
    assert "<" not in url
    assert ">" not in url
    names = [name.lower() for name, _ in query(url)]
    assert names.count("wopisrc") == (1 if wopi_src else 0)
    assert names.count("sc") == (1 if session_context else 0)
    assert names.count("testcategory") == (1 if category and "<testcategory" in urlsrc else 0)


# Languages


@pytest.mark.parametrize(
    ("language", "llcc"),
    [
        ("de", "de-DE"),
        ("de-DE", "de-DE"),
        ("de-at", "de-DE"),
        ("pt-br", "pt-BR"),
        ("pt_BR", "pt-BR"),
        ("pt", "pt-PT"),
        ("en", "en-US"),
        ("en-GB", "en-gb"),
        ("en-AU", "en-US"),
        ("fr", "fr-FR"),
        ("fr-CA,fr;q=0.9,en;q=0.8", "fr-ca"),
        ("es-MX", "es-mx"),
        ("zh-Hant-TW", "zh-TW"),
        ("zh-HK", "zh-TW"),
        ("zh", "zh-CN"),
        ("sr-Cyrl-RS", "sr-Cyrl-RS"),
        ("sr", "sr-Latn-RS"),
        ("az", "az-Latn-AZ"),
        ("ca-ES-valencia", "ca-ES-valencia"),
        ("no", "nb-NO"),
        ("de_DE.UTF-8", "de-DE"),
        ("RO-RO", "ro-Ro"),
    ],
)
def test_to_llcc_known_language_maps_to_table_locale(language: str, llcc: str) -> None:
    assert to_llcc(language) == llcc


@pytest.mark.parametrize("language", [None, "", "*", "xx", "tlh-Klingon", "de DE", "12-34", "x" * 9])
def test_to_llcc_unknown_or_malformed_language_falls_back_to_en_us(language: str | None) -> None:
    assert to_llcc(language) == DEFAULT_LANGUAGE == "en-US"


def test_to_llcc_every_table_locale_maps_to_itself() -> None:
    assert [to_llcc(locale) for locale in SUPPORTED_LANGUAGES] == list(SUPPORTED_LANGUAGES)


# Choosing an action


@pytest.mark.parametrize(
    ("ext", "name", "app", "url_start"),
    [
        ("docx", "view", "Word", "https://FFC-word-view.officeapps.live.com/wv/wordviewerframe.aspx?"),
        ("docx", "edit", "Word", "https://FFC-word-edit.officeapps.live.com/we/wordeditorframe.aspx?"),
        (
            "docx",
            "editnew",
            "Word",
            "https://FFC-word-edit.officeapps.live.com/we/wordeditorframe.aspx?new=1&",
        ),
        (
            "docx",
            "embedview",
            "Word",
            "https://FFC-word-view.officeapps.live.com/wv/wordviewerframe.aspx?embed=1&",
        ),
        ("docx", "mobileView", "Word", "https://FFC-word-view.officeapps.live.com/wv/mWord.aspx?"),
        ("doc", "convert", "Word", "https://FFC-word-view.officeapps.live.com/wv/WordConvert.aspx?"),
        (
            "xlsx",
            "edit",
            "Excel",
            "https://FFC-excel.officeapps.live.com/x/_layouts/xlviewerinternal.aspx?edit=1&",
        ),
        ("pptx", "edit", "PowerPoint", "https://FFC-powerpoint.officeapps.live.com/p/PowerPointFrame.aspx?"),
        (
            "wopitest",
            "getinfo",
            "WopiTest",
            "https://onenote.officeapps-df.live.com/hosting/GetWopiTestInfo.ashx?",
        ),
    ],
)
def test_choose_action_known_extension_and_name_returns_action(
    microsoft: Discovery, ext: str, name: str, app: str, url_start: str
) -> None:
    action = choose_action(microsoft, ext, name)
    assert action is not None
    assert (action.name, action.ext) == (name, ext)
    assert action.urlsrc.startswith(url_start)
    assert app_name_for(microsoft, ext) == app


def test_choose_action_unmet_requirement_returns_none(microsoft: Discovery) -> None:
    assert choose_action(microsoft, "one", "view") is None
    assert choose_action(microsoft, "docx", "edit", capabilities=frozenset({"update"})) is None


def test_choose_action_met_requirement_returns_action(microsoft: Discovery) -> None:
    assert choose_action(microsoft, "xlsx", "edit", capabilities=frozenset({"update"})) is not None
    action = choose_action(microsoft, "one", "view", capabilities=frozenset({"cobalt"}))
    assert action is not None
    assert action.requires == frozenset({"cobalt"})


def test_choose_action_unknown_extension_or_action_returns_none(microsoft: Discovery) -> None:
    assert choose_action(microsoft, "zip", "view") is None
    assert choose_action(microsoft, "csv", "edit") is None


def test_choose_action_several_names_returns_first_acceptable(microsoft: Discovery) -> None:
    csv = choose_action(microsoft, "csv", ("edit", "view"))
    docx = choose_action(microsoft, "docx", ("edit", "view"))
    readonly = choose_action(microsoft, "docx", ("edit", "view"), capabilities=frozenset())
    assert csv is not None
    assert docx is not None
    assert readonly is not None
    assert (csv.name, docx.name, readonly.name) == ("view", "edit", "view")


def test_available_actions_lists_names_once_and_respects_requirements(microsoft: Discovery) -> None:
    assert available_actions(microsoft, "docx") == (
        "view",
        "edit",
        "editnew",
        "embedview",
        "mobileView",
        "interactivepreview",
        "preloadview",
        "preloadedit",
    )
    assert available_actions(microsoft, "one") == ()
    assert available_actions(microsoft, "xlsx", capabilities=frozenset()) == (
        "view",
        "embedview",
        "mobileView",
    )


def test_app_name_for_unknown_extension_returns_none(microsoft: Discovery) -> None:
    assert app_name_for(microsoft, "zip") is None


def test_build_without_language_placeholders_adds_lang_for_collabora() -> None:
    url = build("https://c.example/browser/abc/cool.html?", wopi_src=WOPI_SRC, language="de")
    assert url == f"https://c.example/browser/abc/cool.html?WOPISrc={ENCODED_WOPI_SRC}&lang=de-DE"


def test_build_with_language_placeholders_adds_no_lang() -> None:
    url = build("https://w.example/we.aspx?<ui=UI_LLCC&>", wopi_src=WOPI_SRC, language="fr")
    assert "lang=" not in url
    assert "ui=fr-FR" in url
