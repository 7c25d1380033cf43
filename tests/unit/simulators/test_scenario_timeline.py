"""FaultTimeline semantics on the hand-built inventory (see scenario_fixtures.small_inventory)."""

from __future__ import annotations

import math
import random
from typing import Any

import networkx as nx
import orjson
import pytest

from simulators.reachability import Reachability
from simulators.scenario import FaultTimeline, parse_scenario
from tests.unit.simulators.scenario_fixtures import small_inventory, synthetic_inventory, two_pop_inventory
from vigie.model import Inventory, Role

INV = small_inventory()
DEVICES = sorted(INV.devices)


def timeline(faults: str, inv: Inventory = INV) -> FaultTimeline:
    return FaultTimeline(parse_scenario(f'name = "t"\n{faults}', inv), inv)


def fault(**fields: Any) -> str:
    return "[[fault]]\n" + "".join(f"{k} = {orjson.dumps(v).decode()}\n" for k, v in fields.items())


def silent_set(tl: FaultTimeline, t: float) -> set[str]:
    return {d for d in DEVICES if tl.silent(d, t)}


def truth(tl: FaultTimeline, element: str, kind: str = "device") -> list[tuple[float, str, int]]:
    return [(e["t"], e["change"], e["fault"]) for e in tl.ground_truth() if e["element"] == element
            and e["kind"] == kind]


@pytest.mark.parametrize("tl", [FaultTimeline(None, INV), timeline("")])
def test_no_faults_nothing_happens(tl: FaultTimeline) -> None:
    for t in (0.0, 30.0, 1e9):
        assert silent_set(tl, t) == set()
        assert all(tl.loss(d, t) == 0.0 and tl.delay_s(d, t) == 0.0 and tl.malformed(d, t) is None for d in DEVICES)
    assert tl.change_times() == [] and tl.epoch(123.0) == 0 and tl.ground_truth() == []
    assert all(tl.oper_down_intervals(d) == {} and tl.boot_offsets(d) == [] and tl.counter_wraps(d) == []
               for d in DEVICES)
    assert not tl.silent("NOT-A-DEVICE", 1.0)


def test_device_down_silences_it_and_what_is_behind_it() -> None:
    tl = timeline(fault(at="30s", kind="device_down", device="PAR-K01", duration="2m"))
    assert silent_set(tl, 29.9) == set()
    behind = {"PAR-K01", "S00001-R1", "S00001-R2"}  # S00002-R1 still reached through S00002-R2 and LYS
    assert silent_set(tl, 30.0) == silent_set(tl, 149.9) == behind
    assert silent_set(tl, 150.0) == set()
    assert tl.oper_down_intervals("S00001-R1") == {"Gi0/0": [(30.0, 150.0)]}
    assert tl.oper_down_intervals("PAR-C01") == {"Gi0/2": [(30.0, 150.0)]}
    assert tl.oper_down_intervals("S00001-R2") == {}  # its LAN link to R1 stays up
    own = tl.oper_down_intervals("PAR-K01")
    assert set(own) == {"Gi0/0", "Gi0/1", "Gi0/2"} and own["Gi0/1"] == [(30.0, 150.0)]
    assert truth(tl, "PAR-K01") == [(30.0, "down", 0), (150.0, "up", 0)]
    derived = [e for e in tl.ground_truth() if e["change"] in ("unreachable", "reachable")]
    assert [(e["t"], e["element"], e["change"], e["cause"], e["fault"]) for e in derived] == [
        (30.0, "S00001-R1", "unreachable", "PAR-K01", 0), (30.0, "S00001-R2", "unreachable", "PAR-K01", 0),
        (150.0, "S00001-R1", "reachable", "PAR-K01", 0), (150.0, "S00001-R2", "reachable", "PAR-K01", 0)]
    itf = [(e["t"], e["element"], e["change"], e["cause"]) for e in tl.ground_truth() if e["kind"] == "interface"]
    assert (30.0, "S00001-R1:Gi0/0", "down", "PAR-K01") in itf and (150.0, "PAR-C01:Gi0/2", "up", "PAR-K01") in itf
    assert len(itf) == 6


def test_losing_both_cores_cuts_off_every_collect_and_site() -> None:
    tl = timeline(fault(at=10, kind="device_down", devices=["PAR-C01", "LYS-C01"], duration=20))
    assert silent_set(tl, 15.0) == set(DEVICES) - {"DC1-A", "DC1-B"}
    causes = {e["element"]: e["cause"] for e in tl.ground_truth() if e["change"] == "unreachable"}
    assert causes["PAR-K01"] == "PAR-C01" and causes["LYS-K01"] == "LYS-C01"
    assert causes["S00003-R1"] == "LYS-C01" and "PAR-C01" not in causes  # cores keep their datacentre links
    assert tl.oper_down_intervals("DC1-A") == {"Gi0/1": [(10.0, 30.0)]}


def test_pop_loss_downs_every_device_located_there() -> None:
    tl = timeline(fault(at="1m", kind="pop_loss", pop="PAR", duration="1m"))
    assert silent_set(tl, 60.0) == {"PAR-C01", "PAR-K01", "S00001-R1", "S00001-R2"}
    assert truth(tl, "PAR-C01") == [(60.0, "down", 0), (120.0, "up", 0)]
    # down, and unreachable even if it came back alone: S00002-R1 (reached via LYS) carries no transit
    assert truth(tl, "PAR-K01") == [(60.0, "down", 0), (60.0, "unreachable", 0), (120.0, "up", 0),
                                    (120.0, "reachable", 0)]
    assert tl.oper_down_intervals("LYS-C01") == {"Gi0/1": [(60.0, 120.0)]}
    assert tl.oper_down_intervals("S00002-R1") == {"Gi0/0": [(60.0, 120.0)]}
    assert not tl.silent("S00002-R1", 90.0)


def test_link_down_by_interface_cuts_a_single_homed_site() -> None:
    tl = timeline(fault(at=5, kind="link_down", interface="S00003-R1:Gi0/1", duration=10))
    assert silent_set(tl, 5.0) == {"S00003-R1"} and silent_set(tl, 15.0) == set()
    assert tl.oper_down_intervals("S00003-R1") == {"Gi0/1": [(5.0, 15.0)]}
    assert tl.oper_down_intervals("LYS-K01") == {"Gi0/2": [(5.0, 15.0)]}
    assert truth(tl, "LYS-K01--S00003-R1", "link") == [(5.0, "down", 0), (15.0, "up", 0)]
    [event] = [e for e in tl.ground_truth() if e["change"] == "unreachable"]
    assert (event["element"], event["cause"]) == ("S00003-R1", "LYS-K01--S00003-R1")


def test_interface_down_without_link_touches_only_that_interface() -> None:
    tl = timeline(fault(at=5, kind="interface_down", interface="S00003-R1:Gi0/9"))
    assert silent_set(tl, 10.0) == set()
    assert tl.oper_down_intervals("S00003-R1") == {"Gi0/9": [(5.0, math.inf)]}
    assert truth(tl, "S00003-R1:Gi0/9", "interface") == [(5.0, "down", 0)]  # never restored: no "up"


def test_flap_goes_down_and_up_count_times() -> None:
    tl = timeline(fault(at=100, kind="flap", link="S00002-R1--S00002-R2", period="20s", count=3)
                  + fault(at=0, kind="flap", interface="LYS-K01:Gi0/2", period="1m", count=2, down_for="5s"))
    windows = [(100.0, 110.0), (120.0, 130.0), (140.0, 150.0)]
    assert tl.oper_down_intervals("S00002-R1") == tl.oper_down_intervals("S00002-R2") == {"Gi0/1": windows}
    assert [c for _, c, _ in truth(tl, "S00002-R1--S00002-R2", "link")] == ["down", "up"] * 3
    assert tl.oper_down_intervals("S00003-R1") == {"Gi0/1": [(0.0, 5.0), (60.0, 65.0)]}
    assert [t for t in range(0, 200) if tl.silent("S00003-R1", float(t))] == [0, 1, 2, 3, 4, 60, 61, 62, 63, 64]
    assert tl.change_times() == [0.0, 5.0, 60.0, 65.0, 100.0, 110.0, 120.0, 130.0, 140.0, 150.0]


def test_reboot_is_silent_during_downtime_then_boots() -> None:
    tl = timeline(fault(at=50, kind="reboot", device="S00003-R1")
                  + fault(at="10m", kind="reboot", device="S00003-R1", downtime="2m"))
    assert tl.silent("S00003-R1", 50.0) and tl.silent("S00003-R1", 109.9) and not tl.silent("S00003-R1", 110.0)
    assert tl.boot_offsets("S00003-R1") == [110.0, 720.0] and tl.boot_offsets("LYS-K01") == []
    assert tl.oper_down_intervals("LYS-K01") == {"Gi0/2": [(50.0, 110.0), (600.0, 720.0)]}
    assert truth(tl, "S00003-R1", "reboot") == [(50.0, "start", 0), (110.0, "boot", 0), (600.0, "start", 1),
                                                (720.0, "boot", 1)]
    assert truth(tl, "S00003-R1") == [(50.0, "down", 0), (110.0, "up", 0), (600.0, "down", 1), (720.0, "up", 1)]


def test_overlapping_faults_on_one_element_merge() -> None:
    tl = timeline(fault(at=10, kind="device_down", device="PAR-K01", duration=40)
                  + fault(at=30, kind="device_down", device="PAR-K01", duration=50)
                  + fault(at=10, kind="link_down", link="PAR-C01--LYS-C01", duration=10)
                  + fault(at=20, kind="flap", link="PAR-C01--LYS-C01", period=10, count=2, down_for=5))
    assert [t for t in range(0, 100) if tl.silent("PAR-K01", float(t))] == list(range(10, 80))
    assert truth(tl, "PAR-K01") == [(10.0, "down", 0), (80.0, "up", 1)]  # no false "up" at 50
    down = next(e for e in tl.ground_truth() if e["element"] == "PAR-K01")
    assert down["detail"]["faults"] == [0, 1]
    assert truth(tl, "S00001-R1") == [(10.0, "unreachable", 0), (80.0, "reachable", 0)]
    assert truth(tl, "PAR-C01--LYS-C01", "link") == [(10.0, "down", 2), (25.0, "up", 3), (30.0, "down", 3),
                                                     (35.0, "up", 3)]
    assert tl.oper_down_intervals("S00002-R1") == {"Gi0/0": [(10.0, 80.0)]}


def test_fault_without_duration_lasts_until_the_end() -> None:
    tl = timeline(fault(at=5, kind="device_down", device="S00002-R2"))
    assert tl.silent("S00002-R2", 1e12) and not tl.silent("S00002-R1", 1e12)
    assert tl.oper_down_intervals("LYS-K01") == {"Gi0/1": [(5.0, math.inf)]}
    assert truth(tl, "S00002-R2") == [(5.0, "down", 0)]


def test_loss_delay_and_malformed_combine_while_overlapping() -> None:
    tl = timeline(fault(at=0, kind="packet_loss", site="S00002", percent=50, duration=60)
                  + fault(at=30, kind="packet_loss", device="S00002-R1", percent=50, duration=60)
                  + fault(at=0, kind="slow_agent", pop="PAR", delay_ms=200, duration=60)
                  + fault(at=30, kind="slow_agent", device="PAR-K01", delay_ms=500, duration=10)
                  + fault(at=10, kind="malformed", device="S00001-R1", mode="garbage", duration=90)
                  + fault(at=20, kind="malformed", site="S00001", mode="truncated", duration=10))
    assert [tl.loss("S00002-R1", t) for t in (0.0, 40.0, 70.0, 90.0)] == [0.5, 0.75, 0.5, 0.0]
    assert tl.loss("S00002-R2", 40.0) == 0.5 and tl.loss("S00001-R1", 40.0) == 0.0
    assert [tl.delay_s("PAR-K01", t) for t in (0.0, 35.0, 45.0, 60.0)] == [0.2, 0.5, 0.2, 0.0]
    assert [tl.malformed("S00001-R1", t) for t in (5.0, 15.0, 25.0, 35.0, 100.0)] == [
        None, "garbage", "truncated", "garbage", None]
    assert tl.malformed("S00001-R2", 25.0) == "truncated" and silent_set(tl, 25.0) == set()
    loss = [(e["t"], e["change"], e["fault"], e["detail"]["percent"]) for e in tl.ground_truth()
            if e["element"] == "S00002-R1" and e["kind"] == "packet_loss"]
    assert loss == [(0.0, "start", 0, 50.0), (30.0, "change", 1, 75.0), (60.0, "change", 0, 50.0),
                    (90.0, "end", 1, 0.0)]


def test_counter_wraps_are_recorded() -> None:
    tl = timeline(fault(at=800, kind="counter_wrap", interface="S00001-R1:Gi0/1", counter=64)
                  + fault(at=800, kind="counter_wrap", interface="S00001-R1:Gi0/0"))
    assert tl.counter_wraps("S00001-R1") == [("Gi0/0", 800.0, 32), ("Gi0/1", 800.0, 64)]
    assert truth(tl, "S00001-R1:Gi0/1", "counter_wrap") == [(800.0, "wrap", 0)]
    assert tl.change_times() == [800.0] and silent_set(tl, 800.0) == set()


def test_without_datacentres_only_own_faults_count() -> None:
    inv = small_inventory(with_datacentres=False)
    tl = timeline(fault(at=0, kind="device_down", device="PAR-K01"), inv)
    assert {d for d in inv.devices if tl.silent(d, 1.0)} == {"PAR-K01"}
    assert tl.oper_down_intervals("S00001-R1") == {"Gi0/0": [(0.0, math.inf)]}


MIXED = (fault(at=10, kind="pop_loss", pop="LYS", duration=100)
         + fault(at=50, kind="device_down", device="PAR-K01", duration="1m")
         + fault(at=0, kind="flap", link="PAR-K01--S00002-R1", period=30, count=5)
         + fault(at=20, kind="reboot", device="S00001-R2", downtime=45)
         + fault(at=5, kind="packet_loss", pop="PAR", percent=10, duration=20)
         + fault(at=7, kind="malformed", device="DC1-A", mode="bad_length")
         + fault(at=99, kind="counter_wrap", interface="DC1-B:Gi0/0"))


def test_ground_truth_is_sorted_consistent_and_serialisable() -> None:
    tl = timeline(MIXED)
    events = tl.ground_truth()
    assert [e["t"] for e in events] == sorted(e["t"] for e in events)
    orjson.dumps(events)
    pairs = {"down": "up", "unreachable": "reachable", "start": "boot"}
    tracks: dict[tuple[str, str, str], list[str]] = {}
    for e in events:
        opening = e["change"] if e["change"] in pairs else next((k for k, v in pairs.items() if v == e["change"]), None)
        if opening is not None:
            tracks.setdefault((e["element"], e["kind"], opening), []).append(e["change"])
    for key, changes in tracks.items():
        assert changes[::2] == [key[2]] * len(changes[::2]) and set(changes[1::2]) <= {pairs[key[2]]}, key
    assert tl.ground_truth() == events and tl.ground_truth() is not tl.ground_truth()


def test_answers_are_constant_within_an_epoch() -> None:
    tl = timeline(MIXED)
    times = tl.change_times()
    assert times == sorted(set(times)) and tl.epoch(-1.0) == 0 and tl.epoch(times[0]) == 1
    rng = random.Random(3)
    for i in range(len(times) - 1):
        probes = [times[i], *(rng.uniform(times[i], times[i + 1]) for _ in range(5))]
        assert {tl.epoch(t) for t in probes} == {i + 1}
        for d in DEVICES:
            answers = {(tl.silent(d, t), tl.loss(d, t), tl.malformed(d, t)) for t in probes}
            assert len(answers) == 1, (d, times[i])


TWO = two_pop_inventory()
UPLINKS = ("PAR-C01--PAR-K01", "PAR-C02--PAR-K01")


def test_sites_carry_no_transit_towards_an_isolated_collect() -> None:
    tl = timeline(fault(at=10, kind="link_down", link=UPLINKS[0], duration=20)
                  + fault(at=10, kind="link_down", link=UPLINKS[1], duration=20), TWO)
    # PAR-K01 would be reached through S00010 (R2 on LYS-K01, LAN to R1): sites never carry transit
    assert {d for d in TWO.devices if tl.silent(d, 15.0)} == {"PAR-K01", "S00011-R1"}
    assert not any(tl.silent(d, 30.0) for d in TWO.devices)
    causes = {e["element"]: e["cause"] for e in tl.ground_truth() if e["change"] == "unreachable"}
    assert causes == {"PAR-K01": UPLINKS[0], "S00011-R1": UPLINKS[0]}  # ties: the one closest to the DCs
    model = Reachability(TWO)
    assert model.cut_off(set(), set(UPLINKS)) == causes
    # S00010-R2 lost too: the whole premium site is cut off, each device blamed on its nearest repair
    assert model.cut_off({"LYS-K01"}, set(UPLINKS)) == {**causes, "S00010-R2": "LYS-K01", "S00010-R1": UPLINKS[0]}
    assert model.cut_off({"LYS-K01"}, {UPLINKS[0]}) == {}  # R1 still reached via PAR-K01, R2 through R1
    assert model.cut_off({"LYS-K01"}, {"S00010-R1--S00010-R2"}) == {"S00010-R2": "LYS-K01"}
    assert model.cut_off({"PAR-C01", "PAR-C02"}, set()) == dict.fromkeys(
        ["PAR-K01", "PAR-K02", "S00011-R1", "S00012-R1", "S00012-B1"], "PAR-C01")


def test_standard_site_reaches_its_ce_through_the_4g_router() -> None:
    fibre, cellular = "PAR-K01--S00012-R1", "PAR-K02--S00012-B1"
    tl = timeline(fault(at=0, kind="link_down", link=fibre, duration=10)
                  + fault(at=20, kind="device_down", device="PAR-K01", duration=10)
                  + fault(at=40, kind="device_down", device="S00012-R1", duration=10)
                  + fault(at=60, kind="link_down", link=fibre, duration=10)
                  + fault(at=60, kind="device_down", device="PAR-K02", duration=10), TWO)
    assert {d for d in TWO.devices if tl.silent(d, 5.0)} == set()  # R1 via B1 (4G) over the LAN
    assert {d for d in TWO.devices if tl.silent(d, 25.0)} == {"PAR-K01", "S00011-R1"}  # S00010-R1 via R2
    assert {d for d in TWO.devices if tl.silent(d, 45.0)} == {"S00012-R1"}  # B1 keeps its 4G
    assert {d for d in TWO.devices if tl.silent(d, 65.0)} == {"PAR-K02", "S00012-R1", "S00012-B1"}
    assert truth(tl, "S00012-R1")[-2:] == [(60.0, "unreachable", 3), (70.0, "reachable", 3)]  # the fibre: nearest
    model = Reachability(TWO)
    assert model.cut_off({"PAR-K02"}, {fibre}) == {"S00012-R1": fibre, "S00012-B1": "PAR-K02"}
    assert model.cut_off({"S00012-R1"}, {cellular}) == {"S00012-B1": cellular}  # nearest, then closest to DCs
    assert model.cut_off({"S00012-R1"}, {cellular, fibre}) == {"S00012-B1": cellular, "S00012-R1": fibre}
    assert model.cut_off({"PAR-K01", "S00012-B1"}, set()) == {"S00011-R1": "PAR-K01", "S00012-R1": "PAR-K01"}


def _directed(inv: Inventory) -> nx.DiGraph:
    """Reference graph of the allowed hops: infra ↔ infra, infra → site, site ↔ same site, never site → infra."""
    graph = nx.DiGraph()
    graph.add_nodes_from(inv.devices)
    for lk in inv.links.values():
        a, b = inv.devices[lk.a.device], inv.devices[lk.b.device]
        for x, y in ((a, b), (b, a)):
            if x.site is None or x.site == y.site:
                graph.add_edge(x.name, y.name, id=lk.id)
    return graph


def _reached(graph: nx.DiGraph, sources: set[str], down_devs: set[str], down_links: set[str],
             known: set[str] | None = None, near: list[str] | None = None) -> set[str]:
    """Brute force: breadth-first search from the up datacentre routers over up devices and up links.

    With ``known`` (what was reached with one more failure) and ``near`` (that failure's
    neighbours), only what else is reached is searched.
    """
    reached = sources - down_devs if known is None else set(known)
    queue = list(reached) if near is None else [n for n in near if n in reached]
    while queue:
        u = queue.pop()
        for v, link in graph.succ[u].items():
            if v not in reached and v not in down_devs and link["id"] not in down_links:
                reached.add(v)
                queue.append(v)
    return reached


def test_reachability_agrees_with_a_directed_reference_on_random_failures() -> None:
    inv = synthetic_inventory(400, seed=5, collects_per_pop=2)
    model = Reachability(inv)
    graph = _directed(inv)
    sources = {d.name for d in inv.devices.values() if d.role is Role.DATACENTRE}
    modelled = _reached(graph, sources, set(), set())
    ends = {lk.id: (lk.a.device, lk.b.device) for lk in inv.links.values()}
    assert "ORPHAN-K01" not in modelled and len(modelled) < len(inv.devices)
    rng = random.Random(11)
    infra = [d for d in sorted(inv.devices) if not d.startswith("S")]
    down_devs: set[str] = set()
    down_links: set[str] = set()
    cuts = 0
    for step in range(80):  # fresh random failure sets, then small changes (the solver is incremental)
        if step % 2 == 0 and step < 40:
            down_devs = set(rng.sample(infra, rng.randint(0, 6)) + rng.sample(sorted(inv.devices), rng.randint(0, 20)))
            down_links = set(rng.sample(sorted(inv.links), rng.randint(0, 60)))
        else:
            for _ in range(rng.randint(1, 3)):
                pool, chosen = (down_devs, rng.choice(infra)) if rng.random() < 0.5 else (down_links, rng.choice(
                    sorted(inv.links)))
                (pool.discard if chosen in pool else pool.add)(chosen)
        reached = _reached(graph, sources, down_devs, down_links)
        cut = model.cut_off(down_devs, down_links)
        assert cut == Reachability(inv).cut_off(down_devs, down_links), step  # incremental = from scratch
        assert {d for d in cut if d not in down_devs} == modelled - reached - down_devs, step
        assert set(cut.values()) <= down_devs | down_links
        for d in (down_devs & modelled) - sources:
            ok = any(n in reached and k not in down_links for n, _, k in graph.in_edges(d, data="id"))
            assert (d in cut) == (not ok), (step, d)
        # a device is blamed on a failure whose repair alone reconnects it, whenever such a failure exists
        lost = {d for d in cut if d not in down_devs}
        cuts += len(lost)
        fixed = {e: _reached(graph, sources, down_devs - {e}, down_links - {e}, reached,
                             list(ends[e]) if e in ends else list(graph.pred[e])) & lost
                 for e in down_devs | down_links}
        for d in lost:
            if any(d in again for again in fixed.values()):
                assert d in fixed[cut[d]], (step, d, cut[d])
    assert cuts > 500
