"""What the dashboard asks of the SLA engine (``sla``) and of the resilience analyses (``topology``).

Both are optional for the dashboard: if a package is missing or fails, the caller gets
:class:`~tui.source.NotAvailable` with the reason, and shows a "not available" panel.

- Availability: :func:`budget_from_store` (month to date, error budgets), :func:`class_rows`.
- Topology: :class:`TopologyModel`, built once per inventory (≈0.6 s at 14,000 sites: build it in
  a thread), then :meth:`~TopologyModel.snapshot` (blast radius ranking, independent paths per
  class, POP losses, what is cut off now) and :meth:`~TopologyModel.what_if` on the live state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.source import NotAvailable, SourceError
from vigie.errors import VigieError
from vigie.model import Inventory

if TYPE_CHECKING:
    from sla.budget import BudgetReport, SiteBudget
    from topology.spof import SiteResilience


def budget_from_store(store: str | Path, inventory: Inventory, now: float,
                      sites: Sequence[str] | None = None) -> BudgetReport:
    try:
        from sla.budget import error_budget_from_store
    except ImportError as exc:  # pragma: no cover - the sla package ships with Vigie
        raise NotAvailable(f"the SLA engine cannot be loaded ({exc}): no availability figures") from exc
    try:
        return error_budget_from_store(store, inventory, now, sites=sites)
    except VigieError as exc:
        raise NotAvailable(f"error budgets: {exc}") from exc


@dataclass(frozen=True, slots=True)
class ClassRow:
    access_class: str
    target_pct: float
    sites: int
    availability_pct: float | None  # month to date (None: nothing measured yet)
    remaining_s: float  # error budget left, pooled over the class (negative: target missed)
    sites_exhausted: int
    sites_down_now: int

    @property
    def met(self) -> bool | None:
        return None if self.availability_pct is None else self.availability_pct >= self.target_pct


def _availability(allowed_s: float, used_s: float, target_pct: float) -> float | None:
    frac = 1.0 - target_pct / 100.0
    if frac <= 0:
        return None
    expected = allowed_s / frac
    return None if expected <= 0 else 100.0 * (1.0 - used_s / expected)


def site_availability(b: SiteBudget) -> float | None:
    return _availability(b.allowed_s, b.used_s, b.target_pct)


def class_rows(report: BudgetReport) -> list[ClassRow]:
    return [ClassRow(c.access_class, c.target_pct, c.sites, _availability(c.allowed_s, c.used_s, c.target_pct),
                     c.remaining_s, c.sites_exhausted, c.sites_down_now) for c in report.classes.values()]


# -- topology ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Blast:
    element: str
    kind: str  # node, link or group
    detail: str  # role or layer
    sites: int  # sites its loss would cut off now


@dataclass(frozen=True, slots=True)
class TopoSnapshot:
    down: tuple[str, ...]  # failed elements taken out
    isolated: tuple[str, ...]  # sites cut off now by those failures
    ranking: tuple[Blast, ...]  # elements and locations whose loss would cut sites off, worst first
    paths: dict[str, dict[int, int]]  # access class → {0, 1, 2: sites with that many independent paths}
    below: dict[str, int]  # access class → sites with fewer independent paths than the class expects


@dataclass(frozen=True, slots=True)
class WhatIf:
    elements: tuple[str, ...]
    down: tuple[str, ...]
    cut: tuple[str, ...]  # sites that failing the elements now would cut off, beyond those cut off already
    already: int  # sites cut off now
    by_class: dict[str, int]


INFRA = frozenset({"datacentre", "core", "collect", "backbone"})  # roles and layers of the infrastructure


class TopologyModel:
    """The inventory compiled for the resilience analyses (pure: no clock, no I/O)."""

    def __init__(self, inventory: Inventory) -> None:
        try:
            from topology.analysis import details
            from topology.graph import from_inventory
            from topology.index import compile_network
            from topology.spof import solve
        except ImportError as exc:  # pragma: no cover - the topology package ships with Vigie
            raise NotAvailable(f"the resilience analyses cannot be loaded ({exc})") from exc
        self.inventory = inventory
        try:
            self.net = from_inventory(inventory)
            self.index = compile_network(self.net)
            self.free = solve(self.index)
        except VigieError as exc:
            raise NotAvailable(f"resilience analyses: {exc}") from exc
        self.details = details(self.net)
        self.expected = {name: c.expected_redundancy for name, c in inventory.access_classes.items()}
        self._site_index = {code: s for s, code in enumerate(self.index.site_codes)}

    def _solution(self, down: Sequence[str]) -> tuple[Any, tuple[str, ...]]:
        from topology.spof import solve

        known = tuple(sorted(d for d in down if d in self.index.ids))
        if not known:
            return self.free, known
        return solve(self.index, frozenset(self.index.ids[d] for d in known)), known

    def snapshot(self, down: Sequence[str], top: int = 200, groups: bool = True) -> TopoSnapshot:
        """What is cut off now; the infrastructure elements (routers, backbone and collect links) and the
        locations whose loss would cut sites off, worst first (a site's own router or access cuts only
        that site: the independent path counts cover those)."""
        from topology.blast import blast_counts, group_blast
        from topology.spof import site_resilience

        now, known = self._solution(down)
        index = self.index
        counts = blast_counts(now)
        names = index.names
        ranked = [Blast(names[e], "link" if index.is_link(e) else "node", self.details.get(names[e], ""), counts[e])
                  for e in range(len(names)) if counts[e] > 0 and self.details.get(names[e], "") in INFRA]
        if groups:
            members = {g: frozenset(index.ids[n] for n in nodes if n in index.ids)
                       for g, nodes in self.net.groups.items()}
            for g, cut in group_blast(index, now, members).items():
                if cut:
                    ranked.append(Blast(g, "group", "location", len(cut)))
        ranked.sort(key=lambda b: (-b.sites, b.element))
        paths: dict[str, dict[int, int]] = {}
        below: Counter[str] = Counter()
        for s, cls in enumerate(index.site_class):
            p = site_resilience(now, s).paths
            row = paths.setdefault(cls, {0: 0, 1: 0, 2: 0})
            row[p] += 1
            if p < min(2, self.expected.get(cls, 1)):
                below[cls] += 1
        lost_before = set(self.free.lost())
        isolated = tuple(index.site_codes[s] for s in now.lost() if s not in lost_before)
        return TopoSnapshot(known, isolated, tuple(ranked[:top]), paths, dict(below))

    def site(self, code: str, down: Sequence[str]) -> SiteResilience:
        """Independent paths to the core and points of failure of one site, now."""
        from topology.spof import site_resilience

        now, _ = self._solution(down)
        return site_resilience(now, self._site_index[code])

    def what_if(self, down: Sequence[str], elements: Sequence[str]) -> WhatIf:
        from topology.whatif import element_ids, what_if

        if not elements:
            raise SourceError("what-if needs an element: a device (LYO-C02), a link (BB-A-PAR-LYO) or a POP (MRS)")
        try:
            ids = element_ids(self.index, self.net, elements)
        except VigieError as exc:
            raise SourceError(str(exc)) from exc
        now, known = self._solution(down)
        cut = sorted(self.index.site_codes[s] for s in what_if(now, ids))
        by_class = dict(sorted(Counter(self.inventory.sites[c].access_class for c in cut).items()))
        lost_before = set(self.free.lost())
        already = sum(1 for s in now.lost() if s not in lost_before)
        return WhatIf(tuple(elements), known, tuple(cut), already, by_class)


__all__ = ["Blast", "ClassRow", "TopoSnapshot", "TopologyModel", "WhatIf", "budget_from_store", "class_rows",
           "site_availability"]
