"""One SLA computation: read the changes, build the timelines, total them, find the
incidents, judge their GTR and compute the penalties. Pure apart from the source it reads.

Penalties of a site for a period: the availability penalty (the grid of its class, applied
to its measured availability) plus the GTR delay penalties of the incidents that started in
the period, together capped by ``penalty_cap_pct``; a share of the class's monthly fee.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sla.availability import SiteTotals, site_totals
from sla.calendar import Period
from sla.errors import SlaError
from sla.incidents import Incidents, boundary_context, find_incidents, judge_gtr
from sla.maintenance import DeclaredWindow
from sla.reader import ChangeSource, History
from sla.rules import ClassTerms, Rules
from sla.timeline import Timelines, build_timelines
from vigie.model import Inventory

F64 = npt.NDArray[np.float64]


def select_sites(inventory: Inventory, access_class: str | None = None, lot: str | None = None) -> list[str]:
    """Site codes of the inventory, of one class and / or lot if given (sorted)."""
    if access_class is not None and access_class not in inventory.access_classes:
        raise SlaError(f"access class {access_class!r} is not in the inventory; use one of "
                       f"{', '.join(sorted(inventory.access_classes))}")
    lots = {s.lot for s in inventory.sites.values()}
    if lot is not None and lot not in lots:
        raise SlaError(f"lot {lot!r} is not in the inventory; use one of {', '.join(sorted(lots))}")
    return sorted(s.code for s in inventory.sites.values()
                  if (access_class is None or s.access_class == access_class) and (lot is None or s.lot == lot))


@dataclass(slots=True)
class Results:
    period: Period
    rules: Rules
    source: dict[str, Any]  # where the changes were read (kind, file name)
    until: float  # end of what was computed (the period end, or "now" for the current period)
    history: History
    tl: Timelines
    totals: SiteTotals
    incidents: Incidents
    terms: list[ClassTerms]  # per site
    targets_pct: F64  # per site
    availability_penalty_pct: F64  # per site
    gtr_penalty_pct: F64  # per site (sum over its counted incidents)
    penalty_pct: F64  # per site, capped
    penalty_eur: F64  # per site, to the cent

    def data_digest(self) -> str:
        return hashlib.sha256(self.history.canonical()).hexdigest()


def compute(source: ChangeSource, inventory: Inventory, rules: Rules, period: Period,
            windows: Sequence[DeclaredWindow] = (), sites: Sequence[str] | None = None,
            until: float | None = None,
            service: Mapping[str, tuple[float | None, float | None]] | None = None) -> Results:
    """Everything about ``sites`` (default: all the inventory's) over ``period``, or over its
    beginning up to ``until`` (the current period, for error budgets)."""
    codes = sorted(inventory.sites) if sites is None else sorted(sites)
    end = period.end if until is None else min(until, period.end)
    history = source.history(period.start, end, codes)
    tl = build_timelines(history, inventory, codes, rules, windows, service)
    starts, ends = boundary_context(tl, source, history, rules)
    inc = find_incidents(tl, rules, starts, ends)
    terms_by_class = {name: rules.terms(cls) for name, cls in sorted(inventory.access_classes.items())}
    terms = [terms_by_class[inventory.sites[c].access_class] for c in codes]
    judge_gtr(inc, tl, rules, terms)
    totals = site_totals(tl)
    avail = totals.availability_pct()
    targets = np.array([t.availability_target_pct for t in terms], dtype=np.float64)
    a_pen = np.array([t.availability_penalty_pct(None if np.isnan(a) else float(a)) for t, a in zip(terms, avail)],
                     dtype=np.float64)
    g_pen = np.bincount(inc.site, weights=inc.penalty_pct, minlength=len(codes)).astype(np.float64)
    caps = np.array([t.penalty_cap_pct for t in terms], dtype=np.float64)
    fees = np.array([t.monthly_fee_eur for t in terms], dtype=np.float64)
    pct = np.minimum(a_pen + g_pen, caps)
    eur = np.round(pct * fees) / 100.0  # cents, rounded once
    return Results(period, rules, source.describe(), end, history, tl, totals, inc, terms, targets, a_pen, g_pen,
                   pct, eur)
