"""The import-linter contract that keeps the development client out of the host names every host module."""

from __future__ import annotations

import tomllib
from pathlib import Path

import wopihost

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = "The host does not import the development client"


def test_host_contract_names_every_top_level_module_but_the_development_client() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (contract,) = [c for c in contracts if c["name"] == CONTRACT]
    package = Path(wopihost.__file__).parent
    modules = {
        f"wopihost.{path.stem if path.is_file() else path.name}"
        for path in package.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").is_file()
    }

    assert set(contract["source_modules"]) == modules - {"wopihost.devclient"}
