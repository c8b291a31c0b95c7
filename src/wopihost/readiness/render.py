"""The dossier as text, JSON and one self-contained HTML page."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from wopihost.readiness.model import Dossier, Verdict

MARK = {
    Verdict.PASSED: "PASS",
    Verdict.FAILED: "FAIL",
    Verdict.NOT_APPLICABLE: "N/A ",
    Verdict.NOT_RUN: "NRUN",
    Verdict.INFO: "INFO",
}


def to_text(dossier: Dossier) -> str:
    """A plain-text dossier for a terminal."""
    lines = [f"Go-live dossier for {dossier.deployment} ({dossier.generated_at})", ""]
    for section in dossier.sections:
        lines.append(f"== {section.title}")
        if section.note:
            lines.append(f"   {section.note}")
        for check in section.checks:
            lines.append(f"[{MARK[check.verdict]}] {check.title}: {check.detail}")
            lines += [f"         {line}" for line in check.evidence]
            if check.fix:
                lines.append(f"         fix: {check.fix}")
        lines.append("")
    lines.append("== Values to send Microsoft")
    for name, values in dossier.values_for_microsoft.items():
        lines.append(f"   {name}: {', '.join(values)}")
    counts = ", ".join(f"{n} {v}" for v, n in dossier.counts().items() if n)
    lines += ["", f"{'READY' if dossier.ready else 'NOT READY'}: {counts}"]
    return "\n".join(lines) + "\n"


def to_json(dossier: Dossier) -> str:
    """The dossier as JSON, with verdicts as strings and a `ready` flag."""
    data = asdict(dossier)
    data["ready"] = dossier.ready
    data["counts"] = dossier.counts()
    return json.dumps(data, indent=2, default=str)


def to_html(dossier: Dossier) -> str:
    """One HTML file: inline CSS, no scripts or external assets, light and dark schemes."""
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
    )
    return env.get_template("dossier.html").render(dossier=dossier, Verdict=Verdict)
