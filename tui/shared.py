"""What every view of the dashboard shares: the source, the site model, the operator's name, the
latest error budgets, and the infrastructure laid out once (POPs, planes, backbone links)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.model import SiteModel
from tui.source import StateSource
from vigie.model import Inventory, Layer, Role

if TYPE_CHECKING:
    from sla.budget import BudgetReport
    from tui.analysis import TopologyModel


@dataclass(slots=True)
class Infra:
    pops: list[str]  # POP codes, sorted
    dcs: list[str]  # datacentre codes, sorted
    routers: dict[str, list[str]]  # POP or datacentre → its core / datacentre routers (plane A first)
    collects: dict[str, list[str]]  # POP → its collect routers
    plane_routers: dict[str, list[str]]  # "A" / "B" → core and datacentre routers of the plane
    plane_links: dict[str, list[str]]  # "A" / "B" → backbone links inside the plane; "X" → between planes
    sites_of_pop: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, inv: Inventory) -> Infra:
        routers: dict[str, list[str]] = {}
        collects: dict[str, list[str]] = {}
        planes: dict[str, list[str]] = {"A": [], "B": []}
        for dev in sorted(inv.devices.values(), key=lambda d: (d.plane or "", d.name)):
            if dev.location is None:
                continue
            if dev.role in (Role.CORE, Role.DATACENTRE):
                routers.setdefault(dev.location, []).append(dev.name)
                if dev.plane is not None:
                    planes[dev.plane.value].append(dev.name)
            elif dev.role is Role.COLLECT:
                collects.setdefault(dev.location, []).append(dev.name)
        links: dict[str, list[str]] = {"A": [], "B": [], "X": []}
        for lk in sorted(inv.links.values(), key=lambda x: x.id):
            if lk.layer is not Layer.BACKBONE:
                continue
            a, b = inv.devices.get(lk.a.device), inv.devices.get(lk.b.device)
            pa, pb = (a.plane if a else None), (b.plane if b else None)
            links[pa.value if pa is not None and pa == pb else "X"].append(lk.id)
        sites: dict[str, int] = {}
        for s in inv.sites.values():
            sites[s.pop] = sites.get(s.pop, 0) + 1
        return cls(sorted(loc.code for loc in inv.pops()), sorted(loc.code for loc in inv.datacentres()),
                   routers, collects, planes, links, sites)


class Shared:
    def __init__(self, source: StateSource, who: str) -> None:
        self.source = source
        self.who = who
        self.inventory = source.inventory
        self.model = SiteModel(source.inventory)
        self.infra = Infra.of(source.inventory)
        self.budget: BudgetReport | None = None
        self.budget_note = "computing…"
        self.budget_at: float | None = None
        self._topo: TopologyModel | None = None
        self._topo_lock = threading.Lock()

    def topology(self) -> TopologyModel:
        """The inventory compiled for the resilience analyses, built on first use (≈0.6 s at 14,000 sites:
        call it from a thread). Raises NotAvailable."""
        with self._topo_lock:
            if self._topo is None:
                from tui.analysis import TopologyModel

                self._topo = TopologyModel(self.inventory)
            return self._topo


__all__ = ["Infra", "Shared"]
