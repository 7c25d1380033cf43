"""A restarted engine takes back what the store holds and invents nothing: the same states (and
since when), the same alarms (ids, acknowledgements), then the same events as an engine that
never stopped; after a long stop, the unwatched gap is UNKNOWN, never UP."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from collectors.scheduler import offset_fraction
from simulators.rie import generate_rie
from simulators.scenario import FaultTimeline, parse_scenario
from tests.unit.state.statekit import FarmPolls
from vigie.model import Inventory
from vigie.observations import DevicePoll, PollError
from vigie.state import Event, SiteState, StateChange, StateEngine, StateError
from vigie.store import SqliteStore

INTERVAL = 60.0


@cache
def rie() -> Inventory:
    return generate_rie(sites=120, seed=5)


def scenario(inv: Inventory) -> str:
    premium = next(c for c, s in sorted(inv.sites.items()) if s.access_class == "premium" and s.pop != "LYO")
    economy = next(c for c, s in sorted(inv.sites.items()) if s.access_class == "economy" and s.pop != "LYO")
    return f'''
[[fault]]
at = "2m"
kind = "pop_loss"
pop = "LYO"
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
'''


def cycles(inv: Inventory, start: int, stop: int) -> Iterator[tuple[float, list[DevicePoll]]]:
    """Each cycle's polls as the farm would answer them, then the cycle's end time."""
    farm = FarmPolls(inv, FaultTimeline(parse_scenario(scenario(inv), inv), inv))
    slots = sorted((offset_fraction(name) * INTERVAL, name) for name in inv.devices)
    for cycle in range(start, stop):
        polls = [farm.poll(name, cycle * INTERVAL + offset) for offset, name in slots]
        yield (cycle + 1) * INTERVAL, polls


def feed(engine: StateEngine, polls: list[DevicePoll], end: float) -> list[Event]:
    events: list[Event] = []
    for poll in polls:
        events += engine.observe(poll, poll.started)
    return events + engine.tick(end)


def changes(events: list[Event]) -> list[tuple[float, str, str, str | None, str, str | None]]:
    return [(e.at, e.kind, e.element, e.old, e.new, e.cause) for e in events if isinstance(e, StateChange)]


def run_until(inv: Inventory, store: SqliteStore, stop: int) -> StateEngine:
    engine = StateEngine(inv)
    for end, polls in cycles(inv, 0, stop):
        store.record(feed(engine, polls, end))
        store.record_polls(polls)
    return engine


RESTART = 7  # cycles: every fault of the scenario has settled (hysteresis passed)


def test_a_restart_changes_nothing_then_goes_on_like_an_engine_that_never_stopped(tmp_path: Path) -> None:
    inv = rie()
    store = SqliteStore(tmp_path / "vigie.db")
    a = run_until(inv, store, RESTART)
    alarm = next(al for al in a.active_alarms() if al.kind.value == "device_down")
    store.record([a.ack(alarm.id, "noc-op", RESTART * INTERVAL)])
    before = a.snapshot()
    assert before["sites"] and any(s["state"] == "unreachable" for s in before["sites"].values())

    b = StateEngine(inv)
    resumed = b.resume(store.prior(), RESTART * INTERVAL)
    assert changes(resumed) == []
    sa, sb = a.snapshot(), b.snapshot()
    for snap in (sa, sb):  # a link's cause is the latest report of an end: it may move without an event
        snap["links"] = {k: (v["state"], v["since"]) for k, v in snap["links"].items()}
    assert sb == sa  # states, causes, since, alarms with their ids and acks
    assert b.counts() == a.counts()
    assert [al.acked_by for al in b.active_alarms() if al.id == alarm.id] == ["noc-op"]

    a_events: list[Event] = []
    b_events: list[Event] = []
    for end, polls in cycles(inv, RESTART, 20):
        a_events += feed(a, polls, end)
        b_events += feed(b, polls, end)
    assert changes(b_events) == changes(a_events)
    assert any(c[4] == "up" and c[1] == "site" for c in changes(a_events))  # the faults did end in the window
    assert [(type(e).__name__, getattr(e, "alarm", None)) for e in b_events if not isinstance(e, StateChange)] == \
        [(type(e).__name__, getattr(e, "alarm", None)) for e in a_events if not isinstance(e, StateChange)]
    assert b.counts()[SiteState.UP] == len(inv.sites)


def test_replaying_the_resume_into_the_store_adds_nothing(tmp_path: Path) -> None:
    inv = rie()
    store = SqliteStore(tmp_path / "vigie.db")
    run_until(inv, store, RESTART)
    rows = len(store.state_changes(0, 1e12))
    b = StateEngine(inv)
    assert store.record(b.resume(store.prior(), RESTART * INTERVAL + 5)) == 0
    assert len(store.state_changes(0, 1e12)) == rows


def test_after_a_long_stop_the_gap_is_unknown_from_when_results_went_stale(tmp_path: Path) -> None:
    inv = rie()
    store = SqliteStore(tmp_path / "vigie.db")
    run_until(inv, store, 3)  # all up before the faults... except what started at 2 min
    last_poll = max(store.prior().last_polls.values())
    b = StateEngine(inv)
    restart = 3 * INTERVAL + 3600.0
    events = changes(b.resume(store.prior(), restart))
    stale_at = last_poll + b.settings.stale_after_s
    sites = [c for c in events if c[1] == "site"]
    assert sites and all(c[0] == stale_at and c[4] == "unknown" for c in sites)
    assert len(sites) == sum(1 for s in store.prior().states if s[0] == "site"
                             and store.prior().states[s].state != "unknown")
    assert not any(c[4] in ("down", "unreachable", "degraded") for c in events)


def test_resume_must_come_first(tmp_path: Path) -> None:
    inv = rie()
    engine = StateEngine(inv)
    engine.tick(10.0)
    with pytest.raises(StateError, match="resume"):
        engine.resume(SqliteStore(tmp_path / "x.db").prior(), 20.0)


def test_new_alarm_ids_continue_above_the_stored_ones(tmp_path: Path) -> None:
    inv = rie()
    store = SqliteStore(tmp_path / "vigie.db")
    a = run_until(inv, store, 14)  # faults raised and cleared: ids used, none active at the end
    top = store.next_alarm_id()
    assert top > 1 and not store.active_alarms()
    b = StateEngine(inv)
    b.resume(store.prior(), 14 * INTERVAL)
    device = next(iter(sorted(inv.devices)))
    events = []
    for i in range(4):
        events += b.observe(DevicePoll(device, "", 14 * INTERVAL + 1 + i, 6.0, PollError.TIMEOUT),
                            14 * INTERVAL + 1 + i)
    raised = [e.alarm.id for e in events if type(e).__name__ == "AlarmRaised"]
    assert raised and min(raised) >= top
    del a
