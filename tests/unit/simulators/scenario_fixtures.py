"""Hand-built inventories for the fault-scenario tests (independent of simulators.rie).

``small_inventory()``::

    DC1-A ──── DC1-B            datacentre routers (sources of management traffic)
      │          │
    PAR-C01 ── LYS-C01          POP cores (POPs PAR and LYS)
      │          │
    PAR-K01    LYS-K01          collect routers
     │   │      │    │
     │  S00002-R1══S00002-R2    dual-homed site (LAN link R1–R2)
     │                   S00003-R1 (+ a lone interface Gi0/9)
    S00001-R1 ── S00001-R2      single-homed site with a 4G backup router behind its CE

``two_pop_inventory()`` is a small RIE-shaped network (dual-homed collects, a premium site on
two POPs, a standard site with a 4G backup router). ``synthetic_inventory(n_sites)`` is
RIE-shaped (4 DCs, 13 POPs on two planes, collects, sites of one or two routers, a few oddities)
for random checks.
"""

from __future__ import annotations

import random

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
    SnmpProfile,
)


class _Builder:
    def __init__(self) -> None:
        self.roles: dict[str, tuple[Role, str | None, str | None, Plane | None]] = {}
        self.ifs: dict[str, list[str]] = {}
        self.links: dict[str, Link] = {}

    def device(self, name: str, role: Role, location: str | None = None, site: str | None = None,
               plane: Plane | None = None, extra: tuple[str, ...] = ()) -> None:
        self.roles[name] = (role, location, site, plane)
        self.ifs[name] = list(extra)

    def _port(self, dev: str) -> str:
        name = f"Gi0/{len(self.ifs[dev])}"
        self.ifs[dev].append(name)
        return name

    def link(self, a: str, b: str, layer: Layer, medium: Medium = Medium.FIBRE) -> str:
        link_id = f"{a}--{b}"
        self.links[link_id] = Link(link_id, Endpoint(a, self._port(a)), Endpoint(b, self._port(b)), layer, medium,
                                   1000)
        return link_id

    def build(self, sites: dict[str, Site], locations: dict[str, Location]) -> Inventory:
        devices = {}
        for i, (name, (role, loc, site, plane)) in enumerate(self.roles.items()):
            itfs = tuple(Interface(j + 1, n, 1000) for j, n in enumerate(self.ifs[name]))
            addr = f"127.{1 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}"
            devices[name] = Device(name, role, "cisco", "ISR4331", addr, "v2", itfs, location=loc, site=site,
                                   plane=plane)
        return Inventory(
            name="test", access_classes={"gold": AccessClass("gold", 99.9, 4.0, 2)},
            snmp_profiles={"v2": SnmpProfile("v2", "2c", community_ref="env:COMMUNITY")},
            regions={"IDF": Region("IDF", "Ile-de-France")}, locations=locations, sites=sites, devices=devices,
            links=self.links)


def _site(code: str, pop: str, devices: tuple[str, ...]) -> Site:
    return Site(code, f"site {code}", "IDF", pop, "gold", "lot1", devices)


def small_inventory(with_datacentres: bool = True) -> Inventory:
    b = _Builder()
    locations = {"PAR": Location("PAR", "Paris", LocationKind.POP, "IDF"),
                 "LYS": Location("LYS", "Lyon", LocationKind.POP, "IDF")}
    if with_datacentres:
        locations["DC1"] = Location("DC1", "DC one", LocationKind.DATACENTRE, "IDF")
        b.device("DC1-A", Role.DATACENTRE, "DC1", plane=Plane.A)
        b.device("DC1-B", Role.DATACENTRE, "DC1", plane=Plane.B)
    b.device("PAR-C01", Role.CORE, "PAR", plane=Plane.A)
    b.device("LYS-C01", Role.CORE, "LYS", plane=Plane.B)
    b.device("PAR-K01", Role.COLLECT, "PAR")
    b.device("LYS-K01", Role.COLLECT, "LYS")
    for name, site in (("S00001-R1", "S00001"), ("S00002-R1", "S00002"), ("S00002-R2", "S00002")):
        b.device(name, Role.CE, site=site)
    b.device("S00001-R2", Role.BACKUP_4G, site="S00001")
    b.device("S00003-R1", Role.CE, site="S00003", extra=("Gi0/9",))
    if with_datacentres:
        b.link("DC1-A", "DC1-B", Layer.BACKBONE)
        b.link("DC1-A", "PAR-C01", Layer.BACKBONE)
        b.link("DC1-B", "LYS-C01", Layer.BACKBONE)
    b.link("PAR-C01", "LYS-C01", Layer.BACKBONE)
    b.link("PAR-C01", "PAR-K01", Layer.COLLECT)
    b.link("LYS-C01", "LYS-K01", Layer.COLLECT)
    b.link("PAR-K01", "S00001-R1", Layer.ACCESS)
    b.link("S00001-R1", "S00001-R2", Layer.LAN, Medium.ETHERNET)
    b.link("PAR-K01", "S00002-R1", Layer.ACCESS)
    b.link("LYS-K01", "S00002-R2", Layer.ACCESS)
    b.link("S00002-R1", "S00002-R2", Layer.LAN, Medium.ETHERNET)
    b.link("LYS-K01", "S00003-R1", Layer.ACCESS, Medium.COPPER)
    sites = {"S00001": _site("S00001", "PAR", ("S00001-R1", "S00001-R2")),
             "S00002": _site("S00002", "PAR", ("S00002-R1", "S00002-R2")),
             "S00003": _site("S00003", "LYS", ("S00003-R1",))}
    return b.build(sites, locations)


POPS = ("PAR", "LYS", "MRS", "BDX", "LIL", "NTE", "STR", "REN", "TLS", "NCE", "DIJ", "ORL", "CLM")


def synthetic_inventory(n_sites: int, seed: int = 7, collects_per_pop: int = 3) -> Inventory:
    """RIE-shaped: 4 DCs × 2 planes, 13 POPs × 2 cores, collects dual-homed, ~43 % of sites with 2 routers.

    Premium sites (R2 on a collect of the next POP) and standard ones (4G router B1, most with a
    4G link to another collect of the POP). Oddities: a collect without uplinks (outside the
    model) holding ~2 % of the R1s, and ~1 % of stray links between two sites.
    """
    rng = random.Random(seed)
    b = _Builder()
    locations = {p: Location(p, p, LocationKind.POP, "IDF") for p in POPS}
    for dc in ("DC1", "DC2", "DC3", "DC4"):
        locations[dc] = Location(dc, dc, LocationKind.DATACENTRE, "IDF")
        for plane in Plane:
            b.device(f"{dc}-{plane.value}", Role.DATACENTRE, dc, plane=plane)
        b.link(f"{dc}-A", f"{dc}-B", Layer.BACKBONE)
    collects: dict[str, list[str]] = {}
    for i, pop in enumerate(POPS):
        for plane in Plane:
            core = f"{pop}-C0{1 if plane is Plane.A else 2}"
            b.device(core, Role.CORE, pop, plane=plane)
            b.link(f"DC{i % 4 + 1}-{plane.value}", core, Layer.BACKBONE)
            if i:
                b.link(f"{POPS[i - 1]}-C0{1 if plane is Plane.A else 2}", core, Layer.BACKBONE)
        collects[pop] = []
        for k in range(collects_per_pop):
            name = f"{pop}-K{k + 1:02d}"
            b.device(name, Role.COLLECT, pop)
            b.link(f"{pop}-C01", name, Layer.COLLECT)
            b.link(f"{pop}-C02", name, Layer.COLLECT)
            collects[pop].append(name)
    b.device("ORPHAN-K01", Role.COLLECT, "PAR")  # no uplink: outside the model, as are the sites only on it
    sites: dict[str, Site] = {}
    for n in range(n_sites):
        code = f"S{n:05d}"
        i = n % len(POPS)
        pop = POPS[i]
        first, second = rng.sample(collects[pop], 2)
        if rng.random() < 0.02:
            first = "ORPHAN-K01"
        r1 = f"{code}-R1"
        b.device(r1, Role.CE, site=code)
        b.link(first, r1, Layer.ACCESS)
        devs: tuple[str, ...] = (r1,)
        draw = rng.random()
        if draw < 0.43:  # premium: R2 on a collect of the next POP; standard: 4G router B1 on another collect
            premium = draw < 0.25
            r2 = f"{code}-R2" if premium else f"{code}-B1"
            b.device(r2, Role.CE if premium else Role.BACKUP_4G, site=code)
            if premium:
                b.link(rng.choice(collects[POPS[(i + 1) % len(POPS)]]), r2, Layer.ACCESS)
            elif draw < 0.40:
                b.link(second, r2, Layer.BACKUP_4G, Medium.CELLULAR_4G)
            b.link(r1, r2, Layer.LAN, Medium.ETHERNET)
            devs = (r1, r2)
        if n and rng.random() < 0.01:  # a stray link between two sites: carries nothing
            b.link(r1, f"S{rng.randrange(n):05d}-R1", Layer.LAN, Medium.ETHERNET)
        sites[code] = _site(code, pop, devs)
    return b.build(sites, locations)


def two_pop_inventory() -> Inventory:
    """RIE-shaped, small::

        DC1-A ── DC1-B                     DC1-A feeds the plane-A cores PAR-C01, LYS-C01;
                                           DC1-B the plane-B ones PAR-C02, LYS-C02
        PAR-C01 ── LYS-C01, PAR-C02 ── LYS-C02
        PAR-K01, PAR-K02, LYS-K01          collects, each dual-homed to its POP's two cores
        S00010-R1 ══ S00010-R2             premium site: R1 on PAR-K01, R2 on LYS-K01
        S00011-R1                          single-homed on PAR-K01
        S00012-R1 ══ S00012-B1             standard site: R1 fibre on PAR-K01, B1 4G on PAR-K02
    """
    b = _Builder()
    locations = {"PAR": Location("PAR", "Paris", LocationKind.POP, "IDF"),
                 "LYS": Location("LYS", "Lyon", LocationKind.POP, "IDF"),
                 "DC1": Location("DC1", "DC one", LocationKind.DATACENTRE, "IDF")}
    b.device("DC1-A", Role.DATACENTRE, "DC1", plane=Plane.A)
    b.device("DC1-B", Role.DATACENTRE, "DC1", plane=Plane.B)
    b.link("DC1-A", "DC1-B", Layer.BACKBONE)
    for pop in ("PAR", "LYS"):
        for plane, n in ((Plane.A, 1), (Plane.B, 2)):
            b.device(f"{pop}-C0{n}", Role.CORE, pop, plane=plane)
            b.link(f"DC1-{plane.value}", f"{pop}-C0{n}", Layer.BACKBONE)
    b.link("PAR-C01", "LYS-C01", Layer.BACKBONE)
    b.link("PAR-C02", "LYS-C02", Layer.BACKBONE)
    for collect in ("PAR-K01", "PAR-K02", "LYS-K01"):
        pop = collect[:3]
        b.device(collect, Role.COLLECT, pop)
        b.link(f"{pop}-C01", collect, Layer.COLLECT)
        b.link(f"{pop}-C02", collect, Layer.COLLECT)
    b.device("S00010-R1", Role.CE, site="S00010")
    b.device("S00010-R2", Role.CE, site="S00010")
    b.device("S00011-R1", Role.CE, site="S00011")
    b.device("S00012-R1", Role.CE, site="S00012")
    b.device("S00012-B1", Role.BACKUP_4G, site="S00012")
    b.link("PAR-K01", "S00010-R1", Layer.ACCESS)
    b.link("LYS-K01", "S00010-R2", Layer.ACCESS)
    b.link("S00010-R1", "S00010-R2", Layer.LAN, Medium.ETHERNET)
    b.link("PAR-K01", "S00011-R1", Layer.ACCESS)
    b.link("PAR-K01", "S00012-R1", Layer.ACCESS)
    b.link("S00012-R1", "S00012-B1", Layer.LAN, Medium.ETHERNET)
    b.link("PAR-K02", "S00012-B1", Layer.BACKUP_4G, Medium.CELLULAR_4G)
    sites = {"S00010": _site("S00010", "PAR", ("S00010-R1", "S00010-R2")),
             "S00011": _site("S00011", "PAR", ("S00011-R1",)),
             "S00012": _site("S00012", "PAR", ("S00012-R1", "S00012-B1"))}
    return b.build(sites, locations)
