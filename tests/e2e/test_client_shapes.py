"""Every client shape and every role, in Chromium: web UI, host page, development client, WOPI, storage.

For each discovery shape (Microsoft 365, Collabora Online, ONLYOFFICE, Office Online Server) one
`wopihost serve` runs with its development client presenting that shape. Each person signs in through the
form and opens a file with the file list's Open link; the host page loads the client in its frame. Writers
type and the stored content changes; readers get a read-only document, take no lock and change nothing;
the "view, no download" reader has no Download link and CheckFileInfo withholds FileUrl, export and print.
Collabora's PDF and ODF files and ONLYOFFICE's spreadsheets go the same way.

The tests are written as one table of cases; each case becomes a test named test_<shape>_<role>_<outcome>.
Screenshots go to test-output/shapes/<shape>.png.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, FrameLocator, Page, expect

from tests.e2e.conftest import sign_in
from tests.e2e.product_support import (
    OPEN_MS,
    ROUND_TRIP_MS,
    block,
    client_frame,
    docx_bytes,
    docx_paragraphs,
    row,
    wait_until_editing,
)
from tests.e2e.shape_support import (
    ROLE_USERS,
    ShapedProduct,
    ShapePool,
    odt_bytes,
    pdf_bytes,
    share_for,
    wait_for_content,
    xlsx_bytes,
    xlsx_cell,
)
from tests.servers import Token

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "shapes"
ORIGINAL = "The text as Alice wrote it."
TYPED = "Typed in the browser."
BUDGET = [("Item", "Cost"), ("Paper", 12.5)]
WRITERS = ("owner", "editor")
READERS = ("viewer", "view_no_download")
ROLES = (*WRITERS, *READERS)


@dataclass(frozen=True)
class Case:
    """One person of one role opening one type of file in one shape."""

    shape: str
    role: str
    ext: str
    # A second save after someone else's: the client's timestamp no longer matches, the host says 1010.
    stale: bool = False

    @property
    def writes(self) -> bool:
        """Whether the client lets this person edit: writers, and formats the client edits."""
        return self.role in WRITERS and self.ext in ("docx", "xlsx")

    @property
    def name(self) -> str:
        """shape_role_outcome, the test's name without test_."""
        if self.stale:
            return f"{self.shape}_{self.role}_stale_save_refused_1010"
        kind = "" if self.ext == "docx" else f"{self.ext}_"
        outcome = f"edits_{kind}and_saves" if self.writes else f"opens_{kind}read_only"
        return f"{self.shape}_{self.role}_{outcome}"


CASES = (
    *(Case(shape, role, "docx") for shape in ("microsoft", "oos") for role in ROLES),
    *(Case("collabora", role, ext) for ext in ("docx", "pdf", "odt") for role in ROLES),
    Case("collabora", "owner", "docx", stale=True),
    *(Case("onlyoffice", role, ext) for ext in ("docx", "xlsx") for role in ROLES),
    Case("onlyoffice", "owner", "docx", stale=True),
)
CONTENT: dict[str, Callable[[], bytes]] = {
    "docx": lambda: docx_bytes(ORIGINAL),
    "xlsx": lambda: xlsx_bytes(BUDGET),
    "odt": lambda: odt_bytes(ORIGINAL),
    "pdf": lambda: pdf_bytes(ORIGINAL),
}


@pytest.fixture(scope="module")
def shapes(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShapePool]:
    """One shaped product at a time; the table keeps each shape's cases together."""
    pool = ShapePool(tmp_path_factory.mktemp("shapes"))
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture(scope="module")
def sessions() -> dict[tuple[str, str], Any]:
    """Each person's cookies per shaped server, after one sign-in through the form."""
    return {}


@pytest.fixture
def person(
    browser: Browser, sessions: dict[tuple[str, str], Any]
) -> Iterator[Callable[[ShapedProduct, str], Page]]:
    """Open a fresh browser context signed in as a person of a shaped product."""
    contexts: list[BrowserContext] = []

    def signed_in(shaped: ShapedProduct, username: str) -> Page:
        context = browser.new_context(
            viewport={"width": 1280, "height": 800},
            locale="en-US",
            storage_state=sessions.get((shaped.product.base, username)),
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if (shaped.product.base, username) not in sessions:
            sign_in(page, shaped.product.base, username)
            sessions[(shaped.product.base, username)] = context.storage_state()
        return page

    try:
        yield signed_in
    finally:
        for context in contexts:
            context.close()


def open_from_list(page: Page, shaped: ShapedProduct, case: Case, name: str, file_id: str) -> None:
    """Find the file where its person finds it, check the Download item, follow its Open link."""
    base = shaped.product.base
    page.goto(f"{base}/" if case.role == "owner" else f"{base}/shared")
    listed = row(page, name)
    expect(listed).to_have_attribute("data-file-id", file_id)
    listed.get_by_label(f"More actions for {name}").click()
    expect(listed.get_by_role("menuitem", name="Download", exact=True)).to_have_count(
        0 if case.role == "view_no_download" else 1
    )
    listed.locator("a.btn-open").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/files/{file_id}/\w+$"))
    if case.shape == "collabora":
        # Collabora's Frame_Ready then Document_Loaded, as the host page's script recorded them.
        expect(page.locator("body")).to_have_attribute("data-client-state", "loaded", timeout=OPEN_MS)


def edit_and_check_saved(shaped: ShapedProduct, page: Page, case: Case, token: Token) -> None:
    """Type into the document and wait until the host stores it."""
    frame = wait_until_editing(page)
    if case.ext == "xlsx":
        block(frame, "Budget!A2").fill(TYPED)
        stored = wait_for_content(
            lambda: shaped.product.read(token),
            lambda content: xlsx_cell(content, "A2") == TYPED,
            ROUND_TRIP_MS / 1000,
        )
        assert xlsx_cell(stored, "A2") == TYPED
        return
    block(frame, "p0").fill(TYPED)
    stored = wait_for_content(
        lambda: shaped.product.read(token),
        lambda content: docx_paragraphs(content) == [TYPED],
        ROUND_TRIP_MS / 1000,
    )
    assert docx_paragraphs(stored) == [TYPED]
    assert shaped.product.lock_of(token) != "", "an editing client holds the lock"


def check_stale_save_refused(shaped: ShapedProduct, page: Page, token: Token) -> None:
    """Another editor saves under the same lock; the client's next save carries the older timestamp."""
    theirs = docx_bytes("Saved by another editor.")
    saved = shaped.wopi(token, "put_file", content=theirs, lock_id=shaped.product.lock_of(token))
    assert saved.ok, saved.describe()
    frame = client_frame(page)
    block(frame, "p0").fill("Typed over an old copy.")
    expect(frame.locator("#dialog-title")).to_have_text(
        "Document has been changed in storage", timeout=ROUND_TRIP_MS
    )
    assert docx_paragraphs(shaped.product.read(token)) == ["Saved by another editor."]


def check_save_kinds(shaped: ShapedProduct, page: Page, file_id: str) -> None:
    """The version history says what kind of save each of the client's saves was."""
    page.goto(f"{shaped.product.base}/files/{file_id}/versions")
    kinds = page.locator("[data-save]")
    expect(kinds.first).to_be_visible()
    said = {kinds.nth(i).get_attribute("data-save") for i in range(kinds.count())}
    assert "autosave" in said, said


def check_read_only(shaped: ShapedProduct, page: Page, case: Case, token: Token) -> None:
    """The client shows the document without anything to type into; nothing is locked or stored."""
    frame: FrameLocator = client_frame(page)
    expect(frame.locator("body")).to_have_class(re.compile(r"\bmode-view\b"), timeout=OPEN_MS)
    expect(page.locator("#loading")).to_have_class(re.compile(r"\bdone\b"), timeout=OPEN_MS)
    shown = "Paper" if case.ext == "xlsx" else ORIGINAL
    expect(frame.locator("[data-key]", has_text=shown).first).to_be_visible()
    # Readers may still comment (the comments pane), but nothing in the document takes input.
    expect(frame.locator("textarea:not(#comment-text), input[data-key], #btn-append")).to_have_count(0)
    assert shaped.product.lock_of(token) == "", "a reader's client takes no lock"
    info = shaped.check_file_info(token)
    # Writers of a format the client only previews may write; the client still opens it read-only.
    assert info["UserCanWrite"] is (case.role in WRITERS)
    if case.role == "view_no_download":
        assert info.get("DisableExport") is True, info
        assert info.get("DisablePrint") is True, info
        assert "FileUrl" not in info, info
        assert "DownloadUrl" not in info, info
    else:
        assert "FileUrl" in info, info


def run_case(case: Case, shapes: ShapePool, person: Callable[[ShapedProduct, str], Page]) -> None:
    """Store, share, sign in, open from the list, then edit or check the read-only view."""
    shaped = shapes.get(case.shape)
    stem = case.role.replace("_", " ").capitalize() + (" stale" if case.stale else "")
    name = f"{stem} file.{case.ext}"
    content = CONTENT[case.ext]()
    file_id, username = share_for(shaped, case.role, f"/{name}", content)
    token = shaped.token(username, file_id)
    page = person(shaped, username)
    open_from_list(page, shaped, case, name, file_id)
    if case.stale:
        edit_and_check_saved(shaped, page, case, token)
        check_stale_save_refused(shaped, page, token)
        return
    if not case.writes:
        check_read_only(shaped, page, case, token)
        assert shaped.product.read(token) == content
        return
    edit_and_check_saved(shaped, page, case, token)
    if case.role == "owner" and case.ext == "docx":
        status = client_frame(page).locator("#save-status")
        expect(status).not_to_have_text(re.compile("Unsaved|Saving"), timeout=ROUND_TRIP_MS)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{case.shape}.png"))
    if case.shape in ("collabora", "onlyoffice"):
        check_save_kinds(shaped, page, file_id)


def _test_of(case: Case) -> Callable[[ShapePool, Callable[[ShapedProduct, str], Page]], None]:
    def test(shapes: ShapePool, person: Callable[[ShapedProduct, str], Page]) -> None:
        run_case(case, shapes, person)

    test.__name__ = test.__qualname__ = f"test_{case.name}"
    test.__doc__ = f"{case.shape}: the {ROLE_USERS[case.role][0]} ({case.role}) opens a .{case.ext}."
    return test


for _case in CASES:
    globals()[f"test_{_case.name}"] = _test_of(_case)
