"""Fault-scenario files: TOML text → validated :class:`Scenario` (format in ``docs/scenarios.md``).

Every problem is collected (not just the first), each with where it is (``fault[3].device``)
and how to fix it; :class:`ScenarioInvalid` carries the list. Targets are resolved against
the inventory here, so the timeline compiler only sees devices, links and interfaces that exist.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from vigie.errors import ScenarioError
from vigie.model import Inventory


class FaultKind(StrEnum):
    DEVICE_DOWN = "device_down"
    LINK_DOWN = "link_down"
    INTERFACE_DOWN = "interface_down"
    POP_LOSS = "pop_loss"
    FLAP = "flap"
    PACKET_LOSS = "packet_loss"
    SLOW_AGENT = "slow_agent"
    REBOOT = "reboot"
    COUNTER_WRAP = "counter_wrap"
    MALFORMED = "malformed"


MALFORMED_MODES = ("garbage", "truncated", "bad_length", "wrong_request_id")
DURATION_FORMS = 'a number of seconds (90, 1.5) or a string like "90s", "2m", "1h30m", "500ms"'
_K = FaultKind
TARGETS: dict[FaultKind, tuple[str, ...]] = {
    _K.DEVICE_DOWN: ("device", "site", "devices"), _K.LINK_DOWN: ("link", "interface"),
    _K.INTERFACE_DOWN: ("interface",), _K.POP_LOSS: ("pop",), _K.FLAP: ("link", "interface"),
    _K.PACKET_LOSS: ("device", "site", "pop"), _K.SLOW_AGENT: ("device", "site", "pop"),
    _K.REBOOT: ("device",), _K.COUNTER_WRAP: ("interface",), _K.MALFORMED: ("device", "site"),
}
PARAMS: dict[FaultKind, tuple[str, ...]] = {
    _K.DEVICE_DOWN: ("duration",), _K.LINK_DOWN: ("duration",), _K.INTERFACE_DOWN: ("duration",),
    _K.POP_LOSS: ("duration",), _K.FLAP: ("period", "count", "down_for"),
    _K.PACKET_LOSS: ("percent", "duration"), _K.SLOW_AGENT: ("delay_ms", "duration"),
    _K.REBOOT: ("downtime",), _K.COUNTER_WRAP: ("counter",), _K.MALFORMED: ("mode", "duration"),
}
REQUIRED = {"period", "count", "percent", "delay_ms", "mode"}
COMMON = ("at", "kind", "note")
_TOP_KEYS = ("name", "description", "seed", "fault")
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|d|h|m|s)")
_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_ORDER = ("d", "h", "m", "s", "ms")


def parse_duration(value: object) -> float | None:
    """Seconds from ``90``, ``1.5``, ``"90s"``, ``"2m"``, ``"1h30m"``, ``"500ms"``; None if not a duration."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    text = value.replace(" ", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    parts = _PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    ranks = [_ORDER.index(u) for _, u in parts]
    if ranks != sorted(set(ranks)):
        return None  # units out of order or repeated ("1s2m", "1m1m")
    return sum(float(n) * _UNITS[u] for n, u in parts)


@dataclass(frozen=True, slots=True)
class Fault:
    """One validated fault, its targets resolved against the inventory."""

    index: int  # position in the file: fault[index]
    kind: FaultKind
    at: float
    end: float  # when its effect ends (math.inf: until the end of the run; ``at`` for counter_wrap)
    target: str  # as written, e.g. "device S00012-R1", "pop PAR", "interface S00012-R1:Gi0/0"
    devices: tuple[str, ...] = ()  # device-level targets (expanded from site / pop / devices)
    link: str | None = None  # link-level targets
    interface: tuple[str, str] | None = None  # (device, ifname) when targeted by interface
    windows: tuple[tuple[float, float], ...] = ()  # [start, end) down windows (down kinds, flap, reboot)
    percent: float = 0.0
    delay_ms: float = 0.0
    mode: str | None = None
    counter: int = 32
    note: str = ""

    def detail(self) -> dict[str, Any]:
        """The parameters worth recording in the ground truth."""
        out: dict[str, Any] = {"fault_kind": self.kind.value, "target": self.target}
        if self.kind is FaultKind.PACKET_LOSS:
            out["percent"] = self.percent
        elif self.kind is FaultKind.SLOW_AGENT:
            out["delay_ms"] = self.delay_ms
        elif self.kind is FaultKind.MALFORMED:
            out["mode"] = self.mode
        elif self.kind is FaultKind.COUNTER_WRAP:
            out["counter"] = self.counter
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    faults: tuple[Fault, ...]
    description: str = ""
    seed: int = 0  # for the farm's random draws (packet loss)
    source: str = "scenario"


class ScenarioInvalid(ScenarioError):
    """Validation found problems; ``problems`` lists every one of them."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:30])
        more = f"\n  ... and {len(problems) - 30} more" if len(problems) > 30 else ""
        super().__init__(f"{source}: {len(problems)} problem(s)\n{shown}{more}")


def _hint(value: str, choices: Iterable[str], what: str = "") -> str:
    pool = list(choices)
    if len(pool) > 2000:  # keep error reporting fast on 20,000 devices: compare like-prefixed names only
        pool = [c for c in pool if c[:3] == value[:3]] or pool[:2000]
    close = difflib.get_close_matches(value, pool, n=1, cutoff=0.7)
    return f"; did you mean {close[0]!r}?" if close else (f"; {what}" if what else "")


class _Resolver:
    """Inventory lookups for targets, built once per parse."""

    def __init__(self, inventory: Inventory) -> None:
        self.inv = inventory
        self.link_at: dict[tuple[str, str], str] = {}
        for link in inventory.links.values():
            self.link_at[(link.a.device, link.a.interface)] = link.id
            self.link_at[(link.b.device, link.b.interface)] = link.id
        self.at_location: dict[str, list[str]] = {}
        for dev in inventory.devices.values():
            if dev.location is not None:
                self.at_location.setdefault(dev.location, []).append(dev.name)


class _FaultReader:
    def __init__(self, raw: Mapping[str, Any], index: int, res: _Resolver, problems: list[str]) -> None:
        self.raw, self.index, self.res, self.problems = raw, index, res, problems
        self.path = f"fault[{index}]"
        self.ok = True

    def bad(self, key: str, message: str) -> None:
        self.ok = False
        self.problems.append(f"{self.path}.{key}: {message}")

    def duration(self, key: str, default: float | None = None, positive: bool = True) -> float | None:
        if key not in self.raw:
            if default is None:
                self.bad(key, f"missing; add {key} = \"30s\" ({DURATION_FORMS})")
            return default
        value = parse_duration(self.raw[key])
        if value is None:
            self.bad(key, f"{self.raw[key]!r} is not a duration; write {DURATION_FORMS}")
        elif value < 0 or (positive and value == 0):
            self.bad(key, f"{self.raw[key]!r} must be {'> 0' if positive else '>= 0'} seconds")
            return None
        return value

    def number(self, key: str, low: float, high: float, default: float | None = None) -> float | None:
        if key not in self.raw:
            if default is None:
                self.bad(key, f"missing; add {key} = a number in {low:g}..{high:g}")
            return default
        value = self.raw[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            self.bad(key, f"{value!r} is out of range; use a number in {low:g}..{high:g}")
            return None
        return float(value)

    def device(self, key: str, name: object) -> str | None:
        if not isinstance(name, str):
            self.bad(key, f"{name!r} is not a device name (a string)")
            return None
        if name not in self.res.inv.devices:
            self.bad(key, f"device {name!r} not in inventory" + _hint(name, self.res.inv.devices,
                                                                      "check the name in the inventory file"))
            return None
        return name

    def interface(self, key: str) -> tuple[str, str] | None:
        spec = self.raw[key]
        if not isinstance(spec, str) or ":" not in spec:
            self.bad(key, f"{spec!r} is not DEVICE:IFNAME; write e.g. \"S00012-R1:Gi0/0\"")
            return None
        name, ifname = spec.split(":", 1)
        if self.device(key, name) is None:
            return None
        names = [itf.name for itf in self.res.inv.devices[name].interfaces]
        if ifname not in names:
            self.bad(key, f"interface {ifname!r} not on device {name!r}" + _hint(ifname, names)
                     + f" (it has {', '.join(names[:8])}{', ...' if len(names) > 8 else ''})")
            return None
        return name, ifname

    def targets(self, kind: FaultKind) -> tuple[str, tuple[str, ...], str | None, tuple[str, str] | None]:
        """(target label, devices, link id, interface); problems reported when unresolvable."""
        allowed = TARGETS[kind]
        given = [k for k in allowed if k in self.raw]
        if len(given) != 1:
            fix = " or ".join(f"{k} = ..." for k in allowed)
            self.bad(given[1] if given else allowed[0],
                     f"{kind.value} needs exactly one target; give {fix}" if given else f"missing; add {fix}")
            return "", (), None, None
        key = given[0]
        value = self.raw[key]
        label = f"{key} {value}"
        inv = self.res.inv
        if key == "device":
            dev = self.device(key, value)
            return label, (dev,) if dev else (), None, None
        if key == "devices":
            if not isinstance(value, list) or not value:
                self.bad(key, "must be a non-empty list of device names, e.g. [\"S00012-R1\", \"S00012-R2\"]")
                return label, (), None, None
            named = [self.device(f"{key}[{i}]", v) for i, v in enumerate(value)]
            return f"devices {', '.join(map(str, value))}", tuple(dict.fromkeys(d for d in named if d)), None, None
        if key == "site":
            site = inv.sites.get(value) if isinstance(value, str) else None
            if site is None:
                self.bad(key, f"site {value!r} not in inventory" + _hint(str(value), inv.sites))
            elif not site.devices:
                self.bad(key, f"site {value!r} has no device; target a site with routers")
            return label, site.devices if site else (), None, None
        if key == "pop":
            devs = self.res.at_location.get(value, []) if isinstance(value, str) else []
            if not isinstance(value, str) or value not in inv.locations:
                self.bad(key, f"pop {value!r} not in inventory; POPs and datacentres are "
                         f"{', '.join(sorted(inv.locations))}")
            elif not devs:
                self.bad(key, f"no device is located at {value!r}; choose a location with routers")
            return label, tuple(devs), None, None
        if key == "link":
            if not isinstance(value, str) or value not in inv.links:
                self.bad(key, f"link {value!r} not in inventory" + _hint(str(value), inv.links))
                return label, (), None, None
            return label, (), value, None
        itf = self.interface(key)
        link = self.res.link_at.get(itf) if itf and kind in _LINK_KINDS else None
        if itf and link is None and kind is FaultKind.LINK_DOWN:
            self.bad(key, f"no link on interface {value!r}; use kind = \"interface_down\" for a lone interface")
        return label, (), link, itf


_LINK_KINDS = (FaultKind.LINK_DOWN, FaultKind.INTERFACE_DOWN, FaultKind.FLAP)


def _unknown_field(key: str, kind: FaultKind, allowed: tuple[str, ...]) -> str:
    if key == "duration" and kind in (FaultKind.REBOOT, FaultKind.FLAP, FaultKind.COUNTER_WRAP):
        fix = {FaultKind.REBOOT: "a reboot lasts its \"downtime\"", FaultKind.FLAP: "a flap lasts count × period",
               FaultKind.COUNTER_WRAP: "a counter wrap is instantaneous"}[kind]
        return f"unknown field for {kind.value}: {fix}; remove duration"
    owners = [k.value for k in FaultKind if key in TARGETS[k] + PARAMS[k]]
    if owners:
        return f"not a field of {kind.value} (it belongs to {', '.join(owners)}); expected {', '.join(allowed)}"
    return "unknown field" + _hint(key, allowed, f"expected one of {', '.join(allowed)}")


def _read_fault(raw: object, index: int, res: _Resolver, problems: list[str]) -> Fault | None:
    if not isinstance(raw, dict):
        problems.append(f"fault[{index}]: must be a [[fault]] table, got {type(raw).__name__}")
        return None
    r = _FaultReader(raw, index, res, problems)
    kinds = [k.value for k in FaultKind]
    kind_raw = raw.get("kind")
    if kind_raw not in kinds:
        r.bad("kind", "missing; add kind = one of " + ", ".join(kinds) if kind_raw is None else
              f"unknown kind {kind_raw!r}" + _hint(str(kind_raw), kinds, f"use one of {', '.join(kinds)}"))
        return None
    kind = FaultKind(kind_raw)
    allowed = COMMON + TARGETS[kind] + PARAMS[kind]
    for key in raw:
        if key not in allowed:
            r.bad(key, _unknown_field(key, kind, allowed))
    at = r.duration("at", positive=False)
    note = raw.get("note", "")
    if not isinstance(note, str):
        r.bad("note", f"{note!r} is not a string; write note = \"why\"")
    target, devices, link, itf = r.targets(kind)
    fields: dict[str, Any] = {}
    end = math.inf
    start = at or 0.0
    if "duration" in PARAMS[kind]:
        duration = r.duration("duration", math.inf)
        end = start + (duration or 0.0)
    if kind is FaultKind.FLAP:
        period = r.duration("period")
        count = raw.get("count")
        if count is None or isinstance(count, bool) or not isinstance(count, int) or count < 1:
            r.bad("count", f"{count!r} is not a flap count; use an integer >= 1" if count is not None
                  else "missing; add count = 5 (how many times the link goes down)")
            count = 1
        down_for = r.duration("down_for", (period or 0.0) / 2 or 1.0)
        if period and down_for and down_for >= period:
            r.bad("down_for", f"{raw['down_for']!r} must be shorter than period {raw['period']!r} "
                  "(the link must come back up between flaps)")
        p, d = period or 0.0, down_for or 0.0
        fields["windows"] = tuple((start + i * p, start + i * p + d) for i in range(count))
        end = start + (count - 1) * p + d
    elif kind is FaultKind.REBOOT:
        end = start + (r.duration("downtime", 60.0) or 0.0)
    elif kind is FaultKind.COUNTER_WRAP:
        counter = raw.get("counter", 32)
        if counter not in (32, 64) or isinstance(counter, bool):
            r.bad("counter", f"{counter!r} is not a counter width; use 32 or 64")
        fields["counter"] = counter
        end = start
    elif kind is FaultKind.PACKET_LOSS:
        fields["percent"] = r.number("percent", 0, 100)
    elif kind is FaultKind.SLOW_AGENT:
        fields["delay_ms"] = r.number("delay_ms", 0, 3_600_000)
    elif kind is FaultKind.MALFORMED:
        mode = raw.get("mode")
        if mode not in MALFORMED_MODES:
            r.bad("mode", ("missing; add mode = " if mode is None else f"{mode!r} is not a mode; use ")
                  + " | ".join(f'"{m}"' for m in MALFORMED_MODES))
        fields["mode"] = mode
    if kind in (FaultKind.DEVICE_DOWN, FaultKind.POP_LOSS, FaultKind.REBOOT, FaultKind.LINK_DOWN,
                FaultKind.INTERFACE_DOWN):
        fields["windows"] = ((start, end),)
    if not r.ok:
        return None
    return Fault(index=index, kind=kind, at=start, end=end, target=target, devices=devices, link=link,
                 interface=itf, note=note, **fields)


def parse_scenario(text: str, inventory: Inventory, source: str = "scenario") -> Scenario:
    """Validate a scenario file's text against ``inventory``; raises :class:`ScenarioError`."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioInvalid(source, [f"TOML syntax error: {exc}; fix the file there"]) from exc
    problems: list[str] = []
    for key in doc:
        if key not in _TOP_KEYS:
            problems.append(f"{key}: unknown top-level field" + _hint(key, _TOP_KEYS, "expected " + ", ".join(
                _TOP_KEYS)) + " (faults are [[fault]] tables)")
    name, description, seed = doc.get("name", source), doc.get("description", ""), doc.get("seed", 0)
    if not isinstance(name, str) or not isinstance(description, str):
        problems.append("name: name and description must be strings, e.g. name = \"POP loss\"")
    if isinstance(seed, bool) or not isinstance(seed, int):
        problems.append(f"seed: {seed!r} is not an integer; write seed = 42")
    raw_faults = doc.get("fault", [])
    if not isinstance(raw_faults, list):
        problems.append("fault: must be an array of tables; write each fault as a [[fault]] section")
        raw_faults = []
    res = _Resolver(inventory)
    faults = [_read_fault(raw, i, res, problems) for i, raw in enumerate(raw_faults)]
    if problems:
        raise ScenarioInvalid(source, problems)
    return Scenario(name=str(name), faults=tuple(f for f in faults if f is not None), description=str(description),
                    seed=int(seed), source=source)
