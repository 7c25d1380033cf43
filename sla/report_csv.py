"""The report as CSV files for spreadsheets: one file per table (sites, incidents, classes,
lots, regions, pops, causes, maintenance, daily, inputs), RFC 4180, UTF-8, ``.`` decimals.

Numbers have a fixed precision by kind: percentages 6 decimals, seconds 3, euros 2.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

GROUP = ["key", "sites", "availability_pct", "best_pct", "worst_pct", "min_site_pct", "below_target", "at_risk",
         "incidents", "gtr_missed", "penalties_eur", "down_s", "degraded_s", "unknown_s", "excluded_s",
         "not_covered_s"]
TABLES: dict[str, tuple[str, list[str]]] = {
    "sites": ("sites", ["site", "name", "class", "lot", "region", "pop", "target_pct", "availability_pct", "best_pct",
                        "worst_pct", "up_s", "down_s", "degraded_s", "unknown_s", "excluded_s", "not_covered_s",
                        "incidents", "gtr_missed", "availability_penalty_pct", "gtr_penalty_pct", "penalty_pct",
                        "penalty_eur"]),
    "incidents": ("incidents", ["site", "class", "lot", "start", "end", "duration_s", "down_in_period_s",
                                "unknown_inside_s", "state", "cause", "causes", "carried_over", "gtr_hours",
                                "gtr_clock", "gtr_elapsed_s", "deadline", "gtr", "delay_s", "penalty_pct"]),
    "classes": ("classes", ["key", "target_pct", *GROUP[1:]]),
    "lots": ("lots", GROUP),
    "regions": ("regions", GROUP),
    "pops": ("pops", GROUP),
    "causes": ("causes", ["element", "kind", "sites", "downtime_s", "incidents"]),
    "daily": ("daily", ["day", "availability_pct", "down_s", "unknown_s", "sites_down", "incidents_started"]),
}


def cell(key: str, v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ";".join(str(x) for x in v)
    if isinstance(v, float):
        if key.endswith("_pct"):
            return f"{v:.6f}"
        if key.endswith("_eur"):
            return f"{v:.2f}"
        return f"{v:.3f}"
    return str(v)


def table(rows: Sequence[dict[str, Any]], cols: Sequence[str]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([cell(c, r.get(c)) for c in cols])
    return buf.getvalue().encode("utf-8")


def _flatten(prefix: str, v: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(v, dict):
        for k in sorted(v):
            _flatten(f"{prefix}.{k}" if prefix else k, v[k], out)
    else:
        out.append((prefix, cell(prefix, v)))


def render_csv(doc: dict[str, Any]) -> dict[str, bytes]:
    """File suffix -> bytes."""
    out = {suffix: table(doc[key], cols) for suffix, (key, cols) in TABLES.items()}
    wcols = ["id", "element", "start", "end", "reason", "declared_by", "declared_at", "retroactive"]
    out["maintenance"] = table([{**r, "applied": True} for r in doc["maintenance"]["applied"]]
                               + [{**r, "applied": False} for r in doc["maintenance"]["ignored"]],
                               [*wcols, "applied", "excluded_site_s", "why"])
    pairs: list[tuple[str, str]] = []
    _flatten("", doc["inputs"], pairs)
    out["inputs"] = table([{"input": k, "value": v} for k, v in pairs], ["input", "value"])
    return out
