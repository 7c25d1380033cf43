"""Reachability from the topology on generated RIEs: POP loss, collect router loss, site failures,
redundancy, and the races of polling (a device declared failed before its upstream is)."""

from __future__ import annotations

from functools import cache

import pytest

from collectors.scheduler import offset_fraction
from simulators.rie import generate_rie
from tests.unit.state.statekit import Net, changes, poll, reachable
from vigie.model import Inventory, Role
from vigie.observations import PollError
from vigie.state import AlarmKind, AlarmRaised, DeviceState, LinkState, Severity, SiteState


@cache
def rie() -> Inventory:
    return generate_rie(sites=240, seed=3)


@pytest.fixture
def net() -> Net:
    n = Net(rie())
    n.cycle()
    return n


def pop_devices(inv: Inventory, pop: str) -> list[str]:
    return sorted(d.name for d in inv.devices.values() if d.location == pop)


def sites_of(inv: Inventory, cls: str) -> list[str]:
    return sorted(code for code, s in inv.sites.items() if s.access_class == cls)


def test_pop_loss(net: Net) -> None:
    inv = net.inv
    dead = pop_devices(inv, "LYO")
    cores, collects = ["LYO-CA", "LYO-CB"], [d for d in dead if inv.devices[d].role is Role.COLLECT]
    events = net.cycles(4, dead=dead)
    eng = net.engine
    for core in cores:
        assert eng.device_state(core) is DeviceState.DOWN
    for collect in collects:
        status = eng.device_status(collect)
        assert (status.state, status.cause) == (DeviceState.UNREACHABLE, "LYO-CA"), collect
    alive = reachable(inv, dead)
    cut_sites = sorted(code for code, s in inv.sites.items() if not any(d in alive for d in s.devices))
    assert cut_sites
    for code in cut_sites:
        status = eng.site_status(code)
        assert (status.state, status.cause, status.root) == (SiteState.UNREACHABLE, "LYO-CA", "LYO-CA")
    for code in cut_sites:  # each device says what it is behind: its collect router
        ce = inv.sites[code].devices[0]
        assert eng.device_status(ce).cause in collects
    assert eng.counts()[SiteState.UNREACHABLE] == len(cut_sites)
    assert eng.counts()[SiteState.DOWN] == 0
    # premium sites homed elsewhere with R2 on LYO, or homed on LYO with R2 elsewhere, lost redundancy
    degraded = [c for c in sites_of(inv, "premium") if inv.sites[c].pop in ("LYO", "DIJ", "MRS")
                and c not in cut_sites]
    assert degraded and all(eng.site_state(c) is SiteState.DEGRADED for c in degraded)
    # the NOC sees one alarm for the sites, on the root cause, with the count; none per site
    device_alarms = {a.element: a for a in eng.active_alarms() if a.kind is AlarmKind.DEVICE_DOWN}
    assert set(device_alarms) == set(cores)
    main = device_alarms["LYO-CA"]
    assert main.severity is Severity.CRITICAL
    assert main.sites == len(cut_sites) and main.devices == len(collects)
    assert main.text == (f"core router LYO-CA down (with LYO-CB): {len(collects)} routers and "
                         f"{len(cut_sites)} sites unreachable")
    assert device_alarms["LYO-CB"].sites == 0
    assert not [a for a in eng.active_alarms() if a.kind is AlarmKind.SITE_DOWN]
    assert {a.element for a in eng.active_alarms() if a.kind is AlarmKind.DEGRADED} == set(degraded)
    # sites went unreachable at once, when the second core was declared failed: no flapping on the way
    for code in cut_sites:
        assert [(c.old, c.new) for c in changes(events, "site", code)] == [(SiteState.UP, SiteState.UNREACHABLE)]
    raised = [e.alarm for e in events if isinstance(e, AlarmRaised)]
    assert not [a for a in raised if a.kind is AlarmKind.SITE_DOWN or a.element in collects]
    # back: everything up, every alarm cleared, no site seen down on the way
    back = net.cycles(2)
    assert eng.counts()[SiteState.UP] == len(inv.sites)
    assert not eng.active_alarms()
    assert not [c for c in changes(back, "site") if c.new in (SiteState.DOWN, SiteState.DEGRADED)]
    assert not [e for e in back if isinstance(e, AlarmRaised)]


@pytest.mark.parametrize("pop", ["PAR", "MRS"])
def test_pop_loss_and_back_in_the_schedulers_order(pop: str) -> None:
    """Polled as the scheduler does (each device at its own slot), a POP coming back brings up
    devices behind it before the POP's own routers are polled again: no site is seen down or
    degraded on the way back (they are unknown until measured), and no alarm is raised."""
    inv = rie()
    net = Net(inv, order=sorted(inv.devices, key=offset_fraction))
    net.cycle()
    dead = pop_devices(inv, pop)
    events = net.cycles(4, dead=dead)
    cut_sites = {c for c, s in inv.sites.items() if not any(d in reachable(inv, dead) for d in s.devices)}
    assert {c for c in inv.sites if net.engine.site_state(c) is SiteState.UNREACHABLE} == cut_sites
    assert not [c for c in changes(events, "site") if c.new is SiteState.DOWN]
    assert {a.kind for a in net.engine.active_alarms()} <= {AlarmKind.DEVICE_DOWN, AlarmKind.DEGRADED}
    back = net.cycles(2)
    assert not [e.alarm for e in back if isinstance(e, AlarmRaised)]
    assert {c.new for c in changes(back, "site")} <= {SiteState.UNKNOWN, SiteState.UP}
    assert net.engine.counts()[SiteState.UP] == len(inv.sites) and not net.engine.active_alarms()


def test_collect_router_down(net: Net) -> None:
    inv = net.inv
    collect = "PAR-C02"
    behind = sorted(code for code, s in inv.sites.items() if not any(d in reachable(inv, [collect])
                                                                       for d in s.devices))
    net.cycles(3, dead=[collect])
    eng = net.engine
    assert eng.device_state(collect) is DeviceState.DOWN
    for code in behind:
        assert (eng.site_state(code), eng.site_status(code).cause) == (SiteState.UNREACHABLE, collect)
    [alarm] = [a for a in eng.active_alarms() if a.kind is AlarmKind.DEVICE_DOWN]
    assert alarm.text == f"collect router {collect} down: {len(behind)} sites unreachable"
    # standard sites whose 4G backup lands on it, and premium sites with an access on it: degraded
    for code, site in inv.sites.items():
        if code not in behind and any(lk.other(d).device == collect for d in site.devices
                                      for lk in inv.links_of(d)):
            assert eng.site_state(code) is SiteState.DEGRADED, code


def test_ce_down_with_upstream_fine_is_site_down(net: Net) -> None:
    code = sites_of(net.inv, "economy")[0]
    ce = f"{code}-R1"
    net.cycles(3, dead=[ce])
    eng = net.engine
    assert eng.device_state(ce) is DeviceState.DOWN
    status = eng.site_status(code)
    assert (status.state, status.cause) == (SiteState.DOWN, ce)
    [alarm] = eng.active_alarms()
    assert (alarm.kind, alarm.severity, alarm.element) == (AlarmKind.SITE_DOWN, Severity.MAJOR, code)
    assert alarm.text == f"site {code} down: {ce} down (timeout)"
    net.cycle()
    assert eng.site_state(code) is SiteState.UP and not eng.active_alarms()


def test_premium_site_on_one_access_is_degraded_then_up(net: Net) -> None:
    code = sites_of(net.inv, "premium")[0]
    link = f"ACC-{code}-R2"
    events = net.cycle(cut=[link])  # both ends answer and say so: at once, no hysteresis needed
    eng = net.engine
    status = eng.site_status(code)
    assert (status.state, status.cause) == (SiteState.DEGRADED, link)
    assert eng.device_state(f"{code}-R2") is DeviceState.UP  # reached through R1 over the site LAN
    assert eng.link_state(link) is LinkState.DOWN
    [alarm] = [e.alarm for e in events if isinstance(e, AlarmRaised)]
    assert (alarm.kind, alarm.severity) == (AlarmKind.DEGRADED, Severity.MINOR)
    assert alarm.text == f"site {code} lost its redundancy: access {link} down"
    assert net.cycle(cut=[link]) == []
    net.cycle()
    assert eng.site_state(code) is SiteState.UP and not eng.active_alarms()


def test_premium_site_with_one_router_down_is_degraded(net: Net) -> None:
    code = sites_of(net.inv, "premium")[1]
    net.cycles(3, dead=[f"{code}-R1"])
    status = net.engine.site_status(code)
    assert (status.state, status.cause) == (SiteState.DEGRADED, f"{code}-R1")


def test_standard_site_on_its_4g_backup_is_degraded(net: Net) -> None:
    code = sites_of(net.inv, "standard")[0]
    link = f"ACC-{code}-R1"
    net.cycle(cut=[link])
    eng = net.engine
    assert eng.device_state(f"{code}-R1") is DeviceState.UP  # through B1 and the 4G link
    status = eng.site_status(code)
    assert (status.state, status.cause) == (SiteState.DEGRADED, link)
    assert status.detail == f"access {link} down, running on its 4G backup"
    net.cycle()
    assert eng.site_state(code) is SiteState.UP


def test_standard_site_without_its_4g_backup_is_degraded(net: Net) -> None:
    code = sites_of(net.inv, "standard")[1]
    net.cycles(3, dead=[f"{code}-B1"])
    assert net.engine.site_status(code).state is SiteState.DEGRADED
    assert net.engine.site_status(code).cause == f"{code}-B1"


def test_standard_site_with_both_paths_down(net: Net) -> None:
    code = sites_of(net.inv, "standard")[2]
    net.cycles(3, cut=[f"ACC-{code}-R1", f"4G-{code}-B1"])
    eng = net.engine
    assert eng.site_state(code) is SiteState.DOWN
    assert eng.device_state(f"{code}-R1") is DeviceState.DOWN  # its own access is down: at the edge


def test_failure_declared_before_its_upstream_waits_for_it(net: Net) -> None:
    """Polls are spread over the interval: a site router may reach N failures before its collect
    router does. It must not be declared DOWN (a site-down alarm) only to become UNREACHABLE."""
    inv = net.inv
    collect = "NTE-C01"
    dead = [collect]
    cut_off = sorted(d for d in inv.devices if d not in reachable(inv, dead) and d != collect)
    eng = net.engine
    events = []
    for i in range(3):  # the site routers first, then the collect router, cycle after cycle
        for name in cut_off + [collect]:
            events += eng.observe(poll(inv, name, net.now + i * 60, PollError.TIMEOUT), net.now + i * 60)
            if i == 2 and name != collect:
                assert eng.device_state(name) is DeviceState.UP, name  # held: its upstream is suspect
    assert not [c for c in changes(events, "device") if c.new == DeviceState.DOWN and c.element != collect]
    assert not [c for c in changes(events, "site") if c.new == SiteState.DOWN]
    assert not [e for e in events if isinstance(e, AlarmRaised) and e.alarm.kind is AlarmKind.SITE_DOWN]
    assert cut_off
    for name in cut_off:
        assert eng.device_state(name) is DeviceState.UNREACHABLE


def test_infrastructure_link_down_between_two_routers_that_answer(net: Net) -> None:
    link = "BB-A-PAR-ROU"
    net.cycle(cut=[link])
    [alarm] = net.engine.active_alarms()
    assert (alarm.kind, alarm.element, alarm.severity) == (AlarmKind.LINK_DOWN, link, Severity.MAJOR)
    assert net.engine.counts()[SiteState.UP] == len(net.inv.sites)  # the backbone has other paths
    net.cycle()
    assert not net.engine.active_alarms()
