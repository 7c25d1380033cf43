"""End to end against the simulator: a scripted fault scenario (simulators.scenario), each device
polled at its slot of every cycle as the farm would answer, and the engine's states compared
with the simulator's ground truth (which devices are down, which are cut off and by what)."""

from __future__ import annotations

from functools import cache
from typing import Any

from collectors.scheduler import offset_fraction
from simulators.rie import generate_rie
from simulators.scenario import FaultTimeline, parse_scenario
from tests.unit.state.statekit import FarmPolls
from vigie.model import Inventory
from vigie.state import AlarmKind, DeviceState, SiteState, StateEngine

INTERVAL = 60.0


@cache
def rie() -> Inventory:
    return generate_rie(sites=200, seed=11)


def pick(inv: Inventory, cls: str, pop_not: str) -> str:
    return next(code for code, s in sorted(inv.sites.items()) if s.access_class == cls and s.pop != pop_not
                and s.pop != "LYO")


def run(inv: Inventory, text: str, until: float, checkpoints: list[float]) -> tuple[StateEngine, Any, dict[float, Any]]:
    timeline = FaultTimeline(parse_scenario(text, inv), inv)
    farm = FarmPolls(inv, timeline)
    engine = StateEngine(inv)
    slots = sorted((offset_fraction(name) * INTERVAL, name) for name in inv.devices)
    seen: dict[float, Any] = {}
    pending = sorted(checkpoints)
    cycle = 0
    while cycle * INTERVAL < until:
        for offset, name in slots:
            t = cycle * INTERVAL + offset
            while pending and pending[0] <= t:
                seen[pending[0]] = {n: engine.device_status(n) for n in inv.devices}, \
                    {c: engine.site_status(c) for c in inv.sites}, engine.active_alarms()
                pending.pop(0)
            engine.observe(farm.poll(name, t), t)
        engine.tick((cycle + 1) * INTERVAL)
        cycle += 1
    return engine, timeline, seen


def truth_at(timeline: Any, t: float) -> tuple[dict[str, str], dict[str, str]]:
    """Devices down (own fault) and devices cut off (→ blamed element) at ``t``."""
    down: dict[str, str] = {}
    cut: dict[str, str] = {}
    for e in timeline.ground_truth():
        if e["t"] > t or e["kind"] != "device":
            continue
        if e["change"] == "down":
            down[e["element"]] = "down"
        elif e["change"] == "up":
            down.pop(e["element"], None)
        elif e["change"] == "unreachable":
            cut[e["element"]] = e["cause"]
        elif e["change"] == "reachable":
            cut.pop(e["element"], None)
    return down, cut


def test_engine_agrees_with_the_simulators_ground_truth() -> None:
    inv = rie()
    economy, premium, standard = pick(inv, "economy", "MRS"), pick(inv, "premium", "MRS"), pick(inv, "standard", "MRS")
    text = f'''
name = "MRS lost, a site router down, a premium access cut, a standard fibre cut"
[[fault]]
at = "2m"
kind = "pop_loss"
pop = "MRS"
duration = "10m"
[[fault]]
at = "150s"
kind = "device_down"
device = "{economy}-R1"
duration = "8m"
[[fault]]
at = "200s"
kind = "link_down"
link = "ACC-{premium}-R2"
duration = "5m"
[[fault]]
at = "200s"
kind = "link_down"
link = "ACC-{standard}-R1"
duration = "5m"
'''
    check = 120 + 5 * INTERVAL  # every fault started at least four polls ago
    engine, timeline, seen = run(inv, text, until=20 * INTERVAL, checkpoints=[check])
    devices, sites, alarms = seen[check]
    down, cut = truth_at(timeline, check)
    assert cut and down
    for name in inv.devices:
        got = devices[name]
        if name in cut:  # cut off, whether down itself or not: unreachable, blamed on the same element
            assert (got.state, got.cause) == (DeviceState.UNREACHABLE, cut[name]), name
        elif name in down:
            assert got.state is DeviceState.DOWN, name
        else:
            assert got.state is DeviceState.UP, name
    cut_sites = {code for code, s in inv.sites.items() if all(d in cut for d in s.devices)}
    for code, status in sites.items():
        if code in cut_sites:
            assert (status.state, status.root) == (SiteState.UNREACHABLE, "MRS-CA"), code
    assert sites[economy].state is SiteState.DOWN
    assert (sites[premium].state, sites[premium].cause) == (SiteState.DEGRADED, f"ACC-{premium}-R2")
    assert (sites[standard].state, sites[standard].cause) == (SiteState.DEGRADED, f"ACC-{standard}-R1")
    by_kind: dict[AlarmKind, list[Any]] = {}
    for alarm in alarms:
        by_kind.setdefault(alarm.kind, []).append(alarm)
    assert sorted(a.element for a in by_kind[AlarmKind.DEVICE_DOWN]) == ["MRS-CA", "MRS-CB"]
    assert max(a.sites for a in by_kind[AlarmKind.DEVICE_DOWN]) == len(cut_sites)
    assert [a.element for a in by_kind[AlarmKind.SITE_DOWN]] == [economy]
    # after the faults: everything up again, nothing left active
    assert engine.counts()[SiteState.UP] == len(inv.sites)
    assert not engine.active_alarms()
