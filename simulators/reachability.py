"""Which devices the datacentres cannot reach while some devices and links are down.

Management traffic comes from the datacentre routers (role DATACENTRE) and flows datacentre →
backbone → collect → site. Sites never carry transit traffic: a path may move inside a site
(to reach a CE through the site's 4G backup router over the LAN), but once it has entered a
site it never goes back to the infrastructure. So a device is reachable iff a path of up
devices and up links leads to it from an up datacentre router such that:

- *infrastructure* devices (every device without a ``site``: datacentre, core, collect) are
  reached over links between infrastructure devices only;
- a *site* device is reached from a reachable infrastructure device over its access (or 4G)
  link, or from a reachable device of the same site over a link inside the site. Links between
  devices of different sites carry nothing.

Each topology state is answered with one breadth-first search of the infrastructure (a few
hundred devices), then the sites: only the sites holding an element that failed or was
repaired since the previous call, or hanging on an infrastructure device whose state (reached,
down, cut off and why) changed, are solved again; the others keep their previous answer.

Devices that no datacentre reaches even without faults (reached through something outside
the inventory) are outside the model: never cut off. Without any datacentre router in the
inventory, reachability is not modelled at all.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Set

from vigie.model import Inventory, Role

Cost = tuple[int, str]  # fault-free distance of a failed element to the datacentres, then its name
State = tuple[int, Cost, int]  # an unreached device: hops to its blamed element, that element's cost, phase
Adjacency = dict[str, list[tuple[str, str]]]  # device → (neighbour, link id)

_FAR = 1 << 30


class Reachability:
    """Fault-free topology of an inventory, queried with sets of down devices and links."""

    def __init__(self, inventory: Inventory) -> None:
        devices = inventory.devices
        site_of = {name: d.site for name, d in devices.items() if d.site is not None}
        infra: Adjacency = {name: [] for name in devices if name not in site_of}  # infra ↔ infra
        near: Adjacency = {name: [] for name in site_of}  # site device ← infra device, ↔ device of its site
        attached: dict[str, list[str]] = {}  # infra device → site devices hanging on it
        ends: dict[str, tuple[str, str]] = {}
        for link in inventory.links.values():
            a, b = link.a.device, link.b.device
            if a == b or a not in devices or b not in devices:
                continue
            site_a, site_b = site_of.get(a), site_of.get(b)
            if site_a is None:
                if site_b is None:
                    infra[a].append((b, link.id))
                    infra[b].append((a, link.id))
                else:
                    near[b].append((a, link.id))
                    attached.setdefault(a, []).append(b)
            elif site_b is None:
                near[a].append((b, link.id))
                attached.setdefault(b, []).append(a)
            elif site_a == site_b:
                near[a].append((b, link.id))
                near[b].append((a, link.id))
            else:
                continue  # between two sites: no traffic goes that way
            ends[link.id] = (a, b)
        self.sources = frozenset(d.name for d in devices.values() if d.role is Role.DATACENTRE)
        self.enabled = bool(self.sources)
        # fault-free distances along allowed paths; devices not reached are outside the model
        dist = self.dist = dict.fromkeys(self.sources, 0)
        queue = deque(self.sources)
        while queue:
            u = queue.popleft()
            du = dist[u] + 1
            if u in infra:
                for v, _ in infra[u]:
                    if v not in dist:
                        dist[v] = du
                        queue.append(v)
                for v in attached.get(u, ()):
                    if v not in dist:
                        dist[v] = du
                        queue.append(v)
            else:
                for v, _ in near[u]:
                    if v not in dist and v in site_of:
                        dist[v] = du
                        queue.append(v)
        if len(dist) < len(devices):
            infra, near = ({u: [(v, lk) for v, lk in around if v in dist] for u, around in adj.items() if u in dist}
                           for adj in (infra, near))
            ends = {lk: e for lk, e in ends.items() if e[0] in dist and e[1] in dist}
            site_of = {dev: site for dev, site in site_of.items() if dev in dist}
        self.infra, self.near, self.ends, self.site_of = infra, near, ends, site_of
        self.members: dict[str, list[str]] = {}  # site → its modelled devices
        self.link_site: dict[str, str] = {}  # access, 4G and LAN links → their site
        self.sites_on: dict[str, set[str]] = {}  # infra device → sites hanging on it
        for dev, site in site_of.items():
            self.members.setdefault(site, []).append(dev)
            for x, lk in near[dev]:
                self.link_site[lk] = site
                if x not in site_of:
                    self.sites_on.setdefault(x, set()).add(site)
        self._down: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
        self._status: dict[str, State] = {}  # unreached infra devices of the last call
        self._infra_cut: dict[str, str] = {}
        self._site_cut: dict[str, dict[str, str]] = {}  # site → its cut-off devices (non-empty only)

    def cost(self, element: str) -> Cost:
        """Sort key putting the failed element closest to the datacentres first."""
        ends = self.ends.get(element)
        if ends is not None:
            return min(self.dist.get(ends[0], _FAR), self.dist.get(ends[1], _FAR)), element
        return self.dist.get(element, _FAR), element

    def cut_off(self, down_devices: Set[str], down_links: Set[str]) -> dict[str, str]:
        """Devices cut off from every up datacentre router → the failed element blamed for it.

        Down devices are included when their own neighbourhood is cut off too (they would stay
        unreachable if they came back alone); datacentre routers never are (they are the sources).
        A device is blamed on the nearest failed element whose repair alone would reconnect it (a
        site behind an isolated collect router: the failure that isolates the collect router), the
        one closest to the DCs on ties; if no single repair would, on the nearest failed element.
        Successive calls are incremental: only sites next to a change are solved again.
        """
        if not self.enabled:
            return {}
        dd, dl = frozenset(down_devices), frozenset(down_links)
        old_devices, old_links = self._down
        self._down = (dd, dl)
        if dd != old_devices or dl != old_links:
            reach, status = self._solve_infra(dd, dl)
            old = self._status
            self._status = status
            dirty = {self.site_of[d] for d in dd ^ old_devices if d in self.site_of}
            dirty.update(self.link_site[lk] for lk in dl ^ old_links if lk in self.link_site)
            for dev in old.keys() | status.keys():
                if old.get(dev) != status.get(dev):
                    dirty.update(self.sites_on.get(dev, ()))
            for site in dirty:
                cut = self._solve_site(site, dd, dl, reach, status)
                if cut:
                    self._site_cut[site] = cut
                else:
                    self._site_cut.pop(site, None)
        out = dict(self._infra_cut)
        for cut in self._site_cut.values():
            out.update(cut)
        return out

    def _solve_infra(self, dd: frozenset[str], dl: frozenset[str]) -> tuple[set[str], dict[str, State]]:
        """Reached infrastructure devices, and the state of the others (blamed elements in ``_infra_cut``)."""
        infra = self.infra
        reach = {s for s in self.sources if s not in dd}
        queue = deque(reach)
        while queue:
            u = queue.popleft()
            for v, lk in infra[u]:
                if v not in reach and v not in dd and lk not in dl:
                    reach.add(v)
                    queue.append(v)
        status: dict[str, State] = {}
        for d in dd:
            if d in infra:  # a down device seeds its neighbours' blame: phase 1 if its repair alone reconnects
                touches = any(v in reach and lk not in dl for v, lk in infra[d])
                status[d] = (-1, self.cost(d), 1 if touches else 2)
        lost = {v for v in infra if v not in reach and v not in dd}
        self._infra_cut = cut = self._blame(lost, lambda v: self._seeds(infra[v], dl, reach, status), infra, dl,
                                            status)
        for d in dd:
            if d in infra and d not in self.sources and status[d][2] == 2:
                cut[d] = self._cause(d, infra[d], dd, dl, status, cut)
        return reach, status

    def _solve_site(self, site: str, dd: frozenset[str], dl: frozenset[str], reach: set[str],
                    status: dict[str, State]) -> dict[str, str]:
        """Cut-off devices of one site → blamed element, given the state of the infrastructure."""
        members, near, site_of = self.members[site], self.near, self.site_of
        queue = [m for m in members if m not in dd and any(x in reach and lk not in dl for x, lk in near[m])]
        seen = set(queue)  # reached over an up access link, then inside the site
        while queue:
            u = queue.pop()
            for v, lk in near[u]:
                if v not in seen and v not in dd and lk not in dl and v in site_of:
                    seen.add(v)
                    queue.append(v)
        lost = {m for m in members if m not in seen and m not in dd}
        downs = [m for m in members if m in dd]
        if not lost and not downs:
            return {}
        known = {x: status[x] for m in members for x, _ in near[m] if x in status}
        for d in downs:
            touches = any((x in reach or x in seen) and lk not in dl for x, lk in near[d])
            known[d] = (-1, self.cost(d), 1 if touches else 2)
        cut = self._blame(lost, lambda v: self._seeds(near[v], dl, reach, known, seen), near, dl, {})
        for d in downs:
            if known[d][2] == 2:
                cut[d] = self._cause(d, near[d], dd, dl, known, cut)
        return cut

    def _seeds(self, around: list[tuple[str, str]], dl: frozenset[str], reach: Set[str], known: dict[str, State],
               also: Set[str] = frozenset()) -> Iterator[State]:
        """Failures feeding an unreached device from ``around`` (upstream neighbours), as blame seeds.

        A down link: phase 1 if its far end is reached (in ``reach`` or ``also``: its repair alone
        reconnects), else 2. A down or unreached neighbour over an up link, whose state is known:
        its state, one hop further.
        """
        for x, lk in around:
            if lk in dl:
                yield 0, self.cost(lk), 1 if x in reach or x in also else 2
            else:
                st = known.get(x)
                if st is not None:
                    yield st[0] + 1, st[1], st[2]

    def _blame(self, lost: set[str], seeds: Callable[[str], Iterable[State]], adj: Adjacency, dl: frozenset[str],
               states: dict[str, State]) -> dict[str, str]:
        """Blame every device of ``lost`` on its nearest seed, the repairable ones (phase 1) first.

        Spreads from the seeds over up links of ``adj`` inside ``lost``; ties go to the element
        closest to the datacentres. Records each device's state in ``states``.
        """
        if not lost:
            return {}
        collected = [(st, v) for v in lost for st in seeds(v)]
        for phase in (1, 2):
            heap = [(st[0], st[1], v) for st, v in collected if st[2] == phase and v not in states]
            heapq.heapify(heap)
            while heap:
                hops, cost, v = heapq.heappop(heap)
                if v in states:
                    continue
                states[v] = (hops, cost, phase)
                for w, lk in adj[v]:
                    if w in lost and w not in states and lk not in dl:
                        heapq.heappush(heap, (hops + 1, cost, w))
        return {v: states[v][1][1] for v in lost}

    def _cause(self, dev: str, around: list[tuple[str, str]], dd: frozenset[str], dl: frozenset[str],
               known: dict[str, State], cut: dict[str, str]) -> str:
        """Blame of a down device whose upstream neighbourhood is cut off too: the cause closest to the DCs."""
        causes = {lk if lk in dl else x if x in dd else cut.get(x) or known[x][1][1] for x, lk in around}
        causes.discard(dev)
        return min(causes, key=self.cost) if causes else dev
