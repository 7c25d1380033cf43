"""Benchmark of the state engine on the full synthetic RIE (prints figures; not a test).

    .venv/bin/python bench/state_engine.py [--sites 14000] [--pop PAR]

Measures, in CPU seconds: building the engine; the first cycle (everything goes from UNKNOWN to
UP); a steady cycle (one observe() per device, then one tick(), nothing changing); a POP loss
(every device of the POP silent, what is behind it silent too, the neighbours' ports down) over
the cycles it takes to be declared, and the single observe() that declares it; the recovery.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.unit.state.statekit

from collectors.scheduler import offset_fraction
from simulators.rie import generate_rie
from tests.unit.state.statekit import poll, reachable
from vigie.model import Inventory
from vigie.observations import DevicePoll, PollError
from vigie.state import AlarmRaised, Event, SiteState, StateChange, StateEngine

INTERVAL = 60.0


def polls_for(inv: Inventory, order: list[str], dead: Iterable[str] = ()) -> list[DevicePoll]:
    dead = set(dead)
    alive = reachable(inv, dead)
    return [poll(inv, name, 0.0, None if name in alive else PollError.TIMEOUT, (), dead) for name in order]


RAISED: Counter[str] = Counter()  # alarms raised, by kind
SITES: Counter[str] = Counter()  # site transitions, by new state


def tally(events: list[Event]) -> None:
    for e in events:
        if isinstance(e, AlarmRaised):
            RAISED[e.alarm.kind.value] += 1
        elif isinstance(e, StateChange) and e.kind == "site":
            SITES[str(e.new)] += 1


def cycle(engine: StateEngine, polls: list[DevicePoll], t0: float,
          on_event: Callable[[int, float, list[Event]], None] | None = None) -> tuple[float, int]:
    """One cycle, each device at its slot: CPU seconds and events."""
    n = len(polls)
    events = 0
    cpu = time.process_time()
    for i, p in enumerate(polls):
        now = t0 + INTERVAL * i / n
        if on_event is None:
            out = engine.observe(p, now)
        else:
            c = time.process_time()
            out = engine.observe(p, now)
            on_event(i, time.process_time() - c, out)
        events += len(out)
        tally(out)
    out = engine.tick(t0 + INTERVAL)
    tally(out)
    events += len(out)
    return time.process_time() - cpu, events


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=14000)
    parser.add_argument("--pop", default="PAR")
    args = parser.parse_args()
    inv = generate_rie(args.sites)
    order = sorted(inv.devices, key=offset_fraction)  # the scheduler's order within a cycle
    itfs = sum(len(d.interfaces) for d in inv.devices.values())
    print(f"inventory: {len(inv.devices)} devices, {len(inv.sites)} sites, {len(inv.links)} links, "
          f"{itfs} interfaces (all sampled every poll)")
    figures: dict[str, object] = {"devices": len(inv.devices), "sites": len(inv.sites), "interfaces": itfs}
    cpu = time.process_time()
    engine = StateEngine(inv)
    figures["build_cpu_s"] = round(time.process_time() - cpu, 3)
    print(f"engine built: {figures['build_cpu_s']:.2f} CPU-s")
    normal = polls_for(inv, order)
    t = 0.0
    took, n = cycle(engine, normal, t)
    t += INTERVAL
    print(f"first cycle (UNKNOWN -> UP): {took:.2f} CPU-s, {n} events")
    figures["first_cycle_cpu_s"] = round(took, 3)
    steady = []
    for _ in range(2):
        took, n = cycle(engine, normal, t)
        steady.append(took)
        t += INTERVAL
        print(f"steady cycle: {took:.2f} CPU-s ({took / len(order) * 1e6:.1f} us per observe), {n} events")
    pop = sorted(d.name for d in inv.devices.values() if d.location == args.pop)
    lost = polls_for(inv, order, pop)
    silent = sum(p.error is not None for p in lost)
    worst: list[tuple[float, int, str]] = []

    def record(i: int, cpu_s: float, events: list[Event]) -> None:
        worst.append((cpu_s, len(events), lost[i].device))

    total = 0.0
    RAISED.clear()
    SITES.clear()
    for k in range(3):
        took, n = cycle(engine, lost, t, record)
        t += INTERVAL
        total += took
        print(f"POP {args.pop} lost ({len(pop)} routers, {silent} devices silent), cycle {k + 1}: "
              f"{took:.2f} CPU-s, {n} events; counts {dict((s.value, c) for s, c in engine.counts().items() if c)}")
    worst.sort(reverse=True)
    for cpu_s, n, name in worst[:3]:
        print(f"  costliest observe(): {name}: {cpu_s * 1000:.0f} ms CPU, {n} events")
    figures["steady_cycle_cpu_s"] = round(min(steady), 3)
    figures["pop_loss_3_cycles_cpu_s"] = round(total, 3)
    figures["pop_loss_worst_observe_ms"] = round(worst[0][0] * 1000, 1)
    figures["pop_loss_unreachable_sites"] = engine.counts()[SiteState.UNREACHABLE]
    print(f"POP loss declared: {total:.2f} CPU-s over 3 cycles; unreachable sites: "
          f"{engine.counts()[SiteState.UNREACHABLE]}")
    print(f"  alarms raised: {dict(RAISED)}; site transitions: {dict(SITES)}")
    worst.clear()
    RAISED.clear()
    SITES.clear()
    took, n = cycle(engine, normal, t, record)
    t += INTERVAL
    worst.sort(reverse=True)
    print(f"recovery cycle: {took:.2f} CPU-s, {n} events; costliest observe() {worst[0][0] * 1000:.0f} ms "
          f"({worst[0][2]}); counts {dict((s.value, c) for s, c in engine.counts().items() if c)}")
    print(f"  alarms raised: {dict(RAISED)}; site transitions: {dict(SITES)}")
    figures["recovery_cycle_cpu_s"] = round(took, 3)
    took, n = cycle(engine, normal, t)
    print(f"steady again: {took:.2f} CPU-s, {n} events, active alarms {len(engine.active_alarms())}")
    figures["active_alarms_after"] = len(engine.active_alarms())
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
