"""On all 276 Topology Zoo networks: articulation points, bridges and node connectivity agree with
networkx's reference functions (and with the corpus's own stats.tsv), and each node's number of
independent paths to the core (0, 1, 2+) agrees with networkx's local node connectivity (every link
subdivided, the core merged into one node)."""

from __future__ import annotations

import csv
import random
from functools import cache
from pathlib import Path

import networkx as nx
import pytest
from networkx.algorithms.connectivity import build_auxiliary_node_connectivity, local_node_connectivity
from networkx.algorithms.flow import build_residual_network

from topology.cuts import articulation_points_and_bridges, connectivity_class
from topology.graph import Network, from_graph
from topology.graphml import read_graphml
from topology.index import compile_network
from topology.spof import all_sites, solve

REPO = Path(__file__).resolve().parents[3]
SHARED_ZOO = REPO.parent / "shared" / "corpora" / "topology-zoo"
LOCAL_ZOO = REPO / "tests" / "data" / "zoo"


@cache
def corpus() -> list[Path]:
    files = sorted(SHARED_ZOO.glob("*.graphml"))
    if not files:
        pytest.skip(f"the Topology Zoo corpus is not at {SHARED_ZOO} (../shared/corpora/topology-zoo); "
                    "the tests on tests/data/zoo still run")
    return files


@cache
def networks() -> list[tuple[Path, Network]]:
    return [(path, read_graphml(path)) for path in corpus()]


def stats() -> dict[str, dict[str, str]]:
    with (SHARED_ZOO / "stats.tsv").open(newline="") as f:
        return {row["file"]: row for row in csv.DictReader(f, delimiter="\t")}


def simple(net: Network) -> nx.Graph:
    g = nx.Graph(net.graph)
    g.remove_edges_from(list(nx.selfloop_edges(g)))
    return g


def subdivided(net: Network) -> nx.Graph:
    """Every link a node of its own (parallel links stay apart), the core merged into one node
    ``<core>``: paths independent in every element outside the site and the core are node-disjoint here."""
    h = nx.Graph()
    for u, v, key in net.graph.edges(keys=True):
        if u != v:
            h.add_edge("<core>" if u in net.core else u, ("link", key))
            h.add_edge(("link", key), "<core>" if v in net.core else v)
    h.add_nodes_from(n for n in net.graph.nodes if n not in net.core)
    return h


def test_all_zoo_cuts_match_networkx() -> None:
    assert len(networks()) == 276
    table = stats()
    for path, net in networks():
        g = net.graph
        aps, bridges = articulation_points_and_bridges(compile_network(net))
        assert aps == sorted(nx.articulation_points(g)), path.name
        assert bridges == sorted(k for u, v in nx.bridges(g) for k in g[u][v]), path.name
        row = table[path.name]  # counted on the simple graph: parallel links merged into one
        if g.number_of_edges() != nx.Graph(g).number_of_edges():
            aps, bridges = articulation_points_and_bridges(compile_network(from_graph(nx.Graph(g), net.core)))
        assert (len(aps), len(bridges)) == (int(row["articulation_points"]), int(row["bridges"])), path.name


def test_all_zoo_connectivity_matches_networkx() -> None:
    rng = random.Random(5)
    exact = 0
    for path, net in networks():
        index = compile_network(net)
        g = simple(net)
        if g.number_of_nodes() <= 40:  # networkx's global connectivity is one flow per node pair: slow
            assert connectivity_class(index) == min(2, nx.node_connectivity(g)), path.name
            exact += 1
        else:
            assert connectivity_class(index) == (0 if not nx.is_connected(g) else 2 if nx.is_biconnected(g) else 1)
        h = subdivided(net)
        aux = build_auxiliary_node_connectivity(h)
        residual = build_residual_network(aux, "capacity")
        sites = all_sites(solve(index))
        for r in rng.sample(sites, min(6, len(sites))):
            ref = 0
            if nx.has_path(h, r.site, "<core>"):
                ref = min(2, local_node_connectivity(h, r.site, "<core>", auxiliary=aux, residual=residual, cutoff=2))
            assert r.paths == ref, (path.name, r)
    assert exact > 150


def test_renater_from_the_repository() -> None:
    net = read_graphml(LOCAL_ZOO / "Renater2010.graphml", core=["Paris"])
    assert net.core == frozenset({"Paris"}) and net.kind == "graphml"
    index = compile_network(net)
    aps, bridges = articulation_points_and_bridges(index)
    assert aps == sorted(nx.articulation_points(net.graph)) and len(aps) == 4 and len(bridges) == 5
    by_site = {r.site: r for r in all_sites(solve(index))}
    assert len(by_site) == 42 and all(r.paths >= 1 for r in by_site.values())
    assert "Paris" not in by_site  # the core is not a site
    one = [r for r in by_site.values() if r.paths == 1]
    assert one and all(r.spofs for r in one)
