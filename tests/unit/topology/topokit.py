"""Random networks for the property tests: transit nodes with parallel links and self-loops, a core,
sites of stubs with one or more accesses, links inside and between sites, and GraphML-like sites
(a transit node of their own)."""

from __future__ import annotations

import random

import networkx as nx

from topology.graph import Network, from_graph


def random_network(seed: int, transit: int = 8, sites: int = 5) -> Network:
    rng = random.Random(seed)
    g = nx.MultiGraph()
    t_nodes = [f"t{i}" for i in range(rng.randint(2, transit))]
    g.add_nodes_from(t_nodes)
    for _ in range(rng.randint(len(t_nodes) - 1, 2 * len(t_nodes))):
        g.add_edge(rng.choice(t_nodes), rng.choice(t_nodes))  # self-loops and parallel links included
    core = rng.sample(t_nodes, rng.randint(1, min(3, len(t_nodes))))
    site_members: dict[str, tuple[str, ...]] = {}
    stubs: list[str] = []
    for s in range(rng.randint(1, sites)):
        code = f"S{s}"
        others = [t for t in t_nodes if t not in core]
        if others and rng.random() < 0.15:  # a site that is a transit node of its own
            members = [rng.choice(others)]
            if rng.random() < 0.5:
                m = f"{code}-R9"
                stubs.append(m)
                members.append(m)
                g.add_edge(members[0], m)
            site_members[code] = tuple(members)
            continue
        members = [f"{code}-R{i}" for i in range(rng.choice((1, 1, 2, 2, 3)))]
        stubs += members
        g.add_nodes_from(members)
        for m in members:
            for _ in range(rng.choice((0, 1, 1, 1, 2))):
                g.add_edge(m, rng.choice(t_nodes))
        for _ in range(rng.randint(0, 2)):
            if len(members) > 1:
                a, b = rng.sample(members, 2)
                g.add_edge(a, b)
        site_members[code] = tuple(members)
    if len(stubs) > 1:
        for _ in range(rng.randint(0, 2)):  # between two sites: carries nothing
            a, b = rng.sample(stubs, 2)
            g.add_edge(a, b)
    return from_graph(g, core, name=f"random-{seed}", sites=site_members, stubs=stubs)


def elements(net: Network) -> list[str]:
    return sorted(map(str, net.graph.nodes)) + sorted(net.links)


def own_elements(net: Network, code: str) -> set[str]:
    members = set(net.sites[code])
    own = set(members)
    for u, v, key in net.graph.edges(keys=True):
        if u in members and v in members and u in net.stubs and v in net.stubs:
            own.add(key)
    return own
