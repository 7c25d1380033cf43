""":class:`StoreSource`: the dashboard attached to the SQLite store of a ``vigie run`` elsewhere on
the machine (``vigie tui --inventory FILE --store vigie.db``).

At attach it reads the latest state of every site, device and link; then, every second (at most:
on :meth:`drain`), only the state changes added since (by row id), the active alarms and the last
poll cycle. Everything it knows comes from what the monitor recorded: states with their cause and
since, alarms, poll cycles, 5-minute rate rollups (no live rates: those stay in the monitor).

**Read-only.** The store is opened with ``mode=ro``: nothing is ever written, locked or migrated.
Acknowledgements are refused, with a message: the monitor's engine owns the alarms, and a row
written behind its back would be overwritten by the alarm's next update (and be lost at its
restart). Acknowledge from the dashboard running with the monitor (``vigie demo``), or from a
dashboard attached through the bus when the MQTT bus lands.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.fmt import SITE_STATES
from tui.source import UNKNOWN_STATUS, AckRefused, Delta, DeltaBuilder, PollerView, Sample, SourceError, own_failures
from tui.storeread import StoreReader, detail_text
from vigie.model import Inventory
from vigie.state.events import Alarm, ElementStatus, StateChange

if TYPE_CHECKING:
    from collectors.counters import DeviceRates
    from sla.budget import BudgetReport

BATCH = 50_000  # rows read per refresh; more than that at once: re-read every state instead


class StoreSource:
    def __init__(self, inventory: Inventory, store: str | Path, *, clock: Callable[[], float] = time.time,
                 poll_every_s: float = 1.0) -> None:
        self.inventory = inventory
        self.path = Path(store)
        self.reader = StoreReader(store)
        self._clock = clock
        self.poll_every_s = poll_every_s
        self._feed = DeltaBuilder()
        self._sites: dict[str, ElementStatus] = {}
        self._devices: dict[str, ElementStatus] = {}
        self._links: dict[str, ElementStatus] = {}
        self._counts: dict[str, int] = {}
        self._not_measured = 0
        self._last_id = 0
        self._alarms: list[Alarm] = []
        self._alarm_sig: tuple[Any, ...] = ()
        self._cycle: dict[str, Any] | None = None
        self._cycles = 0
        self._error: str | None = None
        self.resyncs = 0
        self._load()
        self._polled_at = clock()

    @classmethod
    def open(cls, inventory_path: str | Path, store: str | Path, **kw: Any) -> StoreSource:
        from vigie.inventory import load_inventory

        return cls(load_inventory(Path(inventory_path)), store, **kw)

    # -- reading the store ---------------------------------------------------------------------

    def _load(self) -> None:
        states, self._last_id = self.reader.latest_states()
        inv = self.inventory
        self._sites = {code: states.get(("site", code), UNKNOWN_STATUS) for code in inv.sites}
        self._devices = {name: states.get(("device", name), UNKNOWN_STATUS) for name in inv.devices}
        self._links = {lk: states[("link", lk)] for lk in inv.links if ("link", lk) in states}
        self._counts = dict.fromkeys(SITE_STATES, 0)
        for st in self._sites.values():
            self._counts[st.state] = self._counts.get(st.state, 0) + 1
        self._not_measured = sum(1 for st in self._devices.values() if st.state == "unknown")
        self._read_alarms()
        self._read_cycle()

    def _read_alarms(self) -> bool:
        alarms = self.reader.active_alarms()
        sig = tuple((a.id, a.updated_at, a.acked_at, a.text, a.severity) for a in alarms)
        if sig == self._alarm_sig:
            return False
        self._alarms, self._alarm_sig = alarms, sig
        return True

    def _read_cycle(self) -> bool:
        cycle = self.reader.last_cycle()
        if cycle is None or (self._cycle is not None and cycle["id"] == self._cycle["id"]):
            return False
        self._cycle = cycle
        self._cycles = self.reader.cycle_count()
        return True

    def refresh(self) -> None:
        """Read what the monitor recorded since the last refresh (called by :meth:`drain`)."""
        self._polled_at = self._clock()
        try:
            rows = self.reader.changes_after(self._last_id, BATCH)
            if len(rows) >= BATCH:  # far behind (the monitor resumed a big history): read the states again
                self.resyncs += 1
                self._load()
                self._feed.resync = True
                return
            for rid, at, kind, element, _old, new, cause, detail in rows:
                self._last_id = rid
                self._apply(kind, element, ElementStatus(new, cause, at, detail_text(detail)))
            if self._read_alarms():
                self._feed.alarms = True
            if self._read_cycle():
                self._feed.poller = True
            if self._error is not None:
                self._error = None
                self._feed.poller = True
        except SourceError as exc:
            if self._error is None:
                self._feed.poller = True
            self._error = str(exc)

    def _apply(self, kind: str, element: str, status: ElementStatus) -> None:
        if kind == "site":
            old = self._sites.get(element)
            if old is None:
                return  # not in this inventory
            self._counts[old.state] -= 1
            self._counts[status.state] = self._counts.get(status.state, 0) + 1
            self._sites[element] = status
        elif kind == "device":
            before = self._devices.get(element)
            if before is None:
                return
            self._not_measured += (status.state == "unknown") - (before.state == "unknown")
            self._devices[element] = status
        elif kind == "link":
            if element not in self.inventory.links:
                return
            self._links[element] = status
        self._feed.change(kind, element)

    def drain(self) -> Delta:
        if self._clock() - self._polled_at >= self.poll_every_s:
            self.refresh()
        return self._feed.take()

    # -- the StateSource protocol --------------------------------------------------------------

    @property
    def label(self) -> str:
        return f"store {self.path.name} (read-only)"

    @property
    def can_ack(self) -> bool:
        return False

    def now(self) -> float:
        return self._clock()

    def counts(self) -> Mapping[str, int]:
        return dict(self._counts)

    def site_status(self, code: str) -> ElementStatus:
        return self._sites[self.inventory.site(code).code]

    def device_status(self, name: str) -> ElementStatus:
        return self._devices[self.inventory.device(name).name]

    def link_status(self, link_id: str) -> ElementStatus:
        return self._links.get(link_id, UNKNOWN_STATUS)

    def failed_elements(self) -> Sequence[str]:
        return own_failures(self.inventory, lambda d: self.device_status(d).state,
                            [n for n, s in self._links.items() if s.state == "down"])

    def active_alarms(self) -> Sequence[Alarm]:
        return list(self._alarms)

    def alarm_history(self, limit: int = 500) -> Sequence[Alarm]:
        return self.reader.alarm_history(limit)

    def ack(self, alarm_id: int, who: str) -> Alarm:
        raise AckRefused(f"alarm {alarm_id} not acknowledged: this dashboard reads {self.path} read-only, and the "
                         "monitor owns its alarms (a row written here would be overwritten by its next update); "
                         "acknowledge from the dashboard running with the monitor (vigie demo)")

    def recent_changes(self, site: str, limit: int = 50) -> Sequence[StateChange]:
        s = self.inventory.site(site)
        links = sorted({lk.id for d in s.devices for lk in self.inventory.links_of(d)})
        return self.reader.element_changes([site, *s.devices, *links], s.devices, limit)

    def device_rates(self, device: str) -> DeviceRates | None:
        return None  # live rates stay in the monitor; rate_history gives the 5-minute rollups

    def rate_history(self, device: str, since: float) -> Mapping[int, Sequence[Sample]]:
        return self.reader.rollups(device, since)

    def watch(self, devices: Sequence[str]) -> None:
        pass

    def poller(self) -> PollerView:
        c = self._cycle
        notes = ["read-only: acknowledgements are made in the monitor's dashboard"]
        if self._error is not None:
            notes.insert(0, f"store unreadable: {self._error}")
        alive: bool | None = None
        if c is not None:
            age = self.now() - float(c["started"])
            alive = age < 3 * float(c["interval_s"]) + float(c["wall_s"])
            if not alive:
                notes.insert(0, f"monitor silent: last poll cycle started {age:.0f} s ago")
        else:
            notes.insert(0, "no poll cycle recorded yet")
        completion = c["completed"] / c["devices"] if c and c["devices"] else None
        return PollerView(
            source=self.label, alive=alive, devices=len(self.inventory.devices), not_measured=self._not_measured,
            cycles=self._cycles, cycle=c["cycle"] if c else None, cycle_started=c["started"] if c else None,
            interval_s=c["interval_s"] if c else None, completion=completion, late=c["late"] if c else None,
            failed=c["failed"] if c else None, timeouts=c["timeouts"] if c else None,
            wall_s=c["wall_s"] if c else None, cpu_s=c["cpu_s"] if c else None, feed_dropped=self.resyncs,
            notes=tuple(notes))

    def error_budget(self, sites: Sequence[str] | None = None) -> BudgetReport:
        from tui.analysis import budget_from_store

        return budget_from_store(self.path, self.inventory, self.now(), sites)

    def close(self) -> None:
        self.reader.close()


__all__ = ["StoreSource"]
