"""The product end to end, as people use it: one real `wopihost serve`, its own development client, Chromium.

Alice and Bob sign in through the form, open documents with "Open in Word" (the host page form-POSTs the
token into the client's frame), co-edit, create, rename, lose a share and convert a legacy file. What is
stored is then read back outside the browser: by download, or by a signed WOPI request with a token from
`wopihost token`, the host enforcing proof keys throughout. Screenshots go to test-output/product/.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
import xlwt
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import sign_in
from tests.e2e.product_support import (
    OPEN_MS,
    PERMISSION_LOST,
    ROUND_TRIP_MS,
    Product,
    block,
    docx_bytes,
    docx_paragraphs,
    product_server,
    row,
    row_menu_item,
    shot,
    wait_until_editing,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

People = Callable[[str], Page]


@pytest.fixture(scope="module")
def product(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    """One `wopihost serve` (and the development client it starts) for the whole module."""
    with product_server(tmp_path_factory.mktemp("product")) as running:
        yield running


@pytest.fixture
def people(browser: Browser, product: Product) -> Iterator[People]:
    """Open a fresh browser context per person, signed in through the form; all closed afterwards."""
    contexts: list[BrowserContext] = []

    def signed_in(username: str) -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, product.base, username)
        return page

    try:
        yield signed_in
    finally:
        for context in contexts:
            context.close()


def download(page: Page, base: str, file_id: str) -> bytes:
    """The file's current content through the UI's download link, with the page's cookies."""
    response = page.request.get(f"{base}/files/{file_id}/download")
    assert response.ok, response.status
    return response.body()


def version_authors(page: Page) -> list[tuple[str, str]]:
    """(source, author) of each row of the version history page, newest first."""
    rows = page.locator("tr[data-version]")
    return [
        (rows.nth(i).locator(".meta").inner_text(), rows.nth(i).locator("td").nth(2).inner_text())
        for i in range(rows.count())
    ]


def test_coedit_docx_through_host_page_both_edits_saved_unlocked_and_versioned(
    product: Product, people: People, tmp_path: Path
) -> None:
    base, name = product.base, "Together.docx"
    source = tmp_path / name
    source.write_bytes(docx_bytes("The first paragraph, to be rewritten."))
    alice = people("alice")
    with alice.expect_file_chooser() as chooser:
        alice.get_by_role("button", name="Upload").click()
    chooser.value.set_files(source)
    expect(row(alice, name)).to_be_visible()
    file_id = row(alice, name).get_attribute("data-file-id")
    assert file_id

    row_menu_item(alice, name, "Share").click()
    dialog = alice.locator("#share-dialog")
    dialog.get_by_label("Share with (username)").fill("bob")
    dialog.get_by_label("Permission").select_option("edit")
    dialog.get_by_role("button", name="Share", exact=True).click()
    expect(dialog.locator(".share-entry", has_text="Bob Brown")).to_contain_text("Can edit")
    shot(alice, "1-01-alice-shares-with-bob")
    dialog.get_by_role("button", name="Done").click()

    alice.get_by_role("link", name=f"Open in Word: {name}").click()
    bob = people("bob")
    bob.goto(f"{base}/shared")
    bob.get_by_role("link", name=f"Open in Word: {name}").click()
    for page in (alice, bob):
        expect(page).to_have_url(f"{base}/files/{file_id}/edit")
    at_alice, at_bob = wait_until_editing(alice), wait_until_editing(bob)
    for page in (alice, bob):
        # The token went by form POST into a frame of the client's origin, and left the page.
        loaded = page.frame(name="office_frame")
        assert loaded is not None
        assert loaded.url.startswith(f"{product.devclient}/"), loaded.url
        assert "access_token" not in loaded.url
        expect(page.locator('input[name="access_token"]')).to_have_value("")
    for frame in (at_alice, at_bob):
        expect(frame.locator(".avatar")).to_have_count(2, timeout=ROUND_TRIP_MS)

    # The client puts each person's cursor in the first paragraph; a co-author's edit there still shows.
    expect(block(at_bob, "p0")).to_be_focused()
    block(at_alice, "p0").fill("Alice rewrote the first paragraph.")
    expect(block(at_bob, "p0")).to_have_value("Alice rewrote the first paragraph.", timeout=ROUND_TRIP_MS)
    for frame in (at_alice, at_bob):
        expect(frame.locator("#save-status")).to_contain_text("Saved by Alice Adams", timeout=ROUND_TRIP_MS)
    at_bob.locator("#btn-append").click()
    expect(block(at_bob, "p1")).to_be_focused()
    bob.keyboard.type("Bob added this paragraph.")
    expect(block(at_alice, "p1")).to_have_value("Bob added this paragraph.", timeout=ROUND_TRIP_MS)
    for frame in (at_alice, at_bob):
        expect(frame.locator("#save-status")).to_contain_text("Saved by Bob Brown", timeout=ROUND_TRIP_MS)
    shot(alice, "1-02-alice-sees-bobs-paragraph")
    shot(bob, "1-03-bob-sees-alices-edit")

    # UI_Close takes each back to where they opened the file from; the last one out unlocks.
    at_alice.locator("#btn-close").click()
    expect(alice).to_have_url(f"{base}/")
    at_bob.locator("#btn-close").click()
    expect(bob).to_have_url(f"{base}/shared")

    expect(row(alice, name)).to_be_visible()
    alice.reload()
    expect(row(alice, name).locator(".badge-lock")).to_have_count(0)
    token = product.token("alice", file_id)
    assert product.lock_of(token) == ""
    assert docx_paragraphs(product.read(token)) == [
        "Alice rewrote the first paragraph.",
        "Bob added this paragraph.",
    ]
    assert docx_paragraphs(download(alice, base, file_id)) == docx_paragraphs(product.read(token))

    row_menu_item(alice, name, "Version history").click()
    expect(alice.get_by_role("heading", name="Version history")).to_be_visible()
    history = version_authors(alice)
    assert history[-1] == ("Uploaded", "Alice Adams"), history
    edited_by = {author for source, author in history if source == "Saved in the editor"}
    assert edited_by == {"Alice Adams", "Bob Brown"}, history
    shot(alice, "1-04-version-history")


def test_new_word_document_from_menu_writes_docx_with_typed_text(product: Product, people: People) -> None:
    base = product.base
    alice = people("alice")
    alice.locator("summary", has_text="New").click()
    alice.get_by_role("menuitem", name="Word document").click()
    alice.locator("#new-document-dialog").get_by_role("button", name="Create").click()
    expect(alice).to_have_url(re.compile(rf"^{re.escape(base)}/files/\w+/editnew$"), timeout=OPEN_MS)
    file_id = alice.url.rsplit("/", 2)[1]
    frame = wait_until_editing(alice)
    # The blank document the client wrote (PutFile on the unlocked zero-byte file) is a real .docx.
    assert docx_paragraphs(download(alice, base, file_id)) == []
    frame.locator("#btn-append").click()
    expect(block(frame, "p0")).to_be_focused()
    alice.keyboard.type("Minutes of the kick-off meeting.")
    expect(frame.locator("#save-status")).to_contain_text("Saved by Alice Adams", timeout=ROUND_TRIP_MS)
    shot(alice, "2-01-new-document")
    frame.locator("#btn-close").click()
    expect(alice).to_have_url(f"{base}/")

    created = alice.locator(f'tr[data-file-id="{file_id}"]')
    expect(created).to_have_attribute("data-file-name", re.compile(r"^Document.*\.docx$"))
    expect(created.locator(".badge", has_text="New")).to_have_count(0)
    shot(alice, "2-02-new-document-listed")
    assert docx_paragraphs(download(alice, base, file_id)) == ["Minutes of the kick-off meeting."]


def test_rename_in_client_updates_host_page_and_file_list_same_id(product: Product, people: People) -> None:
    base = product.base
    file_id = product.put("alice", "/Rename me.docx", docx_bytes("A document with a poor name."))
    alice = people("alice")
    alice.get_by_role("link", name="Open in Word: Rename me.docx").click()
    frame = wait_until_editing(alice)
    frame.locator("#file-name").click()
    frame.locator("#file-name-input").fill("Project charter")
    frame.locator("#file-name-input").press("Enter")

    expect(frame.locator("#file-name")).to_have_text("Project charter.docx")
    # File_Rename: the host page renames its title, heading and frame.
    expect(alice).to_have_title("Project charter.docx · wopihost")
    expect(alice.locator("h1 [data-doc-name]")).to_have_text("Project charter.docx")
    expect(alice.locator("#office_frame")).to_have_attribute(
        "title", "Project charter.docx (document editor)"
    )
    shot(alice, "3-01-renamed-in-client")
    frame.locator("#btn-close").click()
    expect(alice).to_have_url(f"{base}/")

    expect(row(alice, "Project charter.docx")).to_have_attribute("data-file-id", file_id)
    expect(row(alice, "Rename me.docx")).to_have_count(0)
    shot(alice, "3-02-renamed-in-list")


def test_revoked_share_while_editing_shows_permission_lost_and_drops_later_edits(
    product: Product, people: People
) -> None:
    base, name = product.base, "Revoked.docx"
    file_id = product.put("alice", f"/{name}", docx_bytes("Shared for a while."))
    product.cli("share", file_id, "--with", "bob", "--role", "edit")
    bob = people("bob")
    bob.goto(f"{base}/shared")
    bob.get_by_role("link", name=f"Open in Word: {name}").click()
    frame = wait_until_editing(bob)
    block(frame, "p0").fill("Bob edited this while it was shared.")
    expect(frame.locator("#save-status")).to_contain_text("Saved by Bob Brown", timeout=ROUND_TRIP_MS)

    alice = people("alice")
    expect(row(alice, name)).to_contain_text("Being edited by Bob Brown")
    row_menu_item(alice, name, "Share").click()
    dialog = alice.locator("#share-dialog")
    dialog.get_by_role("button", name="Stop sharing with Bob Brown").click()
    expect(dialog.locator("[data-status]")).to_have_text("Stopped sharing with bob.")
    shot(alice, "4-01-alice-stops-sharing")

    # The next save with Bob's token is refused, and the client removes him from the session.
    block(frame, "p0").fill("Bob typed this after losing access.")
    expect(frame.locator("#dialog-title")).to_have_text(PERMISSION_LOST, timeout=ROUND_TRIP_MS)
    expect(block(frame, "p0")).to_be_disabled()
    shot(bob, "4-02-bob-loses-permission")
    assert docx_paragraphs(download(alice, base, file_id)) == ["Bob edited this while it was shared."]
    bob.goto(f"{base}/shared")
    expect(row(bob, name)).to_have_count(0)

    # Revoking Bob ended his editing session (he was its only editor), so Alice's client starts a new one;
    # she finds the document as it was before the revocation, and leaving unlocks it.
    alice.goto(f"{base}/")
    alice.get_by_role("link", name=f"Open in Word: {name}").click()
    at_alice = wait_until_editing(alice)
    expect(block(at_alice, "p0")).to_have_value("Bob edited this while it was shared.")
    expect(at_alice.locator(".avatar")).to_have_count(1)
    at_alice.locator("#btn-close").click()
    expect(alice).to_have_url(f"{base}/")
    expect(row(alice, name).locator(".badge-lock")).to_have_count(0)


def _xls(rows: list[tuple[str, object]]) -> bytes:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Budget")
    for number, (label, value) in enumerate(rows):
        sheet.write(number, 0, label)
        sheet.write(number, 1, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_legacy_xls_open_converts_to_xlsx_beside_it_and_edits_it(product: Product, people: People) -> None:
    base = product.base
    old_id = product.put("alice", "/Legacy/Budget 1997.xls", _xls([("Item", "Cost"), ("Paper", 12.5)]))
    alice = people("alice")
    alice.get_by_role("link", name="Legacy", exact=True).click()
    folder_url = alice.url
    link = alice.get_by_role("link", name="Open in Excel: Budget 1997.xls")
    expect(link).to_have_attribute("href", f"/files/{old_id}/convert")
    expect(link).to_have_attribute("title", "Converts a copy to .xlsx")
    link.click()

    # The client converts, PutRelativeFile (X-WOPI-FileConversion) creates the .xlsx, and the client sends
    # the top window to the new file's HostEditUrl.
    new_edit_page = re.compile(rf"^{re.escape(base)}/files/(?!{old_id})\w+/edit$")
    expect(alice).to_have_url(new_edit_page, timeout=OPEN_MS)
    new_id = alice.url.rsplit("/", 2)[1]
    frame = wait_until_editing(alice)
    expect(frame.locator("#file-name")).to_have_text("Budget 1997.xlsx")
    expect(block(frame, "Budget!A2")).to_have_value("Paper")
    expect(block(frame, "Budget!B2")).to_have_value(re.compile(r"^12\.5$"))
    shot(alice, "5-01-converted-xlsx")
    frame.locator("#btn-close").click()
    expect(alice).to_have_url(folder_url)

    expect(row(alice, "Budget 1997.xlsx")).to_have_attribute("data-file-id", new_id)
    expect(row(alice, "Budget 1997.xls")).to_have_attribute("data-file-id", old_id)
    shot(alice, "5-02-both-files-listed")
    sheet = openpyxl.load_workbook(io.BytesIO(download(alice, base, new_id)))["Budget"]
    assert [[cell.value for cell in line] for line in sheet.iter_rows()] == [
        ["Item", "Cost"],
        ["Paper", 12.5],
    ]
