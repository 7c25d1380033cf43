"""What-if on the live state: the state engine's snapshot says what is down; the analyses say who is
one failure away and what failing X would do now."""

from __future__ import annotations

import pytest

from tests.unit.state.statekit import Net, small_inventory
from topology.analysis import analyze
from topology.errors import ResilienceError, UnknownElement
from topology.graph import from_inventory
from topology.index import compile_network
from topology.reference import lost_sites
from topology.spof import solve
from topology.whatif import down_from_snapshot, element_ids, live_risk, what_if


def test_snapshot_of_a_real_engine_drives_the_what_if() -> None:
    inv = small_inventory()
    net = Net(inv)
    net.cycles(2)
    net.cycles(4, dead=["PAR-C01"])
    snap = net.engine.snapshot()
    down = down_from_snapshot(snap)
    assert "PAR-C01" in down
    assert not any(d.startswith(("P1-", "S1-")) for d in down if d in inv.devices)  # unreachable is not failed
    a = analyze(from_inventory(inv), down=down, what_if_elements=["PAR-C02", "LYO"], pairs=0)
    assert a.live is not None
    assert a.live.isolated == ()
    assert set(a.live.lost_redundancy) == {"P1", "S1"}
    assert set(a.live.one_away) >= {"P1", "S1", "E1", "E2"}
    by_site = {r.site: r for r in a.sites}
    assert "LYO-C01" in by_site["P1"].spofs and "PAR-C02" in by_site["S1"].spofs
    asked = {w.element: w for w in a.what_if}
    assert set(asked["PAR-C02"].site_codes) == {"S1", "E1"}
    assert set(asked["LYO"].site_codes) == {"P1", "E2"}


def test_what_if_matches_brute_force_on_top_of_what_is_down() -> None:
    inv = small_inventory()
    netw = from_inventory(inv)
    index = compile_network(netw)
    down = {"PAR-CA"}
    now = solve(index, element_ids(index, netw, down))
    free = solve(index)
    base = lost_sites(netw, down)
    names = sorted(map(str, netw.graph.nodes)) + sorted(netw.links)
    for x in names:
        if x in down:
            continue
        got = {index.site_codes[s] for s in what_if(now, [index.ids[x]])}
        assert got == lost_sites(netw, down | {x}) - base, x
    for x, y in [("PAR-CB", "LYO-C01"), ("PAR-C01", "PAR-C02")]:
        got = {index.site_codes[s] for s in what_if(now, element_ids(index, netw, [x, y]))}
        assert got == lost_sites(netw, down | {x, y}) - base
    risk = live_risk(free, now)
    assert risk.down == ("PAR-CA",) and risk.isolated == ()


def test_bad_names_say_what_to_give() -> None:
    netw = from_inventory(small_inventory())
    with pytest.raises(UnknownElement, match="'NOPE' is not a node, link or group"):
        analyze(netw, down=["NOPE"])
    with pytest.raises(ResilienceError, match="'PAR' is a group of 4 nodes"):
        analyze(netw, given_pairs=[("PAR", "LYO-CA")])


def test_snapshot_shapes() -> None:
    snap = {"devices": {"A": {"state": "down"}, "B": {"state": "unreachable"}, "C": "down"},
            "links": {"L1": {"state": "down"}, "L2": {"state": "up"}}}
    assert down_from_snapshot(snap) == ["A", "C", "L1"]
    with pytest.raises(ResilienceError, match="'devices' is not an object"):
        down_from_snapshot({"devices": []})
