"""Helpers for the state engine tests: a small hand-built RIE, polls as the farm would answer
them, and a brute-force reachability oracle (independent of vigie.state.topology)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from vigie.model import (
    AccessClass,
    Device,
    Endpoint,
    Interface,
    Inventory,
    Layer,
    Link,
    Location,
    LocationKind,
    Medium,
    Plane,
    Region,
    Role,
    Site,
)
from vigie.observations import DevicePoll, InterfaceSample, PollError
from vigie.state import EngineSettings, Event, StateChange, StateEngine

CLASSES = {
    "premium": AccessClass("premium", 99.99, 4, 2),
    "standard": AccessClass("standard", 99.9, 4, 2),
    "economy": AccessClass("economy", 99.5, 8, 1),
}


def small_inventory() -> Inventory:
    """DC1-A/B; POPs PAR and LYO with cores (CA, CB) and two collect routers each; sites:
    P1 premium (R1 on PAR-C01, R2 on LYO-C01), S1 standard (R1 on PAR-C01, B1 4G on PAR-C02),
    E1 economy (R1 on PAR-C02), E2 economy (R1 on LYO-C02)."""
    links: list[tuple[str, str, str, Layer]] = []

    def link(lid: str, a: str, b: str, layer: Layer) -> None:
        links.append((lid, a, b, layer))

    devices: list[tuple[str, Role, str | None, str | None, Plane | None]] = []
    for plane in Plane:
        devices.append((f"DC1-{plane.value}", Role.DATACENTRE, "DC1", None, plane))
    link("BB-X-DC1", "DC1-A", "DC1-B", Layer.BACKBONE)
    for pop in ("PAR", "LYO"):
        for plane in Plane:
            devices.append((f"{pop}-C{plane.value}", Role.CORE, pop, None, plane))
            link(f"BB-{plane.value}-DC1-{pop}", f"DC1-{plane.value}", f"{pop}-C{plane.value}", Layer.BACKBONE)
        link(f"BB-X-{pop}", f"{pop}-CA", f"{pop}-CB", Layer.BACKBONE)
        for n in (1, 2):
            name = f"{pop}-C0{n}"
            devices.append((name, Role.COLLECT, pop, None, None))
            for plane in Plane:
                link(f"COL-{name}-{plane.value}", f"{pop}-C{plane.value}", name, Layer.COLLECT)
    for plane in Plane:
        link(f"BB-{plane.value}-PAR-LYO", f"PAR-C{plane.value}", f"LYO-C{plane.value}", Layer.BACKBONE)
    sites = {"P1": ("premium", "PAR"), "S1": ("standard", "PAR"), "E1": ("economy", "PAR"), "E2": ("economy", "LYO")}
    members: dict[str, list[str]] = {}

    def site_dev(site: str, suffix: str, role: Role) -> str:
        name = f"{site}-{suffix}"
        devices.append((name, role, None, site, None))
        members.setdefault(site, []).append(name)
        return name

    r1 = site_dev("P1", "R1", Role.CE)
    r2 = site_dev("P1", "R2", Role.CE)
    link("ACC-P1-R1", "PAR-C01", r1, Layer.ACCESS)
    link("ACC-P1-R2", "LYO-C01", r2, Layer.ACCESS)
    link("LAN-P1-R1-R2", r1, r2, Layer.LAN)
    r1 = site_dev("S1", "R1", Role.CE)
    b1 = site_dev("S1", "B1", Role.BACKUP_4G)
    link("ACC-S1-R1", "PAR-C01", r1, Layer.ACCESS)
    link("LAN-S1-R1-B1", r1, b1, Layer.LAN)
    link("4G-S1-B1", "PAR-C02", b1, Layer.BACKUP_4G)
    link("ACC-E1-R1", "PAR-C02", site_dev("E1", "R1", Role.CE), Layer.ACCESS)
    link("ACC-E2-R1", "LYO-C02", site_dev("E2", "R1", Role.CE), Layer.ACCESS)

    ports: dict[str, list[str]] = {}
    for lid, a, b, _ in links:
        ports.setdefault(a, []).append(lid)
        ports.setdefault(b, []).append(lid)
    devs: dict[str, Device] = {}
    for i, (name, role, location, site, plane) in enumerate(devices):
        itfs = tuple(Interface(k + 1, f"ge-0/0/{k}", 1000, True, lid) for k, lid in enumerate(ports.get(name, [])))
        devs[name] = Device(name, role, "cisco", "", f"127.9.{i // 250}.{i % 250 + 1}", "p", itfs,
                            location=location, site=site, plane=plane)

    def end(dev: str, lid: str) -> Endpoint:
        return Endpoint(dev, next(itf.name for itf in devs[dev].interfaces if itf.alias == lid))

    medium = {Layer.BACKUP_4G: Medium.CELLULAR_4G, Layer.LAN: Medium.ETHERNET}
    inv_links = {lid: Link(lid, end(a, lid), end(b, lid), layer, medium.get(layer, Medium.FIBRE), 1000)
                 for lid, a, b, layer in links}
    return Inventory(
        name="small", access_classes=dict(CLASSES), snmp_profiles={}, regions={"IDF": Region("IDF", "IDF")},
        locations={"PAR": Location("PAR", "POP Paris", LocationKind.POP, "IDF"),
                   "LYO": Location("LYO", "POP Lyon", LocationKind.POP, "IDF"),
                   "DC1": Location("DC1", "DC1", LocationKind.DATACENTRE, "IDF")},
        sites={code: Site(code, code, "IDF", pop, cls, "LOT1", tuple(members[code]))
               for code, (cls, pop) in sites.items()},
        devices=devs, links=inv_links)


def reachable(inv: Inventory, dead: Iterable[str] = (), dead_links: Iterable[str] = ()) -> set[str]:
    """Brute force: devices the datacentre routers reach through live devices and links, sites never
    carrying transit."""
    dead, dead_links = set(dead), set(dead_links)
    seen = {d.name for d in inv.devices.values() if d.role is Role.DATACENTRE and d.name not in dead}
    queue = deque(seen)
    while queue:
        u = queue.popleft()
        su = inv.devices[u].site
        for link in inv.links_of(u):
            v = link.other(u).device
            sv = inv.devices[v].site
            allowed = (su is None) or (sv == su)  # from the infrastructure anywhere; from a site only inside it
            if allowed and v not in seen and v not in dead and link.id not in dead_links:
                seen.add(v)
                queue.append(v)
    return seen


def poll(inv: Inventory, name: str, now: float, error: PollError | None = None,
         down_links: Iterable[str] = (), dead: Iterable[str] = ()) -> DevicePoll:
    """The poll of one device: ``error`` (TIMEOUT...), or an answer whose linked interfaces are oper
    down when their link is in ``down_links`` or the far end is ``dead``."""
    dev = inv.devices[name]
    if error is PollError.TIMEOUT:
        return DevicePoll(name, dev.mgmt_address, now, 6.0, error, "no answer after 2 retries", pdus=3, retries=2)
    down_links, dead = set(down_links), set(dead)
    samples = []
    by_itf = {(lk.a.device, lk.a.interface): lk for lk in inv.links_of(name)}
    by_itf.update({(lk.b.device, lk.b.interface): lk for lk in inv.links_of(name)})
    for itf in dev.interfaces:
        link = by_itf.get((name, itf.name))
        down = link is not None and (link.id in down_links or link.other(name).device in dead)
        samples.append(InterfaceSample(itf.index, itf.name, 1, 2 if down else 1, 0, 0))
    return DevicePoll(name, dev.mgmt_address, now, 0.01, error, "", sys_uptime=1000, interfaces=tuple(samples))


class Net:
    """Drives an engine the way the poller would: ``cycle()`` polls every device once with the
    network in a given fault state (``dead`` devices and ``cut`` links, and what they cut off)."""

    def __init__(self, inv: Inventory, settings: EngineSettings | None = None, t0: float = 1000.0,
                 order: list[str] | None = None) -> None:
        self.inv = inv
        self.engine = StateEngine(inv, settings)
        self.now = t0
        self.interval = self.engine.settings.poll_interval_s
        self.names = sorted(inv.devices) if order is None else order  # polling order within a cycle

    def cycle(self, dead: Iterable[str] = (), cut: Iterable[str] = (), only: Iterable[str] | None = None,
              step: float | None = None) -> list[Event]:
        dead, cut = set(dead), set(cut)
        alive = reachable(self.inv, dead, cut)
        events: list[Event] = []
        names = self.names if only is None else sorted(only)
        start = self.now
        for i, name in enumerate(names):
            self.now = start + i * self.interval / len(names) if step is None else start
            error = None if name in alive else PollError.TIMEOUT
            events += self.engine.observe(poll(self.inv, name, self.now, error, cut, dead), self.now)
        self.now = start + (self.interval if step is None else step)
        return events

    def cycles(self, n: int, dead: Iterable[str] = (), cut: Iterable[str] = ()) -> list[Event]:
        events: list[Event] = []
        for _ in range(n):
            events += self.cycle(dead, cut)
        return events


def changes(events: Iterable[Event], kind: str | None = None, element: str | None = None) -> list[StateChange]:
    return [e for e in events if isinstance(e, StateChange) and (kind is None or e.kind == kind)
            and (element is None or e.element == element)]


class FarmPolls:
    """Polls as the farm answers them under a fault timeline (``simulators.scenario.FaultTimeline``):
    a silent device times out, the others report their interfaces up or down at ``t``."""

    def __init__(self, inv: Inventory, timeline: object) -> None:
        self.timeline = timeline
        self.downs = {name: timeline.oper_down_intervals(name) for name in inv.devices}  # type: ignore[attr-defined]
        self.index = {name: {itf.name: itf.index for itf in dev.interfaces} for name, dev in inv.devices.items()}

    def poll(self, name: str, t: float) -> DevicePoll:
        if self.timeline.silent(name, t):  # type: ignore[attr-defined]
            return DevicePoll(name, "", t, 6.0, PollError.TIMEOUT)
        samples = []
        for ifname, idx in self.index[name].items():
            down = any(s <= t < e for s, e in self.downs[name].get(ifname, ()))
            samples.append(InterfaceSample(idx, ifname, 1, 2 if down else 1))
        return DevicePoll(name, "", t, 0.01, interfaces=tuple(samples))
