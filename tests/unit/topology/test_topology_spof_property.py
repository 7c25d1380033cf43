"""Per-site points of failure, paths and blast radius against brute force (remove, walk again) on
random networks, with and without elements already down."""

from __future__ import annotations

import random

import pytest

from tests.unit.topology.topokit import elements, own_elements, random_network
from topology.blast import blast_counts, sites_cut_by
from topology.index import compile_network
from topology.reference import lost_sites
from topology.spof import site_resilience, solve

SEEDS = range(150)


@pytest.mark.parametrize("with_down", [False, True])
def test_spofs_and_blast_match_brute_force(with_down: bool) -> None:
    checked = 0
    for seed in SEEDS:
        net = random_network(seed)
        index = compile_network(net)
        everything = elements(net)
        rng = random.Random(seed)
        down = set(rng.sample(everything, rng.randint(1, 2))) if with_down else set()
        base = solve(index, [index.ids[e] for e in down])
        counts = blast_counts(base)
        lost0 = lost_sites(net, down)
        assert {index.site_codes[s] for s in base.lost()} == lost0, seed
        cut_by: dict[str, set[str]] = {}
        for x in everything:
            if x in down:
                continue
            lost = lost_sites(net, down | {x}) - lost0
            cut_by[x] = lost
            got = {index.site_codes[s] for s in sites_cut_by(base, index.ids[x])}
            assert got == lost, (seed, x)
            assert counts[index.ids[x]] == len(lost), (seed, x)
            checked += 1
        for s, code in enumerate(index.site_codes):
            r = site_resilience(base, s)
            expected = {x for x, lost in cut_by.items() if code in lost}
            own = own_elements(net, code)
            expected -= net.core  # the destination: in blast radius, not in a site's points of failure
            if code in lost0:
                assert r.paths == 0 and not r.spofs and not r.own_spofs, (seed, code)
                continue
            assert set(r.spofs) == expected - own, (seed, code, r)
            assert set(r.own_spofs) == expected & own, (seed, code, r)
            assert r.paths == (1 if expected - own else 2), (seed, code, r)
    assert checked > 2000


def test_parallel_links_are_not_spofs() -> None:
    import networkx as nx

    from topology.graph import from_graph

    g = nx.MultiGraph()
    g.add_edge("core", "pop")
    g.add_edge("core", "pop")
    g.add_edge("pop", "R1")
    g.add_edge("pop", "R1")
    net = from_graph(g, ["core"], sites={"S": ("R1",)}, stubs=["R1"])
    r = site_resilience(solve(compile_network(net)), 0)
    assert r.spofs == ("pop",) and r.own_spofs == ("R1",) and r.paths == 1
    g.remove_edge("pop", "R1", key=1)
    r = site_resilience(solve(compile_network(from_graph(g, ["core"], sites={"S": ("R1",)}, stubs=["R1"]))), 0)
    assert r.spofs == ("pop -- R1", "pop")
