"""Incidents: each outage of a site, with its GTR clock.

An incident is a maximal run of *down* segments of one site (a site down, then unreachable,
is one incident). With ``incidents.bridge_unknown`` (the default), unknown time between two
down runs joins them into one incident: the GTR clock runs through the gap, but the gap
itself stays unknown time, never down time. A maintenance window ends an incident.

An outage running across a period boundary keeps its real start and end: they are read
from the changes before the period (up to :data:`LOOKAROUND_S`) and after it. An incident
still down at the end of the data is *open*. Its GTR is judged in the period where it
started (``counted``); an incident carried over from the previous period is listed, and
its downtime counts, but its GTR penalty belongs to the period it started in.

GTR: ``elapsed`` is the time from start to restoration on the class's clock (calendar
seconds, or business seconds); the GTR is met when ``elapsed <= gtr``; an open incident
not yet past its deadline is ``open``. Delay penalty: per started hour past the GTR, a
share of the monthly fee, capped per incident.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sla.reader import ChangeSource, History, Row
from sla.rules import ClassTerms, Rules
from sla.timeline import _STATE_CODE, CAT_DOWN, CAT_UNKNOWN, UNKNOWN, Timelines, category_table

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
LOOKAROUND_S = 35 * 86400.0
GTR_STATUS = ("met", "missed", "open")
MET, MISSED, OPEN = range(3)


@dataclass(slots=True)
class Incidents:
    site: I32
    start: F64  # real start (before the period for an incident carried over)
    end: F64  # restoration; NaN: still down at the end of the data
    first: I64  # first and last segment (indexes in the timelines)
    last: I64
    down_s: F64  # down time inside the period
    unknown_s: F64  # unknown time bridged inside the incident, inside the period
    state: npt.NDArray[np.int8]  # state and cause of the first segment
    cause: I32
    counted: npt.NDArray[np.bool_]  # started inside the period: its GTR is judged here
    gtr_s: F64
    elapsed_s: F64  # on the GTR clock, to restoration (or to the period end when open)
    deadline: F64
    status: npt.NDArray[np.int8]  # MET, MISSED, OPEN
    delay_s: F64
    penalty_pct: F64  # GTR delay penalty, share of the site's monthly fee (0 unless counted and missed)

    def __len__(self) -> int:
        return len(self.site)


def _cat_of(rules: Rules) -> Mapping[str, int]:
    table = category_table(rules)
    return {s: int(table[code]) for s, code in _STATE_CODE.items()}


def _walk_back(rows: list[Row], cat: Mapping[str, int], bridge: bool, unknown: int) -> float:
    """The start of the down run the last row belongs to."""
    i = len(rows) - 1
    while i > 0:
        j = i - 1
        if bridge:
            while j >= 0 and cat.get(rows[j][2], unknown) == CAT_UNKNOWN:
                j -= 1
        if j >= 0 and cat.get(rows[j][2], unknown) == CAT_DOWN:
            i = j
        else:
            break
    return rows[i][0]


def _walk_forward(rows: list[Row], cat: Mapping[str, int], bridge: bool, unknown: int) -> float | None:
    """Where a down run going on before the first row ends (None: not in these rows)."""
    i = 0
    while i < len(rows):
        c = cat.get(rows[i][2], unknown)
        if c == CAT_DOWN:
            i += 1
            continue
        if c == CAT_UNKNOWN and bridge:
            j = i
            while j < len(rows) and cat.get(rows[j][2], unknown) == CAT_UNKNOWN:
                j += 1
            if j < len(rows) and cat.get(rows[j][2], unknown) == CAT_DOWN:
                i = j
                continue
            if j == len(rows):
                return None  # unknown to the end of what was read: not known to be restored
        return rows[i][0]
    return None


def boundary_context(tl: Timelines, source: ChangeSource, history: History,
                     rules: Rules) -> tuple[dict[int, float], dict[int, float | None]]:
    """Real starts of outages going on at the period start, and real ends of those going on at its end
    (site index -> instant). The rows read are added to ``history.context`` (they are inputs too)."""
    cat = _cat_of(rules)
    unknown = int(category_table(rules)[UNKNOWN])  # the category of a state this Vigie does not know
    if not len(tl.seg_site):
        return {}, {}
    first = np.ones(len(tl.seg_site), dtype=bool)
    first[1:] = tl.seg_site[1:] != tl.seg_site[:-1]
    last = np.ones(len(tl.seg_site), dtype=bool)
    last[:-1] = tl.seg_site[1:] != tl.seg_site[:-1]
    at_start = first & (tl.seg_cat == CAT_DOWN) & (tl.seg_since < tl.seg_start) & (tl.seg_start <= tl.since)
    at_end = last & (tl.seg_cat == CAT_DOWN) & (tl.seg_end >= tl.until)
    starts: dict[int, float] = {}
    ends: dict[int, float | None] = {}
    by_site: dict[str, list[Row]] = {}
    s_sites = sorted(int(i) for i in tl.seg_site[at_start])
    if s_sites:
        rows = source.changes_of([tl.sites[i] for i in s_sites], tl.since - LOOKAROUND_S, tl.since)
        history.context += rows
        for r in rows:
            by_site.setdefault(r[1], []).append(r)
        for i in s_sites:
            got = by_site.get(tl.sites[i])
            if got:
                starts[i] = _walk_back(got, cat, rules.bridge_unknown, unknown)
    e_sites = sorted(int(i) for i in tl.seg_site[at_end])
    by_site = {}
    if e_sites:
        rows = source.changes_of([tl.sites[i] for i in e_sites], tl.until, tl.until + LOOKAROUND_S)
        history.context += rows
        for r in rows:
            by_site.setdefault(r[1], []).append(r)
        for i in e_sites:
            ends[i] = _walk_forward(by_site.get(tl.sites[i], []), cat, rules.bridge_unknown, unknown)
    return starts, ends


def find_incidents(tl: Timelines, rules: Rules, starts: Mapping[int, float] | None = None,
                   ends: Mapping[int, float | None] | None = None) -> Incidents:
    """The incidents of the timelines (GTR fields zeroed: see :func:`judge_gtr`)."""
    site, cat = tl.seg_site, tl.seg_cat
    n = len(site)
    down = cat == CAT_DOWN
    member = down.copy()
    if rules.bridge_unknown and n:
        unk = cat == CAT_UNKNOWN
        pos = np.arange(n)
        prev = np.maximum.accumulate(np.where(~unk, pos, -1))  # last non-unknown segment at or before i
        nxt = np.minimum.accumulate(np.where(~unk, pos, n)[::-1])[::-1]  # first non-unknown at or after i
        ok = unk & (prev >= 0) & (nxt < n)
        pc, nc = np.clip(prev, 0, n - 1), np.clip(nxt, 0, n - 1)
        member |= ok & down[pc] & down[nc] & (site[pc] == site) & (site[nc] == site)
    begin = member.copy()
    if n:
        begin[1:] &= ~(member[:-1] & (site[1:] == site[:-1]) & (tl.seg_end[:-1] == tl.seg_start[1:]))
    run = np.cumsum(begin) - 1
    idx = np.flatnonzero(member)
    rid = run[idx]
    k = int(begin.sum())
    first = np.flatnonzero(begin).astype(np.int64)
    last = np.zeros(k, dtype=np.int64)
    np.maximum.at(last, rid, idx)
    dur = tl.duration[idx]
    down_s = np.bincount(rid, weights=np.where(down[idx], dur, 0.0), minlength=k).astype(np.float64)
    unknown_s = np.bincount(rid, weights=np.where(down[idx], 0.0, dur), minlength=k).astype(np.float64)
    isite = site[first]
    start = tl.seg_start[first].copy()
    end = tl.seg_end[last].copy()
    carried = (tl.seg_since[first] < start) & (start <= tl.since)  # down since before the period
    for j in np.flatnonzero(carried):
        start[j] = (starts or {}).get(int(isite[j]), tl.seg_since[first[j]])
    for j in np.flatnonzero(end >= tl.until):
        e = (ends or {}).get(int(isite[j]))
        end[j] = np.nan if e is None else e
    z = np.zeros(k)
    return Incidents(isite, start, end, first, last, down_s, unknown_s, tl.seg_state[first], tl.seg_cause[first],
                     start >= tl.since, z.copy(), z.copy(), z.copy(), np.zeros(k, dtype=np.int8), z.copy(), z.copy())


def judge_gtr(inc: Incidents, tl: Timelines, rules: Rules, terms: Sequence[ClassTerms]) -> None:
    """Fill the GTR fields; ``terms[i]``: the contract of site i."""
    k = len(inc)
    if not k:
        return
    names = sorted({t.name for t in terms})
    by_name = {t.name: t for t in terms}
    cls = np.array([names.index(terms[int(s)].name) for s in inc.site], dtype=np.int32)
    until = np.where(np.isnan(inc.end), tl.until, inc.end)
    business = rules.business_calendar()
    for ci, name in enumerate(names):
        t = by_name[name]
        m = cls == ci
        if not m.any():
            continue
        gtr = np.full(int(m.sum()), t.gtr_hours * 3600.0)
        clock = business if t.gtr_clock == "business" else rules.clock(t)
        inc.gtr_s[m] = gtr
        inc.elapsed_s[m] = clock.elapsed(inc.start[m], until[m])
        inc.deadline[m] = clock.deadline(inc.start[m], gtr)
        delay = np.maximum(inc.elapsed_s[m] - gtr, 0.0)
        inc.delay_s[m] = delay
        hours = np.ceil(delay / 3600.0 - 1e-9)
        pct = np.minimum(hours * t.gtr_penalty_pct_per_started_hour, t.gtr_penalty_cap_pct)
        inc.penalty_pct[m] = np.where(inc.counted[m] & (delay > 1e-6), pct, 0.0)
    missed = inc.delay_s > 1e-6
    inc.status = np.where(missed, MISSED, np.where(np.isnan(inc.end), OPEN, MET)).astype(np.int8)


def incident_causes(inc: Incidents, tl: Timelines, j: int) -> list[str]:
    """Every cause named during incident ``j``, in order of appearance."""
    out: list[str] = []
    for s in range(int(inc.first[j]), int(inc.last[j]) + 1):
        c = int(tl.seg_cause[s])
        if tl.seg_cat[s] == CAT_DOWN and c >= 0 and tl.causes[c] not in out:
            out.append(tl.causes[c])
    return out
