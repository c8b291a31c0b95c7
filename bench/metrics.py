"""--metrics: the host's Prometheus count of CheckFileInfo requests against what wrk received."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families


def scraped_check_file_info(metrics_port: int) -> int:
    """The successful CheckFileInfo requests the metrics endpoint has counted so far."""
    text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "wopihost_wopi_requests_total" and labels == {
                "operation": "CheckFileInfo",
                "status": "200",
            }:
                return int(sample.value)
    return 0


def check_metrics(sent: int, counted: int, connections: int) -> None:
    """Fail unless the host counted what wrk received, plus at most the requests cut off at wrk's end.

    When wrk's time is up it closes its connections with up to one request each still in flight; the
    host answers (and counts) those too, but wrk does not.
    """
    print(f"metrics: wrk received {sent} CheckFileInfo responses, the host counted {counted}")
    if not sent <= counted <= sent + connections:
        raise RuntimeError(f"metrics counted {counted} CheckFileInfo requests, wrk {sent}")
