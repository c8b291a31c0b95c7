"""The development client, looked up by name at run time.

The host never imports `wopihost.devclient` (an import-linter contract keeps it so): the client and its
document libraries are the optional extra `wopihost[devclient]`, loaded here only when something asks for it.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from wopihost.errors import ConfigurationError

DEVCLIENT_PACKAGE = "wopihost.devclient"
# The third-party libraries of the extra; a missing one means the extra is not installed.
DEVCLIENT_LIBRARIES = frozenset({"docx", "openpyxl", "pptx", "xlrd", "olefile"})
DEVCLIENT_MISSING = "the development client is not installed: pip install 'wopihost[devclient]'"
# `serve` gives the development client it starts a random instance ID, which the client sends back in this
# header: an answer without it comes from another process that took the port in between.
DEVCLIENT_INSTANCE_HEADER = "x-wopihost-devclient-instance"


class DevClientMissing(ConfigurationError):
    """The development client, or one of the libraries it needs, is not installed."""

    def __init__(self) -> None:
        super().__init__(DEVCLIENT_MISSING)


def load_devclient(module: str) -> ModuleType:
    """Import `wopihost.devclient.<module>`; raise DevClientMissing when the extra is not installed."""
    try:
        return importlib.import_module(f"{DEVCLIENT_PACKAGE}.{module}")
    except ModuleNotFoundError as exc:
        name = exc.name or ""
        if name.split(".")[0] in DEVCLIENT_LIBRARIES or name.startswith(DEVCLIENT_PACKAGE):
            raise DevClientMissing from exc
        raise


def devclient_installed() -> bool:
    """Whether the development client and its document libraries are installed (found, not imported: the
    host only starts the client, in a process of its own)."""
    try:
        return all(importlib.util.find_spec(name) for name in (DEVCLIENT_PACKAGE, *DEVCLIENT_LIBRARIES))
    except (ImportError, ValueError):
        return False
