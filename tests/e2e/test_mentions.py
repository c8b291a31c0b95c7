"""Mentions end to end: a comment with @bob in the development client reaches Bob's notifications, and the
notification opens the document at that comment. One real `wopihost serve` with its own development client,
proof keys enforced, Chromium.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, FrameLocator, Page, Route, expect

from tests.e2e.conftest import sign_in
from tests.e2e.product_support import (
    OPEN_MS,
    Product,
    client_frame,
    docx_bytes,
    product_server,
    shot,
    wait_until_editing,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]
COMMENT_LABEL = "Comment (type @ and a user name to mention someone)"


@pytest.fixture(scope="module")
def product(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    with product_server(tmp_path_factory.mktemp("mentions")) as running:
        yield running


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    try:
        yield opened
    finally:
        for context in opened:
            context.close()


def person(browser: Browser, contexts: list[BrowserContext], product: Product, username: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    context.set_default_timeout(10_000)
    contexts.append(context)
    page = context.new_page()
    sign_in(page, product.base, username)
    return page


def post_comment(frame: FrameLocator, text: str) -> None:
    frame.get_by_label(COMMENT_LABEL).fill(text)
    frame.get_by_role("button", name="Post comment").click()
    expect(frame.locator("#comments-status")).to_have_text("Comment sent to the host.")
    expect(frame.locator(".comment", has_text=text)).to_have_count(1)
    expect(frame.get_by_label(COMMENT_LABEL)).to_have_value("")


def test_mention_in_devclient_reaches_bob_and_opens_at_the_comment(
    browser: Browser, contexts: list[BrowserContext], product: Product
) -> None:
    base = product.base
    file_id = product.put("alice", "/Plan.docx", docx_bytes("The plan."))
    product.cli("share", file_id, "--with", "bob", "--role", "view")

    alice = person(browser, contexts, product, "alice")
    alice.goto(f"{base}/files/{file_id}/edit")
    at_alice = wait_until_editing(alice)
    post_comment(at_alice, "@bob have a first look")
    for n in range(8):
        post_comment(at_alice, f"A note to myself, number {n}, long enough to take some room in the pane.")
    post_comment(at_alice, "@bob please review the budget")
    # Editing the comment updates Bob's notification; another one, deleted, takes its notification along.
    at_alice.locator(".comment", has_text="please review the budget").get_by_role(
        "button", name="Edit"
    ).click()
    at_alice.get_by_label(COMMENT_LABEL).fill("@bob please review the budget by Friday")
    at_alice.get_by_role("button", name="Save comment").click()
    expect(at_alice.locator(".comment", has_text="by Friday")).to_have_count(1)
    post_comment(at_alice, "@bob never mind this one")
    at_alice.locator(".comment", has_text="never mind").get_by_role("button", name="Delete").click()
    expect(at_alice.locator(".comment", has_text="never mind")).to_have_count(0)
    expect(at_alice.locator(".mention").first).to_have_text("@bob")
    shot(alice, "mentions-1-alice-comments")

    bob = person(browser, contexts, product, "bob")
    bob.goto(f"{base}/")
    expect(bob.locator("[data-unread-count]")).to_have_text(re.compile(r"^2\b"))
    bob.get_by_role("link", name=re.compile(r"^Notifications")).click()
    expect(bob).to_have_url(f"{base}/notifications")
    items = bob.locator(".notification")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Alice Adams mentioned you in “Plan.docx”")
    expect(items.first).to_contain_text("@bob please review the budget by Friday")
    expect(bob.get_by_text("never mind")).to_have_count(0)
    shot(bob, "mentions-2-bob-notifications")

    items.first.get_by_role("link").click()
    expect(bob).to_have_url(re.compile(rf"{re.escape(base)}/files/{file_id}/view\?wdNavigationId=comment-"))
    expect(bob.locator("#loading")).to_have_class(re.compile(r"\bdone\b"), timeout=OPEN_MS)
    at_bob = client_frame(bob)
    highlighted = at_bob.locator(".comment.highlight")
    expect(highlighted).to_have_count(1, timeout=OPEN_MS)
    expect(highlighted).to_contain_text("please review the budget by Friday")
    expect(highlighted).to_be_focused()
    expect(highlighted).to_be_in_viewport()
    shot(bob, "mentions-3-bob-at-the-comment")

    bob.goto(f"{base}/")
    expect(bob.locator("[data-unread-count]")).to_have_text(re.compile(r"^1\b"))
    listed = product.cli("activity", "list", "--user", "bob", "--unread")
    assert "have a first look" in listed
    assert "by Friday" not in listed


def test_comment_typed_while_the_last_is_sent_is_kept_and_posted(
    browser: Browser, contexts: list[BrowserContext], product: Product
) -> None:
    file_id = product.put("alice", "/Notes.docx", docx_bytes("Notes."))
    alice = person(browser, contexts, product, "alice")
    alice.goto(f"{product.base}/files/{file_id}/edit")
    at_alice = wait_until_editing(alice)
    # Comment posts are held until the test lets them through, so that the next one is typed meanwhile.
    held: list[Route] = []

    def hold_posts(route: Route) -> None:
        if route.request.method == "POST":
            held.append(route)
        else:
            route.continue_()

    alice.route("**/comments", hold_posts)
    box = at_alice.get_by_label(COMMENT_LABEL)
    box.fill("the first of two")
    at_alice.get_by_role("button", name="Post comment").click()
    expect(at_alice.locator("#comments-status")).to_have_text("Sending the comment…")
    box.fill("the second, typed at once")
    held.pop().continue_()
    expect(at_alice.locator(".comment", has_text="the first of two")).to_have_count(1)
    expect(box).to_have_value("the second, typed at once")
    alice.unroute("**/comments")
    at_alice.get_by_role("button", name="Post comment").click()
    expect(at_alice.locator(".comment", has_text="the second, typed at once")).to_have_count(1)
    expect(box).to_have_value("")
