"""Property: for random sets of failed devices on a generated RIE, the engine's states agree with a
brute-force search of the topology (sites never carry transit): a device is UP iff reached,
DOWN iff it failed while a reached neighbour it may be fed by is fine, else UNREACHABLE; a site
is UNREACHABLE iff its devices are cut off by failures upstream of it (repairing the whole site
would not bring it back), DOWN iff the failure is at the site itself, DEGRADED iff its service is
up with a device, or an access's far end, lost."""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.rie import generate_rie
from tests.unit.state.statekit import Net, reachable
from vigie.model import Inventory, Role
from vigie.state import AlarmKind, DeviceState, SiteState


@cache
def rie(seed: int) -> Inventory:
    return generate_rie(sites=80, seed=seed)


def feeds(inv: Inventory, u: str, v: str) -> bool:
    """May traffic go from ``u`` to ``v`` (no transit through sites)?"""
    su, sv = inv.devices[u].site, inv.devices[v].site
    return su is None or su == sv


def expected(inv: Inventory, dead: set[str]) -> tuple[dict[str, DeviceState], dict[str, SiteState]]:
    alive = reachable(inv, dead)
    devices = {}
    for name, dev in inv.devices.items():
        if name in alive:
            devices[name] = DeviceState.UP
        elif name in dead and (dev.role is Role.DATACENTRE or any(
                lk.other(name).device in alive and feeds(inv, lk.other(name).device, name)
                for lk in inv.links_of(name))):
            devices[name] = DeviceState.DOWN
        else:
            devices[name] = DeviceState.UNREACHABLE
    sites = {}
    for code, site in inv.sites.items():
        ces = [d for d in site.devices if inv.devices[d].role is Role.CE]
        if any(d in alive for d in ces):
            accesses_ok = all(lk.other(d).device in alive for d in site.devices for lk in inv.links_of(d)
                              if inv.devices[lk.other(d).device].site is None)
            ok = accesses_ok and all(d in alive for d in site.devices)
            sites[code] = SiteState.UP if ok else SiteState.DEGRADED
        else:
            repaired = reachable(inv, dead - set(site.devices))
            sites[code] = SiteState.DOWN if any(d in repaired for d in ces) else SiteState.UNREACHABLE
    return devices, sites


@settings(max_examples=30, deadline=None, derandomize=True)
@given(seed=st.sampled_from([1, 2, 3]), data=st.data())
def test_states_agree_with_brute_force(seed: int, data: st.DataObject) -> None:
    inv = rie(seed)
    infra = sorted(d for d, dev in inv.devices.items() if dev.site is None)
    site_devices = sorted(d for d, dev in inv.devices.items() if dev.site is not None)
    dead = set(data.draw(st.lists(st.sampled_from(infra), max_size=6)))
    dead |= set(data.draw(st.lists(st.sampled_from(site_devices), max_size=12)))
    net = Net(inv)
    net.cycle()
    net.cycles(3, dead=dead)
    eng = net.engine
    want_devices, want_sites = expected(inv, dead)
    got_devices = {name: eng.device_state(name) for name in inv.devices}
    assert {n: (got_devices[n], s) for n, s in want_devices.items() if got_devices[n] is not s} == {}
    got_sites = {code: eng.site_state(code) for code in inv.sites}
    assert {c: (got_sites[c], s) for c, s in want_sites.items() if got_sites[c] is not s} == {}
    # causes: an unreachable site names an infrastructure device that is down, and that device's
    # alarm counts it; a down site names one of its own devices or accesses
    alarms = {a.element: a for a in eng.active_alarms() if a.kind is AlarmKind.DEVICE_DOWN}
    for code, state in got_sites.items():
        status = eng.site_status(code)
        if state is SiteState.UNREACHABLE:
            assert status.cause in dead and inv.devices[status.cause].site is None
            assert got_devices[status.cause] is DeviceState.DOWN
            assert status.cause in alarms
        elif state is SiteState.DOWN:
            assert status.cause is not None and code in status.cause
    assert sum(a.sites for a in alarms.values()) == eng.counts()[SiteState.UNREACHABLE]
    # and back to normal
    net.cycles(2)
    assert eng.counts()[SiteState.UP] == len(inv.sites)
    assert not eng.active_alarms()
