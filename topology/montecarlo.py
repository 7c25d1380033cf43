"""Expected availability of every site by Monte Carlo: vectorised, batched, seeded.

Each sample draws every element up or down independently (a boolean matrix, samples × elements,
from one seeded ``numpy`` Generator: the same seed gives the same answer whatever the batch size).
Then, for a batch of samples at once:

1. the transit level (infrastructure nodes and the links between them, plus a virtual root joined to
   the core) of every sample goes into one block-diagonal sparse graph, and
   ``scipy.sparse.csgraph.connected_components`` says which transit nodes reach the root;
2. a site is up when one of its entries is: its access link and its router up and the transit end
   reached (or, for a GraphML site, the node itself reached). Sites are leaves here, so they never
   carry transit, as in the state engine.

Per site: the mean (the expected availability) with a Wilson score interval, compared with its
class's target; per sample: the number of sites cut off, as a histogram.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from topology.graph import Network
from topology.index import ROOT, compile_network

Progress = Callable[[int, int], None]
Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n``."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True, slots=True)
class SiteAvailability:
    site: str
    access_class: str
    availability: float  # fraction of samples in which the site reaches the core
    low: float  # 95 % Wilson interval
    high: float
    target: float | None  # the class's target (fraction), if any
    verdict: str  # "meets" (interval above target), "below" (interval under it), "unsure", or "" (no target)


@dataclass(frozen=True, slots=True)
class ClassAvailability:
    name: str
    sites: int
    target: float | None
    mean: float  # mean of the sites' availabilities
    worst: float
    meets: int
    below: int
    unsure: int


@dataclass(frozen=True, slots=True)
class MonteCarlo:
    samples: int
    seed: int
    down: tuple[str, ...]
    sites: list[SiteAvailability]
    classes: list[ClassAvailability]
    isolated: dict[int, int]  # number of sites cut off → number of samples
    isolated_mean: float
    isolated_quantiles: dict[str, int]  # p50, p90, p99, max


def _verdict(low: float, high: float, target: float | None) -> str:
    if target is None:
        return ""
    return "meets" if low >= target else "below" if high < target else "unsure"


def simulate(net: Network, availability: Mapping[str, float], samples: int = 10_000, seed: int = 0,
             down: Iterable[str] = (), batch: int = 500, progress: Progress | None = None) -> MonteCarlo:
    """Expected availability of each site; ``down`` elements are down in every sample."""
    if samples < 1:
        raise ValueError(f"samples={samples}: give at least 1 sample")
    index = compile_network(net)
    forced = net.resolve(down)
    flow_nodes = [f for f in range(1, len(index.flow_elem))]
    transit = [index.flow_elem[f] for f in flow_nodes if not index.is_link(index.flow_elem[f])]
    t_pos = {e: i for i, e in enumerate(transit)}  # transit node → compact index; the root is len(transit)
    n_t = len(transit) + 1
    root = n_t - 1
    cols: dict[int, int] = {}  # element id → column of the sample matrix

    def col(e: int) -> int:
        c = cols.get(e)
        if c is None:
            c = cols[e] = len(cols)
        return c

    for e in transit:
        col(e)
    edges = []  # (a, b, column of the link or -1, column of a or -1, column of b)
    for f in flow_nodes:
        e = index.flow_elem[f]
        if index.is_link(e):
            a, b = index.ends[e - index.n_nodes]
            edges.append((t_pos[a], t_pos[b], col(e), col(a), col(b)))
    for f in index.adj[ROOT]:
        c = index.flow_elem[f]
        edges.append((root, t_pos[c], -1, -1, col(c)))
    ent_site, ent_x, ent_link, ent_member = [], [], [], []
    for s, entries in enumerate(index.site_entries):
        for lid, m, fx in entries:
            ent_site.append(s)
            ent_x.append(t_pos[index.flow_elem[fx]])
            ent_link.append(col(lid) if lid >= 0 else -1)
            ent_member.append(col(m) if lid >= 0 else -1)
    order = sorted(range(len(ent_site)), key=lambda i: ent_site[i])
    e_site = np.array([ent_site[i] for i in order], dtype=np.int64)
    e_x = np.array([ent_x[i] for i in order], dtype=np.int64)
    m = len(cols)
    always = m  # an extra column, always up, stands for "no link" or "no stub"
    e_link = np.array([ent_link[i] if ent_link[i] >= 0 else always for i in order], dtype=np.int64)
    e_member = np.array([ent_member[i] if ent_member[i] >= 0 else always for i in order], dtype=np.int64)
    served, starts = np.unique(e_site, return_index=True)
    ed = np.array(edges, dtype=np.int64).reshape(-1, 5)
    ed_cols = np.where(ed[:, 2:] >= 0, ed[:, 2:], always)
    p = np.ones(m, dtype=np.float64)
    for e, c in cols.items():
        p[c] = 0.0 if index.names[e] in forced else availability.get(index.names[e], 1.0)
    p32 = p.astype(np.float32)
    rng = np.random.default_rng(seed)
    n_sites = len(index.site_codes)
    up_count = np.zeros(n_sites, dtype=np.int64)
    isolated = np.zeros(samples, dtype=np.int64)
    done = 0
    while done < samples:
        b = min(batch, samples - done)
        up = np.empty((b, m + 1), dtype=bool)
        up[:, :m] = rng.random((b, m), dtype=np.float32) < p32
        up[:, m] = True
        present = up[:, ed_cols[:, 0]] & up[:, ed_cols[:, 1]] & up[:, ed_cols[:, 2]]  # (b, edges)
        rows, which = np.nonzero(present)
        offset = rows * n_t
        graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (offset + ed[which, 0], offset + ed[which, 1])),
                           shape=(b * n_t, b * n_t))
        _, labels = connected_components(graph, directed=False)
        labels = labels.reshape(b, n_t)
        reached = labels == labels[:, root:root + 1]  # (b, transit nodes + root)
        ok = reached[:, e_x] & up[:, e_link] & up[:, e_member]
        site_up = np.zeros((b, n_sites), dtype=bool)
        if len(served):
            site_up[:, served] = np.logical_or.reduceat(ok, starts, axis=1)
        up_count += site_up.sum(axis=0)
        isolated[done:done + b] = n_sites - site_up.sum(axis=1)
        done += b
        if progress is not None:
            progress(done, samples)
    return _summarise(net, index.site_codes, index.site_class, up_count, isolated, samples, seed, forced)


def _summarise(net: Network, codes: tuple[str, ...], classes: tuple[str, ...], up_count: np.ndarray,
               isolated: np.ndarray, samples: int, seed: int, forced: frozenset[str]) -> MonteCarlo:
    sites = []
    for s, code in enumerate(codes):
        k = int(up_count[s])
        low, high = wilson(k, samples)
        cls = net.classes.get(classes[s])
        target = round(cls.availability_target_pct / 100.0, 12) if cls is not None else None
        sites.append(SiteAvailability(code, classes[s], k / samples, low, high, target, _verdict(low, high, target)))
    by_class: dict[str, list[SiteAvailability]] = {}
    for r in sites:
        by_class.setdefault(r.access_class, []).append(r)
    summary = []
    for name, rs in sorted(by_class.items()):
        values = [r.availability for r in rs]
        verdicts = [r.verdict for r in rs]
        summary.append(ClassAvailability(name, len(rs), rs[0].target, sum(values) / len(values), min(values),
                                         verdicts.count("meets"), verdicts.count("below"), verdicts.count("unsure")))
    counts = np.bincount(isolated)
    hist = {int(n): int(c) for n, c in enumerate(counts) if c}
    ordered = np.sort(isolated)
    quantiles = {q: int(ordered[min(samples - 1, math.ceil(f * samples) - 1)])
                 for q, f in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))}
    quantiles["max"] = int(ordered[-1])
    return MonteCarlo(samples, seed, tuple(sorted(forced)), sites, summary, hist, float(isolated.mean()), quantiles)
