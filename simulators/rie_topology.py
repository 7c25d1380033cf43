"""Building blocks of the RIE generator: device plans, port requests, links, addresses.

The generator first *plans*: devices, and links that each ask one port of a given class
(100G, 10G, 1G, cellular) on both ends. :meth:`Builder.build` then lays every device's
ports out in slots (linked ports first, then spare ones), names them the vendor's way,
numbers them (ifIndex), writes each linked port's alias from its far end and returns
the model's records. Planning first means a collect router knows how many sites it
serves before its chassis is sized.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from simulators.rie_data import IFINDEX_BASE, SHORT_NAMES
from vigie.model import Device, Endpoint, Interface, Layer, Link, Medium, Plane, Role
from vigie.vendors import VENDORS, interface_name

G100, G10, G1 = 100_000, 10_000, 1_000
CELL = 0  # port class of the 4G interface (one per backup router, named by the vendor)
CELL_MBPS = 50

# Interface count ranges per role (documented in docs/inventory.md).
INTERFACE_RANGES: dict[Role, tuple[int, int]] = {
    Role.DATACENTRE: (24, 64), Role.CORE: (24, 64), Role.COLLECT: (48, 96), Role.CE: (4, 12),
    Role.BACKUP_4G: (4, 8),
}
COLLECT_1G_CARD = 20  # 1G ports per collect router line card
COLLECT_MAX_ACCESS = 4 * COLLECT_1G_CARD - 4  # used access ports per collect router (4 kept spare)
USER_LAN = "LAN USERS"
SPARE_UP_SHARE = 0.35  # unused ports left admin up (the rest are shut)


class DevicePlan:
    """A device before its interfaces exist: what it is, and the ports its links asked for."""

    __slots__ = ("address", "location", "model", "name", "plane", "profile", "role", "site", "vendor", "wants")

    def __init__(self, name: str, role: Role, vendor: str, model: str, address: str, profile: str,
                 location: str | None = None, site: str | None = None, plane: Plane | None = None) -> None:
        self.name = name
        self.role = role
        self.vendor = vendor
        self.model = model
        self.address = address
        self.profile = profile
        self.location = location
        self.site = site
        self.plane = plane
        self.wants: dict[int, list[int]] = {}  # port class -> actual speed of each requested port

    def want(self, port_class: int, speed: int) -> int:
        ports = self.wants.setdefault(port_class, [])
        ports.append(speed)
        return len(ports) - 1

    def used(self, port_class: int) -> int:
        return len(self.wants.get(port_class, ()))


@dataclass(frozen=True, slots=True)
class LinkPlan:
    id: str
    a: DevicePlan
    a_class: int
    a_k: int
    a_tag: str
    b: DevicePlan
    b_class: int
    b_k: int
    b_tag: str
    layer: Layer
    medium: Medium
    capacity: int


def short_name(vendor: str, name: str) -> str:
    """The vendor's abbreviation of an interface name: "GigabitEthernet0/0/1" -> "Gi0/0/1" (Cisco)."""
    for long, short in SHORT_NAMES.get(vendor, ()):
        if name.startswith(long):
            return short + name[len(long):]
    return name


class Addresses:
    """Management addresses upward from ``start`` in 127.0.0.0/8, skipping host parts
    ending in .0 or .255 (and 127.0.0.1)."""

    def __init__(self, start: str) -> None:
        a, b, c, d = (int(x) for x in start.split("."))
        self.n = (a << 24) | (b << 16) | (c << 8) | d

    def next(self) -> str:
        while self.n & 0xFF in (0, 255) or self.n == 0x7F000001:
            self.n += 1
        n = self.n
        if n >> 24 != 127:
            raise ValueError("management addresses exhausted 127.0.0.0/8; generate fewer sites")
        self.n += 1
        return f"127.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


class Builder:
    """Collects device and link plans, then builds the model's records."""

    def __init__(self) -> None:
        self.devices: list[DevicePlan] = []
        self.links: list[LinkPlan] = []

    def device(self, plan: DevicePlan) -> DevicePlan:
        self.devices.append(plan)
        return plan

    def link(self, link_id: str, a: DevicePlan, a_class: int, a_speed: int, a_tag: str,
             b: DevicePlan, b_class: int, b_speed: int, b_tag: str,
             layer: Layer, medium: Medium, capacity: int) -> None:
        self.links.append(LinkPlan(link_id, a, a_class, a.want(a_class, a_speed), a_tag,
                                   b, b_class, b.want(b_class, b_speed), b_tag, layer, medium, capacity))

    def build(self, rng: random.Random) -> tuple[dict[str, Device], dict[str, Link]]:
        layouts = {dev.name: _layout(dev, rng) for dev in self.devices}
        aliases: dict[tuple[str, str], str] = {}
        links: dict[str, Link] = {}
        for lp in self.links:
            a_itf = layouts[lp.a.name].by_class[lp.a_class][lp.a_k]
            b_itf = layouts[lp.b.name].by_class[lp.b_class][lp.b_k]
            aliases[(lp.a.name, a_itf)] = f"{lp.a_tag} {lp.b.name} {short_name(lp.b.vendor, b_itf)}"
            aliases[(lp.b.name, b_itf)] = f"{lp.b_tag} {lp.a.name} {short_name(lp.a.vendor, a_itf)}"
            links[lp.id] = Link(lp.id, Endpoint(lp.a.name, a_itf), Endpoint(lp.b.name, b_itf),
                                lp.layer, lp.medium, lp.capacity)
        devices: dict[str, Device] = {}
        for dev in self.devices:
            devices[dev.name] = Device(
                name=dev.name, role=dev.role, vendor=dev.vendor, model=dev.model, mgmt_address=dev.address,
                snmp_profile=dev.profile, interfaces=_interfaces(dev, layouts[dev.name].ports, aliases, rng),
                location=dev.location, site=dev.site, plane=dev.plane)
        return devices, links


def _counts(dev: DevicePlan, rng: random.Random) -> list[tuple[int, int, int]]:
    """[(port class, ports, ports per slot)] in slot order: how the chassis is equipped."""
    role = dev.role
    if role in (Role.CORE, Role.DATACENTRE):
        n100 = -(-(dev.used(G100) + 1) // 4) * 4  # full 4-port 100G cards, at least one spare port
        lo, hi = (24, 40) if role is Role.CORE else (32, 48)
        used = dev.used(G10)
        wanted = max(used + rng.randint(1, 3), rng.randint(lo, hi) - n100)
        n10 = max(used + 1, min(wanted, INTERFACE_RANGES[role][1] - n100))  # stay in range, keep one spare
        return [(G100, n100, 4), (G10, n10, 24)]
    if role is Role.COLLECT:
        n10 = rng.choice((4, 8))
        n1 = max(3, -(-(dev.used(G1) + 4) // COLLECT_1G_CARD)) * COLLECT_1G_CARD
        return [(G10, n10, n10), (G1, n1, COLLECT_1G_CARD)]
    if role is Role.CE:
        total = max(dev.used(G1) + 2, rng.choice((4, 4, 6, 8, 8, 10, 12)))
        return [(G1, total, 4)]
    n1 = max(dev.used(G1) + 1, rng.choice((3, 4, 4, 7)))  # backup router: Ethernet ports + the cellular one
    return [(G1, n1, 8), (CELL, 1, 1)]


@dataclass(frozen=True, slots=True)
class Layout:
    """A chassis: its ports in ifIndex order as (port class, rank in class, name), and the names by class."""

    ports: tuple[tuple[int, int, str], ...]
    by_class: dict[int, tuple[str, ...]]


_LAYOUTS: dict[tuple[str, tuple[tuple[int, int, int], ...]], Layout] = {}


def _layout(dev: DevicePlan, rng: random.Random) -> Layout:
    """The device's chassis (shared between devices of one vendor equipped alike)."""
    counts = tuple(_counts(dev, rng))
    key = (dev.vendor, counts)
    layout = _LAYOUTS.get(key)
    if layout is None:
        layout = _LAYOUTS[key] = _lay_out(dev.vendor, counts)
    return layout


def _lay_out(vendor: str, counts: tuple[tuple[int, int, int], ...]) -> Layout:
    out: list[tuple[int, int, str]] = []
    slot = 0
    for port_class, count, per_slot in counts:
        if port_class == CELL:
            out.append((CELL, 0, VENDORS[vendor].cellular))
            continue
        for k in range(count):
            out.append((port_class, k, interface_name(vendor, port_class, slot + k // per_slot, k % per_slot)))
        slot += -(-count // per_slot)
    by_class: dict[int, list[str]] = {}
    for port_class, _k, name in out:
        by_class.setdefault(port_class, []).append(name)
    return Layout(tuple(out), {c: tuple(names) for c, names in by_class.items()})


def _interfaces(dev: DevicePlan, layout: tuple[tuple[int, int, str], ...], aliases: dict[tuple[str, str], str],
                rng: random.Random) -> tuple[Interface, ...]:
    """Linked ports (speed asked by the link, alias from the far end), CE user ports, then spare
    ports: about two in three admin down (all of them on backup routers)."""
    base = IFINDEX_BASE[dev.vendor]
    last_user = len(layout) - 2 if dev.role is Role.CE else len(layout)  # CE: the last two ports face users
    spare_up = 0.0 if dev.role is Role.BACKUP_4G else SPARE_UP_SHARE
    wants, name_of, draw = dev.wants, dev.name, rng.random
    out = []
    for n, (port_class, k, name) in enumerate(layout):
        requested = wants.get(port_class, ())
        if k < len(requested):
            out.append(Interface(base + n, name, requested[k], True, aliases.get((name_of, name), "")))
        elif n >= last_user:
            out.append(Interface(base + n, name, G1, True, USER_LAN))
        else:
            speed = CELL_MBPS if port_class == CELL else port_class
            out.append(Interface(base + n, name, speed, draw() < spare_up, ""))
    return tuple(out)
