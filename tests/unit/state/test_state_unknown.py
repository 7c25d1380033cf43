"""We could not measure is never "the site was down": stale results, late devices, an overloaded
poller or a dead collector make devices and sites UNKNOWN, with one warning at the poller level."""

from __future__ import annotations

import pytest

from tests.unit.state.statekit import Net, changes, poll, small_inventory
from vigie.observations import PollError
from vigie.state import POLLER, AlarmKind, DeviceState, PollerHealth, Severity, SiteState


@pytest.fixture
def net() -> Net:
    n = Net(small_inventory())
    n.cycle()
    return n


def poller_alarm(net: Net):  # type: ignore[no-untyped-def]
    return next((a for a in net.engine.active_alarms() if a.kind is AlarmKind.NOT_MEASURED), None)


def test_never_polled_devices_are_unknown_without_alarm_at_start() -> None:
    net = Net(small_inventory())
    assert net.engine.tick(net.now) == []
    assert net.engine.device_state("PAR-CA") is DeviceState.UNKNOWN
    assert poller_alarm(net) is None
    net.engine.tick(net.now + 151)
    assert poller_alarm(net) is not None  # nothing came in 2.5 intervals


def test_stale_results_are_unknown_never_down(net: Net) -> None:
    eng = net.engine
    assert eng.tick(net.now + 60) == []  # results at most 120 s old: still measured (stale after 150 s)
    events = eng.tick(net.now + 150)
    assert {c.new for c in changes(events, "device")} == {DeviceState.UNKNOWN}
    assert eng.counts()[SiteState.UNKNOWN] == len(net.inv.sites)
    assert not [c for c in changes(events) if c.new in ("down", "unreachable", "degraded")]
    alarm = poller_alarm(net)
    assert alarm is not None and alarm.severity is Severity.WARNING and alarm.element == POLLER
    assert [a.kind for a in eng.active_alarms()] == [AlarmKind.NOT_MEASURED]
    assert f"{len(net.inv.devices)} devices not measured" in alarm.text
    net.now += 150
    net.cycle()
    eng.tick(net.now)
    assert eng.counts()[SiteState.UP] == len(net.inv.sites)
    assert poller_alarm(net) is None


def test_a_failing_device_that_stops_being_polled_is_unknown(net: Net) -> None:
    eng = net.engine
    for i in range(2):
        eng.observe(poll(net.inv, "E2-R1", net.now + i * 60, PollError.TIMEOUT), net.now + i * 60)
    eng.tick(net.now + 60 + 151)
    assert eng.device_state("E2-R1") is DeviceState.UNKNOWN
    assert eng.site_state("E2") is SiteState.UNKNOWN


def test_a_down_device_that_is_no_longer_measured_is_unknown(net: Net) -> None:
    net.cycles(3, dead=["E2-R1"])
    assert net.engine.site_state("E2") is SiteState.DOWN
    net.engine.tick(net.now, PollerHealth(late_devices={"E2-R1"}))
    assert net.engine.site_state("E2") is SiteState.UNKNOWN
    assert not [a for a in net.engine.active_alarms() if a.kind is AlarmKind.SITE_DOWN]


def test_late_devices_are_unknown(net: Net) -> None:
    events = net.engine.tick(net.now, PollerHealth(cycle_completion=0.97, late_devices={"E1-R1", "PAR-C02"}))
    assert {(c.element, c.new) for c in changes(events, "device")} == {("E1-R1", DeviceState.UNKNOWN),
                                                                        ("PAR-C02", DeviceState.UNKNOWN)}
    assert net.engine.site_state("E1") is SiteState.UNKNOWN
    # S1's 4G backup lands on PAR-C02: its redundancy is not measured, it is not degraded
    assert net.engine.site_state("S1") is SiteState.UP
    assert "not measured" in net.engine.site_status("S1").detail
    alarm = poller_alarm(net)
    assert alarm is not None and "2 devices not measured" in alarm.text


def test_a_failure_behind_a_router_not_measured_is_unknown(net: Net) -> None:
    """E1's router times out while its collect router is not measured: down or cut off? Unknown."""
    eng = net.engine
    for i in range(3):
        eng.tick(net.now + i * 60, PollerHealth(late_devices={"PAR-C02"}))
        eng.observe(poll(net.inv, "E1-R1", net.now + i * 60, PollError.TIMEOUT), net.now + i * 60)
    assert eng.device_state("E1-R1") is DeviceState.UNKNOWN
    assert eng.site_state("E1") is SiteState.UNKNOWN


def test_overloaded_poller(net: Net) -> None:
    net.engine.tick(net.now, PollerHealth(cycle_completion=0.8))
    alarm = poller_alarm(net)
    assert alarm is not None and alarm.text == "poller: last cycle 80% complete"
    assert net.engine.counts()[SiteState.UP] == len(net.inv.sites)  # nothing is stale yet
    net.engine.tick(net.now + 1, PollerHealth(cycle_completion=1.0))
    assert poller_alarm(net) is None


def test_collector_down_makes_everything_unknown(net: Net) -> None:
    pop = [d for d, x in net.inv.devices.items() if x.location == "PAR"]
    net.cycles(3, dead=pop)
    assert net.engine.counts()[SiteState.UNREACHABLE] == 2
    events = net.engine.tick(net.now, PollerHealth(collector_alive=False))
    eng = net.engine
    assert {eng.device_state(n) for n in net.inv.devices} == {DeviceState.UNKNOWN}
    assert eng.counts()[SiteState.UNKNOWN] == len(net.inv.sites)
    assert not [c for c in changes(events) if c.new in ("down", "unreachable")]
    [alarm] = eng.active_alarms()  # the down and degraded alarms cleared: we no longer know
    assert (alarm.kind, alarm.severity, alarm.cause) == (AlarmKind.NOT_MEASURED, Severity.MAJOR, "collector down")
    net.cycle()
    eng.tick(net.now)  # no news from the poller: the collector is still reported down
    assert poller_alarm(net) is not None
    net.cycle()
    eng.tick(net.now, PollerHealth())
    assert eng.counts()[SiteState.UP] == len(net.inv.sites)
    assert not eng.active_alarms()
