"""What one load run measured, one table row per run, and the table and JSON they are reported as."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True, slots=True)
class Load:
    """The client's view of one run: counts, wall time, latency percentiles and bytes moved."""

    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    bytes_received: int = 0
    bytes_sent: int = 0

    @property
    def requests_per_second(self) -> float:
        """Completed requests (errors included) per second of wall time."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def mb_per_second(self) -> float:
        """MiB per second moved in the run's main direction (received, else sent)."""
        moved = max(self.bytes_received, self.bytes_sent)
        return moved / MIB / self.seconds if self.seconds > 0 else 0.0


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values; 0 when there are none."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def load_from_latencies(
    latencies_ms: list[float], *, errors: int, seconds: float, received: int = 0, sent: int = 0
) -> Load:
    """A Load from every request's latency (in milliseconds, errors included)."""
    ordered = sorted(latencies_ms)
    return Load(
        requests=len(ordered),
        errors=errors,
        seconds=seconds,
        p50_ms=percentile(ordered, 0.50),
        p95_ms=percentile(ordered, 0.95),
        p99_ms=percentile(ordered, 0.99),
        bytes_received=received,
        bytes_sent=sent,
    )


@dataclass(frozen=True, slots=True)
class ServerUsage:
    """The server process tree during a run: resident memory before and at its peak, and CPU use."""

    rss_start_mib: float
    rss_peak_mib: float
    cpu_percent: float

    @property
    def rss_growth_mib(self) -> float:
        """How far the peak rose above the memory at the start."""
        return max(0.0, self.rss_peak_mib - self.rss_start_mib)


@dataclass(slots=True)
class Row:
    """One line of the report: a run of a scenario (or of its baseline) and how it compares."""

    scenario: str
    target: str
    load: Load | None = None
    server: ServerUsage | None = None
    # What the scenario compares with its baseline: "rps" or "mbps".
    ratio: float | None = None
    checks: dict[str, bool] = field(default_factory=dict)
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every target this row checks was met."""
        return all(self.checks.values())

    def to_json(self) -> dict[str, Any]:
        """The row as plain JSON values, with derived rates."""
        out: dict[str, Any] = {"scenario": self.scenario, "target": self.target}
        if self.load is not None:
            out["load"] = {
                **asdict(self.load),
                "requests_per_second": self.load.requests_per_second,
                "mb_per_second": self.load.mb_per_second,
            }
        if self.server is not None:
            out["server"] = {**asdict(self.server), "rss_growth_mib": self.server.rss_growth_mib}
        out.update(ratio=self.ratio, checks=self.checks, extra=self.extra, ok=self.ok)
        return out


COLUMNS = (
    "scenario",
    "target",
    "req/s",
    "MiB/s",
    "p50",
    "p95",
    "p99",
    "err",
    "RSS pk",
    "+RSS",
    "CPU%",
    "ratio",
)


def _cells(row: Row) -> list[str]:
    load, server = row.load, row.server
    cells = [row.scenario, row.target]
    if load is None:
        cells += ["-"] * 6
    else:
        mbps = f"{load.mb_per_second:.1f}" if load.bytes_received or load.bytes_sent else "-"
        cells += [
            f"{load.requests_per_second:.0f}",
            mbps,
            f"{load.p50_ms:.1f}",
            f"{load.p95_ms:.1f}",
            f"{load.p99_ms:.1f}",
            str(load.errors),
        ]
    if server is None:
        cells += ["-", "-", "-"]
    else:
        cells += [f"{server.rss_peak_mib:.0f}", f"{server.rss_growth_mib:.0f}", f"{server.cpu_percent:.0f}"]
    cells.append("-" if row.ratio is None else f"{row.ratio:.2f}x")
    return cells


def _number(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def format_table(rows: Sequence[Row]) -> str:
    """The rows as an aligned text table (latencies in ms, memory in MiB), then each failed check."""
    grid = [list(COLUMNS), *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in grid) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in grid]
    for row in rows:
        extra = ", ".join(f"{name} {_number(value)}" for name, value in row.extra.items())
        if extra:
            lines.append(f"  {row.scenario} {row.target}: {extra}")
        failed = [name for name, passed in row.checks.items() if not passed]
        if failed:
            lines.append(f"  {row.scenario} {row.target}: target missed: {', '.join(failed)}")
    return "\n".join(lines)


def write_json(path: Path, rows: Sequence[Row], meta: dict[str, Any]) -> None:
    """Write the rows and the run's settings as one JSON document."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {**meta, "rows": [row.to_json() for row in rows]}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
