"""Readiness checks against a correct deployment and against deliberately wrong ones."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import pytest

from wopihost.config import Settings
from wopihost.readiness import probes, questionnaire, settings_checks
from wopihost.readiness.model import Verdict

GOOD = {
    "public_url": "https://files.example.com",
    "wopi_url": "https://wopi.example.com",
    "trusted_proxies": ["10.0.0.1"],
}


def _settings(tmp_path: Any, **server: Any) -> Settings:
    return Settings(
        data_dir=tmp_path,
        server={**GOOD, **server},
        discovery={"url": "microsoft-test"},
    )


def test_settings_checks_correct_deployment_all_pass(tmp_path: Any) -> None:
    checks = settings_checks.settings_checks(_settings(tmp_path))
    assert {c.id: c.verdict for c in checks if c.verdict is not Verdict.INFO} == {
        "settings.tls": Verdict.PASSED,
        "settings.dedicated_hostname": Verdict.PASSED,
        "settings.proxies": Verdict.PASSED,
        "settings.discovery": Verdict.PASSED,
        "settings.proofs": Verdict.PASSED,
    }


def test_check_tls_http_urls_fails_with_url_settings(tmp_path: Any) -> None:
    check = settings_checks.check_tls(_settings(tmp_path, wopi_url="http://wopi.example.com"))
    assert check.blocking
    assert "WOPIHOST_SERVER__WOPI_URL" in check.fix


def test_check_proofs_off_fails_with_mode_setting(tmp_path: Any) -> None:
    settings = Settings(data_dir=tmp_path, server=GOOD, proof_keys={"mode": "off"})
    check = settings_checks.check_proofs(settings)
    assert check.blocking
    assert "WOPIHOST_PROOF_KEYS__MODE=enforce" in check.fix


def test_check_trusted_proxies_missing_fails_with_proxies_setting(tmp_path: Any) -> None:
    check = settings_checks.check_trusted_proxies(_settings(tmp_path, trusted_proxies=[]))
    assert check.blocking
    assert "WOPIHOST_SERVER__TRUSTED_PROXIES" in check.fix


def test_check_dedicated_hostname_shared_with_ui_fails(tmp_path: Any) -> None:
    check = settings_checks.check_dedicated_hostname(_settings(tmp_path, wopi_url=None))
    assert check.blocking
    assert "WOPIHOST_SERVER__WOPI_URL" in check.fix


def test_values_for_microsoft_come_from_urls(tmp_path: Any) -> None:
    values = settings_checks.values_for_microsoft(_settings(tmp_path))
    assert values["WOPI domain allow-list"] == ["wopi.example.com"]
    assert values["PostMessage origin (host page)"] == ["https://files.example.com"]


def _client(serves_pages: bool) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if serves_pages:
            return httpx.Response(200, html="<html>files</html>")
        return httpx.Response(302, headers={"Location": "https://files.example.com/"})

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


@pytest.mark.anyio
async def test_ui_on_wopi_host_serving_pages_fails(tmp_path: Any) -> None:
    async with _client(serves_pages=True) as client:
        check = await probes.check_ui_refused_on_wopi_host(_settings(tmp_path), client)
    assert check.blocking
    assert check.fix


@pytest.mark.anyio
async def test_ui_on_wopi_host_redirected_passes(tmp_path: Any) -> None:
    async with _client(serves_pages=False) as client:
        check = await probes.check_ui_refused_on_wopi_host(_settings(tmp_path), client)
    assert check.verdict is Verdict.PASSED


class FakeFixture:
    """A store whose IDs can be made unstable: a rename gives the file a new ID."""

    def __init__(self, *, unstable: bool) -> None:
        self.unstable = unstable
        self.name = "readiness.wopitest"

    def _cfi(self, user: str) -> dict[str, Any]:
        return {"UserId": user, "OwnerId": "u1", "SHA256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                "BaseFileName": self.name, "Version": "1", "SupportsLocks": True}  # fmt: skip

    async def check_file_info(self, file_id: str, *, as_recipient: bool = False) -> Mapping[str, Any]:
        return self._cfi("u2" if as_recipient else "u1")

    async def ids_seen_by_recipient(self) -> Sequence[str]:
        return ["f1"]

    async def rename_and_move(self, file_id: str) -> str:
        self.name = "renamed.wopitest"
        return "f1-renamed" if self.unstable else file_id


@pytest.mark.anyio
@pytest.mark.parametrize(("unstable", "verdict"), [(False, Verdict.PASSED), (True, Verdict.FAILED)])
async def test_file_id_checks_rename_and_move_verdict(unstable: bool, verdict: Verdict) -> None:
    checks = await questionnaire.file_id_checks(FakeFixture(unstable=unstable), "f1")  # type: ignore[arg-type]
    stable = next(c for c in checks if c.id == "questions.file_id_stable")
    assert stable.verdict is verdict
    assert (not unstable) or "files.id" in stable.fix


def test_sha256_check_missing_fails() -> None:
    assert questionnaire.sha256_check({"SHA256": None}).blocking


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("headers", "verdict"),
    [({"Strict-Transport-Security": "max-age=1"}, Verdict.PASSED), ({}, Verdict.FAILED)],
)
async def test_check_hsts_header_presence_verdict(
    tmp_path: Any, headers: dict[str, str], verdict: Verdict
) -> None:
    transport = httpx.MockTransport(lambda _request: httpx.Response(200, headers=headers))
    async with httpx.AsyncClient(transport=transport) as client:
        check = await probes.check_hsts(_settings(tmp_path), client)
    assert check.verdict is verdict


@pytest.mark.anyio
async def test_check_ipv6_loopback_not_applicable(tmp_path: Any) -> None:
    check = await probes.check_ipv6(_settings(tmp_path, wopi_url="http://127.0.0.1:8080"))
    assert check.verdict is Verdict.NOT_APPLICABLE
