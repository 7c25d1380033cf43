"""Periods, local days, French public holidays and business-hour clocks, all DST-safe.

Every instant is epoch seconds (UTC); every calendar notion (a month, a day, 08:00) is
local time in one zone (Europe/Paris by default) and turned into instants through
:mod:`zoneinfo`, so a day is 23 h or 25 h long on DST change days and a month is exactly
its number of seconds.

A :class:`BusinessCalendar` counts business seconds (e.g. Monday-Friday 08:00-18:00, not
on public holidays) with numpy: ``elapsed(start, end)`` and ``deadline(start, hours)``
take arrays, for thousands of GTR clocks at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from sla.errors import PeriodInvalid

DEFAULT_TZ = "Europe/Paris"
F64 = npt.NDArray[np.float64]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_PERIOD_FORMS = "YYYY-MM (a month), YYYY-MM-DD (a day) or YYYY-MM-DD..YYYY-MM-DD (days, both included)"


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PeriodInvalid(f"time zone {name!r} is unknown; use an IANA name such as 'Europe/Paris'") from exc


def local_midnight(day: date, tz: ZoneInfo) -> float:
    """The instant local ``day`` starts (midnight exists in every zone Vigie uses)."""
    return datetime.combine(day, time(0), tzinfo=tz).timestamp()


def local_instant(day: date, at: time, tz: ZoneInfo) -> float:
    return datetime.combine(day, at, tzinfo=tz).timestamp()


def local_date(t: float, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(t, tz).date()


def iso(t: float, tz: ZoneInfo) -> str:
    """``2026-10-25T02:30:00+01:00``: local time with its offset, to the second."""
    return datetime.fromtimestamp(round(t), tz).isoformat(timespec="seconds")


def iso_many(ts: F64, tz: ZoneInfo) -> list[str | None]:
    """:func:`iso` of many instants at once (NaN -> None); the same strings, much faster."""
    out: list[str | None] = [None] * len(ts)
    ok = ~np.isnan(ts)
    secs = np.round(ts[ok]).astype(np.int64)
    if not len(secs):
        return out
    offsets: dict[int, int] = {}  # offsets change on whole hours (UTC) in every zone Vigie uses
    hours = secs // 3600
    off = np.empty(len(secs), dtype=np.int64)
    for h in np.unique(hours).tolist():
        o = offsets.get(h)
        if o is None:
            delta = datetime.fromtimestamp(h * 3600, tz).utcoffset()
            o = offsets[h] = int(delta.total_seconds()) if delta is not None else 0
        off[hours == h] = o
    local = np.datetime_as_string((secs + off).astype("datetime64[s]"), unit="s").tolist()
    suffix = {o: f"{'+' if o >= 0 else '-'}{abs(o) // 3600:02d}:{abs(o) % 3600 // 60:02d}" for o in offsets.values()}
    texts = [f"{a}{suffix[o]}" for a, o in zip(local, off.tolist())]
    for k, i in enumerate(np.flatnonzero(ok).tolist()):
        out[i] = texts[k]
    return out


@dataclass(frozen=True, slots=True)
class Period:
    """``[start, end)`` in epoch seconds; ``first``/``last`` are its local days (both included)."""

    label: str
    first: date
    last: date
    tz: str = DEFAULT_TZ

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.tz)

    @property
    def start(self) -> float:
        return local_midnight(self.first, self.zone)

    @property
    def end(self) -> float:
        return local_midnight(self.last + timedelta(days=1), self.zone)

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def days(self) -> list[tuple[date, float, float]]:
        """Each local day of the period: (day, start, end)."""
        tz = self.zone
        out = []
        d = self.first
        while d <= self.last:
            out.append((d, local_midnight(d, tz), local_midnight(d + timedelta(days=1), tz)))
            d += timedelta(days=1)
        return out


def month_period(year: int, month: int, tz: str = DEFAULT_TZ) -> Period:
    if not 1 <= month <= 12 or not 1970 <= year <= 9998:
        raise PeriodInvalid(f"month {year:04d}-{month:02d} does not exist; give YYYY-MM with a month 01..12")
    first = date(year, month, 1)
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return Period(f"{year:04d}-{month:02d}", first, nxt - timedelta(days=1), tz)


def _day(text: str, whole: str) -> date:
    m = _DAY.match(text)
    if m is None:
        raise PeriodInvalid(f"period {whole!r} is not understood; give {_PERIOD_FORMS}")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError as exc:
        raise PeriodInvalid(f"period {whole!r}: {text!r} is not a date ({exc}); give {_PERIOD_FORMS}") from exc


def parse_period(text: str, tz: str = DEFAULT_TZ) -> Period:
    """``2026-10`` (a calendar month), ``2026-10-05`` (a day), ``2026-10-01..2026-10-15`` (days)."""
    zone(tz)  # fail early on a bad zone
    text = text.strip()
    m = _MONTH.match(text)
    if m is not None:
        return month_period(int(m[1]), int(m[2]), tz)
    if ".." in text:
        a, _, b = text.partition("..")
        first, last = _day(a, text), _day(b, text)
        if last < first:
            raise PeriodInvalid(f"period {text!r} ends before it starts; give FIRST..LAST with LAST >= FIRST")
        return Period(text, first, last, tz)
    d = _day(text, text)
    return Period(text, d, d, tz)


def month_of(t: float, tz: str = DEFAULT_TZ) -> Period:
    """The calendar month holding instant ``t``."""
    d = local_date(t, zone(tz))
    return month_period(d.year, d.month, tz)


def previous_month(t: float, tz: str = DEFAULT_TZ) -> Period:
    d = local_date(t, zone(tz))
    return month_period(d.year - 1, 12, tz) if d.month == 1 else month_period(d.year, d.month - 1, tz)


# -- public holidays ---------------------------------------------------------------------


def easter(year: int) -> date:
    """Easter Sunday (Gregorian calendar; anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def french_holidays(year: int) -> dict[date, str]:
    """The eleven national public holidays of metropolitan France (Code du travail, L3133-1)."""
    e = easter(year)
    days = {
        date(year, 1, 1): "Jour de l'an",
        e + timedelta(days=1): "Lundi de Pâques",
        date(year, 5, 1): "Fête du Travail",
        date(year, 5, 8): "Victoire 1945",
        e + timedelta(days=39): "Ascension",
        e + timedelta(days=50): "Lundi de Pentecôte",
        date(year, 7, 14): "Fête nationale",
        date(year, 8, 15): "Assomption",
        date(year, 11, 1): "Toussaint",
        date(year, 11, 11): "Armistice 1918",
        date(year, 12, 25): "Noël",
    }
    return dict(sorted(days.items()))


# -- business hours ----------------------------------------------------------------------


class BusinessCalendar:
    """Business hours: ``weekdays`` (0 = Monday) from ``opens`` to ``closes`` local time,
    except on ``holidays`` (a function of the year) and ``extra`` days off.

    Intervals are built lazily over the span of days asked for, and extended as needed.
    """

    def __init__(self, weekdays: Iterable[int], opens: time, closes: time, tz: str = DEFAULT_TZ,
                 public_holidays: bool = True, extra: Iterable[date] = ()) -> None:
        self.weekdays = frozenset(weekdays)
        self.opens, self.closes = opens, closes
        self.tz = tz
        self._zone = zone(tz)
        self.public_holidays = public_holidays
        self.extra = frozenset(extra)
        self._first: date | None = None
        self._last: date | None = None
        self._a: F64 = np.empty(0)
        self._b: F64 = np.empty(0)
        self._cum: F64 = np.empty(0)  # business seconds before interval i

    def is_business_day(self, d: date) -> bool:
        if d.weekday() not in self.weekdays or d in self.extra:
            return False
        return not (self.public_holidays and d in french_holidays(d.year))

    def _cover(self, lo: float, hi: float) -> None:
        first = local_date(lo, self._zone) - timedelta(days=1)
        last = local_date(hi, self._zone) + timedelta(days=1)
        if self._first is not None and self._last is not None and self._first <= first and last <= self._last:
            return
        if self._first is not None and self._last is not None:
            first, last = min(first, self._first), max(last, self._last)
        starts, ends = [], []
        holidays: dict[int, dict[date, str]] = {}
        d = first
        while d <= last:
            off = self.public_holidays and d in holidays.setdefault(d.year, french_holidays(d.year))
            if d.weekday() in self.weekdays and d not in self.extra and not off:
                starts.append(local_instant(d, self.opens, self._zone))
                ends.append(local_instant(d, self.closes, self._zone))
            d += timedelta(days=1)
        self._a = np.asarray(starts, dtype=np.float64)
        self._b = np.asarray(ends, dtype=np.float64)
        lengths = self._b - self._a
        self._cum = np.concatenate(([0.0], np.cumsum(lengths)[:-1])) if len(lengths) else np.empty(0)
        self._first, self._last = first, last

    def cumulative(self, t: F64) -> F64:
        """Business seconds from the start of the covered span to each ``t`` (monotone)."""
        if len(t) == 0:
            return np.zeros(0)
        self._cover(float(t.min()), float(t.max()))
        if len(self._a) == 0:
            return np.zeros(len(t))
        i = np.searchsorted(self._a, t, side="right") - 1
        ok = i >= 0
        ic = np.where(ok, i, 0)
        inside = np.clip(t - self._a[ic], 0.0, self._b[ic] - self._a[ic])
        return np.where(ok, self._cum[ic] + inside, 0.0)

    def elapsed(self, start: F64, end: F64) -> F64:
        """Business seconds in each ``[start, end)``."""
        if len(start) == 0:
            return np.zeros(0)
        self._cover(float(min(start.min(), end.min())), float(max(start.max(), end.max())))
        return np.maximum(self.cumulative(end) - self.cumulative(start), 0.0)

    def deadline(self, start: F64, seconds: F64) -> F64:
        """The instant each clock started at ``start`` has run ``seconds`` business seconds."""
        if len(start) == 0:
            return np.zeros(0)
        # enough days ahead: 7 calendar days per 5 business days, plus holidays, plus margin
        ahead = float(seconds.max()) / 3600.0 / max(1.0, self._day_hours()) * 7.0 / max(1, len(self.weekdays)) + 20
        self._cover(float(start.min()), float(start.max()) + ahead * 86400.0)
        target = self.cumulative(start) + seconds
        ends = self._cum + (self._b - self._a)
        i = np.searchsorted(ends, target, side="left")
        i = np.minimum(i, len(self._a) - 1)
        return np.asarray(self._a[i] + np.maximum(target - self._cum[i], 0.0), dtype=np.float64)

    def _day_hours(self) -> float:
        return (datetime.combine(date(2000, 1, 3), self.closes) - datetime.combine(date(2000, 1, 3), self.opens)
                ).total_seconds() / 3600.0


class CalendarClock:
    """Every second counts (24/7 GTR)."""

    def elapsed(self, start: F64, end: F64) -> F64:
        return np.maximum(end - start, 0.0)

    def deadline(self, start: F64, seconds: F64) -> F64:
        return start + seconds
