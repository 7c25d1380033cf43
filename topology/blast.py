"""Blast radius of every node and link in one pass, of groups (a POP, a datacentre), and N-2.

The sites an element cuts off are the sites whose sink it dominates (:mod:`topology.spof`): for
an element of the transit level, the sites anchored in its dominator subtree (one sum over the
tree for all of them); for an access link or a site's router, its own site when it lies on every
usable entry. A group (every device of a POP) or a pair of elements is one more solve with those
elements removed: one pass, never a copy of the graph.

N-2: :func:`pair_damage` for a given pair (any elements); :func:`top_pairs` for the pairs of transit
elements (infrastructure nodes and links) whose *joint* loss cuts off the most sites that neither
loss alone cuts off: one dominator pass per first element, the sites grouped by the set of transit
routers they hang on, so a pass costs the size of the infrastructure, not of the network.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from topology.dominators import UNREACHED, block_dominators
from topology.index import ROOT, Index
from topology.spof import Solution, solve

Progress = Callable[[int, int], None]


def blast_counts(sol: Solution) -> list[int]:
    """Per element id, the number of sites it cuts off the core if it fails (removed elements: 0)."""
    index, t = sol.index, sol.tree
    weight = [0] * len(index.flow_elem)
    for a in sol.anchor:
        if a != UNREACHED:
            weight[a] += 1
    total = t.subtree_sums(weight)
    counts = [0] * len(index.names)
    for f in t.preorder:
        if f != ROOT:
            counts[index.flow_elem[f]] = total[f]
    for loc in sol.local:
        for e in loc:
            counts[e] += 1
    return counts


def sites_cut_by(sol: Solution, element: int) -> list[int]:
    """The sites (indexes) that lose the core if ``element`` fails too."""
    index = sol.index
    if element in sol.removed:
        return []
    f = index.flow_of.get(element)
    if f is not None:
        t = sol.tree
        if not t.reached(f):
            return []
        lo, hi = t.tin[f], t.tout[f]
        tin = t.tin
        return [s for s, a in enumerate(sol.anchor) if a != UNREACHED and lo <= tin[a] < hi]
    s = index.site_of.get(element)
    if s is not None and element in sol.local[s]:
        return [s]
    return []


def group_blast(index: Index, base: Solution, groups: Mapping[str, Iterable[int]],
                progress: Progress | None = None) -> dict[str, list[int]]:
    """Per group (name → element ids), the sites its loss cuts off beyond those already cut off."""
    already = set(base.lost())
    out: dict[str, list[int]] = {}
    for i, (name, members) in enumerate(groups.items()):
        sol = solve(index, base.removed | frozenset(members))
        out[name] = [s for s in sol.lost() if s not in already]
        if progress is not None:
            progress(i + 1, len(groups))
    return out


@dataclass(frozen=True, slots=True)
class PairDamage:
    first: str
    second: str
    both: int  # sites cut off when both fail (beyond those already cut off)
    joint: int  # of which neither failure alone cuts off
    first_alone: int
    second_alone: int
    sites: tuple[str, ...] = ()  # the jointly cut sites (given pairs only)


def pair_damage(index: Index, base: Solution, first: int, second: int) -> PairDamage:
    """What losing ``first`` and ``second`` together does, on top of what is already down."""
    sol = solve(index, base.removed | {first})
    already = set(base.lost())
    both = (set(sol.lost()) | set(sites_cut_by(sol, second))) - already
    alone_1, alone_2 = set(sites_cut_by(base, first)), set(sites_cut_by(base, second))
    joint = both - alone_1 - alone_2
    names = index.names
    return PairDamage(names[first], names[second], len(both), len(joint), len(alone_1), len(alone_2),
                      tuple(index.site_codes[s] for s in sorted(joint)))


def signatures(sol: Solution) -> list[tuple[tuple[int, ...], int]]:
    """Sites grouped by the transit flow nodes of their usable entries: (entry set, number of sites)."""
    gone = sol.removed
    idom = sol.tree.idom
    count: dict[tuple[int, ...], int] = {}
    for s, entries in enumerate(sol.index.site_entries):
        if sol.anchor[s] == UNREACHED:
            continue
        sig = tuple(sorted({fx for lid, m, fx in entries
                            if idom[fx] != UNREACHED and lid not in gone and m not in gone}))
        count[sig] = count.get(sig, 0) + 1
    return sorted(count.items())


def top_pairs(index: Index, base: Solution, k: int = 10, candidates: Iterable[int] | None = None,
              progress: Progress | None = None) -> list[PairDamage]:
    """The ``k`` pairs of transit elements with the most jointly cut sites (ties: most sites cut by
    both, then names). ``candidates`` limits the first elements (default: every transit element)."""
    t0 = base.tree
    flows = [f for f in t0.preorder if f != ROOT]
    first = sorted(index.flow_of[e] for e in candidates) if candidates is not None else sorted(flows)
    first = [f for f in first if t0.reached(f)]
    in_first = set(first)
    weight0 = [0] * len(index.flow_elem)
    for a in base.anchor:
        if a != UNREACHED:
            weight0[a] += 1
    alone = t0.subtree_sums(weight0)
    sigs = signatures(base)
    rflow = {index.flow_of[e] for e in base.removed if e in index.flow_of}
    heap: list[tuple[int, int, int, int]] = []  # (joint, both, -x, -y): the k largest
    for i, fx in enumerate(first):
        idom, order = block_dominators(index.adj, ROOT, rflow | {fx})
        depth = [0] * len(idom)
        for v in order[1:]:
            depth[v] = depth[idom[v]] + 1
        weight = [0] * len(idom)
        lost_x = 0
        for sig, n in sigs:
            a = UNREACHED
            for x in sig:
                if idom[x] == UNREACHED:
                    continue
                if a == UNREACHED:
                    a = x
                    continue
                b = x
                while depth[a] > depth[b]:
                    a = idom[a]
                while depth[b] > depth[a]:
                    b = idom[b]
                while a != b:
                    a, b = idom[a], idom[b]
            if a == UNREACHED:
                lost_x += n
            else:
                weight[a] += n
        total = weight
        for v in reversed(order[1:]):
            total[idom[v]] += total[v]
        ax = alone[fx]
        lo, hi = t0.tin[fx], t0.tout[fx]
        for fy in order[1:]:
            if (fy in in_first and fy < fx) or total[fy] == 0:
                continue
            ay = alone[fy]
            ty = t0.tin[fy]
            if lo <= ty < hi:
                inter = ay
            elif t0.tin[fy] <= t0.tin[fx] < t0.tout[fy]:
                inter = ax
            else:
                inter = 0
            both = lost_x + total[fy]
            joint = both - (ax + ay - inter)
            if joint <= 0:
                continue
            item = (joint, both, -min(fx, fy), -max(fx, fy))
            if len(heap) < k:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)
        if progress is not None:
            progress(i + 1, len(first))
    names, elem = index.names, index.flow_elem
    out = []
    for joint, both, nx_, ny_ in sorted(heap, reverse=True):
        fx, fy = -nx_, -ny_
        out.append(PairDamage(names[elem[fx]], names[elem[fy]], both, joint, alone[fx], alone[fy]))
    return out
