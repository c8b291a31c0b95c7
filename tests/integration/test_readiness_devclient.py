"""`wopihost readiness` on a deployment that uses the development client: the manual tests are replayed."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.servers import WOPIHOST, free_port, wopihost_in_process, wopihost_server

pytestmark = [pytest.mark.slow]


def test_readiness_with_devclient_replays_manual_tests_and_reports_missing_validator(tmp_path: Path) -> None:
    port, devclient_port = free_port(), free_port()
    env = {
        "WOPIHOST_SERVER__PUBLIC_URL": f"http://127.0.0.1:{port}",
        "WOPIHOST_DEVCLIENT__ENABLED": "true",
        "WOPIHOST_DEVCLIENT__PORT": str(devclient_port),
    }
    data = tmp_path / "data"
    wopihost_in_process(data, "init", env=env)
    html = tmp_path / "readiness.html"
    with wopihost_server(data, port=port, env=env):
        command = [*WOPIHOST, "--data-dir", str(data), "readiness", "--json", "--html", str(html)]
        command += ["--validator", str(tmp_path / "no-validator")]
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=300, check=False, env={**os.environ, **env}
        )
    assert completed.returncode == 1, completed.stderr[-3000:]
    report = json.loads(completed.stdout)
    assert report["ready"] is False
    checks = {c["id"]: c for s in report["sections"] for c in s["checks"]}
    assert checks["validator.all"]["verdict"] == "not run"
    assert "WOPIHOST_DISCOVERY__URL=microsoft-test" in checks["settings.discovery"]["fix"]
    manual = next(s for s in report["sections"] if s["id"] == "manual")
    verdicts = {c["id"]: c["verdict"] for c in manual["checks"]}
    assert verdicts == {
        "manual.download_after_edit": "passed",
        "manual.rename": "passed",
        "manual.save_as": "passed",
        "manual.word": "passed",
        "manual.excel": "passed",
        "manual.powerpoint": "passed",
    }, json.dumps(manual, indent=1)[:5000]
    assert '"access_token":' not in completed.stdout
    assert "access_token=" not in completed.stdout
    assert html.read_text("utf-8").startswith("<!doctype html>")
