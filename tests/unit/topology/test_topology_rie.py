"""The generated RIE: every infrastructure element of a small one against brute force; a sample of
elements of the full 14,000-site one; findings on premium sites rewired onto one collect router or
one POP."""

from __future__ import annotations

import dataclasses
import random
from functools import cache

from simulators.rie import generate_rie
from topology.analysis import analyze
from topology.blast import blast_counts, group_blast, pair_damage, sites_cut_by
from topology.graph import Network, from_inventory
from topology.index import compile_network
from topology.reference import lost_sites, naive_blast
from topology.spof import all_sites, solve
from vigie.model import Endpoint, Inventory


@cache
def small() -> tuple[Inventory, Network]:
    inv = generate_rie(sites=200, seed=3)
    return inv, from_inventory(inv)


@cache
def full() -> Network:
    return from_inventory(generate_rie())


def test_small_rie_every_infrastructure_element_against_brute_force() -> None:
    inv, net = small()
    index = compile_network(net)
    base = solve(index)
    counts = blast_counts(base)
    spofs = {r.site: set(r.spofs) | set(r.own_spofs) for r in all_sites(base)}
    infra = [n for n, d in inv.devices.items() if d.site is None]
    infra += [lk.id for lk in inv.links.values() if inv.devices[lk.a.device].site is None
              and inv.devices[lk.b.device].site is None]
    sample = random.Random(1).sample(sorted(inv.devices) + sorted(inv.links), 150)
    for x in infra + sample:
        lost = lost_sites(net, [x])
        assert {index.site_codes[s] for s in sites_cut_by(base, index.ids[x])} == lost, x
        assert counts[index.ids[x]] == len(lost), x
        assert all(x in spofs[code] for code in lost), x
    assert len(infra) > 100


def test_full_rie_sample_against_naive_recomputation() -> None:
    net = full()
    index = compile_network(net)
    base = solve(index)
    assert not base.lost()
    counts = blast_counts(base)
    assert naive_blast(net, "PAR-C01") == {index.site_codes[s] for s in sites_cut_by(base, index.ids["PAR-C01"])}
    sample = ["PAR-CA", "LYO-C03", "BB-A-PAR-LYO", "COL-MRS-C02-A", "S00001-R1", "ACC-S00001-R1"]
    sample += random.Random(7).sample(sorted(net.links), 2)
    for x in sample:
        lost = lost_sites(net, [x])
        assert {index.site_codes[s] for s in sites_cut_by(base, index.ids[x])} == lost, x
        assert counts[index.ids[x]] == len(lost), x
    cut = group_blast(index, base, {"LYO": [index.ids[d] for d in net.groups["LYO"]]})
    assert {index.site_codes[s] for s in cut["LYO"]} == lost_sites(net, net.groups["LYO"])
    both = pair_damage(index, base, index.ids["LYO-CA"], index.ids["LYO-CB"])
    assert both.both == len(lost_sites(net, ["LYO-CA", "LYO-CB"])) and both.joint == both.both > 1000


def rewire(inv: Inventory, site: str, collect: str) -> Inventory:
    """The premium site's second access moved onto ``collect``."""
    links = dict(inv.links)
    lid = f"ACC-{site}-R2"
    old = links[lid]
    far = old.a if old.b.device == f"{site}-R2" else old.b
    new_end = Endpoint(collect, far.interface)
    links[lid] = dataclasses.replace(old, a=new_end) if old.a is far else dataclasses.replace(old, b=new_end)
    return dataclasses.replace(inv, links=links)


def test_findings_on_premium_sites_rewired() -> None:
    inv, _ = small()
    premium = sorted(code for code, s in inv.sites.items() if s.access_class == "premium")
    assert len(premium) >= 2
    first, second = premium[:2]
    collect_of = {lk.id: (lk.a.device if lk.b.device.startswith("S") else lk.b.device) for lk in inv.links.values()}
    home = collect_of[f"ACC-{first}-R1"]
    inv2 = rewire(inv, first, home)  # both accesses on one collect router
    pop = inv.devices[collect_of[f"ACC-{second}-R1"]].location
    other = next(n for n, d in inv.devices.items() if d.location == pop and d.role.value == "collect"
                 and n != collect_of[f"ACC-{second}-R1"])
    inv2 = rewire(inv2, second, other)  # two collect routers, one POP
    a = analyze(from_inventory(inv2), pairs=3)
    found = {(f.site, f.kind): f for f in a.findings}
    assert (first, "spof") in found and home in found[(first, "spof")].elements
    assert "hangs on" in found[(first, "spof")].text
    assert (second, "group") in found and found[(second, "group")].elements == (pop,)
    assert not any(f.site in premium[2:] for f in a.findings)
    before = analyze(from_inventory(inv), pairs=0)
    assert not [f for f in before.findings if f.access_class == "premium"]
    assert a.pairs and a.pairs[0].joint >= a.pairs[-1].joint
