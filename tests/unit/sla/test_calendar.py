"""Periods across DST changes, French public holidays, business-hour clocks."""

from __future__ import annotations

from datetime import date, time

import numpy as np
import pytest

from sla.calendar import (
    BusinessCalendar,
    CalendarClock,
    easter,
    french_holidays,
    month_of,
    parse_period,
    previous_month,
)
from sla.errors import PeriodInvalid
from tests.unit.sla.slakit import H, paris


def test_months_have_their_true_length_across_dst() -> None:
    assert parse_period("2026-10").seconds == 31 * 24 * H + H  # 25 October: 25 hours
    assert parse_period("2026-03").seconds == 31 * 24 * H - H  # 29 March: 23 hours
    assert parse_period("2026-06").seconds == 30 * 24 * H
    oct_ = parse_period("2026-10")
    assert oct_.start == paris("2026-10-01 00:00") and oct_.end == paris("2026-11-01 00:00")
    lengths = {d.isoformat(): e - s for d, s, e in oct_.days()}
    assert lengths["2026-10-25"] == 25 * H and lengths["2026-10-24"] == 24 * H
    assert len(lengths) == 31


def test_period_forms_and_errors() -> None:
    p = parse_period("2026-10-01..2026-10-15")
    assert (p.first, p.last) == (date(2026, 10, 1), date(2026, 10, 15))
    assert parse_period("2026-12").end == paris("2027-01-01 00:00")
    assert parse_period("2026-03-29").seconds == 23 * H
    for bad in ("2026-13", "2026/10", "oct", "2026-02-30", "2026-10-05..2026-10-01"):
        with pytest.raises(PeriodInvalid) as exc:
            parse_period(bad)
        assert bad in str(exc.value)


def test_month_of_and_previous_month_use_paris_time() -> None:
    # 31 October 23:30 UTC is already 1 November in Paris (UTC+1)
    t = paris("2026-11-01 00:30")
    assert month_of(t).label == "2026-11"
    assert previous_month(t).label == "2026-10"
    assert previous_month(paris("2027-01-15 12:00")).label == "2026-12"


def test_easter_and_holidays() -> None:
    known = {2000: date(2000, 4, 23), 2019: date(2019, 4, 21), 2024: date(2024, 3, 31), 2025: date(2025, 4, 20),
             2026: date(2026, 4, 5), 2038: date(2038, 4, 25)}
    for year, day in known.items():
        assert easter(year) == day
    h = french_holidays(2026)
    assert len(h) == 11
    assert h[date(2026, 4, 6)] == "Lundi de Pâques"
    assert h[date(2026, 5, 14)] == "Ascension"
    assert h[date(2026, 5, 25)] == "Lundi de Pentecôte"
    assert date(2026, 11, 11) in h and date(2026, 7, 14) in h


def _business() -> BusinessCalendar:
    return BusinessCalendar(range(5), time(8), time(18))


def _one(f: np.ndarray) -> float:
    return float(f[0])


def test_business_elapsed_skips_nights_weekends_and_holidays() -> None:
    b = _business()
    # Friday 30 Oct 2026 16:00 -> Monday 2 Nov 10:00: 2 h Friday + 2 h Monday (1 Nov is a Sunday anyway)
    s, e = paris("2026-10-30 16:00"), paris("2026-11-02 10:00")
    assert _one(b.elapsed(np.array([s]), np.array([e]))) == 4 * H
    # Tuesday 10 Nov 17:00 -> Thursday 12 Nov 09:00: 1 h Tuesday, Wednesday 11 Nov is a holiday, 1 h Thursday
    s, e = paris("2026-11-10 17:00"), paris("2026-11-12 09:00")
    assert _one(b.elapsed(np.array([s]), np.array([e]))) == 2 * H
    # wholly outside business hours
    s, e = paris("2026-10-31 09:00"), paris("2026-11-01 20:00")
    assert _one(b.elapsed(np.array([s]), np.array([e]))) == 0.0


def test_business_deadline_across_weekend_holiday_and_dst() -> None:
    b = _business()
    cases = [
        ("2026-10-30 16:00", 4, "2026-11-02 10:00"),  # Friday -> Monday
        ("2026-10-23 17:00", 4, "2026-10-26 11:00"),  # across the DST change (Sunday 25 Oct)
        ("2026-11-10 17:30", 4, "2026-11-12 11:30"),  # across 11 November
        ("2026-05-13 15:00", 8, "2026-05-15 13:00"),  # across Ascension (Thursday 14 May)
        ("2026-10-31 03:00", 4, "2026-11-02 12:00"),  # starts on a Saturday night
        ("2026-10-27 14:00", 4, "2026-10-27 18:00"),  # ends exactly at closing time
        ("2026-12-24 16:00", 8, "2026-12-28 14:00"),  # Christmas then a weekend
    ]
    starts = np.array([paris(s) for s, _, _ in cases])
    hours = np.array([h * H for _, h, _ in cases])
    got = b.deadline(starts, hours)
    for (s, _, want), g in zip(cases, got.tolist()):
        assert g == paris(want), s
    # and elapsed agrees with deadline
    assert np.allclose(b.elapsed(starts, got), hours)


def test_calendar_clock_is_plain_seconds_across_dst() -> None:
    c = CalendarClock()
    s = np.array([paris("2026-10-25 01:00")])
    assert _one(c.deadline(s, np.array([4 * H]))) == paris("2026-10-25 04:00")  # 4 real hours, 3 on the wall
