"""Declared maintenance windows, resolved to the devices, links and sites they cover at a time.

A window names a device, a site (the site and its devices), a link, or a POP / datacentre code
(every device located there). Windows are half-open ``[start, end)``. The engine asks
:meth:`MaintenanceSchedule.at` only when its ``now`` leaves the span where the answer is known
to stay the same (:meth:`MaintenanceSchedule.span`).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

from vigie.model import Inventory
from vigie.state.inputs import MaintenanceWindow, SettingsInvalid


@dataclass(frozen=True, slots=True)
class Active:
    """What is under maintenance at one time: element → (the window's element, its reason)."""

    devices: dict[str, tuple[str, str]] = field(default_factory=dict)
    links: dict[str, tuple[str, str]] = field(default_factory=dict)
    sites: dict[str, tuple[str, str]] = field(default_factory=dict)

    def covers(self, element: str) -> tuple[str, str] | None:
        return self.devices.get(element) or self.links.get(element) or self.sites.get(element)


NOTHING = Active()


class MaintenanceSchedule:
    def __init__(self, windows: Sequence[MaintenanceWindow], inventory: Inventory) -> None:
        problems = []
        by_location: dict[str, list[str]] = {}
        for dev in inventory.devices.values():
            if dev.location is not None:
                by_location.setdefault(dev.location, []).append(dev.name)
        self._targets: list[tuple[MaintenanceWindow, str, list[str]]] = []  # window, kind, devices covered
        for i, w in enumerate(windows):
            if not w.end > w.start:
                problems.append(f"window[{i}] ({w.element}): end {w.end} is not after start {w.start}; "
                                "give an end later than the start")
                continue
            if w.element in inventory.devices:
                self._targets.append((w, "device", [w.element]))
            elif w.element in inventory.sites:
                self._targets.append((w, "site", list(inventory.sites[w.element].devices)))
            elif w.element in inventory.links:
                self._targets.append((w, "link", []))
            elif w.element in inventory.locations:
                self._targets.append((w, "location", sorted(by_location.get(w.element, []))))
            else:
                problems.append(f"window[{i}]: {w.element!r} is not a device, site, link, POP or datacentre "
                                "of the inventory")
        if problems:
            raise SettingsInvalid(problems)
        self._bounds = sorted({t for w, _, _ in self._targets for t in (w.start, w.end)})

    def span(self, now: float) -> tuple[float, float]:
        """The interval around ``now`` during which :meth:`at` gives the same answer."""
        i = bisect.bisect_right(self._bounds, now)
        lo = self._bounds[i - 1] if i > 0 else float("-inf")
        hi = self._bounds[i] if i < len(self._bounds) else float("inf")
        return lo, hi

    def at(self, now: float) -> Active:
        if not self._targets:
            return NOTHING
        active = Active()
        for w, kind, devices in self._targets:
            if not w.start <= now < w.end:
                continue
            reason = (w.element, w.reason)
            if kind == "link":
                active.links.setdefault(w.element, reason)
            if kind == "site":
                active.sites.setdefault(w.element, reason)
            for d in devices:
                active.devices.setdefault(d, reason)
        return active
