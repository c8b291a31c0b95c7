"""Metrics of the e2e server: what a person does in the browser shows on the metrics port."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import HostServer
from tests.e2e.test_editing_sessions_browser import locked_by_bob

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]
# Sessions and breaks are read from the database at most every 5 s.
SESSION_CACHE_WAIT = 12.0


def scrape(host: HostServer) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    port = host.env["WOPIHOST_METRICS__PORT"]
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def breaks_by_user(host: HostServer) -> float:
    return scrape(host).get(("wopihost_lock_breaks_total", frozenset({("reason", "ended_by_user")})), 0.0)


def test_owner_ending_session_in_browser_counted_as_break_by_user(
    alice: Page, host_server: HostServer, put_file: Callable[..., str]
) -> None:
    before = breaks_by_user(host_server)
    locks = ("wopihost_wopi_requests_total", frozenset({("operation", "Lock"), ("status", "200")}))
    locks_before = scrape(host_server).get(locks, 0.0)
    name = "Counted session.docx"
    locked_by_bob(host_server, put_file, name)
    assert scrape(host_server)[locks] == locks_before + 1
    alice.goto(f"{host_server.base}/")
    row = alice.locator(f'tr[data-file-name="{name}"]')
    row.get_by_role("link", name="End editing session").click()
    alice.locator("#end-session-dialog").get_by_role("button", name="End editing session").click()
    expect(alice.locator("#flashes")).to_contain_text("Ended the editing session.")

    deadline = time.monotonic() + SESSION_CACHE_WAIT
    while breaks_by_user(host_server) == before and time.monotonic() < deadline:
        time.sleep(0.5)
    assert breaks_by_user(host_server) == before + 1
    web = scrape(host_server)
    assert web[("wopihost_web_requests_total", frozenset({("route", "/"), ("status", "200")}))] >= 1
