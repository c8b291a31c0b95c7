"""`wopihost readiness` against a real `wopihost serve` whose discovery is the WOPI validator's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import WOPIHOST, free_port, running, wopihost, wopihost_server
from tests.services import service_unavailable
from tests.validator.test_wopi_validator import VALIDATOR, VALIDATOR_DIR

pytestmark = [pytest.mark.validator, pytest.mark.slow]


def _verdicts(report: dict[str, object]) -> dict[str, str]:
    sections = report["sections"]
    assert isinstance(sections, list)
    return {c["id"]: c["verdict"] for s in sections for c in s["checks"]}


def test_readiness_on_live_server_runs_validator_and_reports_http_as_blocking(tmp_path: Path) -> None:
    if not VALIDATOR.is_file():
        service_unavailable(f"the WOPI validator is not at {VALIDATOR} (set WOPI_VALIDATOR_DIR)")
    keys = tmp_path / "keys.json"
    discovery_port, port = free_port(), free_port()
    discovery_url = f"http://127.0.0.1:{discovery_port}/hosting/discovery"
    env = {
        "WOPIHOST_DISCOVERY__URL": discovery_url,
        "WOPIHOST_PROOF_KEYS__MODE": "enforce",
        "WOPIHOST_SERVER__PUBLIC_URL": f"http://127.0.0.1:{port}",
        "WOPIHOST_SERVER__WOPI_URL": f"http://localhost:{port}",
        "WOPIHOST_DEVCLIENT__ENABLED": "false",
    }
    data = tmp_path / "data"
    wopihost(data, "init", env=env)
    serve_discovery = [sys.executable, str(VALIDATOR), "--serve-discovery", f"127.0.0.1:{discovery_port}"]
    html = tmp_path / "dossier.html"
    with (
        running([*serve_discovery, "--proof-keys", str(keys)], discovery_url, log=tmp_path / "discovery.log"),
        wopihost_server(data, port=port, env=env, extra=["--wopi-url", f"http://localhost:{port}"]),
    ):
        command = [*WOPIHOST, "--data-dir", str(data), "readiness", "--json", "--html", str(html)]
        command += ["--validator", str(VALIDATOR_DIR), "--validator-proof-keys", str(keys)]

        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=300, check=False, env={**os.environ, **env}
        )
    assert completed.returncode == 1, completed.stderr[-3000:]
    report = json.loads(completed.stdout)
    verdicts = _verdicts(report)
    passing = ("BaseWopiViewing", "EditFlows", "Locks", "FileVersion", "ProofKeys", "CheckFileInfoSchema")
    # The host claims containers, the ecosystem and activities, so their groups run, and renaming is checked
    # by the group for hosts with CreateChildFile.
    passing += ("Container", "Ecosystem", "EnumerateAncestorsAndChildren", "AddActivities")
    passing += ("RenameFileIfCreateChildFileIsSupported",)
    for group in passing:
        assert verdicts[f"validator.{group}"] == "passed", json.dumps(report, indent=1)[:6000]
    assert verdicts["questions.file_id_stable"] == "passed"
    assert verdicts["questions.file_id_users"] == "passed"
    assert verdicts["live.wopi_host_content"] == "passed"
    assert verdicts["settings.tls"] == "failed"
    assert verdicts["settings.proofs"] == "passed"
    assert "<style>" in html.read_text("utf-8")
