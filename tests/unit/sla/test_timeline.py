"""Timelines and availability on the edges: month boundaries, DST, maintenance, unknown time,
sites added or removed during the period."""

from __future__ import annotations

import numpy as np
import pytest

from sla.calendar import parse_period
from sla.compute import Results, compute
from sla.maintenance import DeclaredWindow
from sla.reader import MemorySource, Row
from sla.rules import load_rules
from tests.unit.sla.slakit import H, inventory, paris, site_of, up_before

OCT = parse_period("2026-10")


def _run(rows: list[Row], period: str = "2026-10", windows: list[DeclaredWindow] | None = None,
         service: dict[str, tuple[float | None, float | None]] | None = None) -> Results:
    return compute(MemorySource(rows), inventory(), load_rules(), parse_period(period), windows or [],
                   service=service)


def _site(res: Results, code: str) -> dict[str, float]:
    i = res.tl.sites.index(code)
    t = res.totals
    return {"up": t.up_s[i], "down": t.down_s[i], "unknown": t.unknown_s[i], "excluded": t.excluded_s[i],
            "degraded": t.degraded_s[i], "not_covered": t.not_covered_s[i],
            "avail": t.availability_pct()[i], "best": t.best_pct()[i], "worst": t.worst_pct()[i]}


def _window(element: str, start: str, end: str, wid: str = "db:1", declared: str | None = None) -> DeclaredWindow:
    return DeclaredWindow(wid, element, paris(start), paris(end), "works", "alice",
                          paris(declared) if declared else None)


def test_outage_across_a_month_boundary_is_split_between_months() -> None:
    s = site_of("premium")
    rows = up_before(paris("2026-09-01 00:00")) + [
        (paris("2026-09-30 23:00"), s, "down", f"{s}-R1"), (paris("2026-10-01 02:00"), s, "up", None)]
    sep, oct_ = _run(rows, "2026-09"), _run(rows, "2026-10")
    assert _site(sep, s)["down"] == 1 * H
    assert _site(oct_, s)["down"] == 2 * H
    # one incident, seen from both months with its real start and end; its GTR belongs to September
    for res in (sep, oct_):
        inc = res.incidents
        assert len(inc) == 1
        assert (inc.start[0], inc.end[0]) == (paris("2026-09-30 23:00"), paris("2026-10-01 02:00"))
        assert inc.elapsed_s[0] == 3 * H  # premium: calendar clock
    assert sep.incidents.counted.tolist() == [True] and oct_.incidents.counted.tolist() == [False]


def test_outage_across_the_dst_change_counts_real_seconds() -> None:
    s = site_of("economy")
    # 01:30 CEST -> 03:30 CET on 25 October: 3 real hours, 2 on the wall clock
    rows = up_before(paris("2026-09-01 00:00")) + [
        (paris("2026-10-25 01:30"), s, "down", "x"), (paris("2026-10-25 03:30"), s, "up", None)]
    got = _site(_run(rows), s)
    assert got["down"] == 3 * H
    assert got["up"] + got["down"] == OCT.seconds
    assert got["avail"] == pytest.approx(100 * (1 - 3 * H / OCT.seconds))


def test_unknown_time_is_excluded_and_bounded() -> None:
    s = site_of("standard")
    rows = up_before(paris("2026-09-01 00:00")) + [
        (paris("2026-10-10 00:00"), s, "unknown", "not measured"), (paris("2026-10-11 00:00"), s, "down", "x"),
        (paris("2026-10-11 06:00"), s, "up", None)]
    got = _site(_run(rows), s)
    assert got["unknown"] == 24 * H and got["down"] == 6 * H
    measured = OCT.seconds - 24 * H
    assert got["avail"] == pytest.approx(100 * (measured - 6 * H) / measured)
    assert got["best"] == pytest.approx(100 * (OCT.seconds - 6 * H) / OCT.seconds)
    assert got["worst"] == pytest.approx(100 * (OCT.seconds - 30 * H) / OCT.seconds)
    assert got["worst"] < got["avail"] < got["best"]


def test_degraded_counts_up_and_is_reported_as_time_without_redundancy() -> None:
    s = site_of("premium")
    rows = up_before(paris("2026-09-01 00:00")) + [
        (paris("2026-10-02 10:00"), s, "degraded", f"{s}-R2"), (paris("2026-10-02 15:00"), s, "up", None)]
    res = _run(rows)
    got = _site(res, s)
    assert got["degraded"] == 5 * H and got["down"] == 0 and got["avail"] == 100.0
    assert len(res.incidents) == 0


def test_overlapping_maintenance_windows_exclude_their_union_once() -> None:
    s = site_of("economy", 1)
    rows = up_before(paris("2026-09-01 00:00")) + [
        (paris("2026-10-06 10:30"), s, "down", f"{s}-R1"), (paris("2026-10-06 12:30"), s, "up", None)]
    windows = [_window(s, "2026-10-06 10:00", "2026-10-06 12:00", "db:1"),
               _window(s, "2026-10-06 11:00", "2026-10-06 13:00", "db:2")]
    res = _run(rows, windows=windows)
    got = _site(res, s)
    assert got["excluded"] == 3 * H and got["down"] == 0 and got["avail"] == 100.0
    assert len(res.incidents) == 0
    assert {res.tl.windows[i].id for i in set(res.tl.seg_window.tolist()) - {-1}} == {"db:1", "db:2"}


def test_window_shorter_than_the_outage_leaves_the_rest_down() -> None:
    s = site_of("economy", 1)
    rows = up_before(paris("2026-09-01 00:00")) + [
        (paris("2026-10-06 10:00"), s, "down", f"{s}-R1"), (paris("2026-10-06 14:00"), s, "up", None)]
    res = _run(rows, windows=[_window(s, "2026-10-06 11:00", "2026-10-06 12:00", declared="2026-10-07 09:00")])
    got = _site(res, s)
    assert got["excluded"] == 1 * H and got["down"] == 3 * H
    inc = res.incidents  # the window ends the first outage; the second starts when it ends
    assert [(a, b) for a, b in zip(inc.start.tolist(), inc.end.tolist())] == [
        (paris("2026-10-06 10:00"), paris("2026-10-06 11:00")), (paris("2026-10-06 12:00"), paris("2026-10-06 14:00"))]
    assert res.tl.windows[0].retroactive


def test_window_on_the_cause_element_excludes_the_sites_behind_it() -> None:
    inv = inventory()
    a, b = site_of("economy", 2), site_of("economy", 3)
    pop = inv.sites[a].pop
    core = next(d.name for d in inv.devices.values() if d.location == pop)
    rows = up_before(paris("2026-09-01 00:00")) + [
        (paris("2026-10-08 02:00"), a, "unreachable", core), (paris("2026-10-08 02:00"), b, "unreachable", "OTHER"),
        (paris("2026-10-08 04:00"), a, "up", None), (paris("2026-10-08 04:00"), b, "up", None)]
    res = _run(rows, windows=[_window(pop, "2026-10-08 01:00", "2026-10-08 05:00")])
    assert _site(res, a)["excluded"] == 2 * H and _site(res, a)["down"] == 0
    assert _site(res, b)["down"] == 2 * H  # down for another cause: not explained by the window
    # an up site is never excluded by a window on an element it does not depend on
    other = site_of("premium")
    assert _site(res, other)["excluded"] == 0


def test_windows_naming_nothing_known_are_ignored_and_reported() -> None:
    res = _run(up_before(paris("2026-09-01 00:00")), windows=[_window("NOPE", "2026-10-01 01:00", "2026-10-01 02:00")])
    assert [w.element for w, _ in res.tl.ignored_windows] == ["NOPE"]
    assert float(res.totals.excluded_s.sum()) == 0


def test_sites_added_and_removed_mid_month() -> None:
    added, removed = site_of("standard", 1), site_of("standard", 2)
    others = [c for c in sorted(inventory().sites) if c != added]
    rows = up_before(paris("2026-09-01 00:00"), others) + [
        (paris("2026-10-11 00:00"), added, "up", None), (paris("2026-10-20 00:00"), added, "down", "x"),
        (paris("2026-10-20 01:00"), added, "up", None),
        (paris("2026-10-21 00:00"), removed, "down", "y")]  # removed on the 21st: it never comes back
    res = _run(rows, service={removed: (None, paris("2026-10-21 00:00"))})
    got = _site(res, added)
    assert got["not_covered"] == 10 * 24 * H
    assert got["avail"] == pytest.approx(100 * (1 - H / (OCT.seconds - 10 * 24 * H)))
    gone = _site(res, removed)
    assert gone["down"] == 0 and gone["avail"] == 100.0
    assert gone["not_covered"] == paris("2026-11-01 00:00") - paris("2026-10-21 00:00")


def test_a_site_never_seen_has_no_availability() -> None:
    s = site_of("overseas")
    rows = up_before(paris("2026-09-01 00:00"), [c for c in sorted(inventory().sites) if c != s])
    got = _site(_run(rows), s)
    assert np.isnan(got["avail"]) and got["not_covered"] == OCT.seconds


def test_states_this_vigie_does_not_know_read_as_unknown() -> None:
    s = site_of("premium")
    rows = up_before(paris("2026-09-01 00:00")) + [(paris("2026-10-03 00:00"), s, "flapping", None),
                                                   (paris("2026-10-03 01:00"), s, "up", None)]
    res = _run(rows)
    assert res.tl.odd_states == {"flapping": 1}
    assert _site(res, s)["unknown"] == H


def test_ties_and_changes_of_cause_only() -> None:
    s = site_of("premium")
    t = paris("2026-10-04 10:00")
    rows = up_before(paris("2026-09-01 00:00")) + [
        (t, s, "down", "A"), (t, s, "unreachable", "B"), (t + H, s, "unreachable", "C"), (t + 2 * H, s, "up", None)]
    res = _run(rows)
    assert _site(res, s)["down"] == 2 * H
    assert len(res.incidents) == 1
    assert res.tl.causes[res.incidents.cause[0]] == "B"  # the zero-length "down by A" carries no time
