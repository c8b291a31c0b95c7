"""Every page of the web UI that the accessibility suite checks with axe-core, and the routes it leaves out.

A page is a route of the web app, a person (signed out, the owner, a view-only recipient, an administrator),
and optionally a step that opens a menu or a dialog once the page has loaded. To add a page: add an
`A11yPage` to PAGES with the route exactly as the Starlette route table spells it;
tests/integration/test_web_a11y_coverage.py fails for an HTML route that no page covers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Frame, Page, expect

AXE_JS = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = frozenset({"serious", "critical"})

# GET routes of the web app that answer with something other than an HTML page, so axe has nothing to check.
NOT_HTML: dict[str, str] = {
    "/healthz": "plain-text health check",
    "/assets/icons.svg": "the SVG sprite of the icons",
    "/static": "CSS, scripts and images (a Mount)",
    "/users/{user_id}/avatar.svg": "an SVG avatar",
    "/locks": "JSON: who edits which file, polled by the browser",
    "/files/{file_id}": "a redirect to the file's edit or view page",
    "/files/{file_id}/download": "the file's bytes",
    "/files/{file_id}/pdf": "a PDF for the browser's own viewer",
    "/files/{file_id}/versions/{number}/download": "a version's bytes",
    "/files/{file_id}/saved-as": "JSON for the host page after a Save As",
    "/files/{file_id}/images": "JSON list of insertable images for the host page",
    "/search/suggest": "JSON suggestions for the search box",
    "/folder-tree": "JSON list of folders for the bulk move dialog",
    "/folders/{folder_id}/zip": "a folder's files as a streamed ZIP",
    "/files/{file_id}/links": "JSON: the file's share links, for the share dialog",
    "/files/{file_id}/share/people": "JSON: people matching what the owner types in the share dialog",
    "/previews": "JSON: the preview status of the listed files",
    "/files/{file_id}/preview/{name}": "a PNG preview image",
    "/admin/audit.jsonl": "the audit trail as JSON lines, for administrators",
}

Step = Callable[[Page], None]


@dataclass(frozen=True, slots=True)
class A11yPage:
    """One page (or a page with a menu or dialog open) to check in both colour schemes."""

    name: str
    route: str | None  # the route table's path; None for an error page reached by a URL no route serves
    user: str | None  # None: signed out
    path: str = ""  # the URL when it is not the route with ids filled in
    values: Mapping[str, str] = field(default_factory=dict)  # route placeholders that are not ids
    step: Step | None = None
    # The host page embeds the WOPI client, another site: only the host's own chrome is ours to check.
    ready: str = "body"

    def url(self, ids: Mapping[str, str]) -> str:
        """The page's path with the world's ids (and this page's own values) filled in."""
        return (self.path or self.route or "").format(**{**ids, **self.values})


def open_menu(label: str) -> Step:
    """Open the menu whose button is labelled `label` (or whose text is `label`)."""

    def step(page: Page) -> None:
        button = page.locator("summary", has_text=label).or_(page.get_by_label(label, exact=True)).first
        button.click()
        expect(page.locator("details.menu[open] [role=menu]")).to_be_visible()

    return step


def row_dialog(row_name: str, item: str, dialog: str) -> Step:
    """Open a row's menu and choose `item`, which opens the dialog with id `dialog`."""

    def step(page: Page) -> None:
        page.get_by_label(f"More actions for {row_name}", exact=True).click()
        page.get_by_role("menuitem", name=item, exact=True).click()
        expect(page.locator(f"#{dialog}")).to_be_visible()
        # Dialogs fill themselves from the server (folders, people with access, counts).
        expect(page.locator(f"#{dialog}")).not_to_contain_text("Loading…")
        expect(page.locator(f"#{dialog}")).not_to_contain_text("Counting")

    return step


def new_folder_dialog(page: Page) -> None:
    open_menu("New")(page)
    page.get_by_role("menuitem", name="Folder").click()
    expect(page.locator("#folder-dialog")).to_be_visible()


def end_session_dialog(page: Page) -> None:
    page.locator('tr[data-file-name="A11y locked.docx"]').get_by_role(
        "link", name="End editing session"
    ).click()
    expect(page.locator("#end-session-dialog")).to_be_visible()


def admin_end_session_dialog(page: Page) -> None:
    page.get_by_role("link", name="End session: A11y locked.docx").click()
    expect(page.locator("#end-session-dialog")).to_be_visible()


def upload_refused(page: Page) -> None:
    """The uploads panel with a refusal in it (a name Windows reserves; nothing reaches the server)."""
    upload = {"name": "con.docx", "mimeType": "application/octet-stream", "buffer": b"x"}
    page.locator("#upload-input").set_input_files(files=[upload])
    expect(page.locator(".upload-item.failed .upload-status")).to_contain_text("reserved")


def select_two(page: Page) -> None:
    """Two rows selected: the selection toolbar shows."""
    page.get_by_label("Select A11y report.docx", exact=True).check()
    page.get_by_label("Select A11y locked.docx", exact=True).check()
    expect(page.locator("[data-selection-bar]")).to_be_visible()


def bulk_dialog(button: str, dialog: str) -> Step:
    """Two rows selected, then the toolbar's `button`, which opens the dialog with id `dialog`."""

    def step(page: Page) -> None:
        select_two(page)
        page.locator("[data-selection-bar]").get_by_role("button", name=button, exact=True).click()
        expect(page.locator(f"#{dialog}")).to_be_visible()
        expect(page.locator(f"#{dialog}")).not_to_contain_text("Loading…")

    return step


def search_suggestions(page: Page) -> None:
    """The search box's suggestions, open under the top bar."""
    page.get_by_role("combobox", name="Search files and folders").fill("A11y")
    expect(page.locator("#search-suggestions [role=option]").first).to_be_visible()


def _scheme(page: Page) -> str:
    dark = page.evaluate("() => matchMedia('(prefers-color-scheme: dark)').matches")
    return "dark" if dark else "light"


def undo_flash(page: Page) -> None:
    """The flash with its Undo button after a file went to the trash (each scheme trashes its own file)."""
    name = f"A11y scratch {_scheme(page)}.txt"
    row_dialog(name, "Move to trash", "delete-dialog")(page)
    page.locator("#delete-dialog").get_by_role("button", name="Move to trash").click()
    expect(page.locator(".flash").get_by_role("button", name="Undo")).to_be_visible()


def new_document_dialog(page: Page) -> None:
    open_menu("New")(page)
    page.locator("[data-new-kind=docx]").click()
    expect(page.locator("#new-document-dialog")).to_be_visible()


def people_suggestions(page: Page) -> None:
    """The share dialog's people search with its suggestions open."""
    row_dialog("A11y report.docx", "Share", "share-dialog")(page)
    page.get_by_role("combobox", name="Share with (username)").fill("Ad")
    expect(page.locator("#share-person-list [role=option]").first).to_be_visible()


def preview_light_box(page: Page) -> None:
    page.get_by_role("link", name="Preview A11y guide.pdf", exact=True).click()
    expect(page.get_by_role("img", name="Page 1 of 1 of A11y guide.pdf")).to_be_visible()


def wrong_link_password(page: Page) -> None:
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#link-error")).to_be_visible()


def wrong_password(page: Page) -> None:
    page.get_by_label("Username").fill("nobody-a11y")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signin-error")).to_be_visible()


def frame_button(message: str, dialog: str) -> Step:
    """Press the stand-in WOPI client's button that posts `message`, which opens the host's `dialog`."""

    def step(page: Page) -> None:
        frame = page.frame(name="office_frame")
        assert frame is not None
        frame.get_by_role("button", name=message).click()
        expect(page.locator(f"#{dialog} [data-list] li").first).to_be_visible()

    return step


def show_dialog(dialog: str) -> Step:
    """Open a host-page dialog that only a particular WOPI client asks for (Collabora's Save As, images)."""

    def step(page: Page) -> None:
        page.evaluate("id => document.getElementById(id).showModal()", dialog)
        expect(page.locator(f"#{dialog}")).to_be_visible()

    return step


HOST_LOADED = "#loading.done"
PDF_RENDERED = "canvas[data-rendered-page='1']"
ALICE, BOB, ADA = "alice", "bob", "ada"
VISITOR = "visitor"  # no account: has given a share link their name

PAGES: tuple[A11yPage, ...] = (
    # Signed out.
    A11yPage("signin", "/signin", None),
    A11yPage("signin-error", "/signin", None, step=wrong_password),
    A11yPage("not-found-signed-out", None, None, path="/no-such-page"),
    A11yPage("link-password", "/s/{link_id}", None, path="/s/{password_link_id}"),
    A11yPage(
        "link-wrong-password", "/s/{link_id}", None, path="/s/{password_link_id}", step=wrong_link_password
    ),
    A11yPage("link-name", "/s/{link_id}", None),
    A11yPage("link-gone", "/s/{link_id}", None, path="/s/{gone_link_id}"),
    # Someone without an account who opened a link.
    A11yPage("link-host-page", "/s/{link_id}/open", VISITOR, ready=HOST_LOADED),
    # The owner.
    A11yPage("browser-root", "/", ALICE),
    A11yPage("browser-folder", "/folders/{folder_id}", ALICE),
    A11yPage("browser-new-menu", "/folders/{folder_id}", ALICE, step=open_menu("New")),
    A11yPage(
        "browser-row-menu", "/folders/{folder_id}", ALICE, step=open_menu("More actions for A11y report.docx")
    ),
    A11yPage("browser-new-folder-dialog", "/folders/{folder_id}", ALICE, step=new_folder_dialog),
    A11yPage(
        "browser-share-dialog",
        "/folders/{folder_id}",
        ALICE,
        step=row_dialog("A11y report.docx", "Share", "share-dialog"),
    ),
    A11yPage(
        "browser-rename-dialog",
        "/folders/{folder_id}",
        ALICE,
        step=row_dialog("A11y report.docx", "Rename", "rename-dialog"),
    ),
    A11yPage(
        "browser-move-dialog",
        "/folders/{folder_id}",
        ALICE,
        step=row_dialog("A11y report.docx", "Move", "move-dialog"),
    ),
    A11yPage(
        "browser-delete-dialog",
        "/folders/{folder_id}",
        ALICE,
        step=row_dialog("A11y report.docx", "Move to trash", "delete-dialog"),
    ),
    A11yPage(
        "browser-rename-folder-dialog",
        "/folders/{folder_id}",
        ALICE,
        step=row_dialog("A11y inner", "Rename", "rename-folder-dialog"),
    ),
    A11yPage(
        "browser-delete-folder-dialog",
        "/folders/{folder_id}",
        ALICE,
        step=row_dialog("A11y inner", "Move to trash", "delete-folder-dialog"),
    ),
    A11yPage("browser-end-session-dialog", "/folders/{folder_id}", ALICE, step=end_session_dialog),
    A11yPage("browser-upload-refused", "/folders/{folder_id}", ALICE, step=upload_refused),
    A11yPage("browser-undo-flash", "/folders/{folder_id}", ALICE, step=undo_flash),
    A11yPage("browser-new-document-dialog", "/folders/{folder_id}", ALICE, step=new_document_dialog),
    A11yPage("browser-people-suggestions", "/folders/{folder_id}", ALICE, step=people_suggestions),
    A11yPage("browser-preview-light-box", "/folders/{folder_id}", ALICE, step=preview_light_box),
    A11yPage("preview-page", "/files/{file_id}/preview", ALICE, path="/files/{pdf_id}/preview"),
    A11yPage("preview-page-none", "/files/{file_id}/preview", ALICE, path="/files/{zip_id}/preview"),
    A11yPage(
        "pdf-viewer", "/files/{file_id}/view-pdf", ALICE, path="/files/{pdf_id}/view-pdf", ready=PDF_RENDERED
    ),
    A11yPage("trash", "/trash", ALICE),
    A11yPage("trash-empty-page", "/trash/empty", ALICE),
    A11yPage("trash-delete-page", "/trash/{item_id}/delete", ALICE),
    A11yPage("shared-empty", "/shared", ALICE),
    A11yPage("settings-page", "/settings", ALICE),
    A11yPage("search-suggestions", "/", ALICE, step=search_suggestions),
    A11yPage("browser-selection-toolbar", "/folders/{folder_id}", ALICE, step=select_two),
    A11yPage(
        "browser-bulk-move-dialog",
        "/folders/{folder_id}",
        ALICE,
        step=bulk_dialog("Move", "bulk-move-dialog"),
    ),
    A11yPage(
        "browser-bulk-trash-dialog",
        "/folders/{folder_id}",
        ALICE,
        step=bulk_dialog("Move to trash", "bulk-delete-dialog"),
    ),
    A11yPage("browser-name-filter", "/folders/{folder_id}", ALICE, path="/folders/{folder_id}?q=report"),
    A11yPage("move-folder-page", "/folders/{folder_id}/move", ALICE),
    A11yPage("search-results", "/search", ALICE, path="/search?q=A11y"),
    A11yPage("search-no-results", "/search", ALICE, path="/search?q=zzzz-nothing"),
    A11yPage("rename-page", "/files/{file_id}/rename", ALICE),
    A11yPage("move-page", "/files/{file_id}/move", ALICE),
    A11yPage("delete-page", "/files/{file_id}/delete", ALICE),
    A11yPage("share-page", "/files/{file_id}/share", ALICE),
    A11yPage("versions-page", "/files/{file_id}/versions", ALICE),
    A11yPage("activity-page", "/files/{file_id}/activity", ALICE),
    A11yPage("activity-page-admin", "/files/{file_id}/activity", ADA),
    A11yPage("folder-activity-page", "/folders/{folder_id}/activity", ALICE),
    A11yPage("end-session-page", "/files/{file_id}/session/end", ALICE),
    A11yPage(
        "end-session-page-locked",
        "/files/{file_id}/session/end",
        ALICE,
        path="/files/{locked_id}/session/end",
    ),
    A11yPage("rename-folder-page", "/folders/{folder_id}/rename", ALICE),
    A11yPage("delete-folder-page", "/folders/{folder_id}/delete", ALICE),
    A11yPage("signout-page", "/signout", ALICE),
    A11yPage(
        "host-page-edit", "/files/{file_id}/{action}", ALICE, values={"action": "edit"}, ready=HOST_LOADED
    ),
    A11yPage(
        "host-page-share-dialog",
        "/files/{file_id}/{action}",
        ALICE,
        values={"action": "edit"},
        ready=HOST_LOADED,
        step=frame_button("UI_Sharing", "share-dialog"),
    ),
    A11yPage(
        "host-page-versions-dialog",
        "/files/{file_id}/{action}",
        ALICE,
        values={"action": "edit"},
        ready=HOST_LOADED,
        step=frame_button("UI_FileVersions", "versions-dialog"),
    ),
    A11yPage(
        "host-page-save-as-dialog",
        "/files/{file_id}/{action}",
        ALICE,
        values={"action": "edit"},
        ready=HOST_LOADED,
        step=show_dialog("save-as-dialog"),
    ),
    A11yPage(
        "host-page-insert-image-dialog",
        "/files/{file_id}/{action}",
        ALICE,
        values={"action": "edit"},
        ready=HOST_LOADED,
        step=show_dialog("insert-image-dialog"),
    ),
    A11yPage(
        "cannot-open",
        "/files/{file_id}/{action}",
        ALICE,
        values={"action": "view"},
        path="/files/{zip_id}/view",
    ),
    A11yPage("not-found-signed-in", None, ALICE, path="/files/no-such-file/rename"),
    A11yPage("admin-forbidden", None, ALICE, path="/admin/users"),
    # A recipient who may only view.
    A11yPage("shared-with-me", "/shared", BOB),
    A11yPage("shared-row-menu", "/shared", BOB, step=open_menu("More actions for A11y report.docx")),
    A11yPage("share-page-not-owner", "/files/{file_id}/share", BOB),
    A11yPage("move-page-not-owner", "/files/{file_id}/move", BOB),
    A11yPage("versions-page-viewer", "/files/{file_id}/versions", BOB),
    A11yPage(
        "host-page-view", "/files/{file_id}/{action}", BOB, values={"action": "view"}, ready=HOST_LOADED
    ),
    # An administrator.
    A11yPage("admin-users", "/admin/users", ADA),
    A11yPage("admin-sessions", "/admin/sessions", ADA),
    A11yPage("admin-end-session-dialog", "/admin/sessions", ADA, step=admin_end_session_dialog),
    A11yPage("admin-end-session-page", "/admin/sessions/{file_id}/end", ADA),
    A11yPage("admin-errors", "/admin/errors", ADA),
    A11yPage("admin-errors-search", "/admin/errors", ADA, path="/admin/errors?status=4xx&operation=GetFile"),
    A11yPage("admin-activity", "/admin/activity", ADA),
    A11yPage("admin-storage", "/admin/storage", ADA),
)


# Runs in the page: axe-core's violations, only the parts worth printing.
RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"], iframes: false });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.slice(0, 6).map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
    count: v.nodes.length,
  }));
}"""


def serious_violations(page: Page | Frame) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page (or frame) as it is now."""
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return [v for v in violations if v["impact"] in FAILING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    """Violations as readable lines: rule, impact, help, and where."""
    lines: list[str] = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}, {v['count']} element(s)): {v['help']}\n  {v['helpUrl']}")
        for node in v["nodes"]:
            summary = re.sub(r"\s+", " ", node["summary"] or "")
            lines.append(f"    at {node['target']}: {summary}")
    return "\n".join(lines)
