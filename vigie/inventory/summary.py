"""What an inventory holds, in numbers: :func:`summarise` gives a JSON-ready dict,
:func:`format_summary` the aligned plain-text tables a NOC engineer reads in a terminal.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from vigie.model import Inventory, Layer, Medium, Role


def _ordered(counts: Counter[str], order: Iterable[str] = ()) -> dict[str, int]:
    """Counts of every key of ``order`` first (zeros included), then the other keys by decreasing count, then name."""
    out = {key: counts[key] for key in order}
    rest = sorted((k for k in counts if k not in out), key=lambda k: (-counts[k], k))
    out.update((k, counts[k]) for k in rest)
    return out


def _address_range(addresses: Iterable[str]) -> dict[str, Any]:
    parsed = []
    for a in addresses:
        try:
            parsed.append(ipaddress.ip_address(a))
        except ValueError:
            continue
    if not parsed:
        return {"first": None, "last": None, "count": 0}
    v4 = [a for a in parsed if a.version == 4]
    v6 = [a for a in parsed if a.version == 6]
    ordered = sorted(v4) + sorted(v6)
    return {"first": str(ordered[0]), "last": str(ordered[-1]), "count": len(ordered)}


def summarise(inv: Inventory) -> dict[str, Any]:
    """Counts of sites (by access class, home POP, region, lot), devices (by role, vendor),
    links (by layer, medium), interfaces, and the management address range."""
    sites = inv.sites.values()
    devices = inv.devices.values()
    links = inv.links.values()
    by_role_addr: dict[str, list[str]] = {}
    for d in devices:
        by_role_addr.setdefault(d.role.value, []).append(d.mgmt_address)
    interfaces = sum(len(d.interfaces) for d in devices)
    down = sum(1 for d in devices for i in d.interfaces if not i.admin_up)
    linked = 2 * len(inv.links)
    classes = {name: {"availability_target_pct": c.availability_target_pct, "gtr_hours": c.gtr_hours,
                      "expected_redundancy": c.expected_redundancy}
               for name, c in inv.access_classes.items()}
    pops = [loc.code for loc in inv.pops()]
    return {
        "name": inv.name,
        "sites": len(inv.sites),
        "devices": len(inv.devices),
        "links": len(inv.links),
        "interfaces": interfaces,
        "interfaces_linked": linked,
        "interfaces_admin_down": down,
        "pops": len(pops),
        "datacentres": sum(1 for _ in inv.datacentres()),
        "access_classes": classes,
        "sites_by_class": _ordered(Counter(s.access_class for s in sites), inv.access_classes),
        "sites_by_pop": _ordered(Counter(s.pop for s in sites), pops),
        "sites_by_pop_and_class": {pop: _ordered(Counter(s.access_class for s in sites if s.pop == pop),
                                                 inv.access_classes) for pop in pops},
        "sites_by_region": _ordered(Counter(s.region for s in sites), inv.regions),
        "sites_by_lot": _ordered(Counter(s.lot for s in sites), sorted({s.lot for s in sites})),
        "devices_by_role": _ordered(Counter(d.role.value for d in devices), [r.value for r in Role]),
        "devices_by_vendor": _ordered(Counter(d.vendor for d in devices)),
        "links_by_layer": _ordered(Counter(link.layer.value for link in links), [x.value for x in Layer]),
        "links_by_medium": _ordered(Counter(link.medium.value for link in links), [m.value for m in Medium]),
        "addresses": _address_range(d.mgmt_address for d in devices),
        "addresses_by_role": {role: _address_range(by_role_addr[role]) for role in
                              [r.value for r in Role] if role in by_role_addr},
        "names": {**{code: r.name for code, r in inv.regions.items()},
                  **{code: loc.name for code, loc in inv.locations.items()}},
    }


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.1f}" if total else "-"


Row = Sequence[str]


def _table(title: Row, rows: Sequence[Row], right: Sequence[bool]) -> list[str]:
    """Aligned columns: a title line, a rule, the rows; ``right`` says which columns are numbers."""
    widths = [max(len(r[i]) for r in [title, *rows]) for i in range(len(title))]

    def line(cells: Row) -> str:
        return "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True))

    return [line(title).rstrip(), "  ".join("-" * w for w in widths), *(line(r).rstrip() for r in rows)]


def _counts_table(what: str, counts: Mapping[str, int], total: int, names: Mapping[str, str] | None) -> list[str]:
    """One row per key: key, (name,) count, share of ``total``; then a total row."""
    rows: list[list[str]] = [[k, *([names.get(k, "")] if names else []), str(n), _pct(n, total)]
                             for k, n in counts.items()]
    rows.append(["total", *([""] if names else []), str(sum(counts.values())), _pct(sum(counts.values()), total)])
    title = [what, *(["name"] if names else []), "count", "%"]
    return _table(title, rows, [False, *([False] if names else []), True, True])


def format_summary(summary: Mapping[str, Any]) -> str:
    """Plain-text report of :func:`summarise`'s result, one aligned table per breakdown (no final newline)."""
    s = summary
    names: Mapping[str, str] = s.get("names", {})
    out = [f"Inventory: {s['name']}",
           f"{s['sites']} sites, {s['devices']} devices, {s['links']} links, {s['interfaces']} interfaces "
           f"({s['interfaces_linked']} linked, {s['interfaces_admin_down']} admin down), "
           f"{s['pops']} POPs, {s['datacentres']} datacentres"]
    addr = s["addresses"]
    out.append(f"Management addresses: {addr['first']} - {addr['last']} ({addr['count']})" if addr["count"]
               else "Management addresses: none")
    out.append("")
    classes: Mapping[str, Mapping[str, Any]] = s["access_classes"]
    out += _table(["access class", "sites", "%", "target %", "GTR h", "redundancy"],
                  [[name, str(n), _pct(n, s["sites"]), str(classes.get(name, {}).get("availability_target_pct", "?")),
                    str(classes.get(name, {}).get("gtr_hours", "?")),
                    str(classes.get(name, {}).get("expected_redundancy", "?"))]
                   for name, n in s["sites_by_class"].items()],
                  [False, True, True, True, True, True])
    out.append("")
    cols = list(s["sites_by_class"])
    by_pop: Mapping[str, Mapping[str, int]] = s["sites_by_pop_and_class"]
    rows = [[pop, names.get(pop, ""), *(str(by_pop.get(pop, {}).get(c, 0)) for c in cols), str(n),
             _pct(n, s["sites"])] for pop, n in s["sites_by_pop"].items()]
    rows.append(["total", "", *(str(s["sites_by_class"][c]) for c in cols), str(s["sites"]),
                 _pct(s["sites"], s["sites"])])
    out += _table(["home POP", "name", *cols, "sites", "%"], rows, [False, False, *(True for _ in cols), True, True])
    sections = [("region", "sites_by_region", s["sites"], True), ("lot", "sites_by_lot", s["sites"], False),
                ("device role", "devices_by_role", s["devices"], False),
                ("vendor", "devices_by_vendor", s["devices"], False),
                ("link layer", "links_by_layer", s["links"], False),
                ("link medium", "links_by_medium", s["links"], False)]
    for title, key, total, named in sections:
        out.append("")
        out += _counts_table(title, s[key], total, names if named else None)
    if s["addresses_by_role"]:
        out.append("")
        out += _table(["role", "first address", "last address", "count"],
                      [[role, r["first"] or "-", r["last"] or "-", str(r["count"])]
                       for role, r in s["addresses_by_role"].items()], [False, False, False, True])
    return "\n".join(out)
