"""The development client is found by name, and its absence is reported as a missing extra."""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest

from wopihost import plugins
from wopihost.plugins import DEVCLIENT_MISSING, DevClientMissing, load_devclient


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
    assert not plugins.devclient_installed()


def test_load_devclient_other_module_missing_is_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plugins.importlib, "import_module", _raising("somethingelse"))
    with pytest.raises(ModuleNotFoundError):
        load_devclient("cli")


def test_devclient_missing_message_names_the_extra() -> None:
    assert "wopihost[devclient]" in DEVCLIENT_MISSING
