"""A seeded synthetic history of site state changes over a period, for benchmarks, tests and
demos: outages at the sites (a router or an access down), collect routers failing with every
site behind them unreachable, lost redundancy, unmeasured time, flapping sites, and the
monitor's own maintenance state. Deterministic for a given inventory, period and seed.

Each site's episodes never overlap; every episode is a change into a state and one back to
``up`` (or a change of cause inside an outage). Returns rows ``(at, site, state, cause)``
in time order, ready for :class:`sla.reader.MemorySource` or, as events, for a store.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sla.calendar import Period
from sla.maintenance import DeclaredWindow
from sla.reader import Row
from vigie.model import Inventory, Layer, Role
from vigie.state.events import StateChange

DOWN_RATE = {"premium": 0.6, "standard": 1.2, "economy": 2.0, "overseas": 4.0}  # outages per site and month


@dataclass(frozen=True, slots=True)
class Episode:
    site: str
    start: float
    end: float
    state: str
    cause: str | None


def _collects(inv: Inventory) -> dict[str, list[str]]:
    """Collect router -> sites whose access lands on it."""
    out: dict[str, set[str]] = {}
    for link in inv.links.values():
        if link.layer is not Layer.ACCESS:
            continue
        for a, b in ((link.a.device, link.b.device), (link.b.device, link.a.device)):
            da, db = inv.devices[a], inv.devices[b]
            if da.site and db.role is Role.COLLECT:
                out.setdefault(b, set()).add(da.site)
    return {k: sorted(v) for k, v in sorted(out.items())}


def episodes(inv: Inventory, period: Period, seed: int = 1, scale: float = 1.0) -> list[Episode]:
    """Every episode of the period (``scale`` multiplies the rates)."""
    rng = np.random.default_rng(seed)
    t0, t1 = period.start, period.end
    span = t1 - t0
    out: list[Episode] = []
    sites = sorted(inv.sites)

    def draw(n: int, median_s: float, sigma: float) -> tuple[np.ndarray, np.ndarray]:
        start = t0 - 0.05 * span + rng.random(n) * span * 1.1  # some start before and end after the period
        dur = np.minimum(rng.lognormal(np.log(median_s), sigma, n), 5 * 86400.0)
        return np.round(start, 3), np.round(start + np.maximum(dur, 1.0), 3)

    for code in sites:
        s = inv.sites[code]
        ce = s.devices[0]
        k_down = rng.poisson(DOWN_RATE.get(s.access_class, 1.5) * scale)
        a, b = draw(k_down, 2400.0, 1.3)
        for x, y in zip(a.tolist(), b.tolist()):
            out.append(Episode(code, x, y, "down", ce if rng.random() < 0.7 else f"{ce}:access"))
        if len(s.devices) > 1:
            a, b = draw(rng.poisson(3.0 * scale), 7200.0, 1.0)
            out += [Episode(code, x, y, "degraded", s.devices[-1]) for x, y in zip(a.tolist(), b.tolist())]
        a, b = draw(rng.poisson(3.5 * scale), 600.0, 1.0)
        out += [Episode(code, x, y, "unknown", "not measured") for x, y in zip(a.tolist(), b.tolist())]
        if rng.random() < 0.02:
            a, b = draw(1, 3 * 3600.0, 0.3)
            out.append(Episode(code, float(a[0]), float(b[0]), "maintenance", code))
    for code in rng.choice(sites, size=max(1, len(sites) // 100), replace=False).tolist():  # flapping sites
        a, b = draw(int(40 * scale), 120.0, 0.8)
        out += [Episode(code, x, y, "down", inv.sites[code].devices[0]) for x, y in zip(a.tolist(), b.tolist())]
    collects = _collects(inv)
    names = list(collects)
    if names:
        for name in rng.choice(names, size=max(1, int(len(names) * 0.4 * scale)), replace=True).tolist():
            a, b = draw(1, 1800.0, 1.2)
            out += [Episode(c, float(a[0]), float(b[0]), "unreachable", name) for c in collects[name]]
    return out


def history(inv: Inventory, period: Period, seed: int = 1, scale: float = 1.0) -> list[Row]:
    """State-change rows of the period (and a little before and after), in time order."""
    by_site: dict[str, list[Episode]] = {}
    for e in episodes(inv, period, seed, scale):
        by_site.setdefault(e.site, []).append(e)
    rows: list[Row] = [(period.start - 7 * 86400.0, c, "up", None) for c in sorted(inv.sites)]
    for code in sorted(by_site):
        free = -np.inf
        for e in sorted(by_site[code], key=lambda e: (e.start, e.end, e.state)):
            if e.start <= free:  # overlaps the previous episode: dropped
                continue
            rows.append((e.start, code, e.state, e.cause))
            if e.state == "down" and e.end - e.start > 1800 and e.cause and not e.cause.endswith(":access"):
                rows.append((round(e.start + (e.end - e.start) / 2, 3), code, "down", f"{e.cause}:again"))
            rows.append((e.end, code, "up", None))
            free = e.end
    rows.sort(key=lambda r: r[0])
    return rows


def as_events(rows: list[Row]) -> list[StateChange]:
    """Rows as the state engine's events (``old`` filled in)."""
    last: dict[str, str] = {}
    out = []
    for at, site, state, cause in rows:
        out.append(StateChange(at, "site", site, last.get(site, "unknown"), state, cause))
        last[site] = state
    return out


def windows(inv: Inventory, period: Period, seed: int = 1, count: int = 40) -> list[DeclaredWindow]:
    """Declared maintenance windows: on sites and on POPs, some declared after the fact."""
    rng = np.random.default_rng(seed + 1000)
    sites = sorted(inv.sites)
    pops = sorted(loc.code for loc in inv.pops())
    out = []
    for k in range(count):
        element = str(rng.choice(pops)) if k % 8 == 0 and pops else str(rng.choice(sites))
        start = round(period.start + float(rng.random()) * period.seconds, 0)
        end = start + float(rng.choice([1800, 3600, 4 * 3600]))
        declared = start - 86400.0 if k % 3 else start + 3600.0 * float(rng.integers(1, 48))
        out.append(DeclaredWindow(f"db:{k + 1}", element, start, end, f"works {k + 1}", f"noc{k % 4}", declared))
    return out
