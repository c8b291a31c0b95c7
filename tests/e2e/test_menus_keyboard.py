"""The file browser's menus with the keyboard, as the WAI-ARIA menu button pattern has them (menus.js)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import HostServer

pytestmark = pytest.mark.e2e

NAME = "Menu keys.docx"


def _row_menu(page: Page, base: str, put_file: Callable[..., str]) -> tuple[Locator, Locator]:
    """Alice's root with the row of NAME; its menu button and its menu."""
    put_file(f"/{NAME}", replace=True)
    page.goto(f"{base}/")
    button = page.get_by_label(f"More actions for {NAME}", exact=True)
    menu = page.locator(f'tr[data-file-name="{NAME}"] [role="menu"]')
    return button, menu


def _focused_text(page: Page) -> str:
    text: str = page.evaluate("() => document.activeElement.textContent.trim()")
    return text


@pytest.mark.parametrize("key", ["Enter", " ", "ArrowDown"])
def test_menu_button_key_opens_menu_on_first_item_and_escape_returns(
    key: str, alice: Page, host_server: HostServer, put_file: Callable[..., str]
) -> None:
    button, menu = _row_menu(alice, host_server.base, put_file)
    expect(button).to_have_attribute("aria-haspopup", "menu")
    expect(button).to_have_attribute("aria-expanded", "false")
    button.focus()
    alice.keyboard.press(key)
    expect(menu).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("menuitem").first).to_be_focused()
    alice.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "false")


def test_menu_arrows_wrap_and_home_end_jump(
    alice: Page, host_server: HostServer, put_file: Callable[..., str]
) -> None:
    button, menu = _row_menu(alice, host_server.base, put_file)
    items = menu.get_by_role("menuitem")
    button.focus()
    alice.keyboard.press("ArrowUp")  # opens on the last item
    expect(items.last).to_be_focused()
    alice.keyboard.press("ArrowDown")  # wraps to the first
    expect(items.first).to_be_focused()
    alice.keyboard.press("ArrowDown")
    expect(items.nth(1)).to_be_focused()
    alice.keyboard.press("ArrowUp")
    alice.keyboard.press("ArrowUp")  # wraps to the last
    expect(items.last).to_be_focused()
    alice.keyboard.press("Home")
    expect(items.first).to_be_focused()
    alice.keyboard.press("End")
    expect(items.last).to_be_focused()
    assert _focused_text(alice) == "Move to trash"
    alice.keyboard.press("r")  # the next item starting with the letter
    assert _focused_text(alice) == "Rename"


def test_menu_tab_closes_and_moves_on(
    alice: Page, host_server: HostServer, put_file: Callable[..., str]
) -> None:
    button, menu = _row_menu(alice, host_server.base, put_file)
    button.focus()
    alice.keyboard.press("Enter")
    expect(menu).to_be_visible()
    alice.keyboard.press("Tab")
    expect(menu).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")
    assert alice.evaluate("() => document.activeElement.closest('details.menu') === null")


def test_menu_click_outside_closes_and_one_menu_open_at_a_time(
    alice: Page, host_server: HostServer, put_file: Callable[..., str]
) -> None:
    button, menu = _row_menu(alice, host_server.base, put_file)
    button.click()
    expect(menu).to_be_visible()
    new_menu = alice.locator("details.new-menu")
    new_menu.locator("summary").click()
    expect(new_menu.get_by_role("menu")).to_be_visible()
    expect(menu).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")
    alice.get_by_role("heading", level=1).click()
    expect(new_menu.get_by_role("menu")).to_be_hidden()
    expect(new_menu.locator("summary")).to_have_attribute("aria-expanded", "false")


def test_new_menu_item_from_keyboard_opens_dialog_and_focus_returns_to_menu_button(
    alice: Page, host_server: HostServer
) -> None:
    alice.goto(f"{host_server.base}/")
    button = alice.locator("details.new-menu > summary")
    button.focus()
    alice.keyboard.press("End")  # nothing happens on a closed menu's button
    expect(alice.locator("details.new-menu [role=menu]")).to_be_hidden()
    alice.keyboard.press("ArrowUp")
    expect(alice.get_by_role("menuitem", name="Folder")).to_be_focused()
    alice.keyboard.press("Enter")
    dialog = alice.locator("#folder-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Folder name")).to_be_focused()
    alice.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()
