"""net-snmp's command-line tools read the farm over SNMPv2c: system group, IF-MIB, whole-MIB
walks (GETNEXT and GETBULK agree, in strictly increasing OID order), moving counters."""

from __future__ import annotations

import time

import pytest

from tests.integration.farmkit import (
    END_OF_MIB,
    FarmHandle,
    active_interface,
    counter,
    first_device,
    netsnmp,
    netsnmp_raw,
    numeric_walk,
    parse_records,
    v2c,
    value_type,
)
from vigie.model import Device, Medium, Role
from vigie.vendors import sys_descr, sys_object_id

pytestmark = pytest.mark.integration

IFX_COLUMNS = 19
HC_IN_OCTETS = "1.3.6.1.2.1.31.1.1.1.6"
IN_OCTETS = "1.3.6.1.2.1.2.2.1.10"
TIME_DEPENDENT = ("Counter32", "Counter64", "Timeticks")
SUBTREES = {  # what a simulated router serves, in OID order
    "lldpLocPortTable": (1, 0, 8802, 1, 1, 2, 1, 3, 7), "lldpLocal": (1, 0, 8802, 1, 1, 2, 1, 3),
    "lldpRemTable": (1, 0, 8802, 1, 1, 2, 1, 4, 1), "system": (1, 3, 6, 1, 2, 1, 1),
    "ifNumber": (1, 3, 6, 1, 2, 1, 2, 1), "ifTable": (1, 3, 6, 1, 2, 1, 2, 2), "ifXTable": (1, 3, 6, 1, 2, 1, 31, 1, 1),
}


def _devices(farm: FarmHandle) -> list[Device]:
    return [first_device(farm.inventory, role) for role in (Role.CE, Role.COLLECT, Role.CORE)]


@pytest.mark.parametrize("role", [Role.CE, Role.COLLECT, Role.CORE])
def test_system_group_matches_inventory(farm: FarmHandle, role: Role) -> None:
    dev = first_device(farm.inventory, role)
    # bytes, so that sysDescr's CR LF compare as sent (DisplayString: printed as is)
    r = netsnmp_raw("snmpget", *v2c(), "-On", farm.target(dev), "SNMPv2-MIB::sysDescr.0",
                    "SNMPv2-MIB::sysName.0", "SNMPv2-MIB::sysUpTime.0", "SNMPv2-MIB::sysObjectID.0")
    assert r.returncode == 0, r.stderr
    got = dict(parse_records(r.stdout.decode("utf-8", "surrogateescape"), keep_cr=True))
    assert got[".1.3.6.1.2.1.1.1.0"] == "STRING: " + sys_descr(dev.vendor, dev.model)
    assert got[".1.3.6.1.2.1.1.5.0"] == f"STRING: {dev.name}"
    assert got[".1.3.6.1.2.1.1.2.0"] == f"OID: .{sys_object_id(dev.model, dev.vendor)}"
    assert got[".1.3.6.1.2.1.1.3.0"].startswith("Timeticks: (")


@pytest.mark.parametrize("role", [Role.CE, Role.COLLECT, Role.CORE])
def test_bulkwalk_ifxtable(farm: FarmHandle, role: Role) -> None:
    dev = first_device(farm.inventory, role)
    r = netsnmp("snmpbulkwalk", *v2c(), farm.target(dev), "IF-MIB::ifXTable")
    assert r.returncode == 0, r.stderr
    records = [(o, v) for o, v in parse_records(r.stdout) if not v.startswith(END_OF_MIB)]
    assert all(o.startswith("IF-MIB::") for o, _ in records), "MIB names did not resolve (MIBDIRS)"
    assert len(records) == IFX_COLUMNS * len(dev.interfaces)
    columns = {o.split("::")[1].split(".")[0] for o, _ in records}
    assert len(columns) == IFX_COLUMNS
    names = [(int(o.rsplit(".", 1)[1]), v) for o, v in records if o.startswith("IF-MIB::ifName.")]
    expected = sorted((i.index, f"STRING: {i.name}") for i in dev.interfaces)
    assert names == expected  # in ifIndex order


def _subtree_counts(oids: list[tuple[int, ...]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for oid in oids:
        name = next((n for n, prefix in SUBTREES.items() if oid[:len(prefix)] == prefix), "other")
        counts[name] = counts.get(name, 0) + 1
    return counts


def _expected_counts(farm: FarmHandle, dev: Device) -> dict[str, int]:
    """What a walk of ``dev`` must hold, from the inventory alone (no fault is running)."""
    n = len(dev.interfaces)
    admin_up = {i.name for i in dev.interfaces if i.admin_up}
    neighbours = 0
    for link in farm.inventory.links_of(dev.name):
        mine = link.a if link.a.device == dev.name else link.b
        if link.medium not in (Medium.CELLULAR_4G, Medium.SATELLITE) and mine.interface in admin_up:
            neighbours += 1
    return {"lldpLocal": 4, "lldpLocPortTable": 3 * n, "lldpRemTable": 9 * neighbours, "system": 7,
            "ifNumber": 1, "ifTable": 22 * n, "ifXTable": 19 * n}


def test_getnext_walk_of_whole_mib_matches_bulk_walk(farm: FarmHandle) -> None:
    for dev in _devices(farm)[:2]:  # a CE and a collect router (the core adds time, not coverage)
        nxt = netsnmp("snmpwalk", *v2c(), "-On", farm.target(dev), ".1")
        bulk = netsnmp("snmpbulkwalk", *v2c(), "-On", "-Cr50", farm.target(dev), ".1")
        assert nxt.returncode == 0 and bulk.returncode == 0, nxt.stderr + bulk.stderr
        assert nxt.stdout.rstrip().splitlines()[-1].endswith(END_OF_MIB + " (It is past the end of the MIB tree)")
        walked, bulked = numeric_walk(nxt.stdout), numeric_walk(bulk.stdout)
        oids = [o for o, _ in walked]
        assert all(a < b for a, b in zip(oids, oids[1:])), "GETNEXT walk not in strictly increasing OID order"
        assert oids == [o for o, _ in bulked]
        assert _subtree_counts(oids) == _expected_counts(farm, dev)
        for (oid, a), (_, b) in zip(walked, bulked):
            assert value_type(a) == value_type(b), oid
            if value_type(a) not in TIME_DEPENDENT:
                assert a == b, oid


def test_hc_counters_move_and_counter32_is_their_low_bits(farm: FarmHandle) -> None:
    dev = first_device(farm.inventory, Role.CE)
    idx = active_interface(farm.inventory, dev)
    hc = f"{HC_IN_OCTETS}.{idx}"

    def get(*oids: str) -> dict[str, str]:
        r = netsnmp("snmpget", *v2c(), "-On", farm.target(dev), *oids)
        assert r.returncode == 0, r.stderr
        return dict(parse_records(r.stdout))

    first = counter(get(hc)["." + hc])
    time.sleep(1.5)
    second = counter(get(hc)["." + hc])
    assert second > first
    both = get(f"{IN_OCTETS}.{idx}", hc)  # one PDU: both computed at the same instant
    c32, c64 = counter(both[f".{IN_OCTETS}.{idx}"]), counter(both["." + hc])
    assert both[f".{IN_OCTETS}.{idx}"].startswith("Counter32: ") and both["." + hc].startswith("Counter64: ")
    assert c64 >= second
    assert c32 == c64 % 2**32
