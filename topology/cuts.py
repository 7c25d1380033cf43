"""Articulation points and bridges of the network as traffic can use it, in one depth-first search.

The *no-transit view* of a network holds its nodes, the links between two transit nodes and the
access links (transit node to a site's stub); links inside a site or between two sites carry no
transit and are left out, so the sites' devices hang as leaves. For a GraphML network (no stubs)
the view is the whole graph. Parallel links are never bridges; self-loops are ignored.

:func:`cut_vertices_and_edges` is Hopcroft-Tarjan with low points, iterative (no recursion limit),
on adjacency lists carrying edge ids so that parallel edges are told apart.
"""

from __future__ import annotations

from collections.abc import Sequence

from topology.index import Index

Adjacency = Sequence[Sequence[tuple[int, int]]]  # node → (neighbour, edge id)


def cut_vertices_and_edges(adj: Adjacency) -> tuple[set[int], set[int], int]:
    """(articulation points, bridge edge ids, number of connected components)."""
    n = len(adj)
    disc = [-1] * n
    low = [0] * n
    aps: set[int] = set()
    bridges: set[int] = set()
    t = 0
    components = 0
    for r in range(n):
        if disc[r] != -1:
            continue
        components += 1
        disc[r] = low[r] = t
        t += 1
        root_children = 0
        stack = [(r, -1, iter(adj[r]))]
        while stack:
            u, via, it = stack[-1]
            for v, e in it:
                if e == via or v == u:
                    continue
                if disc[v] == -1:
                    disc[v] = low[v] = t
                    t += 1
                    stack.append((v, e, iter(adj[v])))
                    break
                if disc[v] < low[u]:
                    low[u] = disc[v]
            else:
                stack.pop()
                if not stack:
                    continue
                p = stack[-1][0]
                if low[u] < low[p]:
                    low[p] = low[u]
                if low[u] > disc[p]:
                    bridges.add(via)
                if p == r:
                    root_children += 1
                elif low[u] >= disc[p]:
                    aps.add(p)
        if root_children > 1:
            aps.add(r)
    return aps, bridges, components


def view_adjacency(index: Index, removed: frozenset[int] = frozenset()) -> list[list[tuple[int, int]]]:
    """The no-transit view over node ids, edges by link id (removed elements left out)."""
    adj: list[list[tuple[int, int]]] = [[] for _ in range(index.n_nodes)]
    links = [e for e in index.flow_of if index.is_link(e)]
    links += [lid for entries in index.site_entries for lid, _m, _x in entries if lid >= 0]
    for lid in links:
        if lid in removed:
            continue
        a, b = index.ends[lid - index.n_nodes]
        if a in removed or b in removed:
            continue
        adj[a].append((b, lid))
        adj[b].append((a, lid))
    return adj


def articulation_points_and_bridges(index: Index, removed: frozenset[int] = frozenset()
                                    ) -> tuple[list[str], list[str]]:
    """Names of the articulation points and bridges of the no-transit view, sorted."""
    adj = view_adjacency(index, removed)
    aps, bridges, _ = cut_vertices_and_edges(adj)
    names = index.names
    return sorted(names[v] for v in aps if v not in removed), sorted(names[e] for e in bridges)


def connectivity_class(index: Index) -> int:
    """Node connectivity of the no-transit view capped at 2 (networkx's ``node_connectivity`` convention:
    0 when disconnected or a single node, ``n - 1`` for two nodes)."""
    adj = view_adjacency(index)
    n = len(adj)
    aps, _bridges, components = cut_vertices_and_edges(adj)
    if n <= 1 or components > 1:
        return 0
    if n == 2 or aps:
        return 1
    return 2
