"""Render analyses and Monte Carlo results as a table (for people), JSON (for tools) or CSV (per site).

JSON is plain data: the whole :class:`~topology.analysis.Analysis` (every site, the whole blast-radius
ranking, articulation points and bridges) or :class:`~topology.montecarlo.MonteCarlo`. CSV has one
row per site. The table shows the summary and the top of each list.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

from topology.analysis import Analysis, Impact
from topology.blast import PairDamage
from topology.montecarlo import MonteCarlo

FORMATS = ("table", "json", "csv")


def _impact(i: Impact) -> dict[str, Any]:
    d: dict[str, Any] = {"element": i.element, "kind": i.kind, "detail": i.detail, "sites": i.sites}
    if i.by_class or i.site_codes:
        d["by_class"] = i.by_class
        d["site_codes"] = list(i.site_codes)
    return d


def analysis_json(a: Analysis) -> dict[str, Any]:
    return {
        "network": a.network, "kind": a.kind, "core": list(a.core), "elements": a.elements, "down": list(a.down),
        "summary": {"paths": a.paths, "findings": dict(sorted(Counter(f.kind for f in a.findings).items())),
                    "articulation_points": len(a.articulation_points), "bridges": len(a.bridges)},
        "findings": [{"site": f.site, "class": f.access_class, "kind": f.kind, "elements": list(f.elements),
                      "text": f.text} for f in a.findings],
        "live": None if a.live is None else {k: list(v) for k, v in asdict(a.live).items()},
        "sites": [{"site": r.site, "class": r.access_class, "paths": r.paths, "spofs": list(r.spofs),
                   "own_spofs": list(r.own_spofs)} for r in a.sites],
        "blast_radius": [_impact(i) for i in a.blast],
        "locations": [_impact(i) for i in a.groups],
        "articulation_points": a.articulation_points,
        "bridges": a.bridges,
        "n2": {"top_pairs": [_pair(p) for p in a.pairs], "pairs": [_pair(p) for p in a.given_pairs]},
        "what_if": [_impact(i) for i in a.what_if],
    }


def _pair(p: PairDamage) -> dict[str, Any]:
    d: dict[str, Any] = {"first": p.first, "second": p.second, "both": p.both, "joint": p.joint,
                         "first_alone": p.first_alone, "second_alone": p.second_alone}
    if p.sites:
        d["joint_sites"] = list(p.sites)
    return d


def _columns(rows: Sequence[Sequence[object]], header: Sequence[str]) -> list[str]:
    cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]


def _classes(by_class: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in by_class.items())


def _names(names: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "") if names else "none"


def analysis_table(a: Analysis, top: int = 20) -> str:
    out = [f"Resilience of {a.network}",
           f"core: {_names(list(a.core))}",
           f"{a.elements['nodes']} nodes, {a.elements['links']} links, {a.elements['sites']} sites; "
           f"down: {_names(list(a.down))}",
           f"independent paths to the core: 0: {a.paths['0']}   1: {a.paths['1']}   2+: {a.paths['2+']}"]
    if a.live is not None:
        out.append(f"live state: {len(a.live.isolated)} sites cut off now, {len(a.live.one_away)} one failure away "
                   f"({len(a.live.lost_redundancy)} of them lost their redundancy)")
    kinds = Counter((f.kind, f.access_class) for f in a.findings)
    out.append(f"\nfindings: {len(a.findings)}" + ("" if not kinds else " (" + ", ".join(
        f"{k} {c or 'site'}: {n}" for (k, c), n in sorted(kinds.items())) + ")"))
    for f in _first_of_each(a.findings, top):
        out.append(f"  {f.text}")
    out.append(f"\nblast radius: {len(a.blast)} elements cut off at least one site; the top {min(top, len(a.blast))}:")
    out += _columns([(i.element, i.kind, i.detail, i.sites, _classes(i.by_class)) for i in a.blast[:top]],
                    ("ELEMENT", "KIND", "DETAIL", "SITES", "BY CLASS"))
    if a.groups:
        out.append("\nlocations (every device of a POP or datacentre lost at once):")
        out += _columns([(i.element, i.sites, _classes(i.by_class)) for i in a.groups],
                        ("LOCATION", "SITES", "BY CLASS"))
    for p in a.given_pairs:
        out.append(f"\nN-2 {p.first} + {p.second}: {p.both} sites cut off, {p.joint} of them by neither alone "
                   f"({p.first} alone {p.first_alone}, {p.second} alone {p.second_alone})"
                   f"{': ' + _names(list(p.sites), 12) if p.sites else ''}")
    if a.pairs:
        out.append("\nN-2, the most damaging pairs of infrastructure elements: sites cut off only when both fail "
                   "(JOINT), by the pair in all (BOTH):")
        out += _columns([(p.first, p.second, p.joint, p.both) for p in a.pairs], ("FIRST", "SECOND", "JOINT", "BOTH"))
    for i in a.what_if:
        out.append(f"\nwhat if {i.element} fails now: {i.sites} sites cut off ({_classes(i.by_class) or 'none'})"
                   f"{': ' + _names(list(i.site_codes), 12) if i.site_codes else ''}")
    out.append(f"\narticulation points: {len(a.articulation_points)} ({_names(a.articulation_points)})")
    out.append(f"bridges: {len(a.bridges)} ({_names(a.bridges)})")
    return "\n".join(out)


def _first_of_each(findings: Iterable[Any], limit: int) -> list[Any]:
    """Up to ``limit`` findings, taking them round-robin by (kind, class) so that rare kinds show."""
    groups: dict[tuple[str, str], list[Any]] = {}
    for f in findings:
        groups.setdefault((f.kind, f.access_class), []).append(f)
    out: list[Any] = []
    queues = [iter(v) for _k, v in sorted(groups.items())]
    while queues and len(out) < limit:
        alive = []
        for q in queues:
            f = next(q, None)
            if f is not None and len(out) < limit:
                out.append(f)
                alive.append(q)
        queues = alive
    return out


def analysis_csv(a: Analysis) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["site", "class", "paths", "spofs", "own_spofs", "finding"])
    kinds = {f.site: f.kind for f in a.findings}
    for r in a.sites:
        w.writerow([r.site, r.access_class, "2+" if r.paths >= 2 else r.paths, ";".join(r.spofs),
                    ";".join(r.own_spofs), kinds.get(r.site, "")])
    return buf.getvalue()


def montecarlo_json(mc: MonteCarlo) -> dict[str, Any]:
    return {
        "samples": mc.samples, "seed": mc.seed, "down": list(mc.down),
        "classes": [asdict(c) for c in mc.classes],
        "isolated": {"mean": mc.isolated_mean, "quantiles": mc.isolated_quantiles,
                     "histogram": {str(k): v for k, v in mc.isolated.items()}},
        "sites": [asdict(r) for r in mc.sites],
    }


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.4f}"


def montecarlo_table(mc: MonteCarlo, top: int = 15) -> str:
    out = [f"Monte Carlo: {mc.samples} samples, seed {mc.seed}; down: {_names(list(mc.down))}",
           "expected availability per class (%, site intervals at 95 %, Wilson):"]
    out += _columns([(c.name or "site", c.sites, _pct(c.target), _pct(c.mean), _pct(c.worst), c.meets, c.below,
                      c.unsure) for c in mc.classes],
                    ("CLASS", "SITES", "TARGET", "MEAN", "WORST", "MEETS", "BELOW", "UNSURE"))
    q = mc.isolated_quantiles
    out.append(f"\nsites cut off per sample: mean {mc.isolated_mean:.2f}, median {q['p50']}, p90 {q['p90']}, "
               f"p99 {q['p99']}, max {q['max']}")
    peak = max(mc.isolated.values())
    for n, count in sorted(mc.isolated.items())[:40]:
        out.append(f"  {n:>6} {'#' * max(1, round(40 * count / peak)):<40} {count}")
    if len(mc.isolated) > 40:
        out.append(f"  ... {len(mc.isolated) - 40} more values up to {q['max']}")
    worst = sorted(mc.sites, key=lambda r: (r.high - (r.target or 0.0), r.site))[:top]
    out.append(f"\nthe {len(worst)} sites furthest below their target:")
    out += _columns([(r.site, r.access_class, _pct(r.target), _pct(r.availability), f"{_pct(r.low)}-{_pct(r.high)}",
                      r.verdict) for r in worst], ("SITE", "CLASS", "TARGET", "EXPECTED", "INTERVAL", "VERDICT"))
    return "\n".join(out)


def montecarlo_csv(mc: MonteCarlo) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["site", "class", "availability", "low", "high", "target", "verdict"])
    for r in mc.sites:
        w.writerow([r.site, r.access_class, f"{r.availability:.6f}", f"{r.low:.6f}", f"{r.high:.6f}",
                    "" if r.target is None else r.target, r.verdict])
    return buf.getvalue()
