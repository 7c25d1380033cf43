"""Everything ``vigie resilience analyze`` reports, for every site and every element, in a few passes.

:func:`analyze` is the library entry point: a :class:`~topology.graph.Network`, what is down, and
the optional questions (what-if elements, given N-2 pairs, how many top pairs) in; an
:class:`Analysis` of plain frozen records out (rendered by :mod:`topology.report`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from topology.blast import PairDamage, Progress, blast_counts, group_blast, pair_damage, sites_cut_by, top_pairs
from topology.cuts import articulation_points_and_bridges
from topology.errors import ResilienceError
from topology.graph import GROUP, LINK, NODE, Network
from topology.index import Index, compile_network
from topology.spof import Finding, SiteResilience, all_sites, findings, solve
from topology.whatif import LiveRisk, element_ids, live_risk, what_if


@dataclass(frozen=True, slots=True)
class Impact:
    """What losing one element (or group) cuts off."""

    element: str
    kind: str  # node, link or group
    detail: str  # role or layer (inventory), "" otherwise
    sites: int
    by_class: dict[str, int]  # filled for the top of the ranking and for what-if questions
    site_codes: tuple[str, ...]  # idem


@dataclass(frozen=True, slots=True)
class Analysis:
    network: str
    kind: str  # inventory, graphml, graph
    core: tuple[str, ...]
    elements: dict[str, int]  # nodes, links, sites
    down: tuple[str, ...]
    sites: list[SiteResilience]
    paths: dict[str, int]  # sites with 0, 1 and 2+ independent paths to the core
    findings: list[Finding]
    live: LiveRisk | None  # when something is down
    blast: list[Impact]  # every element cutting at least one site, most damaging first
    groups: list[Impact]  # POPs and datacentres (inventory)
    articulation_points: list[str]
    bridges: list[str]
    pairs: list[PairDamage]  # the most damaging pairs of infrastructure elements (joint damage)
    given_pairs: list[PairDamage]
    what_if: list[Impact]


def details(net: Network) -> dict[str, str]:
    """Element → its role (nodes) or layer (links), when the network has them."""
    out = {str(n): str(d.get("role") or "") for n, d in net.graph.nodes(data=True)}
    out.update((str(k), str(d.get("layer") or "")) for _u, _v, k, d in net.graph.edges(keys=True, data=True))
    out.update((g, "location") for g in net.groups)
    return out


def _impact(index: Index, detail: dict[str, str], name: str, kind: str, sites: Sequence[int], full: bool) -> Impact:
    codes = index.site_codes
    by_class = dict(sorted(Counter(index.site_class[s] or "site" for s in sites).items())) if full else {}
    return Impact(name, kind, detail.get(name, ""), len(sites), by_class,
                  tuple(codes[s] for s in sorted(sites)) if full else ())


def analyze(net: Network, down: Iterable[str] = (), what_if_elements: Iterable[str] = (),
            given_pairs: Iterable[tuple[str, str]] = (), pairs: int = 10, top: int = 20,
            progress: Progress | None = None) -> Analysis:
    """Per-site points of failure, blast radius of every element and group, cuts, N-2 and what-if,
    on the network without ``down`` (node, link or group names)."""
    index = compile_network(net)
    gone = element_ids(index, net, down)
    now = solve(index, gone)
    free = solve(index) if gone else now
    sites = all_sites(now)
    groups = {name: element_ids(index, net, [name]) for name in sorted(net.groups)}
    group_cuts = group_blast(index, now, groups)
    code_cuts = {g: [index.site_codes[s] for s in cut] for g, cut in group_cuts.items()}
    counts = blast_counts(now)
    names = index.names
    ranked = sorted((e for e in range(len(names)) if counts[e] > 0), key=lambda e: (-counts[e], names[e]))
    detail = details(net)
    blast = []
    for i, e in enumerate(ranked):
        kind = LINK if index.is_link(e) else NODE
        if i < top:
            blast.append(_impact(index, detail, names[e], kind, sites_cut_by(now, e), True))
        else:
            blast.append(Impact(names[e], kind, detail.get(names[e], ""), counts[e], {}, ()))
    group_impacts = sorted((_impact(index, detail, g, GROUP, cut, True) for g, cut in group_cuts.items()),
                           key=lambda i: (-i.sites, i.element))
    aps, bridges = articulation_points_and_bridges(index, gone)
    asked = []
    for name in what_if_elements:
        ids = element_ids(index, net, [name])
        kind = net.kind_of(name)
        asked.append(_impact(index, detail, name, kind, what_if(now, ids), True))
    given = [pair_damage(index, now, index.ids[a], index.ids[b])
             for a, b in ((_one(net, x), _one(net, y)) for x, y in given_pairs)]
    top_k = top_pairs(index, now, pairs, progress=progress) if pairs > 0 else []
    paths = Counter(r.paths for r in sites)
    return Analysis(
        network=net.name, kind=net.kind, core=tuple(sorted(net.core)),
        elements={"nodes": index.n_nodes, "links": len(names) - index.n_nodes, "sites": len(index.site_codes)},
        down=tuple(sorted(names[e] for e in gone)), sites=sites,
        paths={"0": paths[0], "1": paths[1], "2+": paths[2]},
        findings=findings(net, sites, code_cuts), live=live_risk(free, now) if gone else None,
        blast=blast, groups=group_impacts, articulation_points=aps, bridges=bridges, pairs=top_k,
        given_pairs=given, what_if=asked)


def _one(net: Network, name: str) -> str:
    """A single node or link (N-2 pairs are of elements, not groups)."""
    if net.kind_of(name) == GROUP:
        raise ResilienceError(f"{name!r} is a group of {len(net.groups[name])} nodes; an N-2 pair takes two "
                              "single elements (use --what-if for a group)")
    return name
