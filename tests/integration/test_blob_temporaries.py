"""A node's start reclaims the temporary files of interrupted uploads, but never a live sibling's."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from tests.integration.conftest import make_settings
from wopihost.app import build_services, initialise

pytestmark = pytest.mark.anyio


async def test_start_removes_dead_writers_temporaries_and_keeps_a_live_siblings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    await initialise(settings)
    upload_area = settings.blob_dir / "tmp"
    (upload_area / "deadwriter.part").write_bytes(b"half of a save whose process was killed")
    sibling = upload_area / "livewriter.part"
    fd = os.open(sibling, os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a sibling worker's upload in progress holds it

        services = build_services(settings)
        await services.aclose()

        assert sorted(p.name for p in upload_area.iterdir()) == ["livewriter.part"]
    finally:
        os.close(fd)  # the sibling dies: its lock goes with it

    services = build_services(settings)
    await services.aclose()

    assert list(upload_area.iterdir()) == []
