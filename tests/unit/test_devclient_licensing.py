"""The development client's emulation of Office's licence check for business users (business.rst)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest

from tests.unit.devclient_starlette_host import HostFile, StarletteHost
from wopihost.devclient import licensing
from wopihost.devclient.app import create_devclient_app
from wopihost.devclient.catalog import APPS_BY_NAME
from wopihost.devclient.documents import blank_document
from wopihost.devclient.fileinfo import FileInfo
from wopihost.devclient.keys import DevClientKeys
from wopihost.devclient.wopi_client import WopiClient, WopiTarget

pytestmark = pytest.mark.anyio

KEYS = DevClientKeys.generate()
TARGET = WopiTarget("http://host.test/wopi/files/f1", "token-1")
BASE = "http://127.0.0.1:8081"
_BOOT = re.compile(r'<script id="devclient-boot" type="application/json">(.*?)</script>', re.S)
NOW = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
READY = {
    "BaseFileName": "Plan.docx",
    "UserCanWrite": True,
    "LicenseCheckForEditIsEnabled": True,
    "HostEditUrl": "http://host.test/files/f1/edit",
    "SupportsUserInfo": True,
}


@dataclass
class UserInfoHost:
    """CheckFileInfo answers `info`; PutUserInfo stores its body as the next UserInfo."""

    info: dict[str, Any]
    operations: list[str] = field(default_factory=list)
    stored: list[str] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        override = request.headers.get("X-WOPI-Override")
        if override == "PUT_USER_INFO":
            self.operations.append("PutUserInfo")
            self.stored.append(request.content.decode())
            self.info["UserInfo"] = request.content.decode()
            return httpx.Response(200)
        assert override is None, override
        self.operations.append("CheckFileInfo")
        return httpx.Response(200, content=orjson.dumps(self.info))

    def client(self) -> WopiClient:
        return WopiClient(httpx.AsyncClient(transport=httpx.MockTransport(self.handle)), KEYS.signer)


async def _check(host: UserInfoHost, *, business_user: bool = True, **kwargs: Any) -> licensing.LicenceCheck:
    return await licensing.check_licence(
        host.client(), TARGET, business_user=business_user, now=lambda: NOW, **kwargs
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"islicenseduser": "1"}, True),
        ({"islicenseduser": "true"}, True),
        ({"islicenseduser": "0"}, False),
        ({"islicenseduser": ""}, False),
        ({}, False),
    ],
)
def test_is_business_user_reads_is_licensed_user(query: dict[str, str], expected: bool) -> None:
    assert licensing.is_business_user(query) is expected


async def test_check_licence_not_business_user_sends_nothing() -> None:
    host = UserInfoHost(dict(READY))
    check = await _check(host, business_user=False)
    assert (check.outcome, check.notice, host.operations) == ("not_business", None, [])


async def test_check_licence_first_open_verifies_and_puts_user_info() -> None:
    host = UserInfoHost(dict(READY))
    check = await _check(host)
    assert check.outcome == "verified"
    assert check.notice is None
    assert host.operations == ["CheckFileInfo", "PutUserInfo"]
    assert host.stored == ["devclient-subscription=verified;checked=2026-12-06T09:30:00.000+00:00"]


async def test_check_licence_later_open_with_verified_user_info_skips_check() -> None:
    host = UserInfoHost(dict(READY))
    await _check(host)
    called: list[FileInfo] = []

    async def subscription(info: FileInfo) -> bool:
        called.append(info)
        return True

    check = await _check(host, subscription=subscription)
    assert check.outcome == "skipped"
    assert called == []
    assert host.operations == ["CheckFileInfo", "PutUserInfo", "CheckFileInfo"]


@pytest.mark.parametrize(
    "change",
    [
        {"LicenseCheckForEditIsEnabled": False},
        {"LicenseCheckForEditIsEnabled": None},
        {"HostEditUrl": None},
        {"HostEditUrl": "javascript:alert(1)"},
    ],
    ids=["license_check_false", "license_check_absent", "no_host_edit_url", "host_edit_url_not_web"],
)
async def test_check_licence_host_not_ready_refuses_edit_without_put_user_info(
    change: dict[str, Any],
) -> None:
    info = {**READY, **change}
    host = UserInfoHost({key: value for key, value in info.items() if value is not None})
    check = await _check(host)
    assert check.outcome == "flow_failed"
    assert check.notice == licensing.FLOW_FAILED
    assert check.notice.can_view
    assert host.operations == ["CheckFileInfo"]


async def test_check_licence_unlicensed_refuses_and_reports_insufficient() -> None:
    host = UserInfoHost(dict(READY))

    async def no_subscription(info: FileInfo) -> bool:
        return False

    check = await _check(host, subscription=no_subscription)
    assert (check.outcome, check.notice) == ("unlicensed", licensing.UNLICENSED)
    assert host.stored == ["devclient-subscription=insufficient;checked=2026-12-06T09:30:00.000+00:00"]
    # An insufficient subscription is checked again next time.
    assert (await _check(host)).outcome == "verified"


async def test_check_licence_host_without_user_info_support_checks_every_time() -> None:
    host = UserInfoHost({**READY, "SupportsUserInfo": False})
    assert (await _check(host)).outcome == "verified"
    assert (await _check(host)).outcome == "verified"
    assert host.operations == ["CheckFileInfo", "CheckFileInfo"]


async def test_check_licence_check_file_info_refused_shows_denied() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401)

    client = WopiClient(httpx.AsyncClient(transport=httpx.MockTransport(refuse)), KEYS.signer)
    check = await licensing.check_licence(client, TARGET, business_user=True)
    assert check.outcome == "unavailable"
    assert check.notice is not None
    assert check.notice.title == "Sorry, you don't have permission"


# The action page: a business user's edit goes through the check before any lock is taken.


async def _launch_word_edit(tmp_path: Path, host: StarletteHost, query: str) -> dict[str, Any]:
    app = create_devclient_app(
        keys_file=tmp_path / "keys.json", public_url=BASE, transport=httpx.ASGITransport(app=host.app())
    )
    word = APPS_BY_NAME["Word"].slug
    url = f"/{word}/edit?WOPISrc={quote(host.url('f1'), safe='')}{query}"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        response = await client.post(url, data={"access_token": "tok", "access_token_ttl": "0"})
    match = _BOOT.search(response.text)
    assert match, response.text
    boot: dict[str, Any] = orjson.loads(match.group(1))
    return boot


async def test_edit_page_business_user_without_licence_check_on_host_shows_error_and_takes_no_lock(
    tmp_path: Path,
) -> None:
    host = StarletteHost()
    host.files["f1"] = HostFile("a.docx", blank_document("a.docx"))
    boot = await _launch_word_edit(tmp_path, host, "&IsLicensedUser=1")
    assert boot["mode"] == "error"
    assert boot["notice"]["title"] == licensing.FLOW_FAILED.title
    assert "LOCK" not in host.overrides()


async def test_edit_page_non_business_user_edits_without_licence_check(tmp_path: Path) -> None:
    host = StarletteHost()
    host.files["f1"] = HostFile("a.docx", blank_document("a.docx"))
    boot = await _launch_word_edit(tmp_path, host, "")
    assert boot["mode"] == "edit"
    assert host.overrides()[:2] == ["CHECK_FILE_INFO", "LOCK"]
