"""Per-element availability for the Monte Carlo: a documented table (data, not code) and overrides.

``availability_defaults.toml`` (next to this module) holds the defaults per device role, per link
layer and medium, and per access class for a site's own elements; an override file (TOML or JSON,
same layout) replaces any entry; measured values per element (the SLA engine's history) win over
everything. See the comments in the TOML file for what each figure assumes.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from topology.errors import AvailabilityError
from topology.graph import Network

DEFAULTS = Path(__file__).with_name("availability_defaults.toml")
SECTIONS = ("node", "link", "class", "elements")


@dataclass(frozen=True, slots=True)
class AvailabilityTable:
    node: dict[str, float]  # role → availability ("default" for the others)
    link: dict[str, float]  # "layer/medium" or "layer" → availability ("default" for the others)
    classes: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)  # class → node|link → key → a
    elements: dict[str, float] = field(default_factory=dict)  # element name → measured availability


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
        raise AvailabilityError(f"{where} = {value!r} is not an availability; give a number from 0 to 1 "
                                "(0.999 is 99.9 %)")
    return float(value)


def _table(doc: Any, source: str) -> AvailabilityTable:
    if not isinstance(doc, Mapping):
        raise AvailabilityError(f"{source}: not a table of sections; start with [node] or [link]")
    for key in doc:
        if key not in SECTIONS:
            raise AvailabilityError(f"{source}: unknown section [{key}]; use {', '.join(SECTIONS)}")

    def flat(section: object, where: str) -> dict[str, float]:
        if not isinstance(section, Mapping):
            raise AvailabilityError(f"{source}: [{where}] is not a table; write it as key = number lines")
        return {str(k): _number(v, f"{source} [{where}] {k}") for k, v in section.items()}

    classes: dict[str, dict[str, dict[str, float]]] = {}
    for cls, parts in dict(doc.get("class", {})).items():
        if not isinstance(parts, Mapping) or not set(parts) <= {"node", "link"}:
            raise AvailabilityError(f"{source}: [class.{cls}] takes [class.{cls}.node] and [class.{cls}.link] only")
        classes[str(cls)] = {str(kind): flat(part, f"class.{cls}.{kind}") for kind, part in parts.items()}
    return AvailabilityTable(flat(doc.get("node", {}), "node"), flat(doc.get("link", {}), "link"), classes,
                             flat(doc.get("elements", {}), "elements"))


def read_table(path: str | Path) -> AvailabilityTable:
    """A table from a TOML file (``.toml``) or a JSON file (anything else)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AvailabilityError(f"availability file {str(p)!r} does not exist; give a TOML or JSON file "
                                "laid out like topology/availability_defaults.toml") from None
    except OSError as exc:
        raise AvailabilityError(f"cannot read availability file {str(p)!r}: {exc.strerror}") from exc
    try:
        doc = tomllib.loads(text) if p.suffix.lower() == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise AvailabilityError(f"{str(p)!r} is not valid {'TOML' if p.suffix.lower() == '.toml' else 'JSON'}: "
                                f"{exc}; fix the syntax there") from exc
    return _table(doc, repr(str(p)))


def default_table() -> AvailabilityTable:
    return read_table(DEFAULTS)


def merge(base: AvailabilityTable, over: AvailabilityTable) -> AvailabilityTable:
    """``over``'s entries replace ``base``'s, key by key."""
    classes = {c: {k: dict(v) for k, v in parts.items()} for c, parts in base.classes.items()}
    for c, parts in over.classes.items():
        for kind, values in parts.items():
            classes.setdefault(c, {}).setdefault(kind, {}).update(values)
    return AvailabilityTable({**base.node, **over.node}, {**base.link, **over.link}, classes,
                             {**base.elements, **over.elements})


def element_availability(net: Network, table: AvailabilityTable | None = None,
                         measured: Mapping[str, float] | None = None) -> dict[str, float]:
    """Availability of every node and link of ``net``: measured > [elements] > class > role/layer > default."""
    t = table or default_table()
    site_class = {}
    for code, members in net.sites.items():
        cls = net.site_class.get(code, "")
        for m in members:
            if m in net.stubs:
                site_class[m] = cls
    given = {**t.elements, **(measured or {})}
    out: dict[str, float] = {}
    for n, d in net.graph.nodes(data=True):
        role = str(d.get("role") or "")
        per_class = t.classes.get(site_class.get(n, ""), {}).get("node", {})
        out[n] = per_class.get(role, t.node.get(role, t.node.get("default", 1.0)))
    for u, v, key, d in net.graph.edges(keys=True, data=True):
        layer, medium = str(d.get("layer") or ""), str(d.get("medium") or "")
        cls = site_class.get(u) or site_class.get(v) or ""
        per_class = t.classes.get(cls, {}).get("link", {})
        combo = f"{layer}/{medium}"
        out[key] = per_class.get(combo, per_class.get(layer, t.link.get(combo, t.link.get(
            layer, t.link.get("default", 1.0)))))
    for name, a in given.items():
        if name not in out:
            raise AvailabilityError(f"availability given for {name!r}, which is not a node or link of "
                                    f"{net.name!r}; fix the name or remove the line")
        out[name] = _number(a, f"availability of {name!r}")
    return out
