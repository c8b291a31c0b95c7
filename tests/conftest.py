"""Fixtures shared by every test layer."""

from __future__ import annotations

import pytest

# moto's S3 server, started once per session for the tests that need it (tests/s3server.py).
pytest_plugins = ["tests.s3server"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
