"""The benchmark suite and `wopihost bench` work: every scenario runs and reports sane figures without errors.

These check the benchmark's correctness, not the host's speed: the suite runs in its quick mode (one second
per run, tiny files) and the command for a few seconds against a test server.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bench.fixture import add_files, deployment
from bench.run import NAMES

from tests.servers import WOPIHOST, running
from tests.services import service_unavailable

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
SCENARIO_ROWS = {
    "checkfileinfo": "CheckFileInfo",
    "getfile": "GetFile",
    "putfile": "PutFile",
    "locks": "LockCycle",
    "coauthoring": "CoAuthoring",
    "startup": "StartUp",
    "workers": "Workers",
}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("WOPIHOST_")]:
        monkeypatch.delenv(name)
    if not shutil.which("wrk"):
        service_unavailable("wrk is not installed (apt-get install wrk)")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}


def _check_load(row: dict[str, Any]) -> None:
    load = row["load"]
    where = f"{row['scenario']} {row['target']}"
    assert load["requests"] > 0, where
    assert load["errors"] == 0, where
    assert 0 < load["p50_ms"] <= load["p95_ms"] <= load["p99_ms"] < 60_000, where
    assert load["requests_per_second"] > 0, where


def test_quick_suite_reports_every_scenario_without_errors(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--name", "smoke", "--results", str(tmp_path)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "smoke.json").read_text())
    rows = report["rows"]
    assert report["proofs"] == "enforce"
    assert {row["scenario"] for row in rows} == {SCENARIO_ROWS[name] for name in NAMES}
    for row in rows:
        if "load" in row:
            _check_load(row)
        if "server" in row:
            assert row["server"]["rss_peak_mib"] > 10, row["target"]
    compared = [
        row for row in rows if row["target"].endswith("wopihost") and row["scenario"] != "CoAuthoring"
    ]
    assert compared
    assert all(row["ratio"] > 0 for row in compared)
    minimal = [row for row in rows if row["target"].endswith(" minimal")]
    assert [row["scenario"] for row in minimal] == ["CheckFileInfo", "LockCycle"]
    assert all(row["ratio"] > 0 for row in minimal)
    floored = [row for row in compared if "x the minimal host" in row["extra"]]
    assert [row["scenario"] for row in floored] == ["CheckFileInfo", "LockCycle"]
    assert all(row["extra"]["x the minimal host"] > 0 for row in floored)
    (startup,) = [row for row in rows if row["scenario"] == "StartUp"]
    assert 0 < startup["extra"]["start-up s"] < 30
    assert startup["extra"]["idle RSS MiB"] > 10
    (mix,) = [row for row in rows if row["scenario"] == "CoAuthoring"]
    assert {"CheckFileInfo n", "RefreshLock n", "PutFile n"} <= set(mix["extra"])
    assert "CheckFileInfo" in done.stdout
    assert "p99" in done.stdout


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*WOPIHOST, "bench", *args], env=_env(), capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("client", ["wrk", "builtin"])
def test_bench_command_signs_requests_for_a_host_that_enforces_proofs(tmp_path: Path, client: str) -> None:
    with deployment(tmp_path, proofs=True) as site:
        [[target]] = add_files(site, "command", [b"x" * 4096])
        keys = site.data_dir / "devclient" / "proof-keys.json"
        with running(site.command(), f"{site.base}/healthz", env=site.env, log=tmp_path / "serve.log"):
            common = ["--wopi-src", target.wopi_src, "--token", target.access_token]
            common += ["--duration", "1", "--connections", "2", "--allow-writes"]
            extra = ["--builtin-client"] if client == "builtin" else ["--local-baseline"]
            done = _bench(*common, "--proof-keys", str(keys), "--json", str(tmp_path / "out.json"), *extra)
            unsigned = _bench(*common, *extra)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["signed"] is True
    assert report["client"] == ("wrk" if client == "wrk" else "built-in")
    targets = [row for row in report["rows"] if row["target"].endswith("target")]
    assert [row["scenario"] for row in targets] == ["CheckFileInfo", "GetFile", "LockCycle"]
    for row in report["rows"]:
        _check_load(row)
    if client == "wrk":
        bare = [row["scenario"] for row in report["rows"] if row["target"].endswith("local bare ASGI")]
        assert bare == ["CheckFileInfo", "GetFile"]
        assert all(row["ratio"] > 0 for row in targets[:2])
    (get_file,) = [row for row in targets if row["scenario"] == "GetFile"]
    assert get_file["load"]["bytes_received"] >= 4096 * get_file["load"]["requests"]
    assert target.access_token not in done.stdout + done.stderr
    assert unsigned.returncode == 1
    assert "--proof-keys" in unsigned.stderr


def test_bench_command_refuses_a_bad_key_file_and_a_bad_wopi_src(tmp_path: Path) -> None:
    garbage = tmp_path / "keys.json"
    garbage.write_text("{not json")
    done = _bench(
        "--wopi-src", "http://127.0.0.1:9/wopi/files/x", "--token", "t", "--proof-keys", str(garbage)
    )
    assert done.returncode == 1
    assert "is not a proof key file" in done.stderr
    done = _bench("--wopi-src", "ftp://example/wopi/files/x?access_token=t", "--token", "t")
    assert done.returncode == 1
    assert "not a WOPISrc" in done.stderr
