"""Fault scenarios compiled into a timeline the device farm queries, and its ground truth.

:func:`parse_scenario` / :func:`load_scenario` read a TOML scenario (``docs/scenarios.md``);
:class:`FaultTimeline` compiles it once at farm start. It is pure: the farm passes the time
``t`` (seconds since the start of the simulation); nothing here reads a clock.

Per-device answers are precomputed as sorted boundary lists, so each hot-path query
(:meth:`FaultTimeline.silent`, ``loss``, ``delay_s``, ``malformed``) is one dict lookup and
one bisect; a device without any fault costs one dict miss.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from pathlib import Path
from typing import Any

from simulators.faults import Fault, FaultKind, Scenario, ScenarioInvalid, parse_duration, parse_scenario
from simulators.reachability import Reachability
from vigie.errors import ScenarioError
from vigie.model import Inventory

__all__ = ["Fault", "FaultKind", "FaultTimeline", "Scenario", "ScenarioInvalid", "load_scenario",
           "parse_duration", "parse_scenario"]

Entry = tuple[float, float, int, str]  # start, end, fault index, cause
Span = tuple[float, float, list[Entry]]  # merged [start, end) and the entries it merges


def load_scenario(path: str | Path, inventory: Inventory) -> Scenario:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"scenario file {str(p)!r} does not exist; see docs/scenarios.md for the format") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read scenario file {str(p)!r}: {exc}") from exc
    return parse_scenario(text, inventory, str(p))


def merge(entries: list[Entry]) -> list[Span]:
    """Union of [start, end) intervals; overlapping or touching ones become one span."""
    spans: list[Span] = []
    for entry in sorted(entries):
        if spans and entry[0] <= spans[-1][1]:
            start, end, merged = spans[-1]
            merged.append(entry)
            spans[-1] = (start, max(end, entry[1]), merged)
        else:
            spans.append((entry[0], entry[1], [entry]))
    return spans


def _opener(span: Span) -> Entry:
    return span[2][0]


def _closer(span: Span) -> Entry:
    return max(span[2], key=lambda e: (e[1], -e[0]))


def _bounds(spans: list[Span]) -> list[float]:
    """Flat [s0, e0, s1, e1, ...] without an infinite last end: inside iff bisect_right(...) is odd."""
    out: list[float] = []
    for start, end, _ in spans:
        out.append(start)
        if end != math.inf:
            out.append(end)
    return out


def _segments(entries: list[tuple[float, float, int, Any]], combine: Any) -> tuple[list[float], list[Any]]:
    """Piecewise-constant value: value at t is values[bisect_right(bounds, t)]."""
    cuts = sorted({e[0] for e in entries} | {e[1] for e in entries if e[1] != math.inf})
    bounds: list[float] = []
    values: list[Any] = [combine([])]
    for cut in cuts:
        value = combine([e for e in entries if e[0] <= cut < e[1]])
        if value != values[-1]:
            bounds.append(cut)
            values.append(value)
    return bounds, values


def _loss(active: list[tuple[float, float, int, Any]]) -> float:
    keep = 1.0
    for e in active:
        keep *= 1.0 - e[3]
    return round(1.0 - keep, 12)


def _delay(active: list[tuple[float, float, int, Any]]) -> float:
    return max((e[3] for e in active), default=0.0)


def _mode(active: list[tuple[float, float, int, Any]]) -> str | None:
    return max(active, key=lambda e: (e[0], e[2]))[3] if active else None


_EFFECTS = {FaultKind.PACKET_LOSS: (_loss, "percent", 100.0), FaultKind.SLOW_AGENT: (_delay, "delay_ms", 1000.0),
            FaultKind.MALFORMED: (_mode, "mode", None)}
_RANK = {("device", "down"): 0, ("device", "up"): 0, ("link", "down"): 1, ("link", "up"): 1,
         ("interface", "down"): 2, ("interface", "up"): 2, ("device", "unreachable"): 3,
         ("device", "reachable"): 3, ("reboot", "start"): 4, ("reboot", "boot"): 4}


class FaultTimeline:
    """A scenario compiled against an inventory: what every device must do at time t."""

    def __init__(self, scenario: Scenario | None, inventory: Inventory) -> None:
        self.scenario = scenario
        self.inventory = inventory
        self.faults: tuple[Fault, ...] = scenario.faults if scenario else ()
        own: dict[str, list[Entry]] = defaultdict(list)
        link_entries: dict[str, list[Entry]] = defaultdict(list)
        lone: dict[tuple[str, str], list[Entry]] = defaultdict(list)
        effects: dict[FaultKind, dict[str, list[tuple[float, float, int, Any]]]] = {k: defaultdict(list)
                                                                                   for k in _EFFECTS}
        reboots: dict[str, list[Entry]] = defaultdict(list)
        wraps: dict[str, list[tuple[str, float, int]]] = defaultdict(list)
        for f in self.faults:
            if f.kind in (FaultKind.DEVICE_DOWN, FaultKind.POP_LOSS, FaultKind.REBOOT):
                for dev in f.devices:
                    own[dev].extend((s, e, f.index, dev) for s, e in f.windows)
                    if f.kind is FaultKind.REBOOT:
                        reboots[dev].extend((s, e, f.index, dev) for s, e in f.windows)
            elif f.kind in (FaultKind.LINK_DOWN, FaultKind.INTERFACE_DOWN, FaultKind.FLAP):
                if f.link is not None:
                    link_entries[f.link].extend((s, e, f.index, f.link) for s, e in f.windows)
                elif f.interface is not None:
                    lone[f.interface].extend((s, e, f.index, ":".join(f.interface)) for s, e in f.windows)
            elif f.kind is FaultKind.COUNTER_WRAP and f.interface is not None:
                wraps[f.interface[0]].append((f.interface[1], f.at, f.counter))
            elif f.kind in _EFFECTS:
                value: Any = {FaultKind.PACKET_LOSS: f.percent / 100.0, FaultKind.SLOW_AGENT: f.delay_ms / 1000.0,
                              FaultKind.MALFORMED: f.mode}[f.kind]
                for dev in f.devices:
                    effects[f.kind][dev].append((f.at, f.end, f.index, value))
        self._own = {d: merge(v) for d, v in own.items()}
        self._links = {k: merge(v) for k, v in link_entries.items()}
        self._boots = {d: [e for _, e, _ in merge(v)] for d, v in reboots.items()}
        self._reboot_spans = {d: merge(v) for d, v in reboots.items()}
        self._wraps = {d: sorted(v, key=lambda w: (w[1], w[0])) for d, v in wraps.items()}
        # interface oper status (except the device's own downtime): link faults, lone interfaces, far ends down
        ifs: dict[str, dict[str, list[Entry]]] = defaultdict(lambda: defaultdict(list))
        for link_id, entries in link_entries.items():
            link = inventory.links[link_id]
            for end in (link.a, link.b):
                ifs[end.device][end.interface].extend(entries)
        for (dev, ifname), entries in lone.items():
            ifs[dev][ifname].extend(entries)
        for dev, entries in own.items():
            for link in inventory.links_of(dev):
                far = link.other(dev)
                ifs[far.device][far.interface].extend(entries)
        self._ifs = ifs
        self._values: dict[FaultKind, dict[str, tuple[list[float], list[Any]]]] = {
            k: {d: _segments(v, _EFFECTS[k][0]) for d, v in per.items()} for k, per in effects.items()}
        self._loss, self._delay, self._malformed = (self._values[k] for k in _EFFECTS)
        self._unreach = self._compile_reachability(inventory)
        silent: dict[str, list[Entry]] = defaultdict(list)
        for dev, entries in own.items():
            silent[dev].extend(entries)
        for dev, unreach in self._unreach.items():
            silent[dev].extend(unreach)
        self._silent = {d: _bounds(merge(v)) for d, v in silent.items()}
        times: set[float] = set()
        for bounds in self._silent.values():
            times.update(bounds)
        for table in (self._own, self._links):
            for spans in table.values():
                times.update(_bounds(spans))
        for per_if in ifs.values():
            for entries in per_if.values():
                times.update(_bounds(merge(entries)))
        for per_dev in self._values.values():
            for bounds, _ in per_dev.values():
                times.update(bounds)
        for dev_wraps in self._wraps.values():
            times.update(w[1] for w in dev_wraps)
        self._times = sorted(times)
        self._truth: list[dict[str, Any]] | None = None

    def _compile_reachability(self, inventory: Inventory) -> dict[str, list[tuple[float, float, int, str]]]:
        """Per device: [start, end) cut off from the datacentres, with the fault and the element that cut it."""
        model = Reachability(inventory)
        self._reach_model = model
        if not model.enabled or not (self._own or self._links):
            return {}
        changes: dict[float, list[tuple[bool, bool, str]]] = defaultdict(list)  # t → (down?, device?, name)
        for is_dev, table in ((True, self._own), (False, self._links)):
            for name, spans in table.items():
                for start, end, _ in spans:
                    changes[start].append((True, is_dev, name))
                    if end != math.inf:
                        changes[end].append((False, is_dev, name))
        down_devs: set[str] = set()
        down_links: set[str] = set()
        cache: dict[tuple[frozenset[str], frozenset[str]], dict[str, str]] = {}
        previous: dict[str, str] = {}
        opened: dict[str, tuple[float, int, str]] = {}
        out: dict[str, list[tuple[float, float, int, str]]] = defaultdict(list)
        for t in sorted(changes):
            for down, is_dev, name in changes[t]:
                target = down_devs if is_dev else down_links
                (target.add if down else target.discard)(name)
            key = (frozenset(down_devs), frozenset(down_links))
            cut = cache.get(key)
            if cut is None:
                cut = cache[key] = model.cut_off(down_devs, down_links)
            for dev in previous.keys() - cut.keys():
                start, fault, cause = opened.pop(dev)
                out[dev].append((start, t, fault, cause))
            for dev in cut.keys() - previous.keys():
                opened[dev] = (t, self._fault_of(cut[dev], t), cut[dev])
            previous = cut
        for dev, (start, fault, cause) in opened.items():
            out[dev].append((start, math.inf, fault, cause))
        return dict(out)

    def _fault_of(self, element: str, t: float) -> int:
        """Index of the fault that holds ``element`` (a device or a link) down at ``t``."""
        for start, end, entries in self._own.get(element) or self._links.get(element) or []:
            if start <= t < end:
                return min((e for e in entries if e[0] <= t < e[1]), default=entries[0])[2]
        return -1

    # -- hot path: one dict lookup and one bisect ----------------------------------------------

    def change_times(self) -> list[float]:
        return list(self._times)

    def epoch(self, t: float) -> int:
        return bisect_right(self._times, t)

    def silent(self, device: str, t: float) -> bool:
        bounds = self._silent.get(device)
        return bounds is not None and bisect_right(bounds, t) & 1 == 1

    def loss(self, device: str, t: float) -> float:
        seg = self._loss.get(device)
        return 0.0 if seg is None else float(seg[1][bisect_right(seg[0], t)])

    def delay_s(self, device: str, t: float) -> float:
        seg = self._delay.get(device)
        return 0.0 if seg is None else float(seg[1][bisect_right(seg[0], t)])

    def malformed(self, device: str, t: float) -> str | None:
        seg = self._malformed.get(device)
        return None if seg is None else seg[1][bisect_right(seg[0], t)]

    # -- per-device set-up queries ----------------------------------------------------------------

    def oper_down_intervals(self, device: str) -> dict[str, list[tuple[float, float]]]:
        per_if = self._ifs.get(device, {})
        own = self._own.get(device)
        names = set(per_if)
        if own and device in self.inventory.devices:
            names.update(itf.name for itf in self.inventory.devices[device].interfaces)
        own_entries = [(s, e, -1, device) for s, e, _ in own or []]
        return {name: [(s, e) for s, e, _ in merge(per_if.get(name, []) + own_entries)] for name in sorted(names)}

    def boot_offsets(self, device: str) -> list[float]:
        return list(self._boots.get(device, []))

    def counter_wraps(self, device: str) -> list[tuple[str, float, int]]:
        return list(self._wraps.get(device, []))

    def ground_truth(self) -> list[dict[str, Any]]:
        if self._truth is None:
            self._truth = self._build_truth()
        return list(self._truth)

    def _build_truth(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        faults = {f.index: f for f in self.faults}

        def add(t: float, element: str, kind: str, change: str, fault: int, detail: dict[str, Any],
                cause: str | None = None) -> None:
            event: dict[str, Any] = {"t": t, "element": element, "kind": kind, "change": change, "fault": fault,
                                     "detail": detail}
            if cause is not None:
                event["cause"] = cause
            events.append(event)

        def spans_to_events(element: str, kind: str, spans: list[Span], cause: bool = False) -> None:
            for start, end, entries in spans:
                ids = sorted({e[2] for e in entries})
                first, last = _opener((start, end, entries)), _closer((start, end, entries))
                add(start, element, kind, "down", first[2], {**faults[first[2]].detail(), "faults": ids},
                    first[3] if cause else None)
                if end != math.inf:
                    add(end, element, kind, "up", last[2], {**faults[last[2]].detail(), "faults": ids},
                        last[3] if cause else None)

        for dev, spans in self._own.items():
            spans_to_events(dev, "device", spans)
        for link_id, spans in self._links.items():
            link = self.inventory.links[link_id]
            before = len(events)
            spans_to_events(link_id, "link", spans)
            for event in events[before:]:
                event["detail"].update(a=str(link.a), b=str(link.b))
        for dev, per_if in self._ifs.items():
            for ifname, entries in per_if.items():
                spans_to_events(f"{dev}:{ifname}", "interface", merge(entries), cause=True)
        for dev, unreach in self._unreach.items():
            for start, end, fault, cause in unreach:
                detail = {**faults[fault].detail(), "cause_kind": "link" if cause in self.inventory.links else "device"}
                add(start, dev, "device", "unreachable", fault, detail, cause)
                if end != math.inf:
                    add(end, dev, "device", "reachable", fault, dict(detail), cause)
        for dev, spans in self._reboot_spans.items():
            for start, end, entries in spans:
                add(start, dev, "reboot", "start", entries[0][2], {"downtime_s": end - start})
                add(end, dev, "reboot", "boot", _closer((start, end, entries))[2], {"boot_time": end})
        for dev, dev_wraps in self._wraps.items():
            for ifname, t, bits in dev_wraps:
                fault = next(f.index for f in self.faults if f.kind is FaultKind.COUNTER_WRAP
                             and f.interface == (dev, ifname) and f.at == t)
                add(t, f"{dev}:{ifname}", "counter_wrap", "wrap", fault, {"counter": bits})
        self._effect_events(add)
        events.sort(key=lambda e: (e["t"], _RANK.get((e["kind"], e["change"]), 5), e["element"], e["change"]))
        return events

    def _effect_events(self, add: Any) -> None:
        """packet_loss / slow_agent / malformed: start, change of value, end (per device)."""
        for kind, per_dev in self._values.items():
            _, key, scale = _EFFECTS[kind]
            for dev, (bounds, values) in per_dev.items():
                for i, t in enumerate(bounds):
                    old, new = values[i], values[i + 1]
                    starting = [f.index for f in self.faults if f.kind is kind and dev in f.devices and f.at == t]
                    ending = [f.index for f in self.faults if f.kind is kind and dev in f.devices and f.end == t]
                    change = "start" if not old else "end" if not new else "change"
                    shown = new if scale is None or new is None else round(new * scale, 9)
                    add(t, dev, kind.value, change, (starting or ending or [-1])[0], {key: shown})
