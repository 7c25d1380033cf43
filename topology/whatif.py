"""What-if on the live state: what is down now, who is one failure away, what failing X would do now.

The state engine says what is down (:meth:`vigie.state.StateEngine.snapshot`): devices and links in
state ``down`` are failed elements. Devices ``unreachable`` are not failed (they are cut off by
something upstream), nor are ``unknown`` ones (not measured) nor those in maintenance: removing them
would invent failures. The analyses then run on the network without the failed elements.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from topology.blast import sites_cut_by
from topology.errors import ResilienceError
from topology.graph import Network
from topology.index import Index
from topology.spof import Solution, site_resilience, solve

FAILED_STATES = frozenset({"down"})


def down_from_snapshot(snapshot: Mapping[str, Any]) -> list[str]:
    """Names of the devices and links a state-engine snapshot shows failed, sorted."""
    out: list[str] = []
    for section in ("devices", "links"):
        table = snapshot.get(section, {})
        if not isinstance(table, Mapping):
            raise ResilienceError(f"state snapshot: {section!r} is not an object; give the JSON of "
                                  "StateEngine.snapshot()")
        for name, status in table.items():
            state = status.get("state") if isinstance(status, Mapping) else status
            if state in FAILED_STATES:
                out.append(str(name))
    return sorted(out)


def element_ids(index: Index, net: Network, names: Iterable[str]) -> frozenset[int]:
    """Element ids of node, link or group names (groups expanded); raises UnknownElement."""
    return frozenset(index.ids[n] for n in net.resolve(names))


@dataclass(frozen=True, slots=True)
class LiveRisk:
    down: tuple[str, ...]  # failed elements taken out
    isolated: tuple[str, ...]  # sites cut off now, by those failures
    one_away: tuple[str, ...]  # sites on a single path now: one more failure cuts them off
    lost_redundancy: tuple[str, ...]  # of those, the ones that had two or more paths before the failures


def live_risk(free: Solution, now: Solution) -> LiveRisk:
    """Compare the fault-free solution with the one for what is down now."""
    index = now.index
    codes = index.site_codes
    isolated, one_away, lost_red = [], [], []
    already = set(free.lost())
    for s in range(len(codes)):
        r = site_resilience(now, s)
        if r.paths == 0 and s not in already:
            isolated.append(codes[s])
        elif r.paths == 1:
            one_away.append(codes[s])
            if site_resilience(free, s).paths >= 2:
                lost_red.append(codes[s])
    down = tuple(sorted(index.names[e] for e in now.removed))
    return LiveRisk(down, tuple(isolated), tuple(one_away), tuple(lost_red))


def what_if(now: Solution, elements: Iterable[int]) -> list[int]:
    """Sites (indexes) that failing ``elements`` together would cut off, beyond those cut off now."""
    extra = frozenset(elements) - now.removed
    if not extra:
        return []
    if len(extra) == 1:
        return sites_cut_by(now, next(iter(extra)))
    already = set(now.lost())
    return [s for s in solve(now.index, now.removed | extra).lost() if s not in already]
