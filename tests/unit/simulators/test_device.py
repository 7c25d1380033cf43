"""A simulated router's MIB over time: counters, reboots, links down, LLDP, wraps."""

from __future__ import annotations

import pytest

from simulators.device import IF_ENTRY, IFX_ENTRY, LLDP_REM_ENTRY, SYSTEM, SimDevice
from simulators.faults import parse_scenario
from simulators.rie import generate_rie
from simulators.scenario import FaultTimeline
from vigie.model import Inventory, Layer
from vigie.snmp.types import OID

START = 1_780_000_000.0


@pytest.fixture(scope="module")
def inv() -> Inventory:
    return generate_rie(sites=30, seed=5, port=16100)


def access_link(inv: Inventory):  # type: ignore[no-untyped-def]
    return next(link for link in inv.links.values() if link.layer is Layer.ACCESS)


def sim(inv: Inventory, name: str, scenario: str = "") -> SimDevice:
    tl = FaultTimeline(parse_scenario(scenario, inv) if scenario else None, inv)
    return SimDevice(inv, inv.devices[name], START, tl.boot_offsets(name), tl.oper_down_intervals(name),
                     tl.counter_wraps(name))


def col(dev: SimDevice, entry: OID, column: int, if_index: int, t: float) -> object:
    return dev.view.get(entry + (column, if_index), t)


def walk(dev: SimDevice, prefix: OID, t: float) -> list[OID]:
    out, oid = [], prefix
    for _ in range(10_000):
        found = dev.view.next(oid, t)
        if found is None or found[0][: len(prefix)] != prefix:
            return out
        oid = found[0]
        out.append(oid)
    raise AssertionError("unbounded walk")


def test_system_group(inv: Inventory) -> None:
    name = next(iter(inv.devices))
    dev = sim(inv, name)
    assert dev.view.get(SYSTEM + (5, 0), START) == name.encode()
    up0 = dev.view.get(SYSTEM + (3, 0), START)
    up1 = dev.view.get(SYSTEM + (3, 0), START + 10)
    assert isinstance(up0, int) and isinstance(up1, int) and (up1 - up0) % (1 << 32) == 1000


def test_counters_monotonic_and_counter32_is_low_bits(inv: Inventory) -> None:
    link = access_link(inv)
    dev = sim(inv, link.a.device)
    idx = inv.devices[link.a.device].interface(link.a.interface).index
    hc = [int(col(dev, IFX_ENTRY, 6, idx, START + s)) for s in range(0, 600, 30)]  # type: ignore[call-overload]
    assert all(b > a for a, b in zip(hc, hc[1:]))
    c32 = col(dev, IF_ENTRY, 10, idx, START + 42)
    assert c32 == int(col(dev, IFX_ENTRY, 6, idx, START + 42)) % (1 << 32)  # type: ignore[call-overload]
    assert col(dev, IF_ENTRY, 8, idx, START) == 1


def test_link_down_stops_counters_and_removes_lldp_neighbour(inv: Inventory) -> None:
    link = access_link(inv)
    scen = f'[[fault]]\nat = "100s"\nduration = "60s"\nkind = "link_down"\nlink = "{link.id}"\n'
    for end in (link.a, link.b):
        dev = sim(inv, end.device, scen)
        idx = inv.devices[end.device].interface(end.interface).index
        assert col(dev, IF_ENTRY, 8, idx, START + 50) == 1
        assert col(dev, IF_ENTRY, 8, idx, START + 120) == 2
        assert col(dev, IF_ENTRY, 8, idx, START + 170) == 1
        v1 = col(dev, IFX_ENTRY, 6, idx, START + 110)
        v2 = col(dev, IFX_ENTRY, 6, idx, START + 150)
        assert v1 == v2
        lldp_before = walk(dev, LLDP_REM_ENTRY + (9,), START + 50)
        lldp_during = walk(dev, LLDP_REM_ENTRY + (9,), START + 120)
        assert LLDP_REM_ENTRY + (9, 0, idx, 1) in lldp_before
        assert LLDP_REM_ENTRY + (9, 0, idx, 1) not in lldp_during
        # ifLastChange records the transition, in ticks since boot
        lc = col(dev, IF_ENTRY, 9, idx, START + 120)
        up = dev.view.get(SYSTEM + (3, 0), START + 100)
        assert lc == up


def test_reboot_resets_uptime_and_counters(inv: Inventory) -> None:
    link = access_link(inv)
    name = link.a.device
    scen = f'[[fault]]\nat = "100s"\nkind = "reboot"\ndevice = "{name}"\ndowntime = "30s"\n'
    dev = sim(inv, name, scen)
    idx = inv.devices[name].interface(link.a.interface).index
    before = col(dev, IFX_ENTRY, 6, idx, START + 99)
    after = col(dev, IFX_ENTRY, 6, idx, START + 131)
    assert dev.view.get(SYSTEM + (3, 0), START + 131) == 100  # one second after boot
    assert int(after) < int(before)  # type: ignore[call-overload]
    assert int(col(dev, IFX_ENTRY, 6, idx, START + 200)) > int(after)  # type: ignore[call-overload]


def test_counter_wrap_happens_when_scripted(inv: Inventory) -> None:
    link = access_link(inv)
    name = link.a.device
    scen = (f'[[fault]]\nat = "300s"\nkind = "counter_wrap"\ninterface = "{name}:{link.a.interface}"\n'
            'counter = 32\n')
    dev = sim(inv, name, scen)
    idx = inv.devices[name].interface(link.a.interface).index
    before = col(dev, IF_ENTRY, 10, idx, START + 299)
    after = col(dev, IF_ENTRY, 10, idx, START + 301)
    assert int(after) < int(before)  # type: ignore[call-overload]
    assert int(before) > (1 << 32) - 10**9  # type: ignore[call-overload]
    hc_before = int(col(dev, IFX_ENTRY, 6, idx, START + 299))  # type: ignore[call-overload]
    hc_after = int(col(dev, IFX_ENTRY, 6, idx, START + 301))  # type: ignore[call-overload]
    assert hc_after > hc_before  # the 64-bit counter does not wrap


def test_every_interface_listed_in_ifindex_order(inv: Inventory) -> None:
    name = next(d.name for d in inv.devices.values() if d.role.value == "collect")
    dev = sim(inv, name)
    names = [dev.view.get(o, START) for o in walk(dev, IFX_ENTRY + (1,), START)]
    expected = [i.name.encode() for i in sorted(inv.devices[name].interfaces, key=lambda i: i.index)]
    assert names == expected
