"""State timelines of every site over a period, as columnar numpy segments.

A segment is ``[start, end)`` of one site in one state with one cause. Segments of a site
are contiguous and sorted; the time of a site not covered by any segment is *not covered*
(no state recorded yet: the site was not monitored, or not in service; or outside its
service dates), which counts neither way.

Each segment also gets a *category* from the rules (``up``, ``down``, ``unknown``,
``excluded``), and the index of the declared maintenance window that covers it, if any
(then its category is ``excluded``). A window covers a site's segment when it names the
site, one of its devices or one of its links; or when it names the element the segment's
cause is (or a POP / datacentre where that element is) and the site is down, unreachable
or degraded because of it. Segments are split at window boundaries, so a segment is
either wholly inside a window or wholly outside.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np
import numpy.typing as npt

from sla.maintenance import DeclaredWindow
from sla.reader import History
from sla.rules import Rules
from vigie.model import Inventory

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]
I8 = npt.NDArray[np.int8]

STATES = ("up", "degraded", "down", "unreachable", "unknown", "maintenance")  # state codes 0..5
UP, DEGRADED, DOWN, UNREACHABLE, UNKNOWN, MAINTENANCE = range(6)
CATEGORIES = ("up", "down", "unknown", "excluded")
CAT_UP, CAT_DOWN, CAT_UNKNOWN, CAT_EXCLUDED = range(4)
_STATE_CODE = {s: i for i, s in enumerate(STATES)}
_BAD = (DOWN, UNREACHABLE, DEGRADED)  # states a window on their cause element explains


def category_table(rules: Rules) -> npt.NDArray[np.int8]:
    """State code -> category code, from the rules."""
    return np.array([CATEGORIES.index(rules.states[s]) for s in STATES], dtype=np.int8)


@dataclass(slots=True)
class Timelines:
    sites: tuple[str, ...]  # site index -> code
    since: float
    until: float
    seg_site: I32
    seg_start: F64
    seg_end: F64
    seg_since: F64  # when the state of the segment began (before ``since`` for a state carried over)
    seg_state: I8
    seg_cause: I32  # index in ``causes``; -1: none
    seg_cat: I8
    seg_window: I32  # index in ``windows``; -1: none
    causes: tuple[str, ...]
    windows: tuple[DeclaredWindow, ...]  # the windows that apply to the sites
    span_start: F64  # per site: the part of the period the site is in service
    span_end: F64
    odd_states: dict[str, int] = field(default_factory=dict)  # unrecognised states (read as unknown) -> count
    ignored_windows: list[tuple[DeclaredWindow, str]] = field(default_factory=list)

    @property
    def duration(self) -> F64:
        return self.seg_end - self.seg_start

    def index(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.sites)}


def _state_codes(states: Sequence[str], odd: dict[str, int]) -> I8:
    codes = np.fromiter(map(_STATE_CODE.get, states, repeat(-1)), dtype=np.int8, count=len(states))
    if (codes < 0).any():
        for s in states:
            if s not in _STATE_CODE:
                odd[s] = odd.get(s, 0) + 1
        codes[codes < 0] = UNKNOWN
    return codes


def build_timelines(history: History, inventory: Inventory, sites: Sequence[str], rules: Rules,
                    windows: Sequence[DeclaredWindow] = (),
                    service: Mapping[str, tuple[float | None, float | None]] | None = None) -> Timelines:
    """Timelines of ``sites`` over ``[history.since, history.until)``.

    ``service``: optional in-service dates of sites (added or removed during the period):
    time outside them is not covered.
    """
    codes = tuple(sorted(sites))
    idx = {s: i for i, s in enumerate(codes)}
    since, until = history.since, history.until
    odd: dict[str, int] = {}

    init = [(s, v) for s, v in sorted(history.initial.items()) if s in idx]
    n0, n1 = len(init), len(history)
    e_site = np.empty(n0 + n1, dtype=np.int32)
    e_site[:n0] = [idx[s] for s, _ in init]
    e_site[n0:] = np.fromiter(map(idx.__getitem__, history.site), dtype=np.int32, count=n1)
    e_at = np.concatenate((np.full(n0, since), history.at)).astype(np.float64)
    e_since = np.concatenate((np.array([v[0] for _, v in init], dtype=np.float64), history.at))
    e_state = np.concatenate((_state_codes([v[1] for _, v in init], odd), _state_codes(history.state, odd)))
    all_causes = [v[2] for _, v in init] + history.cause
    names = sorted({c for c in all_causes if c is not None})
    cause_idx = {c: i for i, c in enumerate(names)}
    lookup: dict[str | None, int] = {None: -1}
    lookup.update((c, i) for i, c in enumerate(names))
    e_cause = np.fromiter(map(lookup.__getitem__, all_causes), dtype=np.int32, count=n0 + n1)
    order = np.lexsort((np.arange(n0 + n1), e_site))  # by site, then initial state first, then recorded order
    e_site, e_at, e_since = e_site[order], e_at[order], e_since[order]
    e_state, e_cause = e_state[order], e_cause[order]
    e_end = np.empty_like(e_at)
    if len(e_at):
        e_end[:-1] = np.where(e_site[1:] == e_site[:-1], e_at[1:], until)
        e_end[-1] = until

    span_start = np.full(len(codes), since)
    span_end = np.full(len(codes), until)
    for s, (a, b) in (service or {}).items():
        if s in idx:
            span_start[idx[s]] = max(since, a) if a is not None else since
            span_end[idx[s]] = min(until, b) if b is not None else until
    e_at = np.maximum(e_at, span_start[e_site])
    e_end = np.minimum(e_end, span_end[e_site])
    keep = e_end > e_at
    tl = Timelines(codes, since, until, e_site[keep], e_at[keep], e_end[keep], e_since[keep], e_state[keep],
                   e_cause[keep], np.zeros(int(keep.sum()), dtype=np.int8),
                   np.full(int(keep.sum()), -1, dtype=np.int32), tuple(cause_idx), (), span_start, span_end, odd)
    _overlay(tl, inventory, windows, cause_idx)
    cat = category_table(rules)[tl.seg_state]
    cat[tl.seg_window >= 0] = CAT_EXCLUDED
    tl.seg_cat = cat.astype(np.int8)
    return tl


def _targets(w: DeclaredWindow, inventory: Inventory, idx: Mapping[str, int], cause_idx: Mapping[str, int],
             by_location: dict[str, list[str]]) -> tuple[list[int], list[int]] | str:
    """(sites the window names directly, causes it explains), or why it is ignored."""
    e = w.element
    own: list[str] = []
    causes: list[str] = [e]
    if e in inventory.sites:
        own, causes = [e], []
    elif e in inventory.devices:
        dev = inventory.devices[e]
        own = [dev.site] if dev.site else []
    elif e in inventory.links:
        link = inventory.links[e]
        own = [s for s in (inventory.devices[link.a.device].site, inventory.devices[link.b.device].site) if s]
    elif e in inventory.locations:
        if not by_location:
            for dev in inventory.devices.values():
                if dev.location is not None:
                    by_location.setdefault(dev.location, []).append(dev.name)
        devs = by_location.get(e, [])
        causes += devs
        on = set(devs)
        causes += [lk.id for lk in inventory.links.values() if lk.a.device in on or lk.b.device in on]
    else:
        return "not a site, device, link, POP or datacentre of the inventory"
    return [idx[s] for s in own if s in idx], [cause_idx[c] for c in causes if c in cause_idx]


def _overlay(tl: Timelines, inventory: Inventory, windows: Sequence[DeclaredWindow],
             cause_idx: Mapping[str, int]) -> None:
    if not windows:
        return
    idx = tl.index()
    by_location: dict[str, list[str]] = {}
    resolved: list[tuple[DeclaredWindow, npt.NDArray[np.int32], npt.NDArray[np.int32]]] = []
    for w in sorted(windows, key=lambda w: (w.start, w.end, w.id)):
        if w.end <= tl.since or w.start >= tl.until:
            continue
        got = _targets(w, inventory, idx, cause_idx, by_location)
        if isinstance(got, str):
            tl.ignored_windows.append((w, got))
            continue
        resolved.append((w, np.array(got[0], dtype=np.int32), np.array(got[1], dtype=np.int32)))
    tl.windows = tuple(w for w, _, _ in resolved)
    if not resolved:
        return

    def hits(w: DeclaredWindow, own: npt.NDArray[np.int32], causes: npt.NDArray[np.int32]) -> npt.NDArray[np.bool_]:
        m = np.isin(tl.seg_site, own)
        if len(causes):
            m |= np.isin(tl.seg_cause, causes) & np.isin(tl.seg_state, _BAD)
        return m & (tl.seg_start < w.end) & (tl.seg_end > w.start)

    # split segments at the window boundaries that fall inside them
    cut_seg: list[npt.NDArray[np.intp]] = []
    cut_at: list[F64] = []
    for w, own, causes in resolved:
        m = hits(w, own, causes)
        for t in (w.start, w.end):
            inside = np.flatnonzero(m & (tl.seg_start < t) & (tl.seg_end > t))
            cut_seg.append(inside)
            cut_at.append(np.full(len(inside), t))
    segs = np.concatenate(cut_seg)
    if len(segs):
        n = len(tl.seg_start)
        all_seg = np.concatenate((np.arange(n), segs))
        all_start = np.concatenate((tl.seg_start, np.concatenate(cut_at)))
        order = np.lexsort((all_start, all_seg))
        all_seg, all_start = all_seg[order], all_start[order]
        keep = np.ones(len(all_seg), dtype=bool)
        keep[1:] = (all_seg[1:] != all_seg[:-1]) | (all_start[1:] != all_start[:-1])  # a cut met twice
        all_seg, all_start = all_seg[keep], all_start[keep]
        end = np.empty_like(all_start)
        end[:-1] = np.where(all_seg[1:] == all_seg[:-1], all_start[1:], tl.seg_end[all_seg[:-1]])
        end[-1] = tl.seg_end[all_seg[-1]]
        tl.seg_site, tl.seg_since = tl.seg_site[all_seg], tl.seg_since[all_seg]
        tl.seg_state, tl.seg_cause = tl.seg_state[all_seg], tl.seg_cause[all_seg]
        tl.seg_start, tl.seg_end = all_start, end
        tl.seg_window = np.full(len(all_start), -1, dtype=np.int32)
    for i, (w, own, causes) in enumerate(resolved):
        m = hits(w, own, causes) & (tl.seg_window < 0)
        tl.seg_window[m] = i
