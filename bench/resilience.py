"""Benchmark of the resilience analyses on the full synthetic RIE (prints figures; not a test).

    .venv/bin/python bench/resilience.py [--sites 14000] [--seed 7] [--naive-sample 24] [--samples 10000]

Measures, in wall-clock seconds on this machine:

- the graph: networkx multigraph from the inventory, and its compiled two-level index;
- every site's points of failure and paths to the core, plus the blast radius of every node and
  link (target: at most 2 s, graph included);
- the naive way, in networkx: one graph copy per failed element, the element removed, the
  network walked again (no-transit rule), timed on a sample of elements and extrapolated to every
  element; the results of the sample are checked against the fast ones;
- the blast radius of every POP and datacentre, the articulation points and bridges, the N-2 scan
  of every pair of infrastructure elements;
- Monte Carlo of every site's availability (target: 10,000 samples in at most 30 s).

The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulators.rie import generate_rie
from topology.availability import element_availability
from topology.blast import blast_counts, group_blast, sites_cut_by, top_pairs
from topology.cuts import articulation_points_and_bridges
from topology.graph import from_inventory
from topology.index import compile_network
from topology.montecarlo import simulate
from topology.reference import lost_sites, naive_blast
from topology.spof import all_sites, solve


def line(label: str, seconds: float, note: str = "") -> None:
    print(f"{label:<44} {seconds:10.3f} s" + (f"  ({note})" if note else ""))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=14000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--naive-sample", type=int, default=24, help="elements timed the naive way")
    parser.add_argument("--samples", type=int, default=10_000, help="Monte Carlo samples")
    args = parser.parse_args()

    inv = generate_rie(args.sites, args.seed)
    print(f"RIE: {len(inv.sites)} sites, {len(inv.devices)} devices, {len(inv.links)} links (seed {args.seed})")

    t0 = time.perf_counter()
    net = from_inventory(inv)
    t1 = time.perf_counter()
    index = compile_network(net)
    t2 = time.perf_counter()
    base = solve(index)
    sites = all_sites(base)
    t3 = time.perf_counter()
    counts = blast_counts(base)
    t4 = time.perf_counter()
    graph_s, compile_s, spof_s, blast_s = t1 - t0, t2 - t1, t3 - t2, t4 - t3
    fast_s = t4 - t0
    elements = len(index.names)
    line("graph (networkx, from the inventory)", graph_s)
    line("compiled index (two levels)", compile_s)
    line(f"SPOFs and paths of {len(sites)} sites", spof_s)
    worst = max(range(elements), key=lambda e: (counts[e], -e))
    line(f"blast radius of {elements} elements", blast_s, f"worst single element: {index.names[worst]}, "
         f"{counts[worst]} sites")
    line("all of it, graph included", fast_s, "target <= 2 s")

    rng = random.Random(1)
    infra = sorted(n for n, d in inv.devices.items() if d.site is None)
    sample = rng.sample(infra, args.naive_sample // 3) + rng.sample(sorted(inv.devices), args.naive_sample // 3)
    sample += rng.sample(sorted(inv.links), args.naive_sample - len(sample))
    ends = net.link_ends()
    baseline = lost_sites(net)
    agree = 0
    t5 = time.perf_counter()
    for x in sample:
        lost = naive_blast(net, x, ends, baseline)
        agree += lost == {index.site_codes[s] for s in sites_cut_by(base, index.ids[x])}
    naive_each = (time.perf_counter() - t5) / len(sample)
    naive_all = naive_each * elements
    ratio = naive_all / fast_s
    line("naive, per element (copy, remove, walk)", naive_each, f"{agree}/{len(sample)} agree with the fast answer")
    line("naive, every element (extrapolated)", naive_all, f"{naive_all / 3600:.1f} h; ratio {ratio:,.0f}x")

    t6 = time.perf_counter()
    groups = {g: [index.ids[d] for d in members] for g, members in net.groups.items()}
    cut = group_blast(index, base, groups)
    t7 = time.perf_counter()
    aps, bridges = articulation_points_and_bridges(index)
    t8 = time.perf_counter()
    pairs = top_pairs(index, base, 10)
    t9 = time.perf_counter()
    worst_group = max(cut, key=lambda g: len(cut[g]))
    line(f"blast radius of {len(groups)} locations", t7 - t6, f"worst: {worst_group}, {len(cut[worst_group])} sites")
    line("articulation points and bridges", t8 - t7, f"{len(aps)} and {len(bridges)}")
    transit = sum(1 for f in index.flow_elem if f >= 0)
    line(f"N-2 scan, {transit} infrastructure elements", t9 - t8,
         f"worst pair: {pairs[0].first} + {pairs[0].second}, {pairs[0].joint} sites")

    avail = element_availability(net)
    t10 = time.perf_counter()
    mc = simulate(net, avail, samples=args.samples, seed=1)
    mc_s = time.perf_counter() - t10
    line(f"Monte Carlo, {args.samples} samples", mc_s, f"target <= 30 s; sites cut off per sample: mean "
         f"{mc.isolated_mean:.1f}, p99 {mc.isolated_quantiles['p99']}")
    for c in mc.classes:
        print(f"  {c.name:<9} target {100 * (c.target or 0):7.3f} %  expected {100 * c.mean:8.4f} %  "
              f"worst {100 * c.worst:8.4f} %  meets {c.meets}, below {c.below}, unsure {c.unsure}")

    print(json.dumps({
        "sites": len(inv.sites), "devices": len(inv.devices), "links": len(inv.links), "elements": elements,
        "graph_s": round(graph_s, 3), "compile_s": round(compile_s, 3), "spof_s": round(spof_s, 3),
        "blast_s": round(blast_s, 3), "spof_blast_total_s": round(fast_s, 3),
        "naive_per_element_s": round(naive_each, 4), "naive_sample": len(sample), "naive_agree": agree,
        "naive_all_elements_s": round(naive_all, 1), "speedup": round(ratio, 1),
        "locations_s": round(t7 - t6, 3), "cuts_s": round(t8 - t7, 3), "n2_scan_s": round(t9 - t8, 3),
        "n2_first_elements": transit, "montecarlo_samples": args.samples, "montecarlo_s": round(mc_s, 3),
        "isolated_mean": round(mc.isolated_mean, 2),
    }))


if __name__ == "__main__":
    main()
