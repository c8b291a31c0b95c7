"""The development client is found by name, and its absence is reported as a missing extra."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import cast

import pytest
from click.testing import CliRunner

from wopihost import demo, plugins, serving
from wopihost.config import Settings
from wopihost.errors import StartupError
from wopihost.plugins import DEVCLIENT_MISSING, DevClientMissing, load_devclient
from wopihost.services.files import FileService
from wopihost.services.users import UserService


def _raising(name: str | None) -> object:
    def import_module(module: str) -> ModuleType:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    return import_module


def test_load_devclient_installed_returns_module() -> None:
    module = load_devclient("documents")
    assert module is importlib.import_module("wopihost.devclient.documents")


@pytest.mark.parametrize(
    "missing", ["docx", "openpyxl.styles", "pptx", "xlrd", "olefile", "wopihost.devclient"]
)
def test_load_devclient_library_missing_raises_devclient_missing(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    monkeypatch.setattr(plugins.importlib, "import_module", _raising(missing))
    with pytest.raises(DevClientMissing, match=r"pip install 'wopihost\[devclient\]'"):
        load_devclient("cli")


@pytest.mark.parametrize("missing", ["docx", "openpyxl", "pptx", "xlrd", "olefile", "wopihost.devclient"])
def test_devclient_installed_false_when_a_library_is_missing(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        plugins.importlib.util, "find_spec", lambda name: None if name == missing else real(name)
    )
    assert not plugins.devclient_installed()


def test_devclient_installed_when_the_extra_is_there() -> None:
    assert plugins.devclient_installed()


def test_load_devclient_other_module_missing_is_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plugins.importlib, "import_module", _raising("somethingelse"))
    with pytest.raises(ModuleNotFoundError):
        load_devclient("cli")


def test_devclient_missing_message_names_the_extra() -> None:
    assert "wopihost[devclient]" in DEVCLIENT_MISSING


def _not_installed(module: str) -> ModuleType:
    raise DevClientMissing


def test_cli_devclient_not_installed_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import wopihost.cli

    monkeypatch.setattr(wopihost.cli, "load_devclient", _not_installed)
    command = wopihost.cli._devclient_group()
    result = CliRunner().invoke(command, ["serve", "--port", "1"])
    assert result.exit_code == 1
    assert "pip install 'wopihost[devclient]'" in result.output


def test_serve_devclient_not_installed_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(serving, "devclient_installed", lambda: False)
    with pytest.raises(StartupError, match=r"wopihost\[devclient\]"):
        serving._start_devclient(Settings(data_dir=tmp_path))


@pytest.mark.anyio
async def test_seed_demo_not_installed_creates_users_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "load_devclient", _not_installed)
    users, files = _Users(), _Files()
    created = await demo.seed_demo(cast(UserService, users), cast(FileService, files))
    assert [line.split()[1] for line in created[:2]] == ["alice", "bob"]
    assert len(created) == 3
    assert "wopihost[devclient]" in created[-1]


class _Users:
    async def add_user(self, username: str, name: str, *, password: str) -> None:
        return None

    async def get_user_by_name(self, username: str) -> object:
        return object()


class _Files:
    """A file service that the demo must not reach without the development client."""
