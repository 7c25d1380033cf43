"""Error budgets: for the current period, the downtime each site (and each class) may still
have before it misses its availability target. The dashboard's entry point is
:func:`error_budget` (pure: events or a source, and ``now``) or :func:`error_budget_from_store`.

For a site, over the period (a calendar month by default) at instant ``now``::

    expected   = period length - excluded time so far - not covered time so far - unknown time so far
    allowed    = (1 - target) x expected          the downtime the target allows over the whole period
    used       = down time so far
    remaining  = allowed - used                   negative: the target is already missed

The rest of the period is assumed measured and not excluded. ``remaining_worst_s`` is the
same with unknown time counted as down (unknown time is neither up nor down: the two
figures bracket the truth). A site down at ``now`` burns its budget in real time:
``exhausted_at`` says when it runs out if the outage goes on.

A class's budget pools its sites: ``allowed`` and ``used`` are sums, so a class target
is met when its pooled availability is (which is how group availability is computed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sla.calendar import Period, month_of
from sla.compute import compute
from sla.maintenance import DeclaredWindow, read_db_windows
from sla.reader import ChangeSource, MemorySource, SqliteSource
from sla.rules import Rules, load_rules
from sla.timeline import CAT_DOWN
from vigie.model import Inventory
from vigie.state.events import StateChange


@dataclass(frozen=True, slots=True)
class SiteBudget:
    site: str
    access_class: str
    lot: str
    target_pct: float
    allowed_s: float
    used_s: float
    unknown_s: float
    remaining_s: float  # negative: the target is already missed
    remaining_worst_s: float  # unknown time counted as down
    down_now: bool
    exhausted_at: float | None  # down now: when the budget runs out if the outage goes on (<= now: already out)

    @property
    def exhausted(self) -> bool:
        return self.remaining_s < 0


@dataclass(frozen=True, slots=True)
class ClassBudget:
    access_class: str
    target_pct: float
    sites: int
    allowed_s: float
    used_s: float
    unknown_s: float
    remaining_s: float
    remaining_worst_s: float
    sites_exhausted: int  # sites already past their own budget
    sites_down_now: int


@dataclass(frozen=True, slots=True)
class BudgetReport:
    period: Period
    now: float
    sites: dict[str, SiteBudget]
    classes: dict[str, ClassBudget]


def error_budget(inventory: Inventory, now: float, *, source: ChangeSource | None = None,
                 changes: Iterable[StateChange] | None = None, rules: Rules | None = None,
                 windows: Sequence[DeclaredWindow] = (), period: Period | None = None,
                 sites: Sequence[str] | None = None) -> BudgetReport:
    """Error budgets at ``now`` for the period holding it (calendar month in the rules' zone).

    Give the state changes as a ``source`` (e.g. :class:`sla.reader.SqliteSource`) or as
    ``changes`` (the engine's events, any kinds: only sites' are used).
    """
    rules = rules or load_rules()
    if source is None:
        source = MemorySource.from_events(changes or ())
    period = period or month_of(now, rules.timezone)
    res = compute(source, inventory, rules, period, windows, sites, until=now)
    t = res.totals
    expected = np.maximum(period.seconds - t.excluded_s - t.not_covered_s - t.unknown_s, 0.0)
    frac = 1.0 - res.targets_pct / 100.0
    allowed = frac * expected
    allowed_worst = frac * (expected + t.unknown_s)
    remaining = allowed - t.down_s
    remaining_worst = allowed_worst - t.down_s - t.unknown_s
    tl = res.tl
    down_now = np.zeros(len(tl.sites), dtype=bool)
    if len(tl.seg_site):
        last = np.ones(len(tl.seg_site), dtype=bool)
        last[:-1] = tl.seg_site[1:] != tl.seg_site[:-1]
        m = last & (tl.seg_cat == CAT_DOWN) & (tl.seg_end >= res.until)
        down_now[tl.seg_site[m]] = True
    out: dict[str, SiteBudget] = {}
    for i, code in enumerate(tl.sites):
        site = inventory.sites[code]
        exhausted_at = float(res.until + max(remaining[i], 0.0)) if down_now[i] else None
        out[code] = SiteBudget(code, site.access_class, site.lot, float(res.targets_pct[i]), float(allowed[i]),
                               float(t.down_s[i]), float(t.unknown_s[i]), float(remaining[i]),
                               float(remaining_worst[i]), bool(down_now[i]), exhausted_at)
    classes: dict[str, ClassBudget] = {}
    for name in sorted({b.access_class for b in out.values()}):
        members = [b for b in out.values() if b.access_class == name]
        a = sum(b.allowed_s for b in members)
        u = sum(b.used_s for b in members)
        unk = sum(b.unknown_s for b in members)
        target = members[0].target_pct
        classes[name] = ClassBudget(name, target, len(members), a, u, unk, a - u,
                                    a + (1 - target / 100.0) * unk - u - unk,
                                    sum(b.exhausted for b in members), sum(b.down_now for b in members))
    return BudgetReport(period, now, out, classes)


def error_budget_from_store(store: str | Path, inventory: Inventory, now: float, *, rules: Rules | None = None,
                            maintenance_db: str | Path | None = None,
                            sites: Sequence[str] | None = None) -> BudgetReport:
    """:func:`error_budget` reading the monitor's SQLite store (read-only) and ``sla.db``."""
    rules = rules or load_rules()
    period = month_of(now, rules.timezone)
    windows = read_db_windows(maintenance_db, period.start, period.end) if maintenance_db else []
    src = SqliteSource(store)
    try:
        return error_budget(inventory, now, source=src, rules=rules, windows=windows, period=period, sites=sites)
    finally:
        src.close()
