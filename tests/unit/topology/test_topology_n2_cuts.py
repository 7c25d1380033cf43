"""Dominators three ways, articulation points and bridges against networkx, N-2 against brute force."""

from __future__ import annotations

import itertools
import random

import networkx as nx

from tests.unit.topology.topokit import elements, random_network
from topology.blast import pair_damage, top_pairs
from topology.cuts import articulation_points_and_bridges, cut_vertices_and_edges
from topology.dominators import UNREACHED, block_dominators, immediate_dominators
from topology.index import ROOT, compile_network
from topology.reference import lost_sites
from topology.spof import solve


def test_block_dominators_match_chk_and_networkx() -> None:
    for seed in range(120):
        index = compile_network(random_network(seed, transit=12))
        rng = random.Random(seed)
        removed = set(rng.sample(range(1, len(index.adj)), min(2, len(index.adj) - 1))) if seed % 2 else set()
        fast, order = block_dominators(index.adj, ROOT, removed)
        chk = immediate_dominators(index.adj, index.adj, ROOT, removed)
        assert fast == chk, seed
        dg = nx.DiGraph()
        dg.add_node(ROOT)
        dg.add_edges_from((u, v) for u, around in enumerate(index.adj) for v in around
                          if u not in removed and v not in removed and v != ROOT)
        ref = nx.immediate_dominators(dg, ROOT)
        ref.pop(ROOT, None)  # networkx >= 3.5 leaves the root out
        assert {v: d for v, d in enumerate(fast) if d != UNREACHED and v != ROOT} == ref, seed
        assert set(order) == set(ref) | {ROOT} and all(order.index(fast[v]) < order.index(v) for v in order[1:])


def view_graph(net_index_seed: int) -> tuple[nx.MultiGraph, list[str], list[str]]:
    net = random_network(net_index_seed, transit=14, sites=6)
    index = compile_network(net)
    aps, bridges = articulation_points_and_bridges(index)
    g = nx.MultiGraph()
    g.add_nodes_from(net.graph.nodes)
    site_of = {m: c for c, ms in net.sites.items() for m in ms}
    for u, v, key in net.graph.edges(keys=True):
        if u in net.stubs and v in net.stubs:
            continue  # inside or between sites: no transit
        if (u in net.stubs and u not in site_of) or (v in net.stubs and v not in site_of):
            continue
        g.add_edge(u, v, key=key)
    return g, aps, bridges


def test_cuts_match_networkx() -> None:
    for seed in range(200):
        g, aps, bridges = view_graph(seed)
        assert aps == sorted(nx.articulation_points(g)), seed
        assert bridges == sorted(k for _u, _v, k in _nx_bridges(g)), seed


def _nx_bridges(g: nx.MultiGraph) -> list[tuple[str, str, str]]:
    out = []
    for u, v in nx.bridges(g):
        keys = list(g[u][v])
        assert len(keys) == 1
        out.append((u, v, keys[0]))
    return out


def test_cut_vertices_on_a_path_and_a_cycle() -> None:
    path = [[(1, 0)], [(0, 0), (2, 1)], [(1, 1)]]
    assert cut_vertices_and_edges(path) == ({1}, {0, 1}, 1)
    cycle = [[(1, 0), (2, 2)], [(0, 0), (2, 1)], [(1, 1), (0, 2)]]
    assert cut_vertices_and_edges(cycle) == (set(), set(), 1)
    parallel = [[(1, 0), (1, 1)], [(0, 0), (0, 1)]]
    assert cut_vertices_and_edges(parallel) == (set(), set(), 1)


def test_pair_damage_matches_brute_force() -> None:
    for seed in range(80):
        net = random_network(seed)
        index = compile_network(net)
        base = solve(index)
        lost0 = lost_sites(net)
        rng = random.Random(seed)
        everything = elements(net)
        for _ in range(6):
            x, y = rng.sample(everything, 2)
            d = pair_damage(index, base, index.ids[x], index.ids[y])
            both = lost_sites(net, {x, y}) - lost0
            joint = both - lost_sites(net, {x}) - lost_sites(net, {y})
            assert (d.both, d.joint, set(d.sites)) == (len(both), len(joint), joint), (seed, x, y)


def test_top_pairs_match_brute_force() -> None:
    ranked_some = 0
    for seed in range(60):
        net = random_network(seed, transit=7, sites=6)
        index = compile_network(net)
        base = solve(index)
        lost0 = lost_sites(net)
        transit = sorted(index.flow_of, key=lambda e: index.flow_of[e])
        transit = [e for e in transit if base.tree.reached(index.flow_of[e])]
        alone = {e: lost_sites(net, {index.names[e]}) - lost0 for e in transit}
        ranked = []
        for x, y in itertools.combinations(transit, 2):
            both = lost_sites(net, {index.names[x], index.names[y]}) - lost0
            joint = len(both - alone[x] - alone[y])
            fx, fy = sorted((index.flow_of[x], index.flow_of[y]))
            if joint > 0:
                ranked.append((joint, len(both), -fx, -fy))
        ranked.sort(reverse=True)
        ranked_some += bool(ranked)
        got = top_pairs(index, base, k=5)
        assert [(p.joint, p.both) for p in got] == [(j, b) for j, b, _x, _y in ranked[:5]], seed
        names = index.names
        assert [(p.first, p.second) for p in got] == [
            (names[index.flow_elem[-x]], names[index.flow_elem[-y]]) for _j, _b, x, y in ranked[:5]], seed
    assert ranked_some > 20
