"""axe-core in Chromium on every page of the web UI, in the light and the dark colour scheme.

Each page of a11y_pages.PAGES is loaded as its person, with its menu or dialog opened, screenshotted to
test-output/screenshots/a11y/, and must have no serious or critical axe violation. axe-core comes from npm
(test.sh installs it under tests/e2e/axe/); without it the suite skips, or fails in CI.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.e2e.a11y_pages import (
    ADA,
    ALICE,
    AXE_JS,
    BOB,
    PAGES,
    VISITOR,
    A11yPage,
    describe,
    serious_violations,
)
from tests.e2e.conftest import PASSWORD, SCREENSHOTS, HostServer, sign_in
from tests.samples import numbered_pdf
from tests.services import service_unavailable

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

SHOTS = SCREENSHOTS / "a11y"
SIGNED_OUT = ""
LINK_PASSWORD = "a11y-link-password"
# The server renders previews one at a time; other tests' documents may be queued before the PDF.
PREVIEW_SECONDS = 60


@pytest.fixture(scope="module")
def axe_js() -> Path:
    if not AXE_JS.exists():
        service_unavailable(f"axe-core is not installed at {AXE_JS}: ./test.sh installs it with npm")
    return AXE_JS


class _WebClient:
    """Alice's browser session without a browser: forms posted with the session's CSRF token, as JSON."""

    def __init__(self, base: str, username: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=10, headers={"Origin": base})
        self.http.post("/signin", data={"username": username, "password": PASSWORD, **self._csrf("/signin")})

    def _csrf(self, path: str) -> dict[str, str]:
        page = self.http.get(path).text
        found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
        assert found, f"no CSRF token on {path}"
        return {"csrf_token": found.group(1)}

    def post(self, path: str, **form: str) -> dict[str, Any]:
        """Post a form as the UI's script does; its JSON answer."""
        answer = self.http.post(
            path, data={**form, **self._csrf("/")}, headers={"Accept": "application/json"}
        )
        assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text}"
        body: dict[str, Any] = answer.json()
        return body

    def wait_for_preview(self, file_id: str) -> None:
        """Until the file's preview is rendered."""
        deadline = time.monotonic() + PREVIEW_SECONDS
        while time.monotonic() < deadline:
            state = self.http.get(f"/files/{file_id}/preview", headers={"Accept": "application/json"})
            if state.json()["state"] == "ready":
                return
            time.sleep(0.5)
        raise AssertionError(f"the preview of {file_id} was not ready within {PREVIEW_SECONDS} s")


def _put(host_server: HostServer, name: str, content: bytes) -> str:
    local = host_server.data_dir / "a11y" / Path(name).name
    local.parent.mkdir(exist_ok=True)
    local.write_bytes(content)
    return host_server.cli("file", "put", str(local), "--owner", ALICE, "--to", f"/Accessibility/{name}")


def _mention(host_server: HostServer, file_id: str, username: str) -> None:
    """Alice comments in a file and mentions `username`, as a WOPI client's AddActivities reports it."""
    token = json.loads(host_server.cli("token", "--user", ALICE, "--file", file_id))["access_token"]
    activity = {
        "Type": "comment",
        "Id": "0000a110-0000-0000-0000-000000000001",
        "Data": {"ContentId": "a11y", "ContentAction": "created", "CommentText": f"@{username} please check"},
        "People": [{"Name": username, "Mentioned": True}],
    }
    added = httpx.post(
        f"{host_server.base}/wopi/files/{file_id}",
        params={"access_token": token},
        headers={"X-WOPI-Override": "ADD_ACTIVITIES"},
        json={"Activities": [activity]},
        timeout=10,
    )
    assert added.json()["ActivityResponses"][0]["Status"] == 0, added.text


@pytest.fixture(scope="module")
def world(host_server: HostServer) -> dict[str, str]:
    """What the pages show: a folder of Alice's with a file Bob may view and share links to, a subfolder
    shared with Bob, a PDF with its preview, an item in the trash, and an administrator."""
    host_server.cli("user", "add", ADA, "--name", "Ada Admin", "--password", PASSWORD, "--admin")
    ids: dict[str, str] = {}
    # The PDF first: previews are rendered in the order files arrive.
    for key, name, content in (
        ("pdf_id", "A11y guide.pdf", numbered_pdf(1)),
        ("file_id", "A11y report.docx", b"PK a11y report"),
        ("zip_id", "A11y archive.zip", b"PK\x03\x04 a11y archive"),
        ("inner_file_id", "A11y inner/Note.txt", b"a note"),
        ("locked_id", "A11y locked.docx", b"PK a11y locked"),
        ("trashed_id", "A11y old draft.txt", b"an old draft"),
        ("old_note_id", "A11y old folder/Old note.txt", b"an old note"),
        # The undo flash trashes one of these in each colour scheme.
        ("scratch_light_id", "A11y scratch light.txt", b"scratch"),
        ("scratch_dark_id", "A11y scratch dark.txt", b"scratch"),
    ):
        ids[key] = _put(host_server, name, content)
    host_server.cli("share", ids["file_id"], "--with", BOB, "--role", "view")
    # An editing session on one file, for the "Being edited by" badge and the end-session page and dialog.
    token = json.loads(host_server.cli("token", "--user", ALICE, "--file", ids["locked_id"]))["access_token"]
    locked = httpx.post(
        f"{host_server.base}/wopi/files/{ids['locked_id']}",
        params={"access_token": token},
        headers={"X-WOPI-Override": "LOCK", "X-WOPI-Lock": "a11y-lock"},
        timeout=10,
    )
    assert locked.status_code == 200, locked.text
    _mention(host_server, ids["file_id"], BOB)
    listing = host_server.cli("file", "list", "--owner", ALICE, "/")
    ids["folder_id"] = next(
        line.split("\t")[0] for line in listing.splitlines() if line.endswith("\tAccessibility/")
    )
    inside = host_server.cli("file", "list", "--owner", ALICE, "/Accessibility")
    old_folder = next(
        line.split("\t")[0] for line in inside.splitlines() if line.endswith("\tA11y old folder/")
    )
    ids["inner_folder_id"] = next(
        line.split("\t")[0] for line in inside.splitlines() if line.endswith("\tA11y inner/")
    )
    host_server.cli(
        "folder", "share", ids["inner_folder_id"], "--user", ALICE, "--with", BOB, "--role", "view"
    )
    alice = _WebClient(host_server.base, ALICE)
    try:
        links = f"/files/{ids['file_id']}/links"
        ids["link_id"] = alice.post(links, role="edit")["link"]["id"]
        ids["password_link_id"] = alice.post(links, role="view", password=LINK_PASSWORD)["link"]["id"]
        ids["gone_link_id"] = alice.post(links, role="view")["link"]["id"]
        alice.post(f"{links}/{ids['gone_link_id']}/revoke")
        undo = alice.post(f"/files/{ids['trashed_id']}/delete")["undo"]
        ids["item_id"] = undo.split("/")[2]
        alice.post(f"/folders/{old_folder}/delete")  # a folder in the trash, with what it held
        alice.wait_for_preview(ids["pdf_id"])
    finally:
        alice.http.close()
    return ids


def _context(browser: Browser, axe_js: Path, storage_state: Any = None) -> BrowserContext:
    context = browser.new_context(
        viewport={"width": 1280, "height": 800},
        locale="en-US",
        storage_state=storage_state,
        reduced_motion="reduce",  # screenshots without transitions half done
    )
    context.set_default_timeout(10_000)
    # An init script, unlike a script tag, runs under the pages' Content-Security-Policy unchanged.
    context.add_init_script(path=str(axe_js))
    return context


@pytest.fixture(scope="module")
def people(
    browser: Browser,
    host_server: HostServer,
    signed_in_states: dict[str, Any],
    axe_js: Path,
    world: Mapping[str, str],
) -> Iterator[dict[str, Page]]:
    """One page per person, reused by every check (a check navigates first, so nothing carries over)."""
    contexts = {
        SIGNED_OUT: _context(browser, axe_js),
        ALICE: _context(browser, axe_js, signed_in_states[ALICE]),
        BOB: _context(browser, axe_js, signed_in_states[BOB]),
        ADA: _context(browser, axe_js),
        VISITOR: _context(browser, axe_js),
    }
    pages = {user: context.new_page() for user, context in contexts.items()}
    sign_in(pages[ADA], host_server.base, ADA)
    # The visitor gives the link their name once; the link's host page then opens for them.
    pages[VISITOR].goto(f"{host_server.base}/s/{world['link_id']}")
    pages[VISITOR].get_by_label("Your name").fill("Guest Gina")
    pages[VISITOR].get_by_role("button", name="Open the document").click()
    pages[VISITOR].wait_for_url(f"{host_server.base}/s/{world['link_id']}/open")
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield pages
    finally:
        for context in contexts.values():
            context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("spec", PAGES, ids=[spec.name for spec in PAGES])
def test_page_in_color_scheme_has_no_serious_axe_violations(
    spec: A11yPage, scheme: str, people: dict[str, Page], world: Mapping[str, str], host_server: HostServer
) -> None:
    page = people[spec.user or SIGNED_OUT]
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    path = spec.url(world)
    page.goto(f"{host_server.base}{path}")
    assert urlsplit(page.url).path == urlsplit(path).path, f"{spec.name}: landed on {page.url}"
    page.locator(spec.ready).first.wait_for()
    if spec.step is not None:
        spec.step(page)
    page.screenshot(path=SHOTS / f"{spec.name}-{scheme}.png")
    violations = serious_violations(page)
    assert not violations, (
        f"{spec.name} ({scheme}, {path}) has serious accessibility violations:\n{describe(violations)}"
    )


# Pages whose background covers the window, in each scheme: (person, path template, element).
SCHEME_PAGES = (
    (SIGNED_OUT, "/signin", "body"),
    (ALICE, "/folders/{folder_id}", "body"),
    (ALICE, "/folders/{folder_id}", ".card"),
    (BOB, "/files/{file_id}/view", "#loading"),
)


def _luminance(page: Page, selector: str) -> float:
    """The relative luminance (WCAG) of the element's computed background colour."""
    value: float = page.locator(selector).first.evaluate(
        """(node) => {
          const [r, g, b] = getComputedStyle(node).backgroundColor.match(/[\\d.]+/g).slice(0, 3).map(Number);
          const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
          return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
        }"""
    )
    return value


@pytest.mark.parametrize(("user", "path", "selector"), SCHEME_PAGES)
def test_page_background_follows_system_color_scheme(
    user: str,
    path: str,
    selector: str,
    people: dict[str, Page],
    world: Mapping[str, str],
    host_server: HostServer,
) -> None:
    page = people[user]
    page.emulate_media(color_scheme="dark")
    page.goto(f"{host_server.base}{path.format(**world)}")
    assert _luminance(page, selector) < 0.05, f"{selector} of {path} is not dark in the dark scheme"
    page.emulate_media(color_scheme="light")
    assert _luminance(page, selector) > 0.85, f"{selector} of {path} is not light in the light scheme"
