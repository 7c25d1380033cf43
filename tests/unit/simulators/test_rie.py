"""The synthetic RIE generator: determinism, structure, classes, addressing, validity."""

from __future__ import annotations

import ipaddress
from collections import Counter

import networkx as nx
import pytest

from simulators.rie import NEIGHBOUR_POP, generate_rie
from simulators.rie_data import REGIONS
from simulators.rie_topology import INTERFACE_RANGES
from vigie.inventory import dump_inventory, parse_inventory, to_document
from vigie.model import Device, Inventory, Layer, LocationKind, Medium, Plane, Role

CLASS_SHARES = {"premium": 0.06, "standard": 0.38, "economy": 0.53, "overseas": 0.03}


@pytest.fixture(scope="module")
def rie() -> Inventory:
    return generate_rie(sites=2000, seed=7)


def access_links(inv: Inventory, device: str) -> list[tuple[Device, Medium, int]]:
    """(collect router, medium, capacity) of each access or 4G link of a site device."""
    out = []
    for link in inv.links_of(device):
        if link.layer in (Layer.ACCESS, Layer.BACKUP_4G):
            out.append((inv.devices[link.other(device).device], link.medium, link.capacity_mbps))
    return out


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    first = dump_inventory(generate_rie(sites=300, seed=11))
    assert dump_inventory(generate_rie(sites=300, seed=11)) == first
    assert dump_inventory(generate_rie(sites=300, seed=12)) != first


@pytest.mark.parametrize("snmp", ["v2c", "v3", "mixed"])
def test_generated_inventory_validates(snmp: str) -> None:
    inv = generate_rie(sites=400, seed=3, port=16100, snmp=snmp)
    parsed, problems = parse_inventory(to_document(inv))
    assert problems == []
    assert parsed is not None and len(parsed.devices) == len(inv.devices)
    assert all(p.port == 16100 for p in inv.snmp_profiles.values())
    infra = {d.snmp_profile for d in inv.devices.values() if d.site is None}
    site = {d.snmp_profile for d in inv.devices.values() if d.site is not None}
    expected = {"v2c": ({"rie-v2c"}, {"rie-v2c"}), "v3": ({"rie-v3"}, {"rie-v3"}),
                "mixed": ({"rie-v3"}, {"rie-v2c"})}[snmp]
    assert (infra, site) == expected
    for profile in inv.snmp_profiles.values():
        refs = [profile.community_ref, profile.auth_key_ref, profile.priv_key_ref]
        assert all(r is None or r.startswith("env:VIGIE_SNMP_") for r in refs)


def test_metadata_has_no_clock(rie: Inventory) -> None:
    assert rie.metadata == {"generator": "vigie inventory generate", "seed": 7, "sites": 2000}


def test_locations_and_infrastructure_routers(rie: Inventory) -> None:
    dcs = [loc for loc in rie.locations.values() if loc.kind is LocationKind.DATACENTRE]
    pops = list(rie.pops())
    assert len(dcs) == 4 and len(pops) == 13
    assert {r.code for r in REGIONS} == set(rie.regions)
    assert sum(r.overseas for r in rie.regions.values()) == 5
    for loc, role in [(d, Role.DATACENTRE) for d in dcs] + [(p, Role.CORE) for p in pops]:
        routers = [d for d in rie.devices.values() if d.location == loc.code and d.role is role]
        assert sorted(d.plane for d in routers if d.plane) == [Plane.A, Plane.B], loc.code
    for pop in pops:
        assert any(d.role is Role.COLLECT and d.location == pop.code for d in rie.devices.values())


def test_backbone_planes_are_rings_with_chords(rie: Inventory) -> None:
    backbone = [link for link in rie.links.values() if link.layer is Layer.BACKBONE]
    assert all(link.medium is Medium.FIBRE and link.capacity_mbps == 100_000 for link in backbone)
    for plane in Plane:
        cores = {d.name for d in rie.devices.values() if d.role is Role.CORE and d.plane is plane}
        g = nx.Graph([(link.a.device, link.b.device) for link in backbone
                      if link.a.device in cores and link.b.device in cores])
        assert set(g) == cores
        assert nx.edge_connectivity(g) >= 2  # a ring: no single fibre cut splits the plane
        assert g.number_of_edges() > len(cores)  # plus chords
    for link in backbone:
        a, b = rie.devices[link.a.device], rie.devices[link.b.device]
        if a.plane is not b.plane:  # only the A-B cross-connects of one location mix the planes
            assert a.location == b.location and a.role is b.role
    for dc_router in (d for d in rie.devices.values() if d.role is Role.DATACENTRE):
        peers = [rie.devices[link.other(dc_router.name).device] for link in rie.links_of(dc_router.name)]
        core_peers = [p for p in peers if p.role is Role.CORE]
        assert 2 <= len(core_peers) <= 3 and all(p.plane is dc_router.plane for p in core_peers)
        assert [p.location for p in peers if p.role is Role.DATACENTRE] == [dc_router.location]
    chords = {frozenset(ln.id.split("-")[2:]) for ln in backbone if ln.id.startswith("BB-A-") and "DC" not in ln.id}
    chords_b = {frozenset(ln.id.split("-")[2:]) for ln in backbone if ln.id.startswith("BB-B-") and "DC" not in ln.id}
    assert chords != chords_b  # the planes share the ring but not the chords


def test_collect_routers_are_dual_homed_to_their_pop(rie: Inventory) -> None:
    for dev in (d for d in rie.devices.values() if d.role is Role.COLLECT):
        ups = [link for link in rie.links_of(dev.name) if link.layer is Layer.COLLECT]
        cores = sorted((rie.devices[link.other(dev.name).device] for link in ups), key=lambda d: d.name)
        assert [(c.location, c.plane) for c in cores] == [(dev.location, Plane.A), (dev.location, Plane.B)]
        assert all(link.capacity_mbps == 10_000 for link in ups)


def test_class_proportions(rie: Inventory) -> None:
    counts = Counter(s.access_class for s in rie.sites.values())
    for cls, share in CLASS_SHARES.items():
        assert abs(counts[cls] / 2000 - share) < 0.01, cls
    for site in rie.sites.values():
        assert (site.access_class == "overseas") == rie.regions[site.region].overseas


def test_premium_sites_land_in_two_pops(rie: Inventory) -> None:
    premium = [s for s in rie.sites.values() if s.access_class == "premium"]
    assert premium
    for site in premium:
        assert site.devices == (f"{site.code}-R1", f"{site.code}-R2")
        (c1, m1, _), = access_links(rie, site.devices[0])
        (c2, m2, _), = access_links(rie, site.devices[1])
        assert (c1.location, c2.location) == (site.pop, NEIGHBOUR_POP[site.pop])
        assert c1.location != c2.location and m1 is m2 is Medium.FIBRE
        lan = [ln for ln in rie.links_of(site.devices[0]) if ln.layer is Layer.LAN]
        assert [ln.other(site.devices[0]).device for ln in lan] == [site.devices[1]]


def test_standard_sites_have_a_4g_backup_to_another_collect_router(rie: Inventory) -> None:
    standard = [s for s in rie.sites.values() if s.access_class == "standard"]
    assert standard
    for site in standard:
        r1, b1 = site.devices
        assert rie.devices[b1].role is Role.BACKUP_4G
        (fibre_collect, medium, _), = access_links(rie, r1)
        (backup_collect, backup_medium, capacity), = access_links(rie, b1)
        assert medium is Medium.FIBRE and backup_medium is Medium.CELLULAR_4G and capacity == 50
        assert backup_collect.location == fibre_collect.location == site.pop
        assert backup_collect.name != fibre_collect.name
        link_4g = next(ln for ln in rie.links_of(b1) if ln.layer is Layer.BACKUP_4G)
        b1_end = link_4g.a if link_4g.a.device == b1 else link_4g.b
        assert b1_end.interface.startswith(("Cellular", "cl-"))


def test_economy_and_overseas_accesses(rie: Inventory) -> None:
    for site in rie.sites.values():
        if site.access_class not in ("economy", "overseas"):
            continue
        (r1,) = site.devices
        (collect, medium, _), = access_links(rie, r1)
        if site.access_class == "economy":
            assert medium in (Medium.FIBRE, Medium.COPPER) and collect.location == site.pop
        else:
            assert medium in (Medium.SATELLITE, Medium.COPPER) and collect.location in ("PAR", "MRS")
            assert site.pop == collect.location


def test_link_capacities_match_media(rie: Inventory) -> None:
    ranges = {Medium.FIBRE: (100, 100_000), Medium.COPPER: (10, 100), Medium.SATELLITE: (10, 50),
              Medium.CELLULAR_4G: (50, 50), Medium.ETHERNET: (1000, 1000)}
    for link in rie.links.values():
        lo, hi = ranges[link.medium]
        assert lo <= link.capacity_mbps <= hi, link
        if link.layer is Layer.ACCESS and link.medium is Medium.FIBRE:
            assert link.capacity_mbps <= 1000
        for end in (link.a, link.b):
            assert rie.devices[end.device].interface(end.interface).speed_mbps >= link.capacity_mbps


def test_interfaces_per_role(rie: Inventory) -> None:
    for dev in rie.devices.values():
        lo, hi = INTERFACE_RANGES[dev.role]
        assert lo <= len(dev.interfaces) <= hi, (dev.name, len(dev.interfaces))
        assert len({i.index for i in dev.interfaces}) == len(dev.interfaces)
        assert len({i.name for i in dev.interfaces}) == len(dev.interfaces)
    assert any(not i.admin_up for d in rie.devices.values() for i in d.interfaces)


def test_links_end_on_existing_interfaces_once_with_aliases(rie: Inventory) -> None:
    used: set[tuple[str, str]] = set()
    for link in rie.links.values():
        for end, far in ((link.a, link.b), (link.b, link.a)):
            itf = rie.devices[end.device].interface(end.interface)  # raises if missing
            assert (end.device, end.interface) not in used
            used.add((end.device, end.interface))
            assert far.device in itf.alias and itf.admin_up


def test_management_addresses(rie: Inventory) -> None:
    addresses = [d.mgmt_address for d in rie.devices.values()]
    assert len(set(addresses)) == len(addresses)
    net = ipaddress.ip_network("127.0.0.0/8")
    for a in addresses:
        assert ipaddress.ip_address(a) in net and a != "127.0.0.1"
        assert not a.endswith((".0", ".255"))
    assert rie.devices["S00001-R1"].mgmt_address == "127.16.0.1"


def test_naming_and_lots(rie: Inventory) -> None:
    lots = {r.code: r.lot for r in REGIONS}
    names = [s.name for s in rie.sites.values()]
    assert len(set(names)) == len(names)
    for n, (code, site) in enumerate(rie.sites.items(), start=1):
        assert code == f"S{n:05d}" and site.lot == lots[site.region]
        assert all(d.startswith(code + "-") and rie.devices[d].site == code for d in site.devices)
        assert len({rie.devices[d].vendor for d in site.devices}) == 1
    assert {d.vendor for d in rie.devices.values()} == {"cisco", "juniper", "huawei"}


def test_small_inventories_keep_the_skeleton() -> None:
    tiny = generate_rie(sites=10)
    assert len(list(tiny.pops())) == 13 and len(list(tiny.datacentres())) == 4
    assert len(tiny.sites) == 10
    assert parse_inventory(to_document(tiny))[1] == []
    twenty = generate_rie(sites=20, seed=1)
    assert {s.access_class for s in twenty.sites.values()} == set(CLASS_SHARES)


@pytest.mark.parametrize("kwargs", [{"sites": 0}, {"sites": 100_000}, {"port": 0}, {"snmp": "v1"}])
def test_bad_arguments_say_what_to_use(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"use|generate|one of"):
        generate_rie(**kwargs)  # type: ignore[arg-type]


def test_full_rie_structure() -> None:
    inv = generate_rie()
    classes = Counter(s.access_class for s in inv.sites.values())
    assert classes == {"premium": 840, "standard": 5320, "economy": 7420, "overseas": 420}
    roles = Counter(d.role for d in inv.devices.values())
    assert roles[Role.CE] == 14_000 + classes["premium"]
    assert roles[Role.BACKUP_4G] == classes["standard"]
    assert roles[Role.CORE] == 26 and roles[Role.DATACENTRE] == 8
    layers = Counter(link.layer for link in inv.links.values())
    assert layers[Layer.ACCESS] == roles[Role.CE] and layers[Layer.BACKUP_4G] == classes["standard"]
    assert layers[Layer.COLLECT] == 2 * roles[Role.COLLECT]
    for dev in inv.devices.values():
        lo, hi = INTERFACE_RANGES[dev.role]
        assert lo <= len(dev.interfaces) <= hi, (dev.name, len(dev.interfaces))
    assert len({d.mgmt_address for d in inv.devices.values()}) == len(inv.devices)
