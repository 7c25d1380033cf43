"""Incidents and GTR: unknown gaps, open outages, business-hour clocks across weekends and
holidays, penalties."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sla.calendar import parse_period
from sla.compute import Results, compute
from sla.incidents import GTR_STATUS, incident_causes
from sla.reader import MemorySource, Row
from sla.rules import load_rules, parse_rules
from tests.unit.sla.slakit import H, inventory, paris, site_of, up_before

BASE = up_before(paris("2026-09-01 00:00"))


def _run(rows: list[Row], period: str = "2026-10", rules_text: str | None = None) -> Results:
    rules = load_rules() if rules_text is None else parse_rules(rules_text, "t.toml", "0" * 64)
    return compute(MemorySource(rows), inventory(), rules, parse_period(period))


def _status(res: Results) -> list[str]:
    return [GTR_STATUS[s] for s in res.incidents.status]


def test_unknown_gap_inside_an_outage_is_one_incident() -> None:
    s = site_of("premium")
    rows = BASE + [(paris("2026-10-05 10:00"), s, "down", "A"), (paris("2026-10-05 11:00"), s, "unknown", "nm"),
                   (paris("2026-10-05 12:00"), s, "unreachable", "B"), (paris("2026-10-05 13:00"), s, "up", None)]
    res = _run(rows)
    inc = res.incidents
    assert len(inc) == 1
    assert (inc.start[0], inc.end[0]) == (paris("2026-10-05 10:00"), paris("2026-10-05 13:00"))
    assert (inc.down_s[0], inc.unknown_s[0]) == (2 * H, H)
    assert _status(res) == ["met"] and inc.elapsed_s[0] == 3 * H
    assert incident_causes(inc, res.tl, 0) == ["A", "B"]
    # without bridging: two incidents
    text = load_rules().text.replace("bridge_unknown = true", "bridge_unknown = false")
    assert len(_run(rows, rules_text=text).incidents) == 2


def test_unknown_after_an_outage_ends_it() -> None:
    s = site_of("premium")
    rows = BASE + [(paris("2026-10-05 10:00"), s, "down", "A"), (paris("2026-10-05 11:00"), s, "unknown", "nm"),
                   (paris("2026-10-05 12:00"), s, "up", None)]
    inc = _run(rows).incidents
    assert len(inc) == 1 and inc.end[0] == paris("2026-10-05 11:00") and inc.unknown_s[0] == 0


def test_premium_gtr_is_calendar_time_and_missed_with_a_penalty() -> None:
    s = site_of("premium")
    rows = BASE + [(paris("2026-10-03 22:00"), s, "down", "A"), (paris("2026-10-04 03:30"), s, "up", None)]
    res = _run(rows)  # Saturday night: the 24/7 clock runs
    inc = res.incidents
    assert _status(res) == ["missed"]
    assert inc.delay_s[0] == 1.5 * H
    terms = load_rules().terms("premium")
    assert inc.penalty_pct[0] == 2 * terms.gtr_penalty_pct_per_started_hour  # 2 started hours
    i = res.tl.sites.index(s)
    avail = 100 * (1 - 5.5 * H / parse_period("2026-10").seconds)
    a_pen = terms.availability_penalty_pct(avail)
    assert a_pen == 50.0  # 99.26 %: below the 99.5 % step
    assert res.penalty_pct[i] == a_pen + inc.penalty_pct[0]
    assert res.penalty_eur[i] == pytest.approx((a_pen + inc.penalty_pct[0]) * terms.monthly_fee_eur / 100)


def test_business_gtr_across_weekend_and_holiday() -> None:
    s = site_of("economy")  # 8 business hours
    rows = BASE + [
        # Friday 30 Oct 15:00 -> Monday 2 Nov 11:00: 3 h + 3 h = 6 business hours: met
        (paris("2026-10-30 15:00"), s, "down", "A"), (paris("2026-11-02 11:00"), s, "up", None),
        # Tuesday 10 Nov 14:00 -> Thursday 12 Nov 14:00: 4 h + holiday + 6 h = 10 h: missed by 2 h
        (paris("2026-11-10 14:00"), s, "down", "A"), (paris("2026-11-12 14:00"), s, "up", None),
    ]
    oct_, nov = _run(rows, "2026-10"), _run(rows, "2026-11")
    assert _status(oct_) == ["met"] and oct_.incidents.elapsed_s[0] == 6 * H
    assert oct_.incidents.deadline[0] == paris("2026-11-02 13:00")
    assert _status(nov) == ["met", "missed"]  # the first is the October one carried over
    assert nov.incidents.counted.tolist() == [False, True]
    assert nov.incidents.delay_s[1] == 2 * H
    assert nov.incidents.deadline[1] == paris("2026-11-12 12:00")
    rate = load_rules().terms("economy").gtr_penalty_pct_per_started_hour
    assert nov.incidents.penalty_pct.tolist() == [0.0, 2 * rate]


def test_outage_still_going_at_the_end_of_the_data_is_open() -> None:
    s, t = site_of("premium"), site_of("economy")
    rows = BASE + [(paris("2026-10-31 22:00"), s, "down", "A"), (paris("2026-10-30 20:00"), t, "down", "B")]
    res = _run(rows)
    by_site = {res.tl.sites[int(i)]: j for j, i in enumerate(res.incidents.site)}
    inc = res.incidents
    assert math.isnan(inc.end[by_site[s]]) and math.isnan(inc.end[by_site[t]])
    # premium: 2 h so far of a 4 h calendar GTR: open; economy: Friday 20:00 -> end of Saturday: 0 business hours
    assert GTR_STATUS[inc.status[by_site[s]]] == "open"
    assert GTR_STATUS[inc.status[by_site[t]]] == "open"
    assert inc.down_s[by_site[s]] == 2 * H


def test_open_outage_past_its_deadline_is_missed_so_far() -> None:
    s = site_of("premium")
    res = _run(BASE + [(paris("2026-10-31 12:00"), s, "down", "A")])
    assert _status(res) == ["missed"] and res.incidents.delay_s[0] == 8 * H  # 12 h down at the period end, GTR 4 h


def test_end_after_the_period_is_read_through_an_unknown_gap() -> None:
    s = site_of("premium")
    rows = BASE + [(paris("2026-10-31 23:00"), s, "down", "A"), (paris("2026-11-01 00:30"), s, "unknown", "nm"),
                   (paris("2026-11-01 01:00"), s, "down", "A"), (paris("2026-11-01 02:00"), s, "up", None)]
    res = _run(rows)
    assert res.incidents.end.tolist() == [paris("2026-11-01 02:00")]
    assert res.incidents.elapsed_s.tolist() == [3 * H]
    assert [r[0] for r in res.history.context] == [r[0] for r in rows[-3:]]  # what was read is recorded


def test_penalties_are_capped_per_site() -> None:
    s = site_of("economy")
    rows = list(BASE)
    for day in range(5, 25):  # twenty long outages on weekdays and weekends
        rows += [(paris(f"2026-10-{day:02d} 08:00"), s, "down", "A"),
                 (paris(f"2026-10-{day:02d} 20:00"), s, "up", None)]
    res = _run(rows)
    i = res.tl.sites.index(s)
    terms = load_rules().terms("economy")
    assert res.availability_penalty_pct[i] + res.gtr_penalty_pct[i] > terms.penalty_cap_pct
    assert res.penalty_pct[i] == terms.penalty_cap_pct
    assert res.penalty_eur[i] == terms.penalty_cap_pct * terms.monthly_fee_eur / 100
    assert float(np.max(res.incidents.penalty_pct)) <= terms.gtr_penalty_cap_pct
