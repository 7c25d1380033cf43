"""The dashboard in the monitor's own process: :class:`LiveSource`.

States are the state engine's answers (always current); what changed comes from the bus
(``listen`` callbacks: they only note names, never block the monitor, never drop); history
(cleared alarms, a site's past changes, rate rollups) from a read-only connection to the store.
An acknowledgement goes to the engine, then to the store (so that it survives a restart), then on
the bus, as the monitor does for its own events.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tui.source import AckRefused, Delta, DeltaBuilder, NotAvailable, PollerView, Sample, SourceError, own_failures
from tui.storeread import StoreReader
from vigie.bus import Bus, Topic
from vigie.model import Inventory
from vigie.state import Alarm, ElementStatus, StateChange, StateEngine, UnknownElement
from vigie.store import SqliteStore, StoreError

if TYPE_CHECKING:
    from collectors.counters import DeviceRates
    from collectors.scheduler import CycleReport
    from sla.budget import BudgetReport
    from vigie.monitor.runtime import Monitor
    from vigie.monitor.status import MonitorStatus

RING = 120  # recent rate samples kept per watched device


class LiveSource:
    """See the module documentation. ``status``: the monitor's own figures (``Monitor.status``)."""

    def __init__(self, inventory: Inventory, engine: StateEngine, bus: Bus, store: SqliteStore | None = None, *,
                 clock: Callable[[], float] = time.time, status: Callable[[], MonitorStatus] | None = None) -> None:
        self.inventory = inventory
        self.engine = engine
        self.bus = bus
        self.store = store
        self._clock = clock
        self._status = status
        self._feed = DeltaBuilder()
        self._rates: dict[str, DeviceRates] = {}
        self._ring: dict[str, deque[tuple[float, dict[int, tuple[float | None, float | None]]]]] = {}
        self._watched: frozenset[str] = frozenset()
        self._cycle: CycleReport | None = None
        self._cycles = 0
        self._notes: list[str] = []
        self._not_measured = sum(1 for d in inventory.devices if engine.device_state(d) == "unknown")
        self._reader: StoreReader | None = None
        self._reader_error = "no store: this monitor keeps no history"
        if store is not None and store.path not in ("", ":memory:"):
            try:
                self._reader = StoreReader(store.path)
            except SourceError as exc:
                self._reader_error = str(exc)
        self._undo = [bus.listen(Topic.CHANGES, self._on_change), bus.listen(Topic.ALARMS, self._on_alarm),
                      bus.listen(Topic.RATES, self._on_rates), bus.listen(Topic.CYCLES, self._on_cycle),
                      bus.listen(Topic.STATUS, self._on_status)]

    @classmethod
    def from_monitor(cls, monitor: Monitor) -> LiveSource:
        return cls(monitor.inventory, monitor.engine, monitor.bus, monitor.store, clock=monitor.wall,
                   status=monitor.status)

    # -- the feed (bus callbacks: short, never raise) ------------------------------------------

    def _on_change(self, change: StateChange) -> None:
        self._feed.change(change.kind, change.element)
        if change.kind == "device":
            self._not_measured += (change.new == "unknown") - (change.old == "unknown")

    def _on_alarm(self, _event: Any) -> None:
        self._feed.alarms = True

    def _on_rates(self, rates: DeviceRates) -> None:
        self._rates[rates.device] = rates
        if rates.device in self._watched:
            ring = self._ring.setdefault(rates.device, deque(maxlen=RING))
            ring.append((rates.at, {r.if_index: (r.in_bps, r.out_bps) for r in rates.interfaces}))
            self._feed.rates.add(rates.device)

    def _on_cycle(self, report: CycleReport) -> None:
        self._cycle = report
        self._cycles += 1
        self._feed.poller = True

    def _on_status(self, _status: Any) -> None:
        self._feed.poller = True

    def drain(self) -> Delta:
        return self._feed.take()

    # -- states --------------------------------------------------------------------------------

    @property
    def label(self) -> str:
        return "live monitor (in-process)"

    @property
    def can_ack(self) -> bool:
        return True

    def now(self) -> float:
        return self._clock()

    def counts(self) -> Mapping[str, int]:
        return {str(k): v for k, v in self.engine.counts().items()}

    def site_status(self, code: str) -> ElementStatus:
        return self.engine.site_status(code)

    def device_status(self, name: str) -> ElementStatus:
        return self.engine.device_status(name)

    def link_status(self, link_id: str) -> ElementStatus:
        return self.engine.link_status(link_id)

    def failed_elements(self) -> Sequence[str]:
        eng = self.engine
        down = []
        for lk in self.inventory.links:
            try:
                if eng.link_state(lk) == "down":
                    down.append(lk)
            except UnknownElement:  # a link the engine leaves out (a loop, an end not in the inventory)
                continue
        return own_failures(self.inventory, lambda d: str(eng.device_state(d)), down)

    # -- alarms --------------------------------------------------------------------------------

    def active_alarms(self) -> Sequence[Alarm]:
        return self.engine.active_alarms()

    def alarm_history(self, limit: int = 500) -> Sequence[Alarm]:
        return self._need_reader().alarm_history(limit)

    def ack(self, alarm_id: int, who: str) -> Alarm:
        try:
            event = self.engine.ack(alarm_id, who, self.now())
        except UnknownElement as exc:
            raise AckRefused(str(exc)) from exc
        if self.store is not None:
            try:
                self.store.record([event])
            except StoreError as exc:
                self._notes.append(f"acknowledgement of alarm {alarm_id} not stored ({exc}): lost at restart")
        self.bus.publish(Topic.ALARMS, event)
        return event.alarm

    # -- history and rates ---------------------------------------------------------------------

    def _need_reader(self) -> StoreReader:
        if self._reader is None:
            raise NotAvailable(self._reader_error)
        return self._reader

    def recent_changes(self, site: str, limit: int = 50) -> Sequence[StateChange]:
        s = self.inventory.site(site)
        links = sorted({lk.id for d in s.devices for lk in self.inventory.links_of(d)})
        return self._need_reader().element_changes([site, *s.devices, *links], s.devices, limit)

    def device_rates(self, device: str) -> DeviceRates | None:
        return self._rates.get(device)

    def watch(self, devices: Sequence[str]) -> None:
        self._watched = frozenset(devices)
        for name in list(self._ring):
            if name not in self._watched:
                del self._ring[name]

    def rate_history(self, device: str, since: float) -> Mapping[int, Sequence[Sample]]:
        out: dict[int, list[Sample]] = {}
        if self._reader is not None:
            out = self._reader.rollups(device, since)
        last = max((s[-1][0] for s in out.values() if s), default=since)
        for at, values in self._ring.get(device, ()):
            if at > last:
                for idx, (i, o) in values.items():
                    out.setdefault(idx, []).append((at, i, o))
        return out

    # -- the poller ----------------------------------------------------------------------------

    def poller(self) -> PollerView:
        st = self._status() if self._status is not None else None
        r = self._cycle
        notes = list(self._notes[-3:])
        alive: bool | None = None
        if r is not None:
            alive = self.now() - r.started < 3 * r.interval_s
            if not alive:
                notes.append(f"no cycle completed for {self.now() - r.started:.0f} s")
        elif st is not None:
            notes.append("first poll cycle running")
        return PollerView(
            source=self.label, alive=alive, devices=len(self.inventory.devices), not_measured=self._not_measured,
            cycles=st.cycles if st is not None else self._cycles, cycle=r.cycle if r else None,
            cycle_started=r.started if r else None, interval_s=r.interval_s if r else None,
            completion=r.completion if r else None, late=r.late if r else None, failed=r.failed if r else None,
            timeouts=r.timeouts if r else None, wall_s=r.wall_s if r else None, cpu_s=r.cpu_s if r else None,
            polls=st.polls if st is not None else None, store_pending=st.store_pending if st is not None else 0,
            notes=tuple(notes))

    # -- availability --------------------------------------------------------------------------

    def error_budget(self, sites: Sequence[str] | None = None) -> BudgetReport:
        if self.store is None or self._reader is None:
            raise NotAvailable(f"error budgets need the store: {self._reader_error}")
        from tui.analysis import budget_from_store

        return budget_from_store(self.store.path, self.inventory, self.now(), sites)

    def close(self) -> None:
        for undo in self._undo:
            undo()
        self._undo = []
        if self._reader is not None:
            self._reader.close()
            self._reader = None


__all__ = ["LiveSource"]
