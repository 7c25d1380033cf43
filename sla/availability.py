"""Availability per site and per group (access class, lot, region, POP), and per local day.

For a site over a period::

    measured     = up + down                 (unknown, excluded and not covered time left out)
    availability = up / measured
    best case    = (up + unknown) / (measured + unknown)   unknown time counted as up
    worst case   = up / (measured + unknown)               unknown time counted as down

A group's availability is time-weighted: the sum of its sites' up time over the sum of
their measured time. A site or group with no measured time has no availability (None),
never 100 %.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sla.calendar import Period
from sla.timeline import CAT_DOWN, CAT_EXCLUDED, CAT_UNKNOWN, CAT_UP, DEGRADED, Timelines

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]


def ratio_pct(num: F64, den: F64) -> F64:
    """100 * num / den, NaN where den is 0."""
    out = np.full(len(num), np.nan)
    ok = den > 0
    out[ok] = 100.0 * num[ok] / den[ok]
    return out


def pct_or_none(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


@dataclass(slots=True)
class SiteTotals:
    """Seconds per site in each category (arrays indexed like ``sites``)."""

    sites: tuple[str, ...]
    period_s: float
    up_s: F64
    down_s: F64
    unknown_s: F64
    excluded_s: F64  # maintenance (declared or shown by the monitor) and other excluded states
    degraded_s: F64  # up, but without the redundancy the class expects
    covered_s: F64  # up + down + unknown + excluded

    @property
    def not_covered_s(self) -> F64:
        return np.maximum(self.period_s - self.covered_s, 0.0)

    @property
    def measured_s(self) -> F64:
        return self.up_s + self.down_s

    def availability_pct(self) -> F64:
        return ratio_pct(self.up_s, self.measured_s)

    def best_pct(self) -> F64:
        return ratio_pct(self.up_s + self.unknown_s, self.measured_s + self.unknown_s)

    def worst_pct(self) -> F64:
        return ratio_pct(self.up_s, self.measured_s + self.unknown_s)


def site_totals(tl: Timelines) -> SiteTotals:
    n = len(tl.sites)
    dur = tl.duration
    cat = tl.seg_cat

    def total(mask: npt.NDArray[np.bool_]) -> F64:
        return np.bincount(tl.seg_site, weights=np.where(mask, dur, 0.0), minlength=n).astype(np.float64)

    return SiteTotals(
        sites=tl.sites, period_s=tl.until - tl.since,
        up_s=total(cat == CAT_UP), down_s=total(cat == CAT_DOWN), unknown_s=total(cat == CAT_UNKNOWN),
        excluded_s=total(cat == CAT_EXCLUDED), degraded_s=total((tl.seg_state == DEGRADED) & (cat == CAT_UP)),
        covered_s=total(np.ones(len(cat), dtype=bool)),
    )


@dataclass(frozen=True, slots=True)
class GroupTotals:
    key: str
    sites: int
    up_s: float
    down_s: float
    unknown_s: float
    excluded_s: float
    degraded_s: float
    not_covered_s: float
    availability_pct: float | None
    best_pct: float | None
    worst_pct: float | None
    min_site_pct: float | None  # the least available site of the group
    below_target: int  # sites whose availability is below their own class target
    at_risk: int  # sites whose worst case (unknown as down) is below their target, but not the measured value


def group_totals(t: SiteTotals, keys: Sequence[str], targets_pct: F64,
                 members: npt.NDArray[np.bool_] | None = None) -> dict[str, GroupTotals]:
    """Totals per distinct key (``keys[i]``: the group of site i), sorted by key."""
    names = sorted(set(keys))
    lookup = {n: i for i, n in enumerate(names)}
    gi = np.fromiter((lookup[k] for k in keys), dtype=np.int32, count=len(keys))
    if members is not None:
        gi = np.where(members, gi, len(names))
    m = len(names) + 1

    def s(a: F64) -> F64:
        return np.bincount(gi, weights=a, minlength=m).astype(np.float64)

    up, down, unk = s(t.up_s), s(t.down_s), s(t.unknown_s)
    exc, deg, nc = s(t.excluded_s), s(t.degraded_s), s(t.not_covered_s)
    count = np.bincount(gi, minlength=m)
    avail = t.availability_pct()
    worst = t.worst_pct()
    below = (avail < targets_pct - 1e-9) & ~np.isnan(avail)
    risk = ~below & (worst < targets_pct - 1e-9) & ~np.isnan(worst)
    n_below = np.bincount(gi, weights=below.astype(np.float64), minlength=m)
    n_risk = np.bincount(gi, weights=risk.astype(np.float64), minlength=m)
    mins = np.full(m, np.inf)
    valid = ~np.isnan(avail)
    np.minimum.at(mins, gi[valid], avail[valid])
    g_avail = ratio_pct(up, up + down)
    g_best = ratio_pct(up + unk, up + down + unk)
    g_worst = ratio_pct(up, up + down + unk)
    out = {}
    for i, name in enumerate(names):
        out[name] = GroupTotals(
            name, int(count[i]), float(up[i]), float(down[i]), float(unk[i]), float(exc[i]), float(deg[i]),
            float(nc[i]), pct_or_none(g_avail[i]), pct_or_none(g_best[i]), pct_or_none(g_worst[i]),
            None if np.isinf(mins[i]) else float(mins[i]), int(n_below[i]), int(n_risk[i]))
    return out


@dataclass(frozen=True, slots=True)
class Daily:
    days: tuple[str, ...]  # local dates, ISO
    up_s: F64
    down_s: F64
    unknown_s: F64
    sites_down: npt.NDArray[np.int64]  # sites with some down time that day

    def availability_pct(self) -> F64:
        return ratio_pct(self.up_s, self.up_s + self.down_s)


def daily(tl: Timelines, period: Period) -> Daily:
    """Per local day of ``period`` (23 h and 25 h days included as they are)."""
    days = period.days()
    up, down, unk, sites_down = [], [], [], []
    s, e, cat = tl.seg_start, tl.seg_end, tl.seg_cat
    for _, d0, d1 in days:
        if len(s):
            lo = np.maximum(s, d0)
            hi = np.minimum(e, d1)
            ov = np.maximum(hi - lo, 0.0)
        else:
            ov = np.zeros(0)
        up.append(float(ov[cat == CAT_UP].sum()))
        dmask = (cat == CAT_DOWN) & (ov > 0)
        down.append(float(ov[dmask].sum()))
        unk.append(float(ov[cat == CAT_UNKNOWN].sum()))
        sites_down.append(len(np.unique(tl.seg_site[dmask])))
    return Daily(tuple(d.isoformat() for d, _, _ in days), np.array(up), np.array(down), np.array(unk),
                 np.array(sites_down, dtype=np.int64))
