"""`wopihost serve` whose development client presents one real client's discovery shape, and four people.

Alice owns every file; Bob has an editor share, Carol a viewer share and Dave a "view, no download" share.
Only one shaped server runs at a time: the pool stops the previous one when a test asks for another shape,
so a module whose tests are ordered by shape starts each server once.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import openpyxl

from tests.e2e.conftest import PASSWORD
from tests.e2e.product_support import Product
from tests.servers import WOPIHOST, Token, free_port, running, wopihost_in_process
from wopihost.devclient.keys import DevClientKeys
from wopihost.devclient.wopi_client import WopiClient, WopiResponse, WopiTarget

PEOPLE = {"alice": "Alice Adams", "bob": "Bob Brown", "carol": "Carol Chen", "dave": "Dave Dunn"}
# The share role each tested role gets, by username; the owner has no share.
ROLE_USERS: Mapping[str, tuple[str, str | None]] = {
    "owner": ("alice", None),
    "editor": ("bob", "edit"),
    "viewer": ("carol", "view"),
    "view_no_download": ("dave", "view-no-download"),
}


@dataclass(frozen=True)
class ShapedProduct:
    """A running product whose development client presents `shape`."""

    shape: str
    product: Product
    log: Path

    def cli(self, *args: str) -> str:
        """Run one `wopihost` command on the server's data directory."""
        return wopihost_in_process(None, *args, env=self.product.env)

    def put(self, owner: str, target: str, content: bytes) -> str:
        """Store a file for `owner` at `target`; returns its ID."""
        local = self.product.data_dir / "incoming" / Path(target).name
        local.parent.mkdir(exist_ok=True)
        local.write_bytes(content)
        return self.cli("file", "put", str(local), "--owner", owner, "--to", target)

    def token(self, username: str, file_id: str) -> Token:
        """A WOPISrc and access token, as `wopihost token` prints them."""
        return Token(**json.loads(self.cli("token", "--user", username, "--file", file_id)))

    def wopi(self, token: Token, operation: str, **kwargs: Any) -> WopiResponse:
        """Send one signed WOPI request (a WopiClient method name) with the client's own proof keys."""

        async def run() -> WopiResponse:
            async with httpx.AsyncClient(timeout=30) as http:
                client = WopiClient(http, DevClientKeys.load(self.product.keys_file).signer)
                target = WopiTarget(token.wopi_src, token.access_token)
                result: WopiResponse = await getattr(client, operation)(target, **kwargs)
                return result

        # The sync Playwright API keeps an event loop running in this thread; the request gets its own.
        with ThreadPoolExecutor(max_workers=1) as thread:
            return thread.submit(anyio.run, run).result(timeout=60)

    def check_file_info(self, token: Token) -> dict[str, Any]:
        """CheckFileInfo with this token, signed."""
        response = self.wopi(token, "check_file_info")
        body = response.json_object()
        assert body is not None, response.describe()
        return body


@contextmanager
def shaped_product(
    root: Path, shape: str, extra_env: Mapping[str, str] | None = None
) -> Iterator[ShapedProduct]:
    """Create the four people, then run `wopihost serve` with a development client of this shape."""
    data_dir = root / "data"
    port, client_port = free_port(), free_port()
    base, client = f"http://127.0.0.1:{port}", f"http://localhost:{client_port}"
    env = {
        "WOPIHOST_DATA_DIR": str(data_dir),
        "WOPIHOST_SERVER__PORT": str(port),
        "WOPIHOST_SERVER__PUBLIC_URL": base,
        "WOPIHOST_DEVCLIENT__ENABLED": "true",
        "WOPIHOST_DEVCLIENT__HOST": "127.0.0.1",
        "WOPIHOST_DEVCLIENT__PORT": str(client_port),
        "WOPIHOST_DEVCLIENT__PUBLIC_URL": client,
        "WOPIHOST_DEVCLIENT__SHAPE": shape,
        "WOPIHOST_DEVCLIENT__AUTOSAVE_SECONDS": "1",
        "WOPIHOST_PROOF_KEYS__MODE": "enforce",
        **(extra_env or {}),
    }
    for username, name in PEOPLE.items():
        wopihost_in_process(None, "user", "add", username, "--name", name, "--password", PASSWORD, env=env)
    log = root / "serve.log"
    with running([*WOPIHOST, "--data-dir", str(data_dir), "serve"], f"{base}/healthz", env=env, log=log):
        product = Product(base=base, devclient=client, data_dir=data_dir, env=env)
        yield ShapedProduct(shape=shape, product=product, log=log)


class ShapePool:
    """Starts a shaped product on first use and stops the one before it."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._stack = ExitStack()
        self._current: ShapedProduct | None = None

    def get(self, shape: str) -> ShapedProduct:
        """The running product of this shape, started (and the previous one stopped) when needed."""
        if self._current is None or self._current.shape != shape:
            self.close()
            self._stack = ExitStack()
            self._current = self._stack.enter_context(shaped_product(self._root / shape, shape))
        return self._current

    def close(self) -> None:
        """Stop the running product, if any."""
        self._stack.close()
        self._current = None


def share_for(shaped: ShapedProduct, role: str, target: str, content: bytes) -> tuple[str, str]:
    """Store a file of Alice's and share it for `role`; returns (file ID, the username who opens it)."""
    username, share_role = ROLE_USERS[role]
    file_id = shaped.put("alice", target, content)
    if share_role is not None:
        shaped.cli("share", file_id, "--with", username, "--role", share_role)
    return file_id, username


def wait_for_content(read: Any, predicate: Any, timeout_s: float) -> bytes:
    """Poll `read()` until `predicate(content)` holds; return the last content read."""
    deadline = time.monotonic() + timeout_s
    content: bytes = read()
    while not predicate(content) and time.monotonic() < deadline:
        time.sleep(0.25)
        content = read()
    return content


def xlsx_bytes(rows: list[tuple[str, object]]) -> bytes:
    """A workbook with one sheet, Budget, holding these rows."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Budget"
    for line in rows:
        sheet.append(list(line))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_cell(content: bytes, ref: str) -> object:
    """One cell's value of the Budget sheet."""
    return openpyxl.load_workbook(io.BytesIO(content))["Budget"][ref].value


def odt_bytes(*paragraphs: str) -> bytes:
    """A minimal OpenDocument text: a mimetype entry and content.xml with these paragraphs."""
    body = "".join(f"<text:p>{text}</text:p>" for text in paragraphs)
    xml = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", xml)
    return out.getvalue()


def pdf_bytes(text: str) -> bytes:
    """A one-line PDF whose text the development client's preview can read."""
    stream = zlib.compress(f"BT /F1 12 Tf 72 712 Td ({text}) Tj ET".encode())
    header = f"1 0 obj << /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode()
    return b"%PDF-1.4\n" + header + stream + b"\nendstream\nendobj\n%%EOF\n"
