"""Which buttons a page shows, decided from CheckFileInfo as the customization docs describe."""

from __future__ import annotations

from typing import Any

import pytest

from wopihost.devclient.fileinfo import FileInfo, buttons_for, page_urls

ORIGIN = "https://host.test"


def _buttons(mode: str = "view", **properties: Any) -> dict[str, bool]:
    return buttons_for(FileInfo(properties), mode).to_json()


def test_close_needs_close_url_even_with_close_post_message() -> None:
    assert not _buttons(ClosePostMessage=True, PostMessageOrigin=ORIGIN)["close"]
    assert _buttons(CloseUrl=f"{ORIGIN}/folder")["close"]
    assert _buttons(CloseButtonClosesWindow=True)["close"]


def test_embedview_never_shows_close() -> None:
    assert not _buttons("embedview", CloseUrl=f"{ORIGIN}/folder")["close"]


def test_share_by_post_message_needs_post_message_origin() -> None:
    assert not _buttons(FileSharingPostMessage=True)["share"]
    assert _buttons(FileSharingPostMessage=True, PostMessageOrigin=ORIGIN)["share"]
    assert _buttons(FileSharingUrl=f"{ORIGIN}/share")["share"]


def test_previous_versions_by_url_or_post_message() -> None:
    assert not _buttons()["versions"]
    assert _buttons(FileVersionPostMessage=True, PostMessageOrigin=ORIGIN)["versions"]


@pytest.mark.parametrize(
    ("properties", "shown"),
    [
        ({"UserCanWrite": True, "HostEditUrl": f"{ORIGIN}/edit"}, True),
        ({"UserCanWrite": True, "EditModePostMessage": True, "PostMessageOrigin": ORIGIN}, True),
        ({"UserCanWrite": False, "HostEditUrl": f"{ORIGIN}/edit"}, False),
        ({"UserCanWrite": True}, False),
        ({"UserCanWrite": True, "HostEditUrl": f"{ORIGIN}/edit", "WebEditingDisabled": True}, False),
    ],
)
def test_edit_button_in_view_follows_user_can_write_and_edit_urls(
    properties: dict[str, Any], shown: bool
) -> None:
    assert _buttons(**properties)["edit"] is shown


def test_rename_only_while_editing_with_supports_rename_and_user_can_rename() -> None:
    both = {"SupportsRename": True, "UserCanRename": True}

    assert _buttons("edit", **both)["rename"]
    assert not _buttons("view", **both)["rename"]
    assert not _buttons("edit", SupportsRename=True)["rename"]


def test_print_hidden_by_disable_print() -> None:
    assert _buttons()["print"]
    assert not _buttons(DisablePrint=True)["print"]


@pytest.mark.parametrize(
    ("value", "origin"),
    [(f"{ORIGIN}/page?x=1", ORIGIN), ("*", ""), ("not a url", ""), ("http://h:8080", "http://h:8080")],
)
def test_post_message_origin_is_reduced_to_an_origin(value: str, origin: str) -> None:
    assert FileInfo({"PostMessageOrigin": value}).post_message_origin == origin


def test_page_urls_drop_non_web_urls() -> None:
    urls = page_urls(FileInfo({"CloseUrl": "javascript:alert(1)", "HostEditUrl": f"{ORIGIN}/edit"}))

    assert urls == {"HostEditUrl": f"{ORIGIN}/edit"}
