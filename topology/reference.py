"""Brute-force references: remove the elements, walk the graph again. Slow on purpose.

These are the obvious algorithms the fast analyses are checked against (tests) and compared with
(``bench/resilience.py``): :func:`lost_sites` walks the networkx graph under the no-transit rule
(from the core through transit nodes; into a site over its access links, inside a site over its own
links, never back out); :func:`naive_blast` is what a per-scenario tool does, one copy of the graph
per failure; :func:`exact_availability` enumerates every up/down state of a small network.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping

import networkx as nx

from topology.graph import Network


def lost_sites(net: Network, removed: Iterable[str] = (), graph: nx.MultiGraph | None = None) -> set[str]:
    """Sites none of whose nodes reaches the core once ``removed`` (node and link names) fail."""
    g = net.graph if graph is None else graph
    gone = set(removed)
    stubs = net.stubs
    site_of = {m: code for code, members in net.sites.items() for m in members}
    reached = {c for c in net.core if c in g and c not in gone}
    stack = list(reached)
    while stack:
        u = stack.pop()
        from_stub = u in stubs
        for v, keys in g.adj[u].items():
            if v in reached or v in gone or all(k in gone for k in keys):
                continue
            if from_stub and (v not in stubs or site_of.get(v) != site_of.get(u)):
                continue  # sites never carry transit
            reached.add(v)
            stack.append(v)
    return {code for code, members in net.sites.items() if not any(m in reached for m in members)}


def naive_blast(net: Network, element: str, ends: Mapping[str, tuple[str, str]] | None = None,
                baseline: set[str] | None = None) -> set[str]:
    """Sites newly cut off when ``element`` fails, the way a per-scenario tool finds out: copy the
    graph, remove the element, walk again (``baseline``: the sites cut off before, computed once)."""
    g = net.graph.copy()
    if element in g:
        g.remove_node(element)
    else:
        u, v = (ends or net.link_ends())[element]
        g.remove_edge(u, v, key=element)
    return lost_sites(net, graph=g) - (lost_sites(net) if baseline is None else baseline)


def exact_availability(net: Network, availability: Mapping[str, float], max_elements: int = 20
                       ) -> tuple[dict[str, float], dict[int, float]]:
    """Exact probability that each site reaches the core, and the distribution of the number of sites
    cut off, when each element (node or link) is up independently with its ``availability``
    (missing elements: always up). Enumerates 2**n states: small networks only."""
    uncertain = sorted(e for e, a in availability.items() if a < 1.0)
    if len(uncertain) > max_elements:
        raise ValueError(f"{len(uncertain)} uncertain elements: too many to enumerate (limit {max_elements})")
    up_prob = {code: 0.0 for code in net.sites}
    dist: dict[int, float] = {}
    for state in itertools.product((True, False), repeat=len(uncertain)):
        p = 1.0
        down = []
        for e, up in zip(uncertain, state):
            a = availability[e]
            p *= a if up else 1.0 - a
            if not up:
                down.append(e)
        if p == 0.0:
            continue
        lost = lost_sites(net, down)
        for code in net.sites:
            if code not in lost:
                up_prob[code] += p
        dist[len(lost)] = dist.get(len(lost), 0.0) + p
    return up_prob, dist
