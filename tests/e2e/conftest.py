"""End-to-end fixtures: a real `wopihost serve` process, the stand-in WOPI client, and headless Chromium.

The host listens on 127.0.0.1 and the stand-in on localhost, so that the two are different sites, as a
WOPI host and Office for the web are. Chromium is Debian's; without it the tests skip, or fail in CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.e2e.standin_client import ServerThread, StandinClient, free_port
from tests.servers import wopihost_in_process
from tests.services import service_unavailable

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
PASSWORD = "e2e password 123"
STARTUP_SECONDS = 30.0


@dataclass
class HostServer:
    """The wopihost process under test."""

    base: str
    data_dir: Path
    env: dict[str, str]

    def cli(self, *args: str) -> str:
        """Run a wopihost command against the server's data directory (in this process)."""
        return wopihost_in_process(None, *args, env=self.env)


def _wopihost() -> str:
    return str(Path(sys.executable).with_name("wopihost"))


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        service_unavailable(f"Chromium is not installed at {CHROMIUM}")
    return CHROMIUM


@pytest.fixture(scope="session")
def standin() -> Iterator[StandinClient]:
    port = free_port()
    client = StandinClient(base=f"http://localhost:{port}")
    server = ServerThread(client.app(), port)
    server.start()
    try:
        yield client
    finally:
        server.stop()


@pytest.fixture(scope="session")
def host_server(tmp_path_factory: pytest.TempPathFactory, standin: StandinClient) -> Iterator[HostServer]:
    data_dir = tmp_path_factory.mktemp("wopihost-e2e")
    port = free_port()
    env = {
        **os.environ,
        "WOPIHOST_DATA_DIR": str(data_dir),
        "WOPIHOST_DISCOVERY__URL": f"{standin.base}/hosting/discovery",
        "WOPIHOST_PROOF_KEYS__MODE": "off",
        "WOPIHOST_LOGGING__LEVEL": "WARNING",
        "WOPIHOST_DEVCLIENT__ENABLED": "false",
        # Files stored with the CLI (another process) reach the server's search index within seconds.
        "WOPIHOST_SEARCH__SWEEP_SECONDS": "1",
        "WOPIHOST_SEARCH__SETTLE_SECONDS": "0",
        # Previews are on, as in production; conversions run one at a time at the lowest CPU priority.
        "WOPIHOST_PREVIEWS__POLL_SECONDS": "1",
        # Metrics are on, as in production, on a port of their own.
        "WOPIHOST_METRICS__PORT": str(free_port()),
    }
    host = HostServer(base=f"http://127.0.0.1:{port}", data_dir=data_dir, env=env)
    host.cli("init")
    host.cli("user", "add", "alice", "--name", "Alice Adams", "--password", PASSWORD)
    host.cli("user", "add", "bob", "--name", "Bob Brown", "--password", PASSWORD)
    log = (data_dir / "serve.log").open("w")
    process = subprocess.Popen(
        [_wopihost(), "serve", "--port", str(port), "--public-url", host.base],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_up(f"{host.base}/healthz", process)
        yield host
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"wopihost serve exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"wopihost serve did not answer {url} within {STARTUP_SECONDS} s")


# Module scope, not session: the sync Playwright API keeps an asyncio loop current in the main thread
# while it runs, which would break every async test collected after the e2e tests.
@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


def _new_context(browser: Browser, storage_state: Any = None) -> BrowserContext:
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-US", storage_state=storage_state
    )
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = _new_context(browser)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def put_file(host_server: HostServer, tmp_path: Path) -> Callable[..., str]:
    """Store a file for a user with the CLI (`wopihost file put`); returns its ID."""

    def put(target: str, content: bytes = b"content", owner: str = "alice", replace: bool = False) -> str:
        local = tmp_path / Path(target).name
        local.write_bytes(content)
        extra = ["--replace"] if replace else []
        return host_server.cli("file", "put", str(local), "--owner", owner, "--to", target, *extra)

    return put


def sign_in(page: Page, base: str, username: str = "alice") -> None:
    """Sign in through the form and wait for the file browser."""
    page.goto(f"{base}/signin")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


@pytest.fixture(scope="module")
def signed_in_states(browser: Browser, host_server: HostServer) -> dict[str, Any]:
    """Each user's cookies after one sign-in, reused by every test's fresh browser context."""
    states: dict[str, Any] = {}
    for username in ("alice", "bob"):
        context = _new_context(browser)
        sign_in(context.new_page(), host_server.base, username)
        states[username] = context.storage_state()
        context.close()
    return states


@pytest.fixture
def alice(browser: Browser, signed_in_states: dict[str, Any]) -> Iterator[Page]:
    """A browser signed in as Alice."""
    context = _new_context(browser, signed_in_states["alice"])
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def bob(browser: Browser, signed_in_states: dict[str, Any]) -> Iterator[Page]:
    """A second browser, signed in as Bob."""
    context = _new_context(browser, signed_in_states["bob"])
    try:
        yield context.new_page()
    finally:
        context.close()
