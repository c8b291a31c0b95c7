"""Metrics of a real `wopihost serve --workers 2`: the serving process adds up what every worker counted."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.servers import free_port, mint_token_in_process, wopihost_in_process, wopihost_server
from wopihost.serving import metrics_samples_dir

pytestmark = pytest.mark.slow
REQUESTS = 60


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in [n for n in os.environ if n.startswith("WOPIHOST_")]:
        monkeypatch.delenv(name)
    return tmp_path / "data"


def scrape(port: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def check_file_info(url: str) -> int:
    # A new connection per request, so that both workers accept some of them.
    with httpx.Client(timeout=10) as client:
        return client.get(url).status_code


def test_serve_two_workers_metrics_count_every_request_once(data_dir: Path, tmp_path: Path) -> None:
    metrics_port = free_port()
    env = {"WOPIHOST_PROOF_KEYS__MODE": "off", "WOPIHOST_METRICS__PORT": str(metrics_port)}
    wopihost_in_process(data_dir, "init", env=env)
    wopihost_in_process(data_dir, "user", "add", "alice", env=env)
    sample = tmp_path / "a.docx"
    sample.write_bytes(b"x" * 100)
    file_id = wopihost_in_process(data_dir, "file", "put", str(sample), "--owner", "alice", env=env)
    # A file left by an earlier run would add its counts to this run's.
    stale = metrics_samples_dir(data_dir) / "counter_1.db"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"stale")
    with wopihost_server(data_dir, workers=2, env=env):
        token = mint_token_in_process(data_dir, "alice", file_id, env=env)
        url = f"{token.wopi_src}?access_token={token.access_token}"
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(check_file_info, [url] * REQUESTS))
        assert statuses == [200] * REQUESTS
        samples = scrape(metrics_port)
        writers = {p.name for p in metrics_samples_dir(data_dir).glob("counter_*.db")}
    key = ("wopihost_wopi_requests_total", frozenset({("operation", "CheckFileInfo"), ("status", "200")}))
    assert samples[key] == REQUESTS
    assert ("wopihost_open_editing_sessions", frozenset()) in samples
    assert "counter_1.db" not in writers
    assert len(writers) == 2, f"expected samples from both workers, got {writers}"
