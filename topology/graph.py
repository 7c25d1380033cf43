"""The network as the resilience analyses see it: a networkx multigraph, its core and its sites.

A :class:`Network` is built from an inventory (:func:`from_inventory`), from a GraphML file
(:mod:`topology.graphml`) or from any networkx graph (:func:`from_graph`):

- **nodes** are devices (inventory) or nodes (GraphML), with their attributes (``role``,
  ``site``, ``location`` for an inventory; ``label`` and the file's own for GraphML);
- **links** are the multigraph's edges, keyed by their link id: parallel links are kept, each
  an element of its own (``layer``, ``medium``, ``capacity_mbps`` for an inventory);
- the **core** is the set of nodes the sites must reach (the datacentre routers of an
  inventory; chosen with ``--core`` for GraphML);
- **sites** are groups of nodes; a site keeps its service while one of its nodes reaches the
  core. The nodes of an inventory's sites are **stubs**: they never carry transit (traffic may
  move inside a site, never back out through it, nor from one site to another: the rule of
  :mod:`vigie.state.topology`). A GraphML network has no stubs: each non-core node is a site of
  its own and carries transit;
- **groups** name sets of nodes that fail together in what-if questions (an inventory's POPs
  and datacentres: ``PAR`` is every device located at POP PAR).

Every element (node or link) has one name; link names never clash with node names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx

from topology.errors import NetworkInvalid, UnknownElement
from vigie.model import AccessClass, Inventory, Role

NODE, LINK, GROUP = "node", "link", "group"


@dataclass(frozen=True, slots=True)
class Network:
    name: str
    graph: nx.MultiGraph  # nodes: element names; edges keyed by link name
    core: frozenset[str]
    sites: Mapping[str, tuple[str, ...]]  # site → its nodes
    stubs: frozenset[str] = frozenset()  # nodes that never carry transit
    site_class: Mapping[str, str] = field(default_factory=dict)  # site → access class name
    classes: Mapping[str, AccessClass] = field(default_factory=dict)
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # group name → nodes
    kind: str = "graph"  # "inventory" or "graphml" or "graph"
    links: frozenset[str] = frozenset()  # link names (filled from the graph)

    def __post_init__(self) -> None:
        if not self.links and self.graph.number_of_edges():
            object.__setattr__(self, "links", frozenset(key for _u, _v, key in self.graph.edges(keys=True)))

    def link_ends(self) -> dict[str, tuple[str, str]]:
        """Link name → its two end nodes."""
        return {key: (u, v) for u, v, key in self.graph.edges(keys=True)}

    def kind_of(self, name: str) -> str:
        """``node``, ``link`` or ``group``; raises :class:`UnknownElement`."""
        if name in self.graph:
            return NODE
        if name in self.groups:
            return GROUP
        if name in self.links:
            return LINK
        raise UnknownElement(f"element {name!r} is not a node, link or group of {self.name!r}; "
                             "give a device name, a link id or a POP/datacentre code")

    def resolve(self, names: Iterable[str]) -> frozenset[str]:
        """Node and link names for ``names``, groups expanded to their nodes."""
        out: set[str] = set()
        for name in names:
            if self.kind_of(name) == GROUP:
                out.update(self.groups[name])
            else:
                out.add(name)
        return frozenset(out)


def from_inventory(inv: Inventory, core: Iterable[str] = ()) -> Network:
    """The inventory's devices and links; the core is its datacentre routers unless ``core`` names nodes."""
    g = nx.MultiGraph()
    for name, dev in inv.devices.items():
        g.add_node(name, role=dev.role.value, site=dev.site, location=dev.location)
    for link in inv.links.values():
        a, b = link.a.device, link.b.device
        if a not in inv.devices or b not in inv.devices:
            continue  # the inventory validator reports these
        g.add_edge(a, b, key=link.id, layer=link.layer.value, medium=link.medium.value,
                   capacity_mbps=link.capacity_mbps)
    core_set = frozenset(core) or frozenset(n for n, d in inv.devices.items() if d.role is Role.DATACENTRE)
    if not core_set:
        raise NetworkInvalid(f"inventory {inv.name!r} has no datacentre router to serve as the core; "
                             "name the core nodes with --core NODE")
    sites = {code: tuple(d for d in s.devices if d in inv.devices) for code, s in inv.sites.items()}
    stubs = frozenset(n for n, d in inv.devices.items() if d.site is not None)
    groups: dict[str, list[str]] = {}
    for name, dev in inv.devices.items():
        if dev.location is not None:
            groups.setdefault(dev.location, []).append(name)
    net = Network(name=inv.name, graph=g, core=core_set, sites=sites, stubs=stubs - core_set,
                  site_class={code: s.access_class for code, s in inv.sites.items()},
                  classes=dict(inv.access_classes), groups={k: tuple(v) for k, v in groups.items()},
                  kind="inventory")
    check(net)
    return net


def from_graph(graph: nx.Graph, core: Iterable[str], name: str = "graph",
               sites: Mapping[str, tuple[str, ...]] | None = None, stubs: Iterable[str] = (),
               kind: str = "graph") -> Network:
    """Any undirected networkx graph, its nodes named ``str(node)``. Edges are named ``u -- v`` (``#2``,
    ``#3``... for parallel ones) unless they have string keys; without ``sites`` each non-core node is a
    site of its own."""
    if graph.is_directed():
        raise NetworkInvalid(f"graph {name!r} is directed; resilience needs an undirected graph (to_undirected())")
    g = nx.MultiGraph()
    g.add_nodes_from((str(n), d) for n, d in graph.nodes(data=True))
    seen: dict[tuple[str, str], int] = {}
    edges = graph.edges(keys=True, data=True) if graph.is_multigraph() else (
        (u, v, None, d) for u, v, d in graph.edges(data=True))
    for u0, v0, key, data in edges:
        u, v = str(u0), str(v0)
        if isinstance(key, str) and key and not key.isdigit():
            link = key
        else:
            pair = (str(u), str(v))
            seen[pair] = seen.get(pair, 0) + 1
            link = f"{u} -- {v}" + (f" #{seen[pair]}" if seen[pair] > 1 else "")
        g.add_edge(u, v, key=link, **{k: x for k, x in data.items() if k != "key"})
    core_set = frozenset(str(c) for c in core)
    if sites is None:
        sites = {n: (n,) for n in g.nodes if n not in core_set}
    else:
        sites = {str(code): tuple(str(m) for m in ms) for code, ms in sites.items()}
    net = Network(name=name, graph=g, core=core_set, sites=sites,
                  stubs=frozenset(str(n) for n in stubs) - core_set, kind=kind)
    check(net)
    return net


def check(net: Network) -> None:
    """Raise :class:`NetworkInvalid` naming the first problem: unknown core, site or link name clash."""
    g = net.graph
    if not net.core:
        raise NetworkInvalid(f"network {net.name!r} has no core; name at least one core node (--core NODE)")
    for c in sorted(net.core):
        if c not in g:
            raise UnknownElement(f"core node {c!r} is not in {net.name!r}; pick a node name or label "
                                 f"(e.g. {_examples(g)})")
    for code, members in net.sites.items():
        for m in members:
            if m not in g:
                raise NetworkInvalid(f"site {code!r} lists node {m!r}, which is not in {net.name!r}; "
                                     "fix the site's node list")
    for _u, _v, key in g.edges(keys=True):
        if key in g:
            raise NetworkInvalid(f"link {key!r} has the name of a node; rename one of them")


def _examples(g: nx.MultiGraph) -> str:
    names = sorted(map(str, g.nodes))[:3]
    return ", ".join(repr(n) for n in names) + (", ..." if g.number_of_nodes() > 3 else "")
