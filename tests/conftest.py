"""Fixtures shared by every test layer."""

from __future__ import annotations

import pytest

# moto's S3 server, started once per session for the tests that need it (tests/s3server.py).
pytest_plugins = ["tests.s3server"]


# Under pytest-xdist (`test.sh` runs two workers), each module runs on one worker so its module-scoped
# servers start once; the layers that start real servers and Chromium run one after another on one worker,
# so they never compete with each other for the two cores and their timeouts stay honest.
SERIAL_LAYERS = ("e2e", "validator", "multinode")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        layer = item.nodeid.split("/")[1] if item.nodeid.startswith("tests/") else ""
        group = "serial-layers" if layer in SERIAL_LAYERS else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
