"""Reading and writing inventory files (JSON, format version 1).

The writer is deterministic: the same inventory gives the same bytes. It writes one
record per line inside each top-level list, so files stay readable and diff well.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import orjson

from vigie.errors import InventoryError, InventoryInvalid
from vigie.inventory.parse import FORMAT_NAME, FORMAT_VERSION, parse_inventory
from vigie.model import Device, Interface, Inventory, Link, SnmpProfile


def read_document(path: str | Path) -> Any:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InventoryError(f"inventory file {str(p)!r} does not exist; create one with "
                             "'vigie inventory generate -o FILE'") from None
    except OSError as exc:
        raise InventoryError(f"cannot read inventory file {str(p)!r}: {exc.strerror}") from exc
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        line = raw.count(b"\n", 0, exc.pos) + 1
        col = exc.pos - (raw.rfind(b"\n", 0, exc.pos) + 1) + 1
        raise InventoryInvalid(str(p), [f"line {line} column {col}: not valid JSON ({exc.msg}); "
                                        "fix the syntax there"]) from exc


def check_inventory(path: str | Path) -> list[str]:
    """Every problem of the file at ``path`` (empty when valid)."""
    try:
        load_inventory(path)
    except InventoryInvalid as exc:
        return exc.problems
    return []


def load_inventory(path: str | Path) -> Inventory:
    """Load and validate; raises :class:`InventoryInvalid` listing every problem."""
    # Hundreds of thousands of small objects, none cyclic: the cyclic GC would only rescan them.
    enabled = gc.isenabled()
    gc.disable()
    try:
        doc = read_document(path)
        inv, problems = parse_inventory(doc, str(path))
    finally:
        if enabled:
            gc.enable()
    if inv is None:
        raise InventoryInvalid(str(path), problems)
    return inv


def _profile_dict(p: SnmpProfile) -> dict[str, Any]:
    d: dict[str, Any] = {"name": p.name, "version": p.version, "port": p.port, "timeout_ms": p.timeout_ms,
                         "retries": p.retries, "max_repetitions": p.max_repetitions}
    for key in ("community_ref", "user", "auth_protocol", "priv_protocol", "auth_key_ref", "priv_key_ref"):
        value = getattr(p, key)
        if value is not None:
            d[key] = value
    return d


def _itf_dict(i: Interface) -> dict[str, Any]:
    d: dict[str, Any] = {"index": i.index, "name": i.name, "speed_mbps": i.speed_mbps}
    if not i.admin_up:
        d["admin"] = "down"
    if i.alias:
        d["alias"] = i.alias
    return d


def _device_dict(dev: Device) -> dict[str, Any]:
    d: dict[str, Any] = {"name": dev.name, "role": dev.role.value, "vendor": dev.vendor, "model": dev.model,
                         "mgmt_address": dev.mgmt_address, "snmp_profile": dev.snmp_profile}
    if dev.location is not None:
        d["location"] = dev.location
    if dev.site is not None:
        d["site"] = dev.site
    if dev.plane is not None:
        d["plane"] = dev.plane.value
    d["interfaces"] = [_itf_dict(i) for i in dev.interfaces]
    return d


def _link_dict(link: Link) -> dict[str, Any]:
    return {"id": link.id, "a": str(link.a), "b": str(link.b), "layer": link.layer.value,
            "medium": link.medium.value, "capacity_mbps": link.capacity_mbps}


def to_document(inv: Inventory) -> dict[str, Any]:
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "name": inv.name,
        "metadata": inv.metadata,
        "access_classes": [{"name": c.name, "availability_target_pct": c.availability_target_pct,
                            "gtr_hours": c.gtr_hours, "expected_redundancy": c.expected_redundancy,
                            "description": c.description} for c in inv.access_classes.values()],
        "snmp_profiles": [_profile_dict(p) for p in inv.snmp_profiles.values()],
        "regions": [{"code": r.code, "name": r.name, "overseas": r.overseas} for r in inv.regions.values()],
        "locations": [{"code": loc.code, "name": loc.name, "kind": loc.kind.value, "region": loc.region}
                      for loc in inv.locations.values()],
        "sites": [{"code": s.code, "name": s.name, "region": s.region, "pop": s.pop,
                   "access_class": s.access_class, "lot": s.lot, "devices": list(s.devices)}
                  for s in inv.sites.values()],
        "devices": [_device_dict(d) for d in inv.devices.values()],
        "links": [_link_dict(link) for link in inv.links.values()],
    }


def dump_inventory(inv: Inventory) -> bytes:
    """Deterministic bytes: top-level keys one per line, list items one per line."""
    doc = to_document(inv)
    parts = [b"{\n"]
    keys = list(doc)
    for n, key in enumerate(keys):
        value = doc[key]
        parts.append(b'  "' + key.encode() + b'": ')
        if isinstance(value, list):
            if not value:
                parts.append(b"[]")
            else:
                parts.append(b"[\n")
                parts.append(b",\n".join(b"    " + orjson.dumps(item) for item in value))
                parts.append(b"\n  ]")
        else:
            parts.append(orjson.dumps(value, option=orjson.OPT_SORT_KEYS))
        parts.append(b",\n" if n < len(keys) - 1 else b"\n")
    parts.append(b"}\n")
    return b"".join(parts)


def write_inventory(inv: Inventory, path: str | Path) -> None:
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_bytes(dump_inventory(inv))
    tmp.replace(p)
