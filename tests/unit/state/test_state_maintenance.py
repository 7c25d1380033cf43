"""Maintenance windows: elements under a window show MAINTENANCE (and raise nothing) while their
real state is still tracked; when the window ends, the real state shows again."""

from __future__ import annotations

import pytest

from tests.unit.state.statekit import Net, changes, small_inventory
from vigie.state import AlarmKind, AlarmRaised, DeviceState, LinkState, MaintenanceWindow, SettingsInvalid, SiteState


@pytest.fixture
def net() -> Net:
    n = Net(small_inventory())
    n.cycle()
    return n


def test_site_window_then_back_to_the_real_state(net: Net) -> None:
    start, end = net.now, net.now + 600
    net.engine.set_maintenance([MaintenanceWindow("E2", start, end, "CE replacement")])
    events = net.cycles(4, dead=["E2-R1"])  # the router is swapped: it does not answer
    eng = net.engine
    assert eng.site_state("E2") is SiteState.MAINTENANCE
    assert eng.site_status("E2").detail == "maintenance: CE replacement"
    assert eng.device_state("E2-R1") is DeviceState.MAINTENANCE
    assert eng.underlying_site_state("E2") is SiteState.DOWN  # tracked underneath
    assert not eng.active_alarms() and not [e for e in events if isinstance(e, AlarmRaised)]
    assert [c.new for c in changes(events, "site", "E2")] == [SiteState.MAINTENANCE]
    assert eng.counts()[SiteState.MAINTENANCE] == 1
    net.now = end
    events = net.cycle(dead=["E2-R1"])  # the window is over and the router is still silent
    assert eng.site_state("E2") is SiteState.DOWN
    assert [a.kind for a in eng.active_alarms()] == [AlarmKind.SITE_DOWN]
    net.cycle()
    assert eng.site_state("E2") is SiteState.UP


def test_window_with_nothing_wrong(net: Net) -> None:
    net.engine.set_maintenance([MaintenanceWindow("PAR-C02", net.now, net.now + 120, "software upgrade")])
    net.cycle()
    eng = net.engine
    assert eng.device_state("PAR-C02") is DeviceState.MAINTENANCE
    assert eng.site_state("E1") is SiteState.UP  # the router works: its sites are up
    net.cycles(2)
    assert eng.device_state("PAR-C02") is DeviceState.UP


def test_pop_window_covers_what_is_behind_it(net: Net) -> None:
    pop = [d for d, x in net.inv.devices.items() if x.location == "PAR"]
    net.engine.set_maintenance([MaintenanceWindow("PAR", net.now, net.now + 1200, "POP power works")])
    events = net.cycles(4, dead=pop)
    eng = net.engine
    for name in pop:
        assert eng.device_state(name) is DeviceState.MAINTENANCE
    for name in ("S1-R1", "S1-B1", "E1-R1"):  # cut off by the maintained POP
        assert eng.device_state(name) is DeviceState.MAINTENANCE, name
    assert eng.site_state("S1") is SiteState.MAINTENANCE and eng.site_state("E1") is SiteState.MAINTENANCE
    assert eng.underlying_site_state("E1") is SiteState.UNREACHABLE
    assert eng.site_state("P1") is SiteState.MAINTENANCE  # degraded by the maintenance only
    assert eng.site_state("E2") is SiteState.UP
    assert not eng.active_alarms() and not [e for e in events if isinstance(e, AlarmRaised)]
    net.now += 1200
    net.cycle(dead=pop)
    assert eng.site_state("E1") is SiteState.UNREACHABLE
    assert {a.element for a in eng.active_alarms() if a.kind is AlarmKind.DEVICE_DOWN} == {"PAR-CA", "PAR-CB"}


def test_link_window(net: Net) -> None:
    net.engine.set_maintenance([MaintenanceWindow("ACC-P1-R2", net.now, net.now + 300)])
    net.cycle(cut=["ACC-P1-R2"])
    eng = net.engine
    assert eng.link_state("ACC-P1-R2") is LinkState.MAINTENANCE
    assert eng.site_state("P1") is SiteState.MAINTENANCE
    assert not eng.active_alarms()


def test_windows_open_at_tick_time(net: Net) -> None:
    net.engine.set_maintenance([MaintenanceWindow("E2-R1", net.now + 30, net.now + 90)])
    assert net.engine.tick(net.now + 10) == []
    [change] = changes(net.engine.tick(net.now + 30), "device")
    assert (change.element, change.new, change.cause) == ("E2-R1", DeviceState.MAINTENANCE, "E2-R1")
    [change] = changes(net.engine.tick(net.now + 90), "device")
    assert (change.old, change.new) == (DeviceState.MAINTENANCE, DeviceState.UP)


def test_bad_windows_are_refused_with_every_problem(net: Net) -> None:
    with pytest.raises(SettingsInvalid) as info:
        net.engine.set_maintenance([MaintenanceWindow("NOPE", 0, 10), MaintenanceWindow("E2", 10, 5)])
    assert len(info.value.problems) == 2
    assert "'NOPE' is not a device, site, link, POP or datacentre" in str(info.value)
