"""A :class:`~topology.graph.Network` compiled to integers, in two levels, for the fast analyses.

Every element (node or link) gets an id: nodes first, then links, in the graph's order.

*Transit level.* The nodes that carry transit (every node but the sites' stubs) and the links
between two of them form a directed **flow graph** in which each link is a node of its own
(so that a link can be a point of failure, and two parallel links are two elements, neither a
point of failure): ``u — link — v``, plus a virtual **root** (flow node 0) joined to every core
node. Transit flows both ways, so the graph is symmetric and its dominators are the cut vertices of
its block-cut tree (:func:`topology.dominators.block_dominators`). It is small: the RIE's
infrastructure is ≈1,000 flow nodes.

*Site level.* Each site is reached through its **entries**: an access link from a transit node to
one of its stubs (``(link, stub, transit end)``), or one of its own nodes that carries transit
(``(-1, node, node)``, a GraphML site). Stubs lead nowhere else, so the whole network's
dominators of a site follow from the transit tree and its entries (see :mod:`topology.spof`):
no flow node per site, no flow node per access link.

Links inside a site (both ends stubs of one site) and between two sites carry nothing towards
the core and are left out; so are self-loops.
"""

from __future__ import annotations

from dataclasses import dataclass

from topology.graph import Network

ROOT = 0
Entry = tuple[int, int, int]  # (access link id or -1, member node id, flow node of the transit end)


@dataclass(frozen=True, slots=True)
class Index:
    names: tuple[str, ...]  # element id → name
    ids: dict[str, int]  # name → element id
    n_nodes: int  # ids below are nodes, the others links
    flow_elem: list[int]  # flow node → element id (-1 for the root)
    flow_of: dict[int, int]  # element id → flow node (transit nodes and links between them)
    adj: list[list[int]]  # the flow graph, symmetric: no direction is needed at the transit level
    site_codes: tuple[str, ...]
    site_class: tuple[str, ...]
    site_members: list[tuple[int, ...]]
    site_entries: list[list[Entry]]
    site_of: dict[int, int]  # stub node or access/inside link → its site
    own: list[frozenset[int]]  # per site: its nodes and the links inside it
    core: frozenset[int]  # core node ids
    ends: list[tuple[int, int]]  # link id - n_nodes → its end node ids

    def is_link(self, element: int) -> bool:
        return element >= self.n_nodes

    def element(self, name: str) -> int:
        return self.ids[name]


def compile_network(net: Network) -> Index:
    g = net.graph
    names: list[str] = [str(n) for n in g.nodes]
    node_ids = {n: i for i, n in enumerate(g.nodes)}
    n_nodes = len(names)
    stub = [n in net.stubs for n in g.nodes]
    site_of_node: dict[int, int] = {}
    site_codes = tuple(net.sites)
    for s, code in enumerate(site_codes):
        for member in net.sites[code]:
            site_of_node.setdefault(node_ids[member], s)
    flow_elem = [-1]
    flow_of: dict[int, int] = {}
    for i in range(n_nodes):
        if not stub[i]:
            flow_of[i] = len(flow_elem)
            flow_elem.append(i)
    n_sites = len(site_codes)
    entries: list[list[Entry]] = [[] for _ in range(n_sites)]
    own: list[set[int]] = [set() for _ in range(n_sites)]
    site_of: dict[int, int] = {}
    ends: list[tuple[int, int]] = []
    flow_links: list[tuple[int, int, int]] = []
    for u, v, key in g.edges(keys=True):
        lid = len(names)
        names.append(str(key))
        a, b = node_ids[u], node_ids[v]
        ends.append((a, b))
        if a == b:
            continue
        if not stub[a] and not stub[b]:
            flow_of[lid] = len(flow_elem)
            flow_elem.append(lid)
            flow_links.append((flow_of[a], flow_of[lid], flow_of[b]))
        elif stub[a] and stub[b]:
            sa, sb = site_of_node.get(a), site_of_node.get(b)
            if sa is not None and sa == sb:
                own[sa].add(lid)
                site_of[lid] = sa
        else:
            x, stub_end = (a, b) if stub[b] else (b, a)
            at = site_of_node.get(stub_end)
            if at is not None:
                entries[at].append((lid, stub_end, flow_of[x]))
                site_of[lid] = at
    adj: list[list[int]] = [[] for _ in range(len(flow_elem))]
    for fa, fl, fb in flow_links:
        adj[fa].append(fl)
        adj[fl].append(fa)
        adj[fl].append(fb)
        adj[fb].append(fl)
    for c in sorted(net.core):
        fc = flow_of.get(node_ids[c])
        if fc is not None:
            adj[ROOT].append(fc)
            adj[fc].append(ROOT)
    members: list[tuple[int, ...]] = []
    for s, code in enumerate(site_codes):
        ids = tuple(node_ids[member] for member in net.sites[code])
        members.append(ids)
        for i in ids:
            own[s].add(i)
            if stub[i]:
                site_of[i] = s
            elif i in flow_of:
                entries[s].append((-1, i, flow_of[i]))
    return Index(names=tuple(names), ids={n: i for i, n in enumerate(names)}, n_nodes=n_nodes,
                 flow_elem=flow_elem, flow_of=flow_of, adj=adj, site_codes=site_codes,
                 site_class=tuple(net.site_class.get(c, "") for c in site_codes), site_members=members,
                 site_entries=entries, site_of=site_of, own=[frozenset(o) for o in own], ends=ends,
                 core=frozenset(node_ids[c] for c in net.core))
