"""The whole dossier built on fakes: a correct deployment is ready; an unstable-ID store is not."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from wopihost.config import Settings
from wopihost.domain.discovery import Action, App, Discovery
from wopihost.readiness.fixture import Prepared
from wopihost.readiness.model import Verdict
from wopihost.readiness.runner import Options, build_dossier
from wopihost.readiness.traffic import UsageFacts
from wopihost.readiness.validator_run import ValidatorTarget

pytestmark = pytest.mark.anyio
WORD_EDIT = "https://word-edit.officeapps.live.com/we/wordeditorframe.aspx?"
DISCOVERY = Discovery(apps=(App("Word", (Action("edit", "docx", WORD_EDIT),)),))
SHA = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


class FakeDeployment:
    """A store in memory; with `unstable`, a rename gives the file a new ID, as a path-based ID would."""

    def __init__(self, *, unstable: bool = False) -> None:
        self.unstable = unstable
        self.name, self.version, self.content = "readiness.wopitest", 1, b""
        self.cleaned = False

    async def prepare(self) -> Prepared:
        return Prepared("f1", ValidatorTarget("https://wopi.localhost/wopi/files/f1", "token", 1000))

    async def check_file_info(self, file_id: str, *, as_recipient: bool = False) -> Mapping[str, Any]:
        return {"UserId": "u2" if as_recipient else "u1", "OwnerId": "u1", "SHA256": SHA,
                "BaseFileName": self.name, "Version": str(self.version), "SupportsLocks": True}  # fmt: skip

    async def ids_seen_by_recipient(self) -> Sequence[str]:
        return ["f1"]

    async def rename_and_move(self, file_id: str) -> str:
        self.name = "renamed.wopitest"
        return "f2" if self.unstable else file_id

    async def save(self, file_id: str, content: bytes) -> None:
        self.content, self.version = content, self.version + 1

    async def download(self, file_id: str) -> bytes:
        return self.content

    async def session_targets(self, name: str) -> Sequence[ValidatorTarget]:
        raise AssertionError("the development client is not this deployment's WOPI client")

    async def business_users(self) -> int:
        return 0

    async def cleanup(self) -> None:
        self.cleaned = True


class FakeUsage:
    name = "fake"

    async def usage(self, since: datetime, until: datetime) -> UsageFacts:
        return UsageFacts(
            "fake", 30, {"Word": 300}, saves=3000, putfile_bytes=3_000_000, peak_hour_editors=12
        )


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        server={
            "public_url": "https://files.localhost",
            "wopi_url": "https://wopi.localhost",
            "trusted_proxies": ["10.0.0.1"],
        },
        discovery={"url": "microsoft-test"},
    )


def _client() -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "wopi.localhost":
            return httpx.Response(302, headers={"Location": "https://files.localhost/"})
        return httpx.Response(200, headers={"Strict-Transport-Security": "max-age=31536000"})

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


async def _build(tmp_path: Path, deployment: FakeDeployment) -> Any:
    async with _client() as client:
        return await build_dossier(
            _settings(tmp_path),
            deployment,
            FakeUsage(),
            client,
            DISCOVERY,
            Options(tmp_path / "no-validator"),
        )


async def test_build_dossier_correct_deployment_is_ready_and_cleans_up(tmp_path: Path) -> None:
    deployment = FakeDeployment()
    dossier = await _build(tmp_path, deployment)
    checks = {c.id: c for s in dossier.sections for c in s.checks}
    assert [c.title for c in checks.values() if c.blocking] == []
    assert dossier.ready
    assert deployment.cleaned
    # Microsoft's discovery: the local validator's own proof keys would be refused, so it is not run.
    assert checks["validator.all"].verdict is Verdict.NOT_RUN
    assert checks["manual.word"].verdict is Verdict.NOT_APPLICABLE
    assert "10.0 (Word 10.0)" in checks["traffic.edit_sessions"].detail
    assert "https://word-edit.officeapps.live.com" in checks["questions.postmessage"].detail


async def test_build_dossier_unstable_ids_not_ready_with_fix(tmp_path: Path) -> None:
    dossier = await _build(tmp_path, FakeDeployment(unstable=True))
    blocking = [c for s in dossier.sections for c in s.checks if c.blocking]
    assert [c.id for c in blocking] == ["questions.file_id_stable"]
    assert "files.id" in blocking[0].fix
    assert not dossier.ready
