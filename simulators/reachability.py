"""Which devices the datacentres cannot reach while some devices and links are down.

Management traffic comes from the datacentre routers (role DATACENTRE). A device is *cut
off* when every path from an up datacentre router to it crosses a down device or a down
link. The question is asked once per topology state of a scenario, so it is answered
incrementally rather than with one BFS of the whole network per state: any part of the
network that loses its way to the datacentres must touch a failed element, so the search
starts at the neighbours of the failed elements only, and a greedy walk towards the
datacentres (ordered by the fault-free distance) confirms reachable parts in a few steps.
Only the parts really cut off are explored whole, and a cut-off part found for one state is
kept for the next while no failure appears or disappears next to it (a POP lost for ten
minutes while links flap elsewhere is explored once, not once per flap).

Devices that no datacentre reaches even without faults (reached through something outside
the inventory) are outside the model: never cut off. Without any datacentre router in the
inventory, reachability is not modelled at all.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Set

from vigie.model import Inventory, Role


class _Part:
    """A cut-off connected part: its devices, who each is blamed on, and the repairable failures used."""

    __slots__ = ("blame", "elements", "failed", "nodes", "roots")

    def __init__(self, nodes: set[str], failed: dict[str, list[str]]) -> None:
        self.nodes = nodes
        self.failed = failed  # device of the part → the failed elements next to it
        self.elements = frozenset(e for around in failed.values() for e in around)
        self.blame: dict[str, str] = {}
        self.roots: frozenset[str] | None = None  # None: blame not computed yet


class Reachability:
    """Fault-free topology of an inventory, queried with sets of down devices and links."""

    def __init__(self, inventory: Inventory) -> None:
        devices = inventory.devices
        self.adj: dict[str, list[tuple[str, str]]] = {name: [] for name in devices}
        self.ends: dict[str, tuple[str, str]] = {}
        for link in inventory.links.values():
            a, b = link.a.device, link.b.device
            if a == b or a not in devices or b not in devices:
                continue
            self.adj[a].append((b, link.id))
            self.adj[b].append((a, link.id))
            self.ends[link.id] = (a, b)
        self.sources = frozenset(d.name for d in devices.values() if d.role is Role.DATACENTRE)
        self.enabled = bool(self.sources)
        self.dist: dict[str, int] = dict.fromkeys(self.sources, 0)
        queue = deque(self.sources)
        while queue:
            u = queue.popleft()
            du = self.dist[u] + 1
            for v, _ in self.adj[u]:
                if v not in self.dist:
                    self.dist[v] = du
                    queue.append(v)
        self._down: tuple[Set[str], Set[str]] = (frozenset(), frozenset())
        self._parts: dict[int, _Part] = {}
        self._part_of: dict[str, int] = {}
        self._next_id = 0

    def cost(self, element: str) -> tuple[int, str]:
        """Sort key putting the failed element closest to the datacentres first."""
        ends = self.ends.get(element)
        if ends is not None:
            return min(self.dist.get(ends[0], 1 << 30), self.dist.get(ends[1], 1 << 30)), element
        return self.dist.get(element, 1 << 30), element

    def cut_off(self, down_devices: Set[str], down_links: Set[str]) -> dict[str, str]:
        """Devices cut off from every up datacentre router → the failed element blamed for it.

        Down devices are included when their own neighbourhood is cut off too (they would stay
        unreachable if they came back alone); datacentre routers never are (they are the sources).
        A device is blamed on the nearest failed element whose repair would reconnect its part of
        the network (one that touches the reachable part), the one closest to the DCs on ties.
        Successive calls are incremental: only parts next to a changed element are recomputed.
        """
        if not self.enabled:
            return {}
        down_devices, down_links = frozenset(down_devices), frozenset(down_links)
        old_devices, old_links = self._down
        self._down = (down_devices, down_links)
        self._forget(down_devices ^ old_devices, down_links ^ old_links)
        if not (down_devices or down_links):
            return {}
        reach: set[str] = set()
        starts: list[str] = []
        for d in down_devices:
            starts.extend(n for n, _ in self.adj.get(d, ()))
        for link in down_links:
            starts.extend(self.ends.get(link, ()))
        part_of = self._part_of
        for s in starts:
            if s not in reach and s not in part_of and s not in down_devices and s in self.dist:
                nodes = self._explore(s, down_devices, down_links, reach)
                if nodes is not None:
                    failed = {}
                    for u in nodes:
                        around = [lk if lk in down_links else v for v, lk in self.adj[u]
                                  if lk in down_links or v in down_devices]
                        if around:
                            failed[u] = around
                    self._parts[self._next_id] = _Part(nodes, failed)
                    for u in nodes:
                        part_of[u] = self._next_id
                    self._next_id += 1
        touching: dict[str, bool] = {}
        cut: dict[str, str] = {}
        for part in self._parts.values():
            roots = frozenset(e for e in part.elements if self._touches(e, down_devices, down_links, reach, touching))
            if roots != part.roots:  # new part, or other failures around it became repairable: blame again
                part.roots = roots
                self._blame(part, roots, down_links)
            cut.update(part.blame)
        for d in down_devices:
            if d in self.dist and d not in self.sources and not self._touches(d, down_devices, down_links, reach,
                                                                              touching):
                causes = {link if link in down_links else n if n in down_devices else cut[n] for n, link in self.adj[d]}
                causes.discard(d)
                cut[d] = min(causes, key=self.cost) if causes else d
        return cut

    def _forget(self, devices: Set[str], links: Set[str]) -> None:
        """Drop the cut-off parts next to elements that failed or were repaired since the last call."""
        near: list[str] = []
        for d in devices:
            near.append(d)
            near.extend(n for n, _ in self.adj.get(d, ()))
        for link in links:
            near.extend(self.ends.get(link, ()))
        for node in near:
            pid = self._part_of.get(node)
            if pid is not None:
                for member in self._parts.pop(pid).nodes:
                    del self._part_of[member]

    def _touches(self, element: str, down_devices: Set[str], down_links: Set[str], reach: set[str],
                 memo: dict[str, bool]) -> bool:
        """Would repairing this failed element (alone) reconnect something to the reachable part?"""
        known = memo.get(element)
        if known is None:
            ends = self.ends.get(element)
            if ends is not None:
                known = any(e in reach and e not in down_devices for e in ends)
            else:
                known = any(n in reach and link not in down_links for n, link in self.adj.get(element, ()))
            memo[element] = known
        return known

    def _explore(self, start: str, down_devices: Set[str], down_links: Set[str], reach: set[str]) -> set[str] | None:
        """Greedy walk towards the DCs: None (and ``reach`` grown) if it gets there, else the whole cut-off part."""
        adj, dist, sources = self.adj, self.dist, self.sources
        seen = {start}
        heap = [(dist[start], start)]
        while heap:
            _, u = heapq.heappop(heap)
            if u in sources or u in reach:
                reach.update(seen)
                return None
            for v, link in adj[u]:
                if v not in seen and link not in down_links and v not in down_devices:
                    seen.add(v)
                    heapq.heappush(heap, (dist[v], v))
        return seen

    def _blame(self, part: _Part, roots: frozenset[str], down_links: Set[str]) -> None:
        adj = self.adj
        blame: dict[str, str] = {}
        for u, around in part.failed.items():
            useful = [e for e in around if e in roots] if roots else around
            if useful:
                blame[u] = min(useful, key=self.cost)
        queue = deque(sorted(blame, key=lambda n: (self.cost(blame[n]), n)))
        while queue:  # breadth-first from the blamed edges of the part: each device gets its nearest cause
            u = queue.popleft()
            for v, link in adj[u]:
                if v in part.nodes and v not in blame and link not in down_links:
                    blame[v] = blame[u]
                    queue.append(v)
        part.blame = blame
