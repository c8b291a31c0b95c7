"""The dossier built in process on the real services and app: real IDs, real hostname separation, cleanup."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from wopihost.adapters.sql.usage import SqlUsageSource
from wopihost.app import Services, build_services, create_app, initialise
from wopihost.config import Settings
from wopihost.readiness.live import FOLDER, OWNER, LiveFixture
from wopihost.readiness.model import Dossier, Verdict
from wopihost.readiness.runner import Options, build_dossier

pytestmark = pytest.mark.anyio

UI = "http://files.example.test"
WOPI = "http://wopi.example.test"


def _settings(tmp_path: Path, *, wopi_url: str | None) -> Settings:
    return Settings(
        data_dir=tmp_path,
        server={"public_url": UI, "wopi_url": wopi_url},
        discovery={"url": "microsoft-test"},
        proof_keys={"mode": "off"},
    )


async def _dossier(services: Services, app_settings: Settings, tmp_path: Path) -> Dossier:
    """Readiness run with `services.settings` against an app built from `app_settings`."""
    app = create_app(app_settings, services=build_services(app_settings))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app)) as client:
        return await build_dossier(
            services.settings,
            LiveFixture(services),
            SqlUsageSource(services.db),
            client,
            None,
            Options(tmp_path),
        )


def _verdicts(dossier: Dossier) -> dict[str, Verdict]:
    return {c.id: c.verdict for s in dossier.sections for c in s.checks}


async def test_readiness_real_services_answer_questionnaire_and_clean_up(tmp_path: Path) -> None:
    settings = _settings(tmp_path, wopi_url=WOPI)
    await initialise(settings)
    services = build_services(settings)
    try:
        dossier = await _dossier(services, settings, tmp_path)
        verdicts = _verdicts(dossier)
        for check_id in ("questions.file_id_stable", "questions.file_id_users", "questions.user_id",
                         "questions.owner_id", "questions.sha256", "questions.version",
                         "manual.download_after_edit", "manual.rename",
                         "live.wopi_host_content"):  # fmt: skip
            assert verdicts[check_id] is Verdict.PASSED, check_id
        owner = await services.users.get_user_by_name(OWNER)
        root = await services.browse.root_folder(owner)
        folders, _files = await services.files.list_folder(root)
        assert [f.name for f in folders if f.name == FOLDER] == []
        assert await services.trash.entries(owner) == []
    finally:
        await services.aclose()


async def test_readiness_wopi_hostname_serving_pages_fails_with_fix(tmp_path: Path) -> None:
    # The proxy sends wopi.example.test to a server that was never told it is the WOPI hostname.
    settings = _settings(tmp_path, wopi_url=WOPI)
    await initialise(settings)
    services = build_services(settings)
    try:
        dossier = await _dossier(services, _settings(tmp_path, wopi_url=None), tmp_path)
    finally:
        await services.aclose()
    check = next(c for s in dossier.sections for c in s.checks if c.id == "live.wopi_host_content")
    assert check.blocking
    assert f"{WOPI}/signin" in check.detail
    assert "WOPIHOST_SERVER__WOPI_URL" in check.fix
