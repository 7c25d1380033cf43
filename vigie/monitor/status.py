"""What the monitor says about itself every few seconds (console line, bus, dashboard)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

_ORDER = ("up", "degraded", "down", "unreachable", "unknown", "maintenance")


@dataclass(frozen=True, slots=True)
class MonitorStatus:
    at: float
    sites: Mapping[str, int]  # site state → number of sites
    alarms: int  # active alarms
    cycles: int  # cycles completed since start
    last_cycle_completion: float | None
    last_cycle_wall_s: float | None
    last_cycle_cpu_s: float | None
    polls: int  # polls since start
    changes: int  # state changes recorded since start
    store_pending: int  # events waiting for the store (it failed; retried)
    metrics: Mapping[str, Any] = field(default_factory=dict)  # sink statistics, empty when disabled

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["sites"] = dict(self.sites)
        out["metrics"] = dict(self.metrics)
        return out


def format_status(s: MonitorStatus) -> str:
    clock = time.strftime("%H:%M:%S", time.localtime(s.at))
    sites = " ".join(f"{k} {s.sites.get(k, 0):,}" for k in _ORDER)
    cycle = "first cycle running"
    if s.last_cycle_completion is not None:
        cycle = f"cycle {s.cycles}: {s.last_cycle_completion:.1%} in {s.last_cycle_wall_s:.1f} s " \
                f"({s.last_cycle_cpu_s:.1f} CPU-s)"
    extra = ""
    if s.metrics:
        extra = f" · metrics written {s.metrics.get('lines_written', 0):,}, spooled " \
                f"{s.metrics.get('lines_spooled', 0):,}, dropped {s.metrics.get('lines_dropped', 0):,}"
    if s.store_pending:
        extra += f" · STORE FAILING, {s.store_pending} events waiting"
    return f"{clock} sites: {sites} · alarms {s.alarms} · {cycle}{extra}"


__all__ = ["MonitorStatus", "format_status"]
