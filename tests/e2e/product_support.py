"""The whole product for end-to-end tests: `wopihost serve` with the development client it starts itself.

One server process runs the web UI and WOPI; `serve` starts the development WOPI client beside it, on its own
port and under the name `localhost` (another site than the host's 127.0.0.1, as Office for the web is), and
the host verifies that client's proof keys strictly. Reads and lock checks go through WOPI with a token from
`wopihost token`, signed with the client's own keys, so that they pass the host's proof check too.
"""

from __future__ import annotations

import io
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
import docx
import httpx
from playwright.sync_api import FrameLocator, Locator, Page, expect

from tests.e2e.conftest import PASSWORD
from tests.search_documents import word
from tests.servers import (
    WOPIHOST,
    Token,
    free_port,
    mint_token_in_process,
    running,
    wopihost_in_process,
)
from wopihost.devclient.keys import DevClientKeys
from wopihost.devclient.wopi_client import WopiClient, WopiResponse, WopiTarget

USERS = {"alice": "Alice Adams", "bob": "Bob Brown"}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "product"
# Long enough for a save (autosave every second) and a poll (every second) to reach the other browser.
ROUND_TRIP_MS = 15_000
# An editor page loads through the host page, a form POST, CheckFileInfo, Lock and GetFile.
OPEN_MS = 30_000
# What the development client's notice says when PutFile refuses a user whose share was revoked.
PERMISSION_LOST = "Sorry, you no longer have permission"


@dataclass(frozen=True)
class Product:
    """A running `wopihost serve`: its URL, its development client's URL, and the CLI on its data."""

    base: str
    devclient: str
    data_dir: Path
    env: Mapping[str, str]

    @property
    def keys_file(self) -> Path:
        """The development client's proof keys (created by the client `serve` started)."""
        return self.data_dir / "devclient" / "proof-keys.json"

    def cli(self, *args: str) -> str:
        """Run one `wopihost` command on the server's data directory."""
        return wopihost_in_process(self.data_dir, *args, env=self.env)

    def put(self, owner: str, target: str, content: bytes) -> str:
        """Store a file for `owner` at `target` with `wopihost file put`; returns its ID."""
        local = self.data_dir / "incoming" / Path(target).name
        local.parent.mkdir(exist_ok=True)
        local.write_bytes(content)
        return self.cli("file", "put", str(local), "--owner", owner, "--to", target)

    def token(self, username: str, file_id: str) -> Token:
        """A WOPISrc and access token from `wopihost token`."""
        return mint_token_in_process(self.data_dir, username, file_id, env=self.env)

    def read(self, token: Token) -> bytes:
        """The file's stored content, by a signed GetFile."""
        response = self._wopi(lambda client, target: client.get_file(target), token)
        assert response.ok, f"GetFile: {response.describe()}"
        return response.content

    def lock_of(self, token: Token) -> str:
        """The file's current lock ID by a signed GetLock; empty when the file is unlocked."""
        response = self._wopi(lambda client, target: client.get_lock(target), token)
        assert response.ok, f"GetLock: {response.describe()}"
        lock = response.header("X-WOPI-Lock")
        assert lock is not None, "GetLock answered without an X-WOPI-Lock header"
        return lock

    def _wopi(
        self, call: Callable[[WopiClient, WopiTarget], Awaitable[WopiResponse]], token: Token
    ) -> WopiResponse:
        async def run() -> WopiResponse:
            async with httpx.AsyncClient(timeout=30) as http:
                client = WopiClient(http, DevClientKeys.load(self.keys_file).signer)
                return await call(client, WopiTarget(token.wopi_src, token.access_token))

        # The sync Playwright API keeps an event loop running in this thread; the request gets its own.
        with ThreadPoolExecutor(max_workers=1) as thread:
            return thread.submit(anyio.run, run).result(timeout=60)


@contextmanager
def product_server(root: Path) -> Iterator[Product]:
    """Create alice and bob with passwords, then run `wopihost serve` (and its client) until the end."""
    data_dir = root / "data"
    port, client_port = free_port(), free_port()
    base, client = f"http://127.0.0.1:{port}", f"http://localhost:{client_port}"
    # The CLI reads the same settings as `serve`, so that `wopihost token` names the server's WOPISrc.
    env = {
        "WOPIHOST_DATA_DIR": str(data_dir),
        "WOPIHOST_SERVER__PORT": str(port),
        "WOPIHOST_SERVER__PUBLIC_URL": base,
        "WOPIHOST_DEVCLIENT__ENABLED": "true",
        "WOPIHOST_DEVCLIENT__HOST": "127.0.0.1",
        "WOPIHOST_DEVCLIENT__PORT": str(client_port),
        "WOPIHOST_DEVCLIENT__PUBLIC_URL": client,
        "WOPIHOST_DEVCLIENT__AUTOSAVE_SECONDS": "1",
        "WOPIHOST_PROOF_KEYS__MODE": "enforce",
    }
    for username, name in USERS.items():
        wopihost_in_process(
            data_dir, "user", "add", username, "--name", name, "--password", PASSWORD, env=env
        )
    command = [*WOPIHOST, "--data-dir", str(data_dir), "serve"]
    with running(command, f"{base}/healthz", env=env, log=root / "serve.log"):
        yield Product(base=base, devclient=client, data_dir=data_dir, env=env)


def docx_bytes(*paragraphs: str) -> bytes:
    """A .docx with these paragraphs, made with python-docx."""
    return word(*paragraphs)


def docx_paragraphs(content: bytes) -> list[str]:
    """The non-empty paragraphs of a .docx."""
    return [p.text for p in docx.Document(io.BytesIO(content)).paragraphs if p.text]


def row(page: Page, name: str) -> Locator:
    """A file's row in the file browser."""
    return page.locator(f'tr[data-file-name="{name}"]')


def row_menu_item(page: Page, name: str, item: str) -> Locator:
    """Open a file's "More actions" menu and return one of its items."""
    row(page, name).get_by_label(f"More actions for {name}").click()
    return row(page, name).get_by_role("menuitem", name=item, exact=True)


def client_frame(page: Page) -> FrameLocator:
    """The WOPI client's frame in a host page."""
    return page.frame_locator("#office_frame")


def wait_until_editing(page: Page) -> FrameLocator:
    """Wait until the host page's frame shows an editable document and the host took down its cover."""
    frame = client_frame(page)
    # Word's "New paragraph" button and Excel's cells appear once the client has loaded the document.
    expect(frame.locator("#btn-append, input[data-key]").first).to_be_visible(timeout=OPEN_MS)
    expect(page.locator("#loading")).to_have_class(re.compile(r"\bdone\b"), timeout=OPEN_MS)
    return frame


def block(frame: FrameLocator, key: str) -> Locator:
    """One editable block of the client's document (p0, p1, ... or Sheet!A1)."""
    return frame.locator(f'[data-key="{key}"]')


def shot(page: Page, name: str) -> None:
    """Save a screenshot of the page as test-output/product/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
