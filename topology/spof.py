"""Single points of failure of every site at once, from one dominator tree.

A site keeps its service while one of its nodes reaches the core. Picture a virtual *sink* fed by
every node of the site: the elements whose loss cuts the site off are the dominators of that sink
(from a root feeding the core). Stubs lead nowhere else, so these split in two
(:mod:`topology.index`):

- the **transit** dominators: the *anchor* of the site (the nearest common dominator of the transit
  ends of its usable entries) and the anchor's dominators, up to the root;
- the **local** ones: the access link and the stub on every usable entry (there is one entry: its
  link and stub are points of failure; two entries landing on one router: that router is).

The core nodes are the destination (as if merged into one): a path may end at any of them, and a
core node is not counted as a point of failure of a site (its loss is in its blast radius). The
number of independent paths to the core follows (Menger): 0 if no entry is usable, 1 if an element
outside the site and the core is a point of failure, else 2 or more (reported as 2); paths are
independent when they share no element (node or link) outside the site and the core. The site's
own nodes are reported apart (``own_spofs``: an economy site's only router).

Pure functions of an :class:`~topology.index.Index` and a set of removed elements (what is down).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from topology.dominators import UNREACHED, Tree, block_dominators, tree
from topology.graph import Network
from topology.index import ROOT, Index


@dataclass(frozen=True, slots=True)
class Solution:
    """The network solved for one set of removed elements."""

    index: Index
    removed: frozenset[int]
    tree: Tree  # dominator tree of the flow graph
    anchor: list[int]  # per site: flow node dominating all its usable entries; UNREACHED if cut off
    local: list[tuple[int, ...]]  # per site: access links and stubs on every usable entry

    def lost(self) -> list[int]:
        """Sites cut off the core."""
        return [s for s, a in enumerate(self.anchor) if a == UNREACHED]


def solve(index: Index, removed: Iterable[int] = ()) -> Solution:
    gone = frozenset(removed)
    rflow = {index.flow_of[e] for e in gone if e in index.flow_of}
    idom, _order = block_dominators(index.adj, ROOT, rflow)
    t = tree(idom, ROOT)
    depth = t.depth
    anchors: list[int] = []
    locals_: list[tuple[int, ...]] = []
    none: tuple[int, ...] = ()
    for entries in index.site_entries:
        a = UNREACHED
        loc: tuple[int, ...] | None = None
        for lid, m, fx in entries:
            if idom[fx] == UNREACHED or (gone and (lid in gone or m in gone)):
                continue
            if a == UNREACHED:
                a = fx
            elif a != fx:  # nearest common dominator
                b = fx
                while depth[a] > depth[b]:
                    a = idom[a]
                while depth[b] > depth[a]:
                    b = idom[b]
                while a != b:
                    a, b = idom[a], idom[b]
            here = (lid, m) if lid >= 0 else none
            loc = here if loc is None else tuple(e for e in loc if e in here)
        anchors.append(a)
        locals_.append(loc if loc is not None else none)
    return Solution(index, gone, t, anchors, locals_)


@dataclass(frozen=True, slots=True)
class SiteResilience:
    site: str
    access_class: str
    paths: int  # 0 cut off, 1 one point of failure or more, 2 two or more independent paths
    spofs: tuple[str, ...]  # elements outside the site and the core whose loss alone cuts it off, nearest first
    own_spofs: tuple[str, ...]  # the site's own nodes whose loss cuts it off


def spof_ids(sol: Solution, s: int) -> tuple[list[int], list[int]]:
    """Element ids whose loss cuts site ``s`` off: (outside the site and the core, the site's own), nearest first."""
    a = sol.anchor[s]
    if a == UNREACHED:
        return [], []
    index = sol.index
    own = index.own[s]
    outside: list[int] = []
    mine: list[int] = []
    for e in sol.local[s]:
        (mine if e in own else outside).append(e)
    core = index.core
    for f in sol.tree.chain(a):
        e = index.flow_elem[f]
        if e in own:
            mine.append(e)
        elif e not in core:  # the destination, not a point of failure of the site
            outside.append(e)
    return outside, mine


def site_resilience(sol: Solution, s: int) -> SiteResilience:
    index = sol.index
    outside, mine = spof_ids(sol, s)
    paths = 0 if sol.anchor[s] == UNREACHED else 1 if outside else 2
    names = index.names
    return SiteResilience(index.site_codes[s], index.site_class[s], paths, tuple(names[e] for e in outside),
                          tuple(names[e] for e in mine))


def all_sites(sol: Solution) -> list[SiteResilience]:
    return [site_resilience(sol, s) for s in range(len(sol.anchor))]


@dataclass(frozen=True, slots=True)
class Finding:
    site: str
    access_class: str
    kind: str  # "cut_off", "spof" (fewer independent paths than the class expects), "group" (one POP/DC)
    elements: tuple[str, ...]  # what it hangs on
    text: str


def findings(net: Network, sites: Iterable[SiteResilience],
             group_cuts: dict[str, list[str]] | None = None) -> list[Finding]:
    """Sites cut off, and sites with fewer independent paths than their class expects (a premium
    site hanging on one collect router); with ``group_cuts`` (group → sites it cuts, see
    :func:`topology.blast.group_blast`), sites of a redundant class that one POP or datacentre cuts off."""
    out: list[Finding] = []
    by_group: dict[str, list[str]] = {}
    for group, cut in (group_cuts or {}).items():
        for code in cut:
            by_group.setdefault(code, []).append(group)
    for r in sites:
        cls = net.classes.get(r.access_class)
        expected = cls.expected_redundancy if cls is not None else 1
        label = f"{r.access_class} site" if r.access_class else "site"
        if r.paths == 0:
            out.append(Finding(r.site, r.access_class, "cut_off", (), f"{label} {r.site} is cut off the core"))
        elif r.paths < expected:
            what = ", ".join(r.spofs[:4]) + (", ..." if len(r.spofs) > 4 else "")
            out.append(Finding(r.site, r.access_class, "spof", r.spofs,
                               f"{label} {r.site} expects {expected} independent paths but hangs on {what}"))
        elif expected >= 2 and r.site in by_group:
            groups = tuple(sorted(by_group[r.site]))
            out.append(Finding(r.site, r.access_class, "group", groups,
                               f"{label} {r.site} has {expected}+ paths but all through {' or '.join(groups)}: "
                               "losing that one location cuts it off"))
    return out
