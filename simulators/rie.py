"""The synthetic RIE: a seeded, deterministic inventory of the whole network.

``generate_rie(sites=14000, seed=7)`` builds 4 datacentres and 13 POPs on two backbone
planes, regional collect routers sized to the sites they serve, and the sites of four
access classes (premium, standard, economy, overseas), with vendors, models, interfaces
and management addresses in 127.0.0.0/8. Same arguments, same inventory, same bytes
through :func:`vigie.inventory.dump_inventory`. The rules (classes, proportions, naming,
addressing, lots) are in ``docs/inventory.md``; the static data in
:mod:`simulators.rie_data`; ports and links in :mod:`simulators.rie_topology`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from simulators import rie_data as data
from simulators.rie_topology import CELL, CELL_MBPS, COLLECT_MAX_ACCESS, G1, G10, G100, Addresses, Builder, DevicePlan
from vigie.errors import ConfigError
from vigie.model import (
    AccessClass,
    Inventory,
    Layer,
    Location,
    LocationKind,
    Medium,
    Plane,
    Region,
    Role,
    Site,
    SnmpProfile,
)
from vigie.vendors import models_for as _models_for

SNMP_MODES = ("v2c", "v3", "mixed")
_MODEL: dict[tuple[str, Role], str] = {}


def model_for(vendor: str, role: Role) -> str:
    """The vendor's model for the role (the first of :func:`vigie.vendors.models_for`)."""
    model = _MODEL.get((vendor, role))
    if model is None:
        model = _MODEL[(vendor, role)] = _models_for(vendor, role)[0].name
    return model
MAX_SITES = 99_999  # site codes are S00001..S99999


class GenerateArgumentError(ConfigError, ValueError):
    """An argument of :func:`generate_rie` is out of range (a ``ValueError`` and a Vigie error: the CLI
    reports it with exit code 2)."""


def generate_rie(sites: int = 14000, seed: int = 7, port: int = 161, snmp: str = "v2c") -> Inventory:
    """A synthetic RIE of ``sites`` sites; deterministic for a given ``seed``.

    ``port`` is the SNMP port of every device; ``snmp`` is "v2c" (profile ``rie-v2c``),
    "v3" (``rie-v3``) or "mixed" (infrastructure on v3, sites on v2c).
    """
    if not 1 <= sites <= MAX_SITES:
        raise GenerateArgumentError(f"sites={sites} is out of range; generate 1..{MAX_SITES} sites")
    if not 1 <= port <= 65535:
        raise GenerateArgumentError(f"port={port} is not a UDP port; use 1..65535 (161 is SNMP's)")
    if snmp not in SNMP_MODES:
        raise GenerateArgumentError(f"snmp={snmp!r} is not one of {', '.join(SNMP_MODES)}")
    rng = random.Random(seed)
    profiles = _profiles(snmp, port)
    infra_profile = "rie-v2c" if snmp == "v2c" else "rie-v3"
    site_profile = "rie-v3" if snmp == "v3" else "rie-v2c"

    b = Builder()
    cores = _backbone(b, rng, infra_profile)
    plans = _plan_sites(rng, sites)
    collects = _collect_routers(b, rng, cores, plans, infra_profile)
    site_records = _site_devices(b, plans, collects, site_profile)
    devices, links = b.build(rng)

    classes = {name: AccessClass(name, target, gtr, red, desc)
               for name, _share, target, gtr, red, desc in data.ACCESS_CLASSES}
    regions = {r.code: Region(r.code, r.name, r.overseas) for r in data.REGIONS}
    locations = {r.pop: Location(r.pop, f"POP {r.pop_city}", LocationKind.POP, r.code)
                 for r in data.REGIONS if not r.overseas}
    locations.update({d.code: Location(d.code, d.name, LocationKind.DATACENTRE, d.region) for d in data.DATACENTRES})
    return Inventory(name=f"RIE (synthetic, {sites} sites, seed {seed})", access_classes=classes,
                     snmp_profiles=profiles, regions=regions, locations=locations, sites=site_records,
                     devices=devices, links=links,
                     metadata={"generator": "vigie inventory generate", "seed": seed, "sites": sites})


def _profiles(snmp: str, port: int) -> dict[str, SnmpProfile]:
    out = {}
    if snmp in ("v2c", "mixed"):
        out["rie-v2c"] = SnmpProfile("rie-v2c", "2c", port=port, community_ref="env:VIGIE_SNMP_COMMUNITY")
    if snmp in ("v3", "mixed"):
        out["rie-v3"] = SnmpProfile("rie-v3", "3", port=port, user="vigie", auth_protocol="SHA-256",
                                    priv_protocol="AES", auth_key_ref="env:VIGIE_SNMP_AUTH_KEY",
                                    priv_key_ref="env:VIGIE_SNMP_PRIV_KEY")
    return out


def _distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


METRO = tuple(r for r in data.REGIONS if not r.overseas)
OVERSEAS = tuple(r for r in data.REGIONS if r.overseas)
POP_REGION = {r.pop: r for r in METRO}


def nearest_pops(lat: float, lon: float, exclude: str = "") -> list[str]:
    """POP codes from nearest to farthest (ties by code)."""
    return sorted((r.pop for r in METRO if r.pop != exclude),
                  key=lambda p: (_distance(lat, lon, POP_REGION[p].lat, POP_REGION[p].lon), p))


NEIGHBOUR_POP = {r.pop: nearest_pops(r.lat, r.lon, exclude=r.pop)[0] for r in METRO}


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Largest-remainder split of ``total`` by ``weights`` (ties to the earlier index)."""
    s = sum(weights)
    quotas = [total * w / s for w in weights]
    counts = [int(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in order[:total - sum(counts)]:
        counts[i] += 1
    return counts


def _backbone(b: Builder, rng: random.Random, profile: str) -> dict[tuple[str, Plane], DevicePlan]:
    addr = Addresses("127.1.0.1")
    dcs: dict[tuple[str, Plane], DevicePlan] = {}
    for dc in data.DATACENTRES:
        for plane in Plane:
            vendor = data.PLANE_VENDOR[plane.value]
            dcs[(dc.code, plane)] = b.device(DevicePlan(
                f"{dc.code}-{plane.value}", Role.DATACENTRE, vendor, model_for(vendor, Role.DATACENTRE),
                addr.next(), profile, location=dc.code, plane=plane))
    addr = Addresses("127.1.1.1")
    cores: dict[tuple[str, Plane], DevicePlan] = {}
    for r in METRO:
        for plane in Plane:
            vendor = data.PLANE_VENDOR[plane.value]
            cores[(r.pop, plane)] = b.device(DevicePlan(
                f"{r.pop}-C{plane.value}", Role.CORE, vendor, model_for(vendor, Role.CORE),
                addr.next(), profile, location=r.pop, plane=plane))

    def bb(link_id: str, x: DevicePlan, y: DevicePlan) -> None:
        b.link(link_id, x, G100, G100, "BACKBONE", y, G100, G100, "BACKBONE", Layer.BACKBONE, Medium.FIBRE, G100)

    ring = data.RING
    for plane in Plane:
        for i, pop in enumerate(ring):
            nxt = ring[(i + 1) % len(ring)]
            bb(f"BB-{plane.value}-{pop}-{nxt}", cores[(pop, plane)], cores[(nxt, plane)])
        for x, y in data.CHORDS[plane.value]:
            bb(f"BB-{plane.value}-{x}-{y}", cores[(x, plane)], cores[(y, plane)])
    for r in METRO:
        bb(f"BB-X-{r.pop}", cores[(r.pop, Plane.A)], cores[(r.pop, Plane.B)])
    for dc in data.DATACENTRES:
        pops = nearest_pops(dc.lat, dc.lon)[:data.DC_NEAREST_POPS]
        if data.DC_ALWAYS_POP not in pops:
            pops.append(data.DC_ALWAYS_POP)
        for plane in Plane:
            for pop in pops:
                bb(f"BB-{plane.value}-{dc.code}-{pop}", cores[(pop, plane)], dcs[(dc.code, plane)])
        bb(f"BB-X-{dc.code}", dcs[(dc.code, Plane.A)], dcs[(dc.code, Plane.B)])
    return cores


@dataclass(frozen=True, slots=True)
class SitePlan:
    code: str
    name: str
    region: str
    pop: str  # home POP (the hub POP for overseas sites)
    access_class: str
    lot: str
    vendor: str
    medium: Medium  # of the R1 access
    capacity: int  # of each access, Mbit/s


def _plan_sites(rng: random.Random, total: int) -> list[SitePlan]:
    shares = [share for _n, share, *_ in data.ACCESS_CLASSES]
    names = [n for n, *_ in data.ACCESS_CLASSES]
    counts = _apportion(total, shares)
    if total >= 20:  # every class present
        for i in range(len(counts)):
            if counts[i] == 0:
                counts[i] = 1
                counts[counts.index(max(counts))] -= 1
    by_class = dict(zip(names, counts, strict=True))
    n_over = by_class.pop("overseas")
    metro_regions = [r for r, n in zip(METRO, _apportion(total - n_over, [r.population_m for r in METRO]),
                                       strict=True) for _ in range(n)]
    metro_classes = [c for c, n in by_class.items() for _ in range(n)]
    rng.shuffle(metro_classes)
    entries = list(zip(metro_regions, metro_classes, strict=True))
    entries += [(r, "overseas") for r, n in zip(OVERSEAS, _apportion(n_over, [r.population_m for r in OVERSEAS]),
                                                strict=True) for _ in range(n)]
    rng.shuffle(entries)
    seen: dict[str, int] = {}
    out = []
    for i, (region, cls) in enumerate(entries, start=1):
        town = rng.choices(region.towns, weights=[3] + [1] * (len(region.towns) - 1))[0]
        name = rng.choice(data.SITE_KINDS[cls]).format(de=data.de(town), town=town)
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            name = f"{name} - site {seen[name]}"
        lot_vendors = data.LOT_VENDORS[region.lot]
        vendor = rng.choices(list(lot_vendors), weights=list(lot_vendors.values()))[0]
        medium, capacity = _access(rng, cls, region)
        out.append(SitePlan(f"S{i:05d}", name, region.code, region.hub_pop if region.overseas else region.pop,
                            cls, region.lot, vendor, medium, capacity))
    return out


def _access(rng: random.Random, cls: str, region: data.RegionData) -> tuple[Medium, int]:
    if cls == "premium":
        return Medium.FIBRE, rng.choice(data.FIBRE_PREMIUM)
    if cls == "standard":
        return Medium.FIBRE, rng.choice(data.FIBRE_STANDARD)
    if cls == "economy":
        if rng.random() < data.ECONOMY_FIBRE_SHARE:
            return Medium.FIBRE, rng.choice(data.FIBRE_ECONOMY)
        return Medium.COPPER, rng.choice(data.COPPER)
    if rng.random() < region.satellite_share:
        return Medium.SATELLITE, rng.choice(data.SATELLITE)
    return Medium.COPPER, rng.choice(data.COPPER)


class _Collects:
    """The collect routers of each POP, handed out round-robin so their loads stay even."""

    def __init__(self, routers: dict[str, list[DevicePlan]]) -> None:
        self.routers = routers
        self.turn = dict.fromkeys(routers, 0)

    def take(self, pop: str, avoid: DevicePlan | None = None) -> DevicePlan:
        routers = self.routers[pop]
        for _ in range(len(routers)):
            router = routers[self.turn[pop] % len(routers)]
            self.turn[pop] += 1
            if router is not avoid:
                return router
        raise AssertionError(f"POP {pop} has a single collect router")  # pragma: no cover


def _collect_routers(b: Builder, rng: random.Random, cores: dict[tuple[str, Plane], DevicePlan],
                     plans: list[SitePlan], profile: str) -> _Collects:
    demand = dict.fromkeys(POP_REGION, 0)
    for p in plans:
        demand[p.pop] += 2 if p.access_class == "standard" else 1
        if p.access_class == "premium":
            demand[NEIGHBOUR_POP[p.pop]] += 1
    addr = Addresses("127.2.0.1")
    routers: dict[str, list[DevicePlan]] = {}
    for pop in POP_REGION:
        vendor = rng.choices(list(data.COLLECT_VENDORS), weights=list(data.COLLECT_VENDORS.values()))[0]
        model = model_for(vendor, Role.COLLECT)
        routers[pop] = []
        for n in range(1, max(2, -(-demand[pop] // COLLECT_MAX_ACCESS)) + 1):
            dev = b.device(DevicePlan(f"{pop}-C{n:02d}", Role.COLLECT, vendor, model, addr.next(), profile,
                                      location=pop))
            routers[pop].append(dev)
            for plane in Plane:
                b.link(f"COL-{dev.name}-{plane.value}", cores[(pop, plane)], G10, G10, "DOWNLINK",
                       dev, G10, G10, "UPLINK", Layer.COLLECT, Medium.FIBRE, G10)
    return _Collects(routers)


def _site_devices(b: Builder, plans: list[SitePlan], collects: _Collects, profile: str) -> dict[str, Site]:
    addr = Addresses("127.16.0.1")
    sites: dict[str, Site] = {}
    for p in plans:
        devs: list[str] = []

        def router(suffix: str, role: Role, p: SitePlan = p, devs: list[str] = devs) -> DevicePlan:
            devs.append(f"{p.code}-{suffix}")
            return b.device(DevicePlan(devs[-1], role, p.vendor, model_for(p.vendor, role),
                                       addr.next(), profile, site=p.code))

        def access(ce: DevicePlan, collect: DevicePlan, p: SitePlan = p) -> None:
            itf_speed = G1 if p.medium is Medium.FIBRE else 100
            b.link(f"ACC-{ce.name}", collect, G1, G1, "ACCESS", ce, G1, itf_speed, "UPLINK",
                   Layer.ACCESS, p.medium, p.capacity)

        def lan(x: DevicePlan, y: DevicePlan, p: SitePlan = p) -> None:
            b.link(f"LAN-{p.code}-{x.name[-2:]}-{y.name[-2:]}", x, G1, G1, "LAN", y, G1, G1, "LAN",
                   Layer.LAN, Medium.ETHERNET, G1)

        r1 = router("R1", Role.CE)
        home = collects.take(p.pop)
        access(r1, home)
        if p.access_class == "premium":
            r2 = router("R2", Role.CE)
            access(r2, collects.take(NEIGHBOUR_POP[p.pop]))
            lan(r1, r2)
        elif p.access_class == "standard":
            b1 = router("B1", Role.BACKUP_4G)
            lan(r1, b1)
            b.link(f"4G-{b1.name}", collects.take(p.pop, avoid=home), G1, G1, "4G", b1, CELL, CELL_MBPS, "4G",
                   Layer.BACKUP_4G, Medium.CELLULAR_4G, CELL_MBPS)
        sites[p.code] = Site(p.code, p.name, p.region, p.pop, p.access_class, p.lot, tuple(devs))
    return sites
