"""LLDP cross-check against the inventory: ok, missing (with why), unexpected, mismatch."""

from __future__ import annotations

import pytest

from collectors.cli.lldp import NO_LLDP, cross_check, expected_neighbours
from collectors.cli.parse import InterfaceInfo, Neighbour
from tests.unit.cli.clikit import rie
from vigie.model import Inventory


def _seen(inv: Inventory, device: str) -> list[Neighbour]:
    """What a perfect LLDP would show on ``device``."""
    out = []
    for local, fars in expected_neighbours(inv, device).items():
        for far, _ in fars:
            out.append(Neighbour(local, far.device, far.interface, "", "02:00:00:00:00:01"))
    return out


def _device_with_4g_and_lan(inv: Inventory) -> str:
    for dev in inv.devices.values():
        media = {lk.medium for lk in inv.links_of(dev.name)}
        if media & set(NO_LLDP) and len(inv.links_of(dev.name)) >= 2:
            return dev.name
    raise LookupError("no device with a 4G link and another one")


def test_perfect_lldp_is_clean_and_radio_links_are_not_expected() -> None:
    inv = rie()
    name = _device_with_4g_and_lan(inv)
    expected = expected_neighbours(inv, name)
    radio = [lk for lk in inv.links_of(name) if lk.medium in NO_LLDP]
    assert radio and all((lk.a if lk.a.device == name else lk.b).interface not in expected for lk in radio)
    report = cross_check(inv, name, _seen(inv, name), 1000.0)
    assert report.clean and len(report.ok) == sum(len(v) for v in expected.values())
    assert report.to_dict()["counts"] == {"ok": len(report.ok), "missing": 0, "unexpected": 0, "mismatch": 0}


def test_names_are_compared_as_the_field_writes_them() -> None:
    inv = rie()
    name = next(d.name for d in inv.devices.values() if d.vendor == "cisco" and len(inv.links_of(d.name)) >= 3)
    seen = []
    for n in _seen(inv, name):
        far_dev = inv.devices[n.system]
        alias = next(i.alias for i in far_dev.interfaces if i.name == n.port)
        abbreviated_local = n.local_interface.replace("GigabitEthernet", "Gi").replace("HundredGigE", "Hu")
        # an FQDN, and the far port given by its description (as Junos' "Port info" may)
        seen.append(Neighbour(abbreviated_local, n.system.lower() + ".rie.gouv.fr", alias or n.port, "", ""))
    assert cross_check(inv, name, seen, 0.0).clean


@pytest.mark.parametrize(("state", "reason"), [
    (None, ""),
    (InterfaceInfo("x", True, False, ""), "local interface down"),
    (InterfaceInfo("x", False, False, ""), "local interface administratively down"),
])
def test_a_missing_neighbour_says_why_when_the_interface_state_is_known(state: InterfaceInfo | None,
                                                                         reason: str) -> None:
    inv = rie()
    name = next(d.name for d in inv.devices.values() if len(expected_neighbours(inv, d.name)) >= 2)
    seen = _seen(inv, name)
    gone = seen.pop(0)
    states = [] if state is None else [InterfaceInfo(gone.local_interface, state.admin_up, state.oper_up, "")]
    report = cross_check(inv, name, seen, 0.0, states)
    assert [(m.local_interface, m.expected, m.reason) for m in report.missing] == [
        (gone.local_interface, f"{gone.system}:{gone.port}", reason)]
    assert not report.clean and len(report.ok) == len(seen)
    assert "1 missing" in report.summary()


def test_unexpected_and_mismatched_neighbours() -> None:
    inv = rie()
    name = next(d.name for d in inv.devices.values() if len(expected_neighbours(inv, d.name)) >= 2)
    dev = inv.devices[name]
    linked = set(expected_neighbours(inv, name))
    free = next(i.name for i in dev.interfaces if i.name not in linked)
    seen = _seen(inv, name)
    wrong = seen[0]
    seen[0] = Neighbour(wrong.local_interface, "ROGUE-SW1", "Gi0/1", "", "")
    seen.append(Neighbour(free, "LAB-R9", "ge-0/0/0", "", ""))
    report = cross_check(inv, name, seen, 0.0)
    assert [(u.local_interface, u.seen) for u in report.unexpected] == [(free, "LAB-R9:ge-0/0/0")]
    assert [(m.local_interface, m.expected, m.seen) for m in report.mismatched] == [
        (wrong.local_interface, f"{wrong.system}:{wrong.port}", "ROGUE-SW1:Gi0/1")]
    assert not report.missing


def test_an_unknown_device_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="not in inventory"):
        cross_check(rie(), "NOPE-R1", [], 0.0)
