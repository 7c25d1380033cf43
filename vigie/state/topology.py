"""Who the management stations can still reach, and what each unreached device is behind.

Management traffic comes from the datacentre routers (role DATACENTRE) and flows datacentre →
backbone → collect → site; sites never carry transit (the rule of ``simulators/reachability.py``,
``docs/scenarios.md``):

- *infrastructure* devices (without a ``site``) are reached over links between infrastructure
  devices only;
- a *site* device is reached from a reached infrastructure device over its own access (or 4G)
  link, or from a reached device of the same site over a link inside the site; links between
  two sites carry nothing.

The engine passes the evidence of every device (:data:`EV_OK` answers, :data:`EV_SUSPECT` lost
its last poll(s), :data:`EV_FAILED` failed N times in a row, :data:`EV_UNKNOWN` not measured)
and the links that failed between two devices that answer. Only failed devices and failed
links block a path: a suspect or unmeasured device is not declared failed; a device that
answers is reached whatever we believe of its path.

Every device left unreached gets a :data:`Cut`: its *root* is the failure at the edge of the
reached region it is behind (a failed device with a reached neighbour over a working link: that
one is DOWN, not unreachable), its *cause* the nearest failed element upstream of it, and the
*class* of the root: :data:`FIRM` when a neighbour of the root answers (the root really failed on
its own), :data:`HOLD` when its reached neighbours are only suspect (wait: the failure may be
further upstream and not confirmed yet), :data:`UNSURE` when they are not measured,
:data:`DOUBTED` when a device behind it answered since it last failed (it may be back, not
polled yet). Ties go to the root closest to the datacentres, then by name.

The infrastructure (a few hundred devices) is solved in one pass; each site on its own, given
the infrastructure's answer, so the engine solves again only the sites whose inputs changed.
Devices that no datacentre reaches even without faults are outside the model (never cut off);
without any datacentre router, reachability is not modelled at all.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Mapping, Set

from vigie.model import Inventory, Role

EV_UNKNOWN, EV_OK, EV_SUSPECT, EV_FAILED = 0, 1, 2, 3
FIRM, HOLD, UNSURE, DOUBTED = 0, 1, 2, 3

Cost = tuple[int, str]  # fault-free distance to the datacentres, then the name
Cut = tuple[int, Cost, str, str, int]  # hops from the root, cost of the root, root, cause ("" at the root), class
_Item = tuple[int, Cost, str, str, int, str]  # a Cut for a device, in a heap

_FAR = 1 << 30


def root_class(upstream: Iterable[str], ev: Mapping[str, int]) -> int:
    """FIRM if one of the reached neighbours of a failed device answers, HOLD if one is suspect, else UNSURE."""
    best = UNSURE
    for x in upstream:
        e = ev.get(x, EV_UNKNOWN)
        if e == EV_OK:
            return FIRM
        if e == EV_SUSPECT:
            best = HOLD
    return best


class Topology:
    """The fault-free topology of an inventory, solved for the current evidence."""

    def __init__(self, inventory: Inventory) -> None:
        devices = inventory.devices
        site_of = {name: d.site for name, d in devices.items() if d.site is not None}
        infra: dict[str, list[tuple[str, str]]] = {name: [] for name in devices if name not in site_of}
        near: dict[str, list[tuple[str, str, bool]]] = {name: [] for name in site_of}  # (neighbour, link, is infra)
        attached: dict[str, list[str]] = {}
        ends: dict[str, tuple[str, str]] = {}
        for link in inventory.links.values():
            a, b = link.a.device, link.b.device
            if a == b or a not in devices or b not in devices:
                continue
            site_a, site_b = site_of.get(a), site_of.get(b)
            if site_a is None and site_b is None:
                infra[a].append((b, link.id))
                infra[b].append((a, link.id))
            elif site_a is None or site_b is None:
                x, s = (a, b) if site_a is None else (b, a)
                near[s].append((x, link.id, True))
                attached.setdefault(x, []).append(s)
            elif site_a == site_b:
                near[a].append((b, link.id, False))
                near[b].append((a, link.id, False))
            else:
                continue  # between two sites: carries nothing
            ends[link.id] = (a, b)
        self.sources = frozenset(d.name for d in devices.values() if d.role is Role.DATACENTRE)
        self.enabled = bool(self.sources)
        dist = dict.fromkeys(self.sources, 0)
        queue = deque(sorted(self.sources))
        while queue:
            u = queue.popleft()
            du = dist[u] + 1
            if u in infra:
                nxt = [v for v, _ in infra[u]] + attached.get(u, [])
            else:
                nxt = [v for v, _, up in near[u] if not up]
            for v in nxt:
                if v not in dist:
                    dist[v] = du
                    queue.append(v)
        self.dist = dist
        # only what the datacentres reach without faults is modelled
        self.infra = {u: [(v, lk) for v, lk in around if v in dist] for u, around in infra.items() if u in dist}
        self.near = {u: [(v, lk, up) for v, lk, up in around if v in dist] for u, around in near.items() if u in dist}
        self.ends = {lk: e for lk, e in ends.items() if e[0] in dist and e[1] in dist}
        self.site_of = {dev: site for dev, site in site_of.items() if dev in dist}
        self.members: dict[str, list[str]] = {}
        self.link_site: dict[str, str] = {}  # access, 4G and LAN links → their site
        self.sites_on: dict[str, list[str]] = {}  # infrastructure device → sites with an access on it
        for dev, site in sorted(self.site_of.items()):
            self.members.setdefault(site, []).append(dev)
            for x, lk, up in self.near[dev]:
                self.link_site[lk] = site
                if up and site not in self.sites_on.setdefault(x, []):
                    self.sites_on[x].append(site)
        self.infra_links = frozenset(lk for lk in self.ends if lk not in self.link_site)

    def modelled(self, device: str) -> bool:
        return self.enabled and device in self.dist

    def cost(self, element: str) -> Cost:
        """Sort key putting the element closest to the datacentres first."""
        ends = self.ends.get(element)
        if ends is not None:
            return min(self.dist.get(ends[0], _FAR), self.dist.get(ends[1], _FAR)), element
        return self.dist.get(element, _FAR), element

    def is_infra(self, element: str) -> bool:
        """An infrastructure device or a link between two of them (not a site's device or link)."""
        return element not in self.site_of and element not in self.link_site

    def solve_infra(self, ev: Mapping[str, int], failed: Set[str], doubted: Set[str] = frozenset()
                    ) -> tuple[set[str], dict[str, Cut], dict[str, set[str]]]:
        """Reached infrastructure devices; a :data:`Cut` for the others; and, for devices with
        several roots at the same distance, the other roots (a POP's two cores)."""
        if not self.enabled:
            return set(), {}, {}
        infra = self.infra
        # the datacentres, and every router that answers: it is reachable, whatever we believe of its upstream
        reach = {s for s in self.sources if ev.get(s) != EV_FAILED}
        reach.update(v for v in infra if ev.get(v) == EV_OK)
        queue = deque(reach)
        while queue:
            u = queue.popleft()
            for v, lk in infra[u]:
                if v not in reach and lk not in failed and ev.get(v) != EV_FAILED:
                    reach.add(v)
                    queue.append(v)
        heap: list[_Item] = []
        for v, around in infra.items():
            if v in reach:
                continue
            if ev.get(v) == EV_FAILED:
                ups = [x for x, lk in around if x in reach and lk not in failed]
                if v in self.sources or ups:
                    klass = DOUBTED if v in doubted else FIRM if v in self.sources else root_class(ups, ev)
                    heap.append((0, self.cost(v), v, "", klass, v))
            for x, lk in around:
                if lk in failed and x in reach:
                    heap.append((1, self.cost(lk), lk, lk, FIRM, v))
        heapq.heapify(heap)
        cut: dict[str, Cut] = {}
        ties: dict[str, set[str]] = {}
        while heap:
            hops, cost, root, cause, klass, v = heapq.heappop(heap)
            got = cut.get(v)
            if got is not None:
                if got[0] == hops and got[2] != root:
                    ties.setdefault(v, set()).add(root)
                continue
            cut[v] = (hops, cost, root, cause, klass)
            failed_v = ev.get(v) == EV_FAILED
            for w, lk in infra[v]:
                if w not in reach and w not in cut:
                    heapq.heappush(heap, (hops + 1, cost, root, lk if lk in failed else v if failed_v else cause,
                                          klass, w))
        return reach, cut, ties

    def solve_site(self, site: str, ev: Mapping[str, int], failed: Set[str], reach: Set[str],
                   infra_cut: Mapping[str, Cut], doubted: Set[str] = frozenset()) -> dict[str, Cut]:
        """A :data:`Cut` for each unreached device of ``site`` (reached ones are absent)."""
        members = self.members.get(site)
        if not members:
            return {}
        near = self.near
        seen: set[str] = set()
        stack = []
        for m in members:  # a device that answers is reached, whatever we believe of its path
            if ev.get(m) == EV_OK or (ev.get(m) != EV_FAILED and any(up and x in reach and lk not in failed
                                                                      for x, lk, up in near[m])):
                seen.add(m)
                stack.append(m)
        while stack:
            u = stack.pop()
            for v, lk, up in near[u]:
                if not up and v not in seen and lk not in failed and ev.get(v) != EV_FAILED:
                    seen.add(v)
                    stack.append(v)
        if len(seen) == len(members):
            return {}
        heap: list[_Item] = []
        for m in members:
            if m in seen:
                continue
            ups = []
            for x, lk, up in near[m]:
                if x in reach or x in seen:
                    if lk in failed:
                        heap.append((1, self.cost(lk), lk, lk, FIRM, m))
                    else:
                        ups.append(x)
                elif up:
                    st = infra_cut.get(x)
                    if st is not None:
                        cause = lk if lk in failed else x if ev.get(x) == EV_FAILED else st[3]
                        heap.append((st[0] + 1, st[1], st[2], cause, st[4], m))
            if ups and ev.get(m) == EV_FAILED:
                heap.append((0, self.cost(m), m, "", DOUBTED if m in doubted else root_class(ups, ev), m))
        heapq.heapify(heap)
        out: dict[str, Cut] = {}
        while heap:
            hops, cost, root, cause, klass, v = heapq.heappop(heap)
            if v in out:
                continue
            out[v] = (hops, cost, root, cause, klass)
            failed_v = ev.get(v) == EV_FAILED
            for w, lk, up in near[v]:
                if not up and w not in seen and w not in out:
                    heapq.heappush(heap, (hops + 1, cost, root, lk if lk in failed else v if failed_v else cause,
                                          klass, w))
        return out
