"""A fault scenario end to end (docs/scenarios.md): a CE goes down, a site access link goes
down; net-snmp sees it happen (timeouts, ifOperStatus, LLDP neighbours) and come back, and
the ground truth says the same, at the scenario's times.

Timeline (seconds since the farm's start): link ACC-<CE2> down [1, 6), CE1 down [2, 6).
CE2 is a premium site's router: its second router keeps it reachable, so it still answers
while its own access link is down.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.integration.farmkit import (
    FarmHandle,
    free_udp_port,
    netsnmp,
    parse_records,
    start_farm,
    stop_farm,
    v2c,
)
from vigie.model import Device, Inventory, Layer, Link, Role

pytestmark = pytest.mark.integration

IF_OPER_STATUS = "1.3.6.1.2.1.2.2.1.8"
LLDP_REM_SYS_NAME = "1.0.8802.1.1.2.1.4.1.1.9"
LINK_AT, DEVICE_AT, BOTH_UP_AT = 1.0, 2.0, 6.0
TOLERANCE_S = 0.5


def _pick(inv: Inventory) -> tuple[Device, Link, Device]:
    """CE1: the only router of an economy site; the access link of a premium site's first CE
    (CE2), whose second CE keeps the site reachable."""
    ce1 = next(inv.devices[s.devices[0]] for s in inv.sites.values() if len(s.devices) == 1
               and inv.devices[s.devices[0]].role is Role.CE)
    for site in inv.sites.values():
        ces = [inv.devices[d] for d in site.devices if inv.devices[d].role is Role.CE]
        if len(ces) == 2:
            link = next(lk for lk in inv.links_of(ces[0].name) if lk.layer is Layer.ACCESS)
            return ce1, link, ces[0]
    raise AssertionError("no premium (two-CE) site in the inventory")


def _far_end(inv: Inventory, link: Link, device: str) -> tuple[Device, int, str]:
    end = link.other(device)
    dev = inv.devices[end.device]
    return dev, dev.interface(end.interface).index, end.interface


@pytest.fixture
def scenario_farm(farm: FarmHandle, tmp_path: Path) -> Iterator[tuple[FarmHandle, Device, Link, Device]]:
    ce1, link, ce2 = _pick(farm.inventory)
    scenario = tmp_path / "ce-and-access.toml"
    scenario.write_text(f'''
name = "CE down, access link down"

[[fault]]
at = "{LINK_AT:g}s"
kind = "link_down"
link = "{link.id}"
duration = "{BOTH_UP_AT - LINK_AT:g}s"

[[fault]]
at = "{DEVICE_AT:g}s"
kind = "device_down"
device = "{ce1.name}"
duration = "{BOTH_UP_AT - DEVICE_AT:g}s"
note = "power cut"
''')
    port = free_udp_port()
    handle = start_farm(farm.inventory, farm.inventory_path, tmp_path, port,
                        ["--port", str(port), "--scenario", str(scenario)], name="scenario-farm")
    yield handle, ce1, link, ce2
    code = stop_farm(handle)
    assert code == 0, f"scenario farm exited with {code}; stderr:\n{handle.stderr()}"


def _records(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def _start_time(handle: FarmHandle) -> float:
    """The farm's t = 0 (wall clock), from the ground truth's first record (bounded wait)."""
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        if handle.ground_truth.exists():
            recs = _records(handle.ground_truth)
            if recs:
                assert recs[0]["kind"] == "simulation" and recs[0]["t"] == 0.0
                return datetime.fromisoformat(recs[0]["ts"].replace("Z", "+00:00")).timestamp()
        time.sleep(0.05)
    raise AssertionError("no ground-truth start record within 5 s")


def _wait_until(t0: float, t: float) -> None:
    delay = t0 + t - time.time()
    assert delay < 10, "scenario clock is off"
    if delay > 0:
        time.sleep(delay)


def _answers(handle: FarmHandle, dev: Device) -> bool:
    r = netsnmp("snmpget", *v2c(), handle.target(dev), "SNMPv2-MIB::sysName.0", timeout_s=1, retries=0)
    return r.returncode == 0 and r.stdout.strip() == f"SNMPv2-MIB::sysName.0 = STRING: {dev.name}"


def _oper_status(handle: FarmHandle, dev: Device, if_index: int) -> str:
    r = netsnmp("snmpget", *v2c(), "-On", handle.target(dev), f"{IF_OPER_STATUS}.{if_index}")
    assert r.returncode == 0, r.stderr
    return dict(parse_records(r.stdout))[f".{IF_OPER_STATUS}.{if_index}"]


def _lldp_neighbours(handle: FarmHandle, dev: Device) -> set[str]:
    r = netsnmp("snmpwalk", *v2c(), "-On", handle.target(dev), LLDP_REM_SYS_NAME)
    assert r.returncode == 0, r.stderr
    return {v.removeprefix("STRING: ").strip('"') for _, v in parse_records(r.stdout)}


def test_device_down_and_link_down(scenario_farm: tuple[FarmHandle, Device, Link, Device]) -> None:
    handle, ce1, link, ce2 = scenario_farm
    inv = handle.inventory
    collect, coll_if, coll_ifname = _far_end(inv, link, ce2.name)
    ce1_link = next(lk for lk in inv.links_of(ce1.name) if lk.layer is Layer.ACCESS)
    ce1_far, ce1_far_if, ce1_far_ifname = _far_end(inv, ce1_link, ce1.name)
    t0 = _start_time(handle)
    assert time.time() - t0 < LINK_AT - 0.2, "farm took too long to start for this timeline"

    # before: everything up, CE2 sees its collect router over LLDP
    assert _oper_status(handle, collect, coll_if) == "INTEGER: up(1)"
    assert collect.name in _lldp_neighbours(handle, ce2)

    _wait_until(t0, DEVICE_AT + 1.0)  # both faults active
    assert not _answers(handle, ce1), f"{ce1.name} answers while down"
    assert _answers(handle, ce2), f"{ce2.name} must stay reachable through its second router"
    assert _oper_status(handle, collect, coll_if) == "INTEGER: down(2)"
    assert _oper_status(handle, ce1_far, ce1_far_if) == "INTEGER: down(2)"  # far end of the down CE
    neighbours = _lldp_neighbours(handle, ce2)
    assert collect.name not in neighbours and neighbours, neighbours  # the other CE is still there
    written = _records(handle.ground_truth)  # records are written when their time has come
    assert any(r["element"] == ce1.name and r["change"] == "down" for r in written)
    assert not any(r["change"] == "up" for r in written)
    assert time.time() - t0 < BOTH_UP_AT - 0.1, "checks ran past the end of the faults"

    _wait_until(t0, BOTH_UP_AT + 0.3)
    assert _answers(handle, ce1)
    assert _oper_status(handle, collect, coll_if) == "INTEGER: up(1)"
    assert _oper_status(handle, ce1_far, ce1_far_if) == "INTEGER: up(1)"
    assert collect.name in _lldp_neighbours(handle, ce2)

    code = stop_farm(handle)
    assert code == 0, handle.stderr()
    truth = {(r["element"], r["kind"], r["change"]): r for r in _records(handle.ground_truth)}
    expected = {
        (ce1.name, "device", "down"): DEVICE_AT, (ce1.name, "device", "up"): BOTH_UP_AT,
        (link.id, "link", "down"): LINK_AT, (link.id, "link", "up"): BOTH_UP_AT,
        (f"{collect.name}:{coll_ifname}", "interface", "down"): LINK_AT,
        (f"{collect.name}:{coll_ifname}", "interface", "up"): BOTH_UP_AT,
        (f"{ce1_far.name}:{ce1_far_ifname}", "interface", "down"): DEVICE_AT,
        (f"{ce1_far.name}:{ce1_far_ifname}", "interface", "up"): BOTH_UP_AT,
    }
    for key, t in expected.items():
        assert key in truth, f"ground truth lacks {key}"
        assert abs(truth[key]["t"] - t) <= TOLERANCE_S, (key, truth[key])
        ts = datetime.fromisoformat(truth[key]["ts"].replace("Z", "+00:00")).timestamp()
        assert abs(ts - (t0 + t)) <= TOLERANCE_S, (key, truth[key])
    assert truth[(ce1.name, "device", "down")]["detail"]["note"] == "power cut"
    assert truth[(f"{collect.name}:{coll_ifname}", "interface", "down")]["cause"] == link.id
    assert not [r for r in truth.values() if r["change"] == "unreachable"], "nothing was cut off"
