"""Monte Carlo against exact reliability (every state enumerated) on small networks; seeds and
batches; the availability table and its overrides."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import networkx as nx
import pytest

from simulators.rie import generate_rie
from tests.unit.topology.topokit import random_network
from topology.availability import default_table, element_availability, merge, read_table
from topology.errors import AvailabilityError
from topology.graph import Network, from_graph, from_inventory
from topology.montecarlo import simulate, wilson
from topology.reference import exact_availability


def small(seed: int) -> tuple[Network, dict[str, float]]:
    """A random network with at most 13 elements, each up with a random availability."""
    for attempt in range(100):
        net = random_network(seed * 100 + attempt, transit=4, sites=3)
        names = list(map(str, net.graph.nodes)) + sorted(net.links)
        if len(names) <= 13:
            rng = random.Random(seed)
            return net, {e: rng.choice((0.6, 0.8, 0.9, 0.95, 1.0)) for e in names}
    raise AssertionError("no small network")


@pytest.mark.parametrize("seed", range(8))
def test_monte_carlo_agrees_with_exact_reliability(seed: int) -> None:
    net, avail = small(seed)
    exact, dist = exact_availability(net, avail)
    n = 20_000
    mc = simulate(net, avail, samples=n, seed=seed, batch=3000)
    for r in mc.sites:
        p = exact[r.site]
        sigma = math.sqrt(max(p * (1 - p), 1e-12) / n)
        assert abs(r.availability - p) <= 4.5 * sigma + 1e-9, (seed, r, p)
    mean = sum(k * q for k, q in dist.items())
    var = sum(k * k * q for k, q in dist.items()) - mean * mean
    assert abs(mc.isolated_mean - mean) <= 4.5 * math.sqrt(max(var, 1e-12) / n) + 1e-9
    assert sum(mc.isolated.values()) == n


def test_exactly_known_series_and_parallel() -> None:
    g = nx.MultiGraph()
    g.add_edge("core", "a", key="core-a")
    g.add_edge("a", "R1", key="a-R1")
    g.add_edge("core", "R2", key="core-R2")
    net = from_graph(g, ["core"], sites={"S": ("R1", "R2")}, stubs=["R1", "R2"])
    avail = {"core": 1.0, "core-a": 0.9, "a": 0.8, "a-R1": 1.0, "R1": 1.0, "core-R2": 0.5, "R2": 1.0}
    exact, _ = exact_availability(net, avail)
    assert exact["S"] == pytest.approx(1 - (1 - 0.72) * 0.5)
    mc = simulate(net, avail, samples=40_000, seed=3)
    assert mc.sites[0].low <= exact["S"] <= mc.sites[0].high


def test_same_seed_same_answer_whatever_the_batch() -> None:
    net = from_inventory(generate_rie(sites=60, seed=3))
    avail = element_availability(net)
    a = simulate(net, avail, samples=700, seed=11, batch=700)
    b = simulate(net, avail, samples=700, seed=11, batch=33)
    c = simulate(net, avail, samples=700, seed=12, batch=700)
    assert a == b
    assert a.isolated != c.isolated or a.sites != c.sites


def test_down_elements_and_targets() -> None:
    inv = generate_rie(sites=60, seed=3)
    net = from_inventory(inv)
    avail = element_availability(net)
    economy = next(code for code, s in inv.sites.items() if s.access_class == "economy")
    mc = simulate(net, avail, samples=2000, seed=1, down=[f"{economy}-R1"])
    by_site = {r.site: r for r in mc.sites}
    assert by_site[economy].availability == 0.0 and by_site[economy].verdict == "below"
    assert mc.isolated_quantiles["p50"] >= 1 and min(mc.isolated) >= 1
    premium = next(r for r in mc.sites if r.access_class == "premium")
    assert premium.target == 0.9999 and premium.verdict in ("meets", "unsure")
    assert {c.name for c in mc.classes} == {"premium", "standard", "economy", "overseas"}


def test_wilson() -> None:
    low, high = wilson(0, 100)
    assert low == 0.0 and 0.03 < high < 0.04
    low, high = wilson(100, 100)
    assert high == 1.0 and 0.96 < low < 0.97
    low, high = wilson(50, 100)
    assert low == pytest.approx(1 - high)


def test_availability_table_and_overrides(tmp_path: Path) -> None:
    inv = generate_rie(sites=40, seed=3)
    net = from_inventory(inv)
    t = default_table()
    avail = element_availability(net, t)
    assert set(avail) == set(map(str, net.graph.nodes)) | net.links
    premium = next(s for s in inv.sites.values() if s.access_class == "premium")
    economy = next(s for s in inv.sites.values() if s.access_class == "economy")
    assert avail[f"{premium.code}-R1"] == t.classes["premium"]["node"]["ce"] > avail[f"{economy.code}-R1"]
    assert avail["PAR-CA"] == t.node["core"]
    override = tmp_path / "over.toml"
    override.write_text('[node]\ncollect = 0.5\n[elements]\n"PAR-CA" = 0.25\n')
    avail = element_availability(net, merge(t, read_table(override)), measured={"PAR-CB": 0.125})
    assert (avail["PAR-C01"], avail["PAR-CA"], avail["PAR-CB"]) == (0.5, 0.25, 0.125)
    as_json = tmp_path / "over.json"
    as_json.write_text(json.dumps({"link": {"access/fibre": 0.75}}))
    assert read_table(as_json).link == {"access/fibre": 0.75}


@pytest.mark.parametrize(("text", "message"), [
    ("[node]\ncore = 1.5\n", "core = 1.5 is not an availability"),
    ("[nodes]\ncore = 0.9\n", "unknown section [nodes]"),
    ("[node\n", "is not valid TOML"),
    ('[elements]\n"NOPE" = 0.9\n', "'NOPE', which is not a node or link"),
])
def test_availability_errors_name_the_value(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    net = from_inventory(generate_rie(sites=20, seed=3))
    with pytest.raises(AvailabilityError, match=message.replace("[", r"\[").replace("]", r"\]")):
        element_availability(net, merge(default_table(), read_table(path)))
