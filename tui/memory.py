""":class:`MemorySource`: a state source held in memory and set by hand, or from a state engine's
events. For tests (a fixed, seeded state and a fixed clock), the benchmark, and replays.

Its error budgets are the SLA engine's, computed from the state changes it was given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from tui.fmt import SITE_STATES
from tui.source import UNKNOWN_STATUS, AckRefused, Delta, DeltaBuilder, NotAvailable, PollerView, Sample, own_failures
from vigie.model import Inventory
from vigie.state.events import (
    Alarm,
    AlarmAcked,
    AlarmCleared,
    AlarmRaised,
    AlarmUpdated,
    ElementStatus,
    Event,
    StateChange,
)

if TYPE_CHECKING:
    from collectors.counters import DeviceRates
    from sla.budget import BudgetReport
    from vigie.state import StateEngine


class MemorySource:
    def __init__(self, inventory: Inventory, now: float = 0.0, label: str = "memory (fixed state)") -> None:
        self.inventory = inventory
        self._now = now
        self._label = label
        self.feed = DeltaBuilder()
        self._sites: dict[str, ElementStatus] = dict.fromkeys(inventory.sites, UNKNOWN_STATUS)
        self._devices: dict[str, ElementStatus] = {}
        self._not_measured = len(inventory.devices)  # devices UNKNOWN (never set: not measured)
        self._links: dict[str, ElementStatus] = {}
        self._counts = dict.fromkeys(SITE_STATES, 0)
        self._counts["unknown"] = len(self._sites)
        self._alarms: dict[int, Alarm] = {}
        self._history: list[Alarm] = []
        self._changes: list[StateChange] = []
        self._rates: dict[str, DeviceRates] = {}
        self._rate_history: dict[str, dict[int, list[Sample]]] = {}
        self._poller: PollerView | None = None
        self._budget: BudgetReport | None = None
        self.acks = True  # False: refuse acknowledgements, as a read-only source does
        self.acked: list[tuple[int, str]] = []
        self.watched: tuple[str, ...] = ()

    # -- setting the state -----------------------------------------------------------------------

    def set_now(self, now: float) -> None:
        self._now = now

    def set_site(self, code: str, state: str, cause: str | None = None, since: float | None = None,
                 detail: str = "", root: str | None = None) -> None:
        old = self._sites[code].state
        self._counts[old] -= 1
        self._counts[state] += 1
        self._sites[code] = ElementStatus(state, cause, since, detail, root)
        self.feed.sites.add(code)

    def set_device(self, name: str, state: str, cause: str | None = None, since: float | None = None,
                   detail: str = "") -> None:
        old = self._devices.get(name, UNKNOWN_STATUS).state
        self._not_measured += (state == "unknown") - (old == "unknown")
        self._devices[name] = ElementStatus(state, cause, since, detail)
        self.feed.devices.add(name)

    def set_link(self, link_id: str, state: str, cause: str | None = None, since: float | None = None) -> None:
        self._links[link_id] = ElementStatus(state, cause, since)
        self.feed.links.add(link_id)

    def apply(self, events: Iterable[Event]) -> None:
        """A state engine's events, in order (state changes kept for history and error budgets)."""
        for e in events:
            if isinstance(e, StateChange):
                self._changes.append(e)
                if e.kind == "site":
                    self.set_site(e.element, e.new, e.cause, e.at, e.detail)
                elif e.kind == "device":
                    self.set_device(e.element, e.new, e.cause, e.at, e.detail)
                elif e.kind == "link":
                    self.set_link(e.element, e.new, e.cause, e.at)
                else:
                    self.feed.change(e.kind, e.element)
            elif isinstance(e, AlarmCleared):
                self._alarms.pop(e.alarm.id, None)
                self._history.append(e.alarm)
                self.feed.alarms = True
            elif isinstance(e, AlarmRaised | AlarmUpdated | AlarmAcked):
                self._alarms[e.alarm.id] = e.alarm
                self.feed.alarms = True

    def copy_engine(self, engine: StateEngine) -> None:
        """Every current status of a state engine (its roots and details included) and its alarms."""
        for code in self.inventory.sites:
            st = engine.site_status(code)
            self.set_site(code, st.state, st.cause, st.since, st.detail, st.root)
        for name in self.inventory.devices:
            self._devices[name] = engine.device_status(name)
        self._not_measured = sum(1 for st in self._devices.values() if st.state == "unknown")
        for lk in self.inventory.links:
            try:
                self._links[lk] = engine.link_status(lk)
            except KeyError:
                continue
        self._alarms = {a.id: a for a in engine.active_alarms()}
        self.feed.resync = True

    def set_rates(self, rates: DeviceRates, history: Mapping[int, list[Sample]] | None = None) -> None:
        self._rates[rates.device] = rates
        if history is not None:
            self._rate_history[rates.device] = {k: list(v) for k, v in history.items()}
        self.feed.rates.add(rates.device)

    def set_poller(self, view: PollerView) -> None:
        self._poller = view
        self.feed.poller = True

    def set_budget(self, report: BudgetReport | None) -> None:
        self._budget = report

    # -- the StateSource protocol ----------------------------------------------------------------

    @property
    def label(self) -> str:
        return self._label

    @property
    def can_ack(self) -> bool:
        return self.acks

    def now(self) -> float:
        return self._now

    def counts(self) -> Mapping[str, int]:
        return dict(self._counts)

    def site_status(self, code: str) -> ElementStatus:
        return self._sites[self.inventory.site(code).code]

    def device_status(self, name: str) -> ElementStatus:
        return self._devices.get(self.inventory.device(name).name, UNKNOWN_STATUS)

    def link_status(self, link_id: str) -> ElementStatus:
        return self._links.get(link_id, UNKNOWN_STATUS)

    def active_alarms(self) -> Sequence[Alarm]:
        return [self._alarms[i] for i in sorted(self._alarms)]

    def alarm_history(self, limit: int = 500) -> Sequence[Alarm]:
        return sorted(self._history, key=lambda a: (a.cleared_at or 0.0, a.id), reverse=True)[:limit]

    def recent_changes(self, site: str, limit: int = 50) -> Sequence[StateChange]:
        s = self.inventory.site(site)
        mine = {site, *s.devices, *(lk.id for d in s.devices for lk in self.inventory.links_of(d))}
        devices = set(s.devices)
        out = [c for c in self._changes if c.element in mine or c.element.partition(":")[0] in devices]
        return sorted(out, key=lambda c: c.at, reverse=True)[:limit]

    def device_rates(self, device: str) -> DeviceRates | None:
        return self._rates.get(device)

    def rate_history(self, device: str, since: float) -> Mapping[int, Sequence[Sample]]:
        return {k: [s for s in v if s[0] >= since] for k, v in self._rate_history.get(device, {}).items()}

    def watch(self, devices: Sequence[str]) -> None:
        self.watched = tuple(devices)

    def poller(self) -> PollerView:
        if self._poller is not None:
            return self._poller
        return PollerView(source=self._label, alive=None, devices=len(self.inventory.devices),
                          not_measured=self._not_measured)

    def ack(self, alarm_id: int, who: str) -> Alarm:
        if not self.acks:
            raise AckRefused("this source is read-only: acknowledge from the monitor's own dashboard")
        alarm = self._alarms.get(alarm_id)
        if alarm is None:
            raise AckRefused(f"alarm {alarm_id} is not active; acknowledge one of the active alarms")
        alarm = replace(alarm, acked_by=who, acked_at=self._now)
        self._alarms[alarm_id] = alarm
        self.acked.append((alarm_id, who))
        self.feed.alarms = True
        return alarm

    def error_budget(self, sites: Sequence[str] | None = None) -> BudgetReport:
        if self._budget is not None:
            return self._budget
        try:
            from sla.budget import error_budget
        except ImportError as exc:  # pragma: no cover
            raise NotAvailable(f"the SLA engine cannot be loaded ({exc})") from exc
        return error_budget(self.inventory, self._now, changes=self._changes, sites=sites)

    def failed_elements(self) -> Sequence[str]:
        return own_failures(self.inventory, lambda d: self.device_status(d).state,
                            [n for n, s in self._links.items() if s.state == "down"])

    def drain(self) -> Delta:
        return self.feed.take()

    def close(self) -> None:
        pass


__all__ = ["MemorySource"]
