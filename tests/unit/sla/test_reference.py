"""The vectorised engine against a naive one: random histories and maintenance windows on
one day, sampled minute by minute (every change and window boundary falls on a minute)."""

from __future__ import annotations

import math
import random

import pytest

from sla.calendar import parse_period
from sla.compute import compute
from sla.maintenance import DeclaredWindow
from sla.reader import MemorySource, Row
from sla.rules import load_rules
from tests.unit.sla.slakit import inventory

DAY = parse_period("2026-10-06")
M = 60.0
STATES = ("up", "degraded", "down", "unreachable", "unknown", "maintenance")
CATEGORY = load_rules().states


def _infra() -> list[str]:
    return sorted(d.name for d in inventory().devices.values() if d.site is None)[:2]


def _scenario(rng: random.Random) -> tuple[list[str], list[Row], list[DeclaredWindow]]:
    sites = rng.sample(sorted(inventory().sites), 6)
    infra = _infra()
    rows: list[Row] = []
    for s in sites:
        causes = [None, *infra, inventory().sites[s].devices[0]]
        if rng.random() < 0.9:
            rows.append((DAY.start - 600, s, rng.choice(STATES), rng.choice(causes)))
        for _ in range(rng.randint(0, 25)):
            rows.append((DAY.start + rng.randint(0, 1439) * M, s, rng.choice(STATES), rng.choice(causes)))
    windows = []
    for k in range(rng.randint(0, 4)):
        a = rng.randint(-60, 1400)
        b = a + rng.randint(1, 300)
        element = rng.choice([*sites, *infra])
        windows.append(DeclaredWindow(f"w{k}", element, DAY.start + a * M, DAY.start + b * M, "", "t", None))
    return sites, rows, windows


def _naive(sites: list[str], rows: list[Row], windows: list[DeclaredWindow]) -> tuple[dict[str, dict[str, float]],
                                                                                     list[tuple[str, float, float]]]:
    totals: dict[str, dict[str, float]] = {}
    incidents: list[tuple[str, float, float]] = []
    ordered = sorted(rows, key=lambda r: r[0])
    for s in sites:
        mine = [r for r in ordered if r[1] == s]
        cats: list[str | None] = []
        for m in range(1440):
            t = DAY.start + m * M
            current = [r for r in mine if r[0] <= t]
            if not current:
                cats.append(None)
                continue
            _, _, state, cause = current[-1]
            covered = any(w.start <= t < w.end and (
                w.element == s or (state in ("down", "unreachable", "degraded") and cause == w.element))
                for w in windows)
            cats.append("excluded" if covered else CATEGORY[state])
        totals[s] = {c: cats.count(c) * M for c in ("up", "down", "unknown", "excluded")}
        # incidents: runs of down minutes, joined across unknown minutes between two down ones
        m = 0
        while m < 1440:
            if cats[m] != "down":
                m += 1
                continue
            begin = m
            end = m
            while end < 1440:
                if cats[end] == "down":
                    end += 1
                    continue
                k = end
                while k < 1440 and cats[k] == "unknown":
                    k += 1
                if k < 1440 and k > end and cats[k] == "down":
                    end = k
                    continue
                break
            start_t = DAY.start + begin * M
            if begin == 0 and mine and mine[0][0] < DAY.start and not [r for r in mine if r[0] == DAY.start]:
                start_t = mine[0][0]  # down since before the day
            end_t = DAY.start + end * M if end < 1440 else math.nan
            incidents.append((s, start_t, end_t))
            m = end
    return totals, incidents


@pytest.mark.parametrize("seed", range(40))
def test_engine_matches_the_naive_computation(seed: int) -> None:
    rng = random.Random(seed)
    sites, rows, windows = _scenario(rng)
    res = compute(MemorySource(rows), inventory(), load_rules(), DAY, windows, sites)
    want, want_inc = _naive(sites, rows, windows)
    t = res.totals
    for i, s in enumerate(res.tl.sites):
        got = {"up": t.up_s[i], "down": t.down_s[i], "unknown": t.unknown_s[i], "excluded": t.excluded_s[i]}
        assert got == pytest.approx(want[s]), s
    inc = res.incidents
    got_inc = sorted((res.tl.sites[int(s)], a, b) for s, a, b in zip(inc.site, inc.start.tolist(), inc.end.tolist()))
    key = [(s, a, -1.0 if math.isnan(b) else b) for s, a, b in got_inc]
    assert key == sorted((s, a, -1.0 if math.isnan(b) else b) for s, a, b in want_inc)
