"""Inventory format version 1: JSON document → :class:`~vigie.model.Inventory`.

Every problem is collected (not just the first) with the JSON path where it is, the
record it belongs to, and how to fix it. The format is documented in
``docs/inventory.md``.
"""

from __future__ import annotations

import difflib
import re
import socket
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from vigie.model import (
    AccessClass,
    Device,
    Endpoint,
    Interface,
    Inventory,
    Layer,
    Link,
    Location,
    LocationKind,
    Medium,
    Plane,
    Region,
    Role,
    Site,
    SnmpProfile,
)

FORMAT_NAME = "vigie-inventory"
FORMAT_VERSION = 1

SECRET_REF = re.compile(r"^(env:[A-Za-z_][A-Za-z0-9_]*|file:[^#]+#[A-Za-z0-9_.\-]+)$")
AUTH_PROTOCOLS = ("SHA", "SHA-256")
PRIV_PROTOCOLS = ("AES",)
INLINE_SECRET_KEYS = ("community", "auth_key", "priv_key", "auth_passphrase", "priv_passphrase")

T = TypeVar("T")


class Problems:
    """Collects problems as ``PATH: message`` lines."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")

    def __bool__(self) -> bool:
        return bool(self.items)


class _Record:
    """Typed field access to one JSON object, reporting into :class:`Problems`."""

    __slots__ = ("_path", "data", "ok", "problems")

    def __init__(self, data: Mapping[str, Any], path: str | tuple[str, int], problems: Problems) -> None:
        self.data = data
        self._path = path  # built only when a problem needs it
        self.problems = problems
        self.ok = True

    @property
    def path(self) -> str:
        if isinstance(self._path, str):
            return self._path
        key, i = self._path
        label = self.data.get("code") or self.data.get("id") or self.data.get("name")
        return f"$.{key}[{i}]({label})" if isinstance(label, str) else f"$.{key}[{i}]"

    def fail(self, key: str, message: str) -> None:
        self.ok = False
        self.problems.add(f"{self.path}.{key}", message)

    def get(self, key: str, kind: type[T], default: T | None = None, required: bool = True) -> T:
        if key not in self.data:
            if required:
                self.fail(key, f"missing; add \"{key}\" ({kind.__name__})")
            return default  # type: ignore[return-value]
        value = self.data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)  # type: ignore[return-value]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(key, f"{value!r} is not a {kind.__name__}")
            return default  # type: ignore[return-value]
        return value

    def enum(self, key: str, enum: Callable[[str], T], choices: list[str], required: bool = True) -> T | None:
        raw = self.get(key, str, required=required)
        if raw is None:
            return None
        try:
            return enum(raw)
        except ValueError:
            self.fail(key, f"{raw!r} is not one of {', '.join(choices)}")
            return None

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        if self.data.keys() <= _keyset(allowed):
            return
        for key in self.data:
            if key not in allowed:
                if key in INLINE_SECRET_KEYS:
                    self.fail(key, "secrets are never written in the inventory; use a "
                              f"reference \"{key}_ref\": \"env:NAME\" or \"file:PATH#KEY\"")
                    continue
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; expected one of {', '.join(allowed)}"
                self.fail(key, f"unknown field{hint}")


_KEYSETS: dict[tuple[str, ...], frozenset[str]] = {}


def _keyset(allowed: tuple[str, ...]) -> frozenset[str]:
    ks = _KEYSETS.get(allowed)
    if ks is None:
        ks = _KEYSETS[allowed] = frozenset(allowed)
    return ks


def _records(doc: Mapping[str, Any], key: str, problems: Problems) -> list[_Record]:
    raw = doc.get(key)
    if raw is None:
        problems.add(f"$.{key}", f"missing; add \"{key}\": [] (a list of objects)")
        return []
    if not isinstance(raw, list):
        problems.add(f"$.{key}", f"must be a list of objects, got {type(raw).__name__}")
        return []
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            problems.add(f"$.{key}[{i}]", f"must be an object, got {type(item).__name__}")
            continue
        out.append(_Record(item, (key, i), problems))
    return out


def _unique(rec: _Record, key: str, value: str, seen: dict[str, _Record], what: str) -> bool:
    if value in seen:
        rec.fail(key, f"{what} {value!r} already used at {seen[value].path}; each must be unique: rename one")
        return False
    seen[value] = rec
    return True


def _secret_ref(rec: _Record, key: str, required: bool) -> str | None:
    ref = rec.get(key, str, required=required)
    if ref is not None and not SECRET_REF.match(ref):
        rec.fail(key, f"{ref!r} is not a secret reference; write \"env:VARIABLE\" or \"file:/path/secrets.toml#key\"")
        return None
    return ref


def _parse_profile(rec: _Record) -> SnmpProfile | None:
    name = rec.get("name", str)
    version = rec.get("version", str)
    port = rec.get("port", int, 161, required=False)
    if not 1 <= port <= 65535:
        rec.fail("port", f"{port} is not a UDP port; use 1..65535 (161 is SNMP's)")
    timeout_ms = rec.get("timeout_ms", int, 2000, required=False)
    retries = rec.get("retries", int, 2, required=False)
    max_rep = rec.get("max_repetitions", int, 25, required=False)
    if timeout_ms <= 0 or retries < 0 or not 1 <= max_rep <= 1000:
        rec.fail("timeout_ms", "timeout_ms > 0, retries >= 0 and max_repetitions in 1..1000 are required")
    fields: dict[str, Any] = {}
    if version == "2c":
        fields["community_ref"] = _secret_ref(rec, "community_ref", True)
    elif version == "3":
        fields["user"] = rec.get("user", str)
        auth = rec.get("auth_protocol", str)
        priv = rec.get("priv_protocol", str)
        if auth is not None and auth not in AUTH_PROTOCOLS:
            rec.fail("auth_protocol", f"{auth!r} is not supported; use one of {', '.join(AUTH_PROTOCOLS)}")
        if priv is not None and priv not in PRIV_PROTOCOLS:
            rec.fail("priv_protocol", f"{priv!r} is not supported; use one of {', '.join(PRIV_PROTOCOLS)}")
        fields.update(auth_protocol=auth, priv_protocol=priv,
                      auth_key_ref=_secret_ref(rec, "auth_key_ref", True),
                      priv_key_ref=_secret_ref(rec, "priv_key_ref", True))
    elif version is not None:
        rec.fail("version", f"{version!r} is not supported; use \"2c\" or \"3\"")
    if not rec.ok:
        return None
    return SnmpProfile(name=name, version=version, port=port, timeout_ms=timeout_ms, retries=retries,
                       max_repetitions=max_rep, **fields)


_ROLES = [r.value for r in Role]
_PLANES = [p.value for p in Plane]
_LAYERS = [x.value for x in Layer]
_MEDIA = [m.value for m in Medium]
_KINDS = [k.value for k in LocationKind]
_DEVICE_KEYS = ("name", "role", "vendor", "model", "mgmt_address", "snmp_profile", "interfaces",
                "location", "site", "plane")
_ITF_KEYS = ("index", "name", "speed_mbps", "admin", "alias")
_ITF_KEYSET = frozenset(_ITF_KEYS)


def _parse_interfaces(rec: _Record) -> tuple[Interface, ...]:
    raw = rec.get("interfaces", list, [])
    out: list[Interface] = []
    seen_idx: set[int] = set()
    seen_name: set[str] = set()
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            path = f"{rec.path}.interfaces[{i}]"
            rec.problems.add(path, "must be an object {\"index\", \"name\", \"speed_mbps\"}")
            rec.ok = False
            continue
        # Fast path: the common, well-formed interface.
        index, name, speed = item.get("index"), item.get("name"), item.get("speed_mbps")
        if type(index) is int and type(name) is str and type(speed) is int and 0 < index < 2147483648 \
                and speed >= 0 and name:
            n = len(item)
            admin, alias = "up", ""
            if n > 3:
                admin = item.get("admin", "up")
                alias = item.get("alias", "")
                n -= ("admin" in item) + ("alias" in item)
            if n == 3 and (admin == "up" or admin == "down") and type(alias) is str:
                if index in seen_idx or name in seen_name:
                    rec.problems.add(f"{rec.path}.interfaces[{i}]",
                                     f"ifIndex {index} or name {name!r} used twice on this device")
                    rec.ok = False
                seen_idx.add(index)
                seen_name.add(name)
                out.append(Interface(index, name, speed, admin == "up", alias))
                continue
        sub = _Record(item, f"{rec.path}.interfaces[{i}]", rec.problems)
        sub.check_keys(_ITF_KEYS)
        index = sub.get("index", int, 0)
        if index is not None and not 1 <= index <= 2147483647:
            sub.fail("index", f"{index} is not a valid ifIndex; use 1..2147483647")
        sub.get("name", str, "")
        speed = sub.get("speed_mbps", int, 0)
        if speed is not None and speed < 0:
            sub.fail("speed_mbps", f"{speed} is negative")
        admin = sub.get("admin", str, "up", required=False)
        if admin not in ("up", "down"):
            sub.fail("admin", f"{admin!r} must be \"up\" or \"down\"")
        sub.get("alias", str, "", required=False)
        rec.ok = False
    return tuple(out)


def _is_ip(address: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in address else socket.AF_INET, address)
    except (OSError, ValueError):
        return False
    return True


def _parse_device(rec: _Record) -> Device | None:
    rec.check_keys(_DEVICE_KEYS)
    name = rec.get("name", str)
    role = rec.enum("role", Role, _ROLES)
    vendor = rec.get("vendor", str)
    model = rec.get("model", str, "", required=False)
    address = rec.get("mgmt_address", str)
    if address is not None and not _is_ip(address):
        rec.fail("mgmt_address", f"{address!r} is not an IP address; write e.g. \"127.16.0.1\"")
    profile = rec.get("snmp_profile", str)
    interfaces = _parse_interfaces(rec)
    location = rec.get("location", str, required=False)
    site = rec.get("site", str, required=False)
    plane = rec.enum("plane", Plane, _PLANES, required=False)
    if role in (Role.CORE, Role.DATACENTRE):
        if plane is None and "plane" not in rec.data:
            rec.fail("plane", f"a {role.value} router needs its backbone plane: \"A\" or \"B\"")
        if location is None and "location" not in rec.data:
            rec.fail("location", f"a {role.value} router needs \"location\": its POP or datacentre code")
    if role is Role.COLLECT and location is None and "location" not in rec.data:
        rec.fail("location", "a collect router needs \"location\": its POP code")
    if role in (Role.CE, Role.BACKUP_4G) and site is None and "site" not in rec.data:
        rec.fail("site", f"a {role.value} router needs \"site\": its site code")
    if not rec.ok:
        return None
    return Device(name=name, role=role, vendor=vendor, model=model, mgmt_address=address,  # type: ignore[arg-type]
                  snmp_profile=profile, interfaces=interfaces, location=location, site=site, plane=plane)


def _endpoint(rec: _Record, key: str) -> Endpoint | None:
    raw = rec.get(key, str)
    if raw is None:
        return None
    device, sep, interface = raw.partition(":")
    if not sep or not device or not interface:
        rec.fail(key, f"{raw!r} must be \"DEVICE:INTERFACE\", e.g. \"PAR-CA:Te0/0/0/1\"")
        return None
    return Endpoint(device, interface)


def _parse_link(rec: _Record) -> Link | None:
    rec.check_keys(("id", "a", "b", "layer", "medium", "capacity_mbps"))
    link_id = rec.get("id", str)
    a = _endpoint(rec, "a")
    b = _endpoint(rec, "b")
    layer = rec.enum("layer", Layer, _LAYERS)
    medium = rec.enum("medium", Medium, _MEDIA)
    capacity = rec.get("capacity_mbps", int, 0)
    if capacity is not None and capacity <= 0:
        rec.fail("capacity_mbps", f"{capacity} must be positive (Mbit/s)")
    if a is not None and b is not None and a.device == b.device:
        rec.fail("b", f"link joins device {a.device!r} to itself; give two different devices")
    if not rec.ok:
        return None
    return Link(link_id, a, b, layer, medium, capacity)  # type: ignore[arg-type]


def _simple(records: list[_Record], keys: tuple[str, ...], build: Callable[[_Record], T | None],
            key_of: Callable[[T], str], what: str) -> dict[str, T]:
    out: dict[str, T] = {}
    seen: dict[str, _Record] = {}
    for rec in records:
        rec.check_keys(keys)
        item = build(rec)
        if item is None or not rec.ok:
            continue
        name = key_of(item)
        if _unique(rec, keys[0], name, seen, what):
            out[name] = item
    return out


def _build_class(rec: _Record) -> AccessClass | None:
    target = rec.get("availability_target_pct", float, 0.0)
    if target is not None and not 0 < target <= 100:
        rec.fail("availability_target_pct", f"{target} must be a percentage in (0, 100]")
    gtr = rec.get("gtr_hours", float, 0.0)
    if gtr is not None and gtr <= 0:
        rec.fail("gtr_hours", f"{gtr} must be a positive number of hours")
    red = rec.get("expected_redundancy", int, 1)
    if red is not None and red < 1:
        rec.fail("expected_redundancy", f"{red} must be at least 1 (independent accesses)")
    return AccessClass(rec.get("name", str), target, gtr, red, rec.get("description", str, "", required=False))


def parse_inventory(doc: Any, source: str = "inventory") -> tuple[Inventory | None, list[str]]:
    """Parse and validate a decoded JSON document. Returns the inventory (None if invalid)
    and every problem found."""
    problems = Problems()
    if not isinstance(doc, dict):
        return None, [f"$: the inventory must be a JSON object, got {type(doc).__name__}"]
    if doc.get("format") != FORMAT_NAME:
        problems.add("$.format", f"{doc.get('format')!r} is not \"{FORMAT_NAME}\"; is this a Vigie inventory?")
    if doc.get("version") != FORMAT_VERSION:
        problems.add("$.version", f"{doc.get('version')!r} is not supported; this Vigie reads version {FORMAT_VERSION}")
    if problems:
        return None, problems.items
    top = _Record(doc, "$", problems)
    top.check_keys(("format", "version", "name", "metadata", "access_classes", "snmp_profiles", "regions",
                    "locations", "sites", "devices", "links"))
    name = top.get("name", str, source)
    metadata = top.get("metadata", dict, {}, required=False)

    classes = _simple(_records(doc, "access_classes", problems),
                      ("name", "availability_target_pct", "gtr_hours", "expected_redundancy", "description"),
                      _build_class, lambda c: c.name, "access class")
    profiles = _simple(_records(doc, "snmp_profiles", problems),
                       ("name", "version", "port", "timeout_ms", "retries", "max_repetitions", "community_ref",
                        "user", "auth_protocol", "priv_protocol", "auth_key_ref", "priv_key_ref"),
                       _parse_profile, lambda p: p.name, "SNMP profile")
    regions = _simple(_records(doc, "regions", problems), ("code", "name", "overseas"),
                      lambda r: Region(r.get("code", str), r.get("name", str),
                                       r.get("overseas", bool, False, required=False)),
                      lambda r: r.code, "region")
    locations = _simple(_records(doc, "locations", problems), ("code", "name", "kind", "region"),
                        lambda r: Location(r.get("code", str), r.get("name", str),
                                           r.enum("kind", LocationKind, _KINDS),  # type: ignore[arg-type]
                                           r.get("region", str)),
                        lambda loc: loc.code, "location")
    for loc_rec in _records(doc, "locations", Problems()):
        region = loc_rec.data.get("region")
        if isinstance(region, str) and region not in regions:
            problems.add(f"{loc_rec.path}.region", f"region {region!r} is not defined in $.regions")

    def build_site(r: _Record) -> Site | None:
        devs = r.get("devices", list, [])
        if not all(isinstance(d, str) for d in devs) or not devs:
            r.fail("devices", "must be a non-empty list of device names")
        site = Site(r.get("code", str), r.get("name", str), r.get("region", str), r.get("pop", str),
                    r.get("access_class", str), r.get("lot", str), tuple(devs))
        if site.region is not None and site.region not in regions:
            r.fail("region", f"region {site.region!r} is not defined in $.regions")
        loc = locations.get(site.pop) if site.pop is not None else None
        if site.pop is not None and (loc is None or loc.kind is not LocationKind.POP):
            r.fail("pop", f"{site.pop!r} is not a POP defined in $.locations")
        if site.access_class is not None and site.access_class not in classes:
            r.fail("access_class", f"access class {site.access_class!r} is not defined; use one of "
                   f"{', '.join(sorted(classes))}")
        return site

    sites = _simple(_records(doc, "sites", problems),
                    ("code", "name", "region", "pop", "access_class", "lot", "devices"),
                    build_site, lambda s: s.code, "site")

    devices: dict[str, Device] = {}
    seen_dev: dict[str, _Record] = {}
    # Devices declared, even if invalid: their links are not reported a second time.
    raw_devices = doc.get("devices")
    declared = {d.get("name") for d in raw_devices if isinstance(d, dict)} if isinstance(raw_devices, list) else set()
    seen_addr: dict[str, _Record] = {}
    for rec in _records(doc, "devices", problems):
        dev = _parse_device(rec)
        if dev is None:
            continue
        if dev.snmp_profile not in profiles:
            rec.fail("snmp_profile", f"profile {dev.snmp_profile!r} is not defined in $.snmp_profiles")
        if dev.location is not None and dev.location not in locations:
            rec.fail("location", f"{dev.location!r} is not defined in $.locations")
        if dev.site is not None:
            site = sites.get(dev.site)
            if site is None:
                rec.fail("site", f"site {dev.site!r} is not defined in $.sites")
            elif dev.name not in site.devices:
                rec.fail("site", f"site {dev.site!r} does not list this device; add {dev.name!r} to its devices")
        if _unique(rec, "name", dev.name, seen_dev, "device") and \
                _unique(rec, "mgmt_address", dev.mgmt_address, seen_addr, "management address") and rec.ok:
            devices[dev.name] = dev
    for code, site in sites.items():
        for dname in site.devices:
            if dname not in devices and dname not in seen_dev:
                problems.add(f"$.sites({code}).devices", f"device {dname!r} is not defined in $.devices")

    links: dict[str, Link] = {}
    seen_link: dict[str, _Record] = {}
    used: dict[tuple[str, str], str] = {}
    itf_names = {name: {i.name for i in d.interfaces} for name, d in devices.items()}
    for rec in _records(doc, "links", problems):
        link = _parse_link(rec)
        if link is None:
            continue
        for key, end in (("a", link.a), ("b", link.b)):
            names = itf_names.get(end.device)
            if names is None:
                if end.device not in declared:
                    rec.fail(key, f"device {end.device!r} not in inventory; add it to $.devices or fix "
                             "this end of the link")
            elif end.interface not in names:
                some = ", ".join(sorted(names)[:3])
                rec.fail(key, f"interface {end.interface!r} is not on device {end.device!r}; use one of its "
                         f"interfaces ({some}, ...) or add it to the device")
            elif (end.device, end.interface) in used:
                rec.fail(key, f"{end} is already used by link {used[(end.device, end.interface)]!r}; an "
                         "interface carries one link: pick a free interface")
            else:
                used[(end.device, end.interface)] = link.id
        if _unique(rec, "id", link.id, seen_link, "link") and rec.ok:
            links[link.id] = link

    if problems:
        return None, problems.items
    inv = Inventory(name=name, access_classes=classes, snmp_profiles=profiles, regions=regions,
                    locations=locations, sites=sites, devices=devices, links=links, metadata=dict(metadata))
    return inv, []
