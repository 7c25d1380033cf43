"""LLDP neighbours cross-checked with the inventory: the links that are, are missing, or should not be.

Pure: takes the inventory, one device's neighbours (and, when known, its interface
states) and a time; returns a :class:`LldpReport`. A link is expected to show in LLDP
when both its ends are Ethernet-like: 4G and satellite links carry no LLDP (the SNMP
farm's rule, and the field's). A neighbour matches an expected far end when its system
name is the far device (case and domain ignored) and its port is the far interface
(abbreviations expanded) or that interface's description.

Findings:

* ``ok``: the expected neighbour is there;
* ``missing``: an inventory link shows no neighbour (``reason`` says when the local
  interface is down or disabled: the link is cut, or was never patched);
* ``unexpected``: a neighbour on an interface where the inventory has no link;
* ``mismatch``: a neighbour where the inventory expects another one (wrong cabling or a
  stale inventory).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from collectors.cli.parse import InterfaceInfo, Neighbour
from collectors.cli.platforms import expand_any
from vigie.model import Endpoint, Inventory, Medium

NO_LLDP = (Medium.CELLULAR_4G, Medium.SATELLITE)


@dataclass(frozen=True, slots=True)
class LinkFinding:
    status: str  # ok | missing | unexpected | mismatch
    local_interface: str
    expected: str = ""  # "DEVICE:INTERFACE" from the inventory
    seen: str = ""  # "SYSTEM:PORT" as LLDP reports it
    link: str = ""  # inventory link id
    reason: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"status": self.status, "local_interface": self.local_interface, "expected": self.expected,
                "seen": self.seen, "link": self.link, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class LldpReport:
    device: str
    checked_at: float
    findings: tuple[LinkFinding, ...]

    def _with(self, status: str) -> list[LinkFinding]:
        return [f for f in self.findings if f.status == status]

    @property
    def ok(self) -> list[LinkFinding]:
        return self._with("ok")

    @property
    def missing(self) -> list[LinkFinding]:
        return self._with("missing")

    @property
    def unexpected(self) -> list[LinkFinding]:
        return self._with("unexpected")

    @property
    def mismatched(self) -> list[LinkFinding]:
        return self._with("mismatch")

    @property
    def clean(self) -> bool:
        return all(f.status == "ok" for f in self.findings)

    def summary(self) -> str:
        return (f"{self.device}: {len(self.ok)} ok, {len(self.missing)} missing, {len(self.unexpected)} unexpected, "
                f"{len(self.mismatched)} mismatched")

    def to_dict(self) -> dict[str, Any]:
        return {"device": self.device, "checked_at": self.checked_at,
                "counts": {s: len(self._with(s)) for s in ("ok", "missing", "unexpected", "mismatch")},
                "findings": [f.to_dict() for f in self.findings]}


def _system(name: str) -> str:
    return name.strip().split(".")[0].casefold()


def _port(name: str) -> str:
    return expand_any(name.strip()).casefold()


def expected_neighbours(inventory: Inventory, device: str) -> dict[str, list[tuple[Endpoint, str]]]:
    """Local interface → [(far end, link id)] of the links LLDP should show on ``device``."""
    out: dict[str, list[tuple[Endpoint, str]]] = {}
    for link in inventory.links_of(device):
        if link.medium in NO_LLDP:
            continue
        local = link.a if link.a.device == device else link.b
        out.setdefault(local.interface, []).append((link.other(device), link.id))
    return out


def _matches(inventory: Inventory, far: Endpoint, n: Neighbour) -> bool:
    if _system(n.system) != _system(far.device):
        return False
    want = {_port(far.interface)}
    far_dev = inventory.devices.get(far.device)
    if far_dev is not None:
        alias = next((i.alias for i in far_dev.interfaces if i.name == far.interface), "")
        if alias:
            want.add(alias.strip().casefold())
    return bool({_port(n.port), n.port_description.strip().casefold(), n.port.strip().casefold()} & want)


def cross_check(inventory: Inventory, device: str, neighbours: Sequence[Neighbour], when: float,
                interfaces: Iterable[InterfaceInfo] = ()) -> LldpReport:
    """Compare what ``device`` sees over LLDP with what the inventory says it is linked to."""
    inventory.device(device)  # a clear KeyError for an unknown device
    expected = expected_neighbours(inventory, device)
    seen: dict[str, list[Neighbour]] = {}
    for n in neighbours:
        seen.setdefault(expand_any(n.local_interface), []).append(n)
    states = {i.name: i for i in interfaces}
    findings: list[LinkFinding] = []
    for local in sorted(set(expected) | set(seen)):
        wants = list(expected.get(local, []))
        got = list(seen.get(local, []))
        for far, link_id in list(wants):
            hit = next((n for n in got if _matches(inventory, far, n)), None)
            if hit is not None:
                wants.remove((far, link_id))
                got.remove(hit)
                findings.append(LinkFinding("ok", local, str(far), f"{hit.system}:{hit.port}", link_id))
        for (far, link_id), n in zip(wants, got):
            findings.append(LinkFinding("mismatch", local, str(far), f"{n.system}:{n.port}", link_id,
                                        "LLDP shows another neighbour than the inventory"))
        for far, link_id in wants[len(got):]:
            state = states.get(local)
            reason = ""
            if state is not None and not state.admin_up:
                reason = "local interface administratively down"
            elif state is not None and not state.oper_up:
                reason = "local interface down"
            findings.append(LinkFinding("missing", local, str(far), "", link_id, reason))
        for n in got[len(wants):]:
            findings.append(LinkFinding("unexpected", local, "", f"{n.system}:{n.port}", "",
                                        "no inventory link on this interface"))
    return LldpReport(device, when, tuple(findings))


__all__ = ["NO_LLDP", "LinkFinding", "LldpReport", "cross_check", "expected_neighbours"]
