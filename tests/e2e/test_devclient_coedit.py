"""Two people co-edit one .docx in headless Chromium through a host page, the development client, wopihost.

The host page here is the minimal one hostpage.rst describes: it creates the iframe with script, POSTs
access_token and access_token_ttl into it with a form, and speaks PostMessage with it. wopihost's public URL
is this page's origin, so CheckFileInfo names it as PostMessageOrigin and its HostEditUrl leads here.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from tests.devclient_harness import (
    DevClientUnderTest,
    FileSpec,
    HostUnderTest,
    PreparedFile,
    RecordingTransport,
    prepare_files,
    serve_in_thread,
    wopihost_for,
)
from tests.servers import Token, free_port
from tests.services import service_unavailable
from tests.unit.test_devclient_documents import _doc
from wopihost.devclient.app import create_devclient_app
from wopihost.devclient.policies import Timings
from wopihost.domain.discovery import normalize_extension

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
FAST = Timings(word_autosave=0.5, check_file_info=60.0, lock_refresh=60.0, heartbeat_timeout=60.0)

HOST_PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1, user-scalable=no">
<title>{title}</title>
<link rel="shortcut icon" href="{favicon}">
<style>
body {{ margin: 0; padding: 0; overflow: hidden; }}
#office_frame {{ width: 100%; height: 100%; position: absolute; top: 0; left: 0; right: 0; bottom: 0;
  margin: 0; border: none; display: block; }}
</style></head>
<body>
<form id="office_form" name="office_form" target="office_frame" action="{action}" method="post">
  <input name="access_token" value="{token}" type="hidden">
  <input name="access_token_ttl" value="{ttl}" type="hidden">
</form>
<span id="frameholder"></span>
<script>
  window.hostMessages = [];
  var frameOrigin = new URL(document.getElementById("office_form").action).origin;
  window.addEventListener("message", function (event) {{
    if (event.origin !== frameOrigin) {{ return; }}
    var message = JSON.parse(event.data);
    window.hostMessages.push(message.MessageId);
    if (message.MessageId === "File_Rename") {{ document.title = message.Values.NewName; }}
    if (message.MessageId === "UI_Close") {{ window.location.href = "/closed"; }}
  }});
  var frame = document.createElement("iframe");
  frame.name = "office_frame";
  frame.id = "office_frame";
  frame.title = "Office Frame";
  frame.setAttribute("allowfullscreen", "true");
  frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms allow-popups "
    + "allow-top-navigation allow-popups-to-escape-sandbox allow-downloads allow-modals");
  document.getElementById("frameholder").appendChild(frame);
  frame.addEventListener("load", function () {{
    var ready = {{ MessageId: "Host_PostmessageReady", SendTime: Date.now(), Values: {{}} }};
    frame.contentWindow.postMessage(JSON.stringify(ready), frameOrigin);
    window.hostMessages.push("sent:Host_PostmessageReady");
  }});
  document.getElementById("office_form").submit();
</script>
</body></html>
"""


POST_TO_FRAME = """message => {
  const frame = document.getElementById("office_frame");
  const body = JSON.stringify({ MessageId: message, SendTime: Date.now(), Values: {} });
  frame.contentWindow.postMessage(body, new URL(document.getElementById("office_form").action).origin);
}"""


def _require_chromium() -> None:
    if not CHROMIUM.exists():
        service_unavailable(f"{CHROMIUM} is not installed")


class HostPages:
    """A minimal host page server: /files/{id}/{action}?user=NAME, with tokens from the CLI."""

    def __init__(self, devclient: DevClientUnderTest) -> None:
        self.devclient = devclient
        self.host: HostUnderTest | None = None
        self.tokens: dict[tuple[str, str], Token] = {}
        self.names: dict[str, str] = {}

    def _resolve(self, user: str, file_id: str) -> Token:
        # Files the WOPI client created (a conversion's result) are met here first, by their HostEditUrl.
        if (user, file_id) not in self.tokens:
            assert self.host is not None
            token = self.host.token(user, file_id)
            self.tokens[(user, file_id)] = token
            self.names[file_id] = self.host.file_name(token)
        return self.tokens[(user, file_id)]

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/files/{file_id}/{action}", self.page),
                Route("/closed", lambda request: HTMLResponse("<title>Closed</title><p>Closed</p>")),
                Route("/", lambda request: HTMLResponse("<title>Home</title><p>Home</p>")),
            ]
        )

    async def page(self, request: Request) -> Response:
        file_id, action = request.path_params["file_id"], request.path_params["action"]
        user = request.query_params.get("user") or request.cookies.get("user", "")
        token = await run_in_threadpool(self._resolve, user, file_id)
        ext = normalize_extension(self.names[file_id].rsplit(".", 1)[1])
        url = self.devclient.action_url(ext, action, token.wopi_src, language="en-US")
        app = self.devclient.discovery().find_app(ext)
        page = HOST_PAGE.format(
            title=html.escape(self.names[file_id]),
            favicon=html.escape(app.fav_icon_url if app and app.fav_icon_url else ""),
            action=html.escape(url),
            token=html.escape(token.access_token),
            ttl=token.access_token_ttl,
        )
        response = HTMLResponse(page, headers={"Cache-Control": "no-cache, no-store", "Expires": "-1"})
        response.set_cookie("user", user)
        return response


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[HostPages, HostUnderTest, dict[str, PreparedFile]]]:
    _require_chromium()
    root = tmp_path_factory.mktemp("e2e")
    port, recorder = free_port(), RecordingTransport()
    app = create_devclient_app(
        keys_file=root / "proof-keys.json",
        public_url=f"http://127.0.0.1:{port}",
        timings=FAST,
        transport=recorder,
        tick_seconds=0.05,
        poll_seconds=0.25,
    )
    with serve_in_thread(app, port) as devclient_url:
        devclient = DevClientUnderTest(devclient_url, recorder, root / "proof-keys.json")
        pages = HostPages(devclient)
        with (
            serve_in_thread(pages.app()) as pages_url,
            wopihost_for(
                devclient_url, root / "host", root / "proof-keys.json", public_url=pages_url
            ) as host,
        ):
            pages.host = host
            host.add_user("alice", "Alice Able")
            host.add_user("bob", "Bob Baker")
            document = docx.Document()
            document.add_paragraph("The first paragraph, to be rewritten.")
            out = io.BytesIO()
            document.save(out)
            specs = [
                FileSpec("Together.docx", out.getvalue(), {"bob": "edit"}, ("alice", "bob")),
                FileSpec("Minutes.doc", _doc([("Minutes of the meeting\r", True)])),
            ]
            prepared = prepare_files(host, root / "files", "alice", specs)
            for spec in specs:
                pages.names[prepared[spec.name].file_id] = spec.name
                for user, token in prepared[spec.name].tokens.items():
                    pages.tokens[(user, prepared[spec.name].file_id)] = token
            yield pages, host, prepared


def _paragraphs(content: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]


def test_two_browsers_coedit_one_docx_and_the_saved_file_has_both_edits(
    world: tuple[HostPages, HostUnderTest, dict[str, PreparedFile]],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    _, host, files = world
    prepared = files["Together.docx"]
    base = host.env["WOPIHOST_SERVER__PUBLIC_URL"]
    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            alice = browser.new_context(viewport={"width": 1200, "height": 800}).new_page()
            bob = browser.new_context(viewport={"width": 1200, "height": 800}).new_page()
            alice.goto(f"{base}/files/{prepared.file_id}/edit?user=alice")
            alice_frame = alice.frame_locator("#office_frame")
            expect(alice_frame.locator('textarea[data-key="p0"]')).to_be_visible(timeout=30_000)
            bob.goto(f"{base}/files/{prepared.file_id}/edit?user=bob")
            bob_frame = bob.frame_locator("#office_frame")
            expect(bob_frame.locator('textarea[data-key="p0"]')).to_be_visible(timeout=30_000)
            expect(alice_frame.locator(".avatar")).to_have_count(2)

            alice_frame.locator('textarea[data-key="p0"]').fill("Alice rewrote the first paragraph.")
            bob_frame.locator("#btn-append").click()
            expect(bob_frame.locator('textarea[data-key="p1"]')).to_be_focused()
            bob.keyboard.type("Bob added this paragraph.")

            # Each sees the other's edit, and both see the save.
            expect(alice_frame.locator('textarea[data-key="p1"]')).to_have_value(
                "Bob added this paragraph.", timeout=15_000
            )
            expect(bob_frame.locator('textarea[data-key="p0"]')).to_have_value(
                "Alice rewrote the first paragraph.", timeout=15_000
            )
            for frame in (alice_frame, bob_frame):
                expect(frame.locator("#save-status")).to_contain_text("Saved by", timeout=15_000)
            alice.screenshot(path=str(OUTPUT / "devclient-coedit-alice.png"))
            bob.screenshot(path=str(OUTPUT / "devclient-coedit-bob.png"))

            alice_messages = alice.evaluate("window.hostMessages")
            ready = alice_messages.index("sent:Host_PostmessageReady")
            assert "App_LoadingStatus" in alice_messages[ready:], alice_messages
            assert "Edit_Notification" in alice_messages
            assert "Edit_Notification" in bob.evaluate("window.hostMessages")

            # Close: both leave; the last one out saves and unlocks, then the host page gets UI_Close.
            for page, frame in ((alice, alice_frame), (bob, bob_frame)):
                frame.locator("#btn-close").click()
                page.wait_for_url(f"{base}/closed", timeout=15_000)
        finally:
            browser.close()

    saved = _paragraphs(host.read(prepared.tokens["alice"]))
    assert saved == ["Alice rewrote the first paragraph.", "Bob added this paragraph."]


def test_rename_in_the_client_renames_the_file_and_tells_the_host_page(
    world: tuple[HostPages, HostUnderTest, dict[str, PreparedFile]],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    _, host, files = world
    prepared = files["Together.docx"]
    base = host.env["WOPIHOST_SERVER__PUBLIC_URL"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.goto(f"{base}/files/{prepared.file_id}/edit?user=alice")
            frame = page.frame_locator("#office_frame")
            expect(frame.locator('textarea[data-key="p0"]')).to_be_visible(timeout=30_000)

            frame.locator("#file-name").click()
            frame.locator("#file-name-input").fill("Renamed together")
            frame.locator("#file-name-input").press("Enter")

            expect(frame.locator("#file-name")).to_have_text("Renamed together.docx")
            expect(page).to_have_title("Renamed together")
            frame.locator("#btn-share").click()
            page.wait_for_function("window.hostMessages.includes('UI_Sharing')")
            # A host drawing over the frame sends Blur_Focus, then Grab_Focus when its UI closes.
            page.evaluate(POST_TO_FRAME, "Blur_Focus")
            expect(frame.locator("body")).to_have_class(re.compile("focus-blurred"))
            page.evaluate(POST_TO_FRAME, "Grab_Focus")
            expect(frame.locator("body")).not_to_have_class(re.compile("focus-blurred"))
            page.screenshot(path=str(OUTPUT / "devclient-rename.png"))
            frame.locator("#btn-close").click()
            page.wait_for_url(f"{base}/closed", timeout=15_000)
        finally:
            browser.close()

    info = host.cli("file", "list", "--owner", "alice", "/files")
    assert "Renamed together.docx" in info


def test_convert_in_the_client_puts_the_new_file_and_opens_its_host_edit_url(
    world: tuple[HostPages, HostUnderTest, dict[str, PreparedFile]],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    _, host, files = world
    base = host.env["WOPIHOST_SERVER__PUBLIC_URL"]
    old = files["Minutes.doc"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.goto(f"{base}/files/{old.file_id}/convert?user=alice")

            # The client converts, calls PutRelativeFile, and sends the top window to the HostEditUrl.
            new_edit_page = re.compile(rf"{re.escape(base)}/files/(?!{old.file_id})\w+/edit")
            page.wait_for_url(new_edit_page, timeout=30_000)
            frame = page.frame_locator("#office_frame")
            expect(frame.locator('textarea[data-key="p0"]')).to_have_value(
                "Minutes of the meeting", timeout=30_000
            )
            expect(frame.locator("#file-name")).to_have_text("Minutes.docx")
            page.screenshot(path=str(OUTPUT / "devclient-converted.png"))
            frame.locator("#btn-close").click()
            page.wait_for_url(f"{base}/closed", timeout=15_000)
        finally:
            browser.close()
