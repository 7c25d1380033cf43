"""A fixed, seeded state for the dashboard's tests: the synthetic RIE of 300 sites (seed 7) driven
through a real state engine by synthetic polls, at fixed times:

- cycles 1-2: everything answers;
- from cycle 3: collect router LYO-C02 dies (its single-homed sites UNREACHABLE behind it, the
  others DEGRADED), site router S00042-R1 dies (S00042 DOWN), premium S00010 loses its access
  ACC-S00010-R2 (DEGRADED), S00013 is under a maintenance window (MAINTENANCE), and S00064-R1 is
  no longer polled (UNKNOWN once stale);
- the dashboard's clock is then fixed at :data:`NOW`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from collectors.counters import DeviceRates, InterfaceRate
from simulators.rie import generate_rie
from tests.unit.state.statekit import Net, poll, reachable
from tui.live import LiveSource
from tui.memory import MemorySource
from vigie.bus import LocalBus, Topic
from vigie.model import Inventory
from vigie.observations import PollError
from vigie.state import EngineSettings, Event, MaintenanceWindow, StateChange, StateEngine
from vigie.store import SqliteStore

T0 = 1_773_129_600.0  # 2026-03-10 08:00 UTC
NOW = T0 + 1020.0
DEAD = ("LYO-C02", "S00042-R1")
CUT = ("ACC-S00010-R2",)
SILENT = ("S00064-R1",)


@cache
def inventory() -> Inventory:
    return generate_rie(300, seed=7)


SETTINGS = EngineSettings(poll_interval_s=60.0)


def drive(on_events: Callable[[list[Event]], None], engine: StateEngine | None = None) -> StateEngine:
    """Run the scenario (on ``engine``, or a new one); ``on_events`` gets each batch of events."""
    inv = inventory()
    net = Net(inv, SETTINGS, t0=T0)
    if engine is not None:
        net.engine = engine
    on_events(net.cycles(2))
    net.engine.set_maintenance([MaintenanceWindow("S00013", T0 + 120, T0 + 7200, "access line works")])
    polled = [n for n in net.names if n not in SILENT]
    alive = reachable(inv, DEAD, CUT)
    for _ in range(4):
        start = net.now
        events: list[Event] = []
        for i, name in enumerate(polled):
            now = start + i * 60.0 / len(polled)
            error = None if name in alive else PollError.TIMEOUT
            events += net.engine.observe(poll(inv, name, now, error, CUT, DEAD), now)
        net.now = start + 60.0
        on_events(events)
    on_events(net.engine.tick(net.now))
    return net.engine


@cache
def scenario() -> tuple[tuple[Event, ...], StateEngine]:
    """The scenario's events and final engine, computed once (never mutate the engine)."""
    events: list[Event] = []
    engine = drive(events.extend)
    return tuple(events), engine


def rates(at: float = NOW) -> DeviceRates:
    """Interface rates of S00010-R1 (the premium site), fixed."""
    def itf(idx: int, name: str, i: float, o: float) -> InterfaceRate:
        return InterfaceRate(idx, name, 60.0, i, o, i / 1e7, o / 1e7, 0.0, 0.0, 0.0, 0.0, None)

    return DeviceRates("S00010-R1", at, False, 86400.0, (itf(4, "GigabitEthernet0/0/0", 412e6, 96e6),
                                                        itf(5, "GigabitEthernet0/0/1", 3.2e6, 1.1e6)))


def rate_history() -> dict[int, list[tuple[float, float | None, float | None]]]:
    return {4: [(NOW - 300 * (12 - k), 100e6 + 25e6 * k, 50e6) for k in range(12)],
            5: [(NOW - 300 * (12 - k), 1e6 * (k % 4), 1e6) for k in range(12)]}


def memory_source() -> MemorySource:
    """The scenario's final state in a MemorySource, clock at NOW."""
    src = MemorySource(inventory(), now=NOW, label="test state (fixed)")
    events, engine = scenario()
    src.apply(events)
    src.copy_engine(engine)
    src.set_rates(rates(), rate_history())
    src.drain()
    return src


def live_source(tmp_path: Path) -> tuple[LiveSource, StateEngine, SqliteStore, LocalBus]:
    """The scenario through a LiveSource: engine events stored and published, clock at NOW."""
    inv = inventory()
    bus = LocalBus()
    store = SqliteStore(tmp_path / "vigie.db")
    def emit(events: list[Event]) -> None:
        store.record(events)
        for e in events:
            bus.publish(Topic.CHANGES if isinstance(e, StateChange) else Topic.ALARMS, e)

    engine = StateEngine(inv, SETTINGS)
    source = LiveSource(inv, engine, bus, store, clock=lambda: NOW)  # listening before the first event
    drive(emit, engine)
    source.drain()
    return source, engine, store, bus


__all__ = ["CUT", "DEAD", "NOW", "SILENT", "T0", "drive", "inventory", "live_source", "memory_source", "rate_history",
           "rates", "scenario"]
