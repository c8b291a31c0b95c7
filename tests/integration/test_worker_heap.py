"""A worker freezes what start-up built, so that full collections under load walk only what requests make."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_worker_app_freezes_start_up_objects(tmp_path: Path) -> None:
    script = (
        "import gc\n"
        "from wopihost.app import app_from_environment\n"
        "before = gc.get_freeze_count()\n"
        "app_from_environment()\n"
        "print(before, gc.get_freeze_count())\n"
    )
    env = {**os.environ, "WOPIHOST_DATA_DIR": str(tmp_path / "data"), "WOPIHOST_DEVCLIENT__ENABLED": "false"}
    subprocess.run([sys.executable, "-m", "wopihost", "init"], env=env, check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True)
    before, after = (int(n) for n in done.stdout.split())
    assert before == 0
    # Modules, tables and services: tens of thousands of objects.
    assert after > 20_000
