"""The one seam between the dashboard and the monitor: :class:`StateSource`.

Everything the dashboard shows comes through a source; it never touches a transport, the engine
or the store itself. Implementations:

- :class:`tui.live.LiveSource`: in the monitor's process (``vigie demo``): the state engine's
  queries, the bus for what changed, a read-only connection to the store for history;
- :class:`tui.storesource.StoreSource`: attached read-only to the SQLite store of a ``vigie run``
  elsewhere on the machine, polled every second (``vigie tui``);
- :class:`tui.memory.MemorySource`: states set by hand (tests, benchmark, replays).

Change feed: :meth:`StateSource.drain` returns a :class:`Delta`, what changed since the previous
call (sites, devices, links, alarms, the poller, fresh rates). The dashboard calls it a few times a
second and repaints only that; ``Delta.resync`` asks it to re-read everything (the source lost part
of the feed).

Errors (all :class:`vigie.errors.VigieError`)::

    SourceError
    ├── NotAvailable   an optional part is missing (SLA engine, topology, history): say so, never crash
    └── AckRefused     this source cannot acknowledge (read-only), or the alarm is not active
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from vigie.errors import VigieError
from vigie.model import Inventory
from vigie.state.events import Alarm, ElementStatus, StateChange

if TYPE_CHECKING:
    from collectors.counters import DeviceRates
    from sla.budget import BudgetReport


class SourceError(VigieError):
    """Root of the dashboard's source errors; the message says what to do."""


class NotAvailable(SourceError):
    """An optional part (error budgets, topology, history) cannot be had from this source."""


class AckRefused(SourceError):
    """The acknowledgement was not recorded; the message says why and where it can be done."""


UNKNOWN_STATUS = ElementStatus("unknown", "not measured", None)

# One rate sample of one interface: (at, in b/s, out b/s); None: unknown.
Sample = tuple[float, float | None, float | None]


@dataclass(frozen=True, slots=True)
class Delta:
    """What changed since the previous :meth:`StateSource.drain`."""

    sites: frozenset[str] = frozenset()
    devices: frozenset[str] = frozenset()  # device states, and their interfaces' states
    links: frozenset[str] = frozenset()
    alarms: bool = False
    poller: bool = False
    rates: frozenset[str] = frozenset()  # devices with fresh interface rates
    resync: bool = False  # part of the feed was lost: read everything again

    def __bool__(self) -> bool:
        return bool(self.sites or self.devices or self.links or self.alarms or self.poller or self.rates
                    or self.resync)

    def merge(self, other: Delta) -> Delta:
        return Delta(self.sites | other.sites, self.devices | other.devices, self.links | other.links,
                     self.alarms or other.alarms, self.poller or other.poller, self.rates | other.rates,
                     self.resync or other.resync)


EMPTY = Delta()


class DeltaBuilder:
    """Accumulates what a feed says until :meth:`take` (sources use it for :meth:`StateSource.drain`)."""

    def __init__(self) -> None:
        self.sites: set[str] = set()
        self.devices: set[str] = set()
        self.links: set[str] = set()
        self.rates: set[str] = set()
        self.alarms = self.poller = self.resync = False

    def change(self, kind: str, element: str) -> None:
        if kind == "site":
            self.sites.add(element)
        elif kind == "device":
            self.devices.add(element)
        elif kind == "link":
            self.links.add(element)
        elif kind == "interface":
            self.devices.add(element.partition(":")[0])

    def take(self) -> Delta:
        out = Delta(frozenset(self.sites), frozenset(self.devices), frozenset(self.links), self.alarms,
                    self.poller, frozenset(self.rates), self.resync)
        self.sites, self.devices, self.links, self.rates = set(), set(), set(), set()
        self.alarms = self.poller = self.resync = False
        return out


@dataclass(frozen=True, slots=True)
class PollerView:
    """The poller watching itself, as the overview shows it."""

    source: str  # where the states come from, in words
    alive: bool | None  # None: cannot tell
    devices: int
    not_measured: int  # devices UNKNOWN now
    cycles: int = 0  # cycles completed (since the monitor started, or recorded in the store)
    cycle: int | None = None  # number of the last completed cycle
    cycle_started: float | None = None
    interval_s: float | None = None
    completion: float | None = None  # share of the devices polled in the last cycle
    late: int | None = None  # devices whose poll started late in the last cycle
    failed: int | None = None
    timeouts: int | None = None
    wall_s: float | None = None
    cpu_s: float | None = None
    polls: int | None = None
    store_pending: int = 0  # events the store has not taken yet (it is failing)
    feed_dropped: int = 0  # change-feed items this dashboard lost (then re-read everything)
    notes: tuple[str, ...] = field(default_factory=tuple)  # anything the operator should know


def own_failures(inventory: Inventory, device_state: Callable[[str], str],
                 down_links: Iterable[str]) -> list[str]:
    """Devices down, and links down between two devices that answer: the failures themselves (a link
    to a dead router is down because of the router), for the resilience analyses."""
    out = [d for d in inventory.devices if device_state(d) == "down"]
    for lk in down_links:
        link = inventory.links.get(lk)
        if link is not None and device_state(link.a.device) == "up" and device_state(link.b.device) == "up":
            out.append(lk)
    return sorted(out)


class StateSource(Protocol):
    """See the module documentation. All times are epoch seconds of :meth:`now`'s clock."""

    inventory: Inventory

    @property
    def label(self) -> str:
        """Where the states come from, in words (the top bar shows it)."""
        ...

    @property
    def can_ack(self) -> bool: ...

    def now(self) -> float: ...

    def counts(self) -> Mapping[str, int]:
        """Sites per state (every state key present)."""
        ...

    def site_status(self, code: str) -> ElementStatus: ...

    def device_status(self, name: str) -> ElementStatus: ...

    def link_status(self, link_id: str) -> ElementStatus: ...

    def active_alarms(self) -> Sequence[Alarm]: ...

    def alarm_history(self, limit: int = 500) -> Sequence[Alarm]:
        """Cleared alarms, most recently cleared first (raises NotAvailable without a store)."""
        ...

    def recent_changes(self, site: str, limit: int = 50) -> Sequence[StateChange]:
        """State changes of a site, its devices, their interfaces and the site's links, newest first."""
        ...

    def device_rates(self, device: str) -> DeviceRates | None:
        """The device's latest interface rates (None: none yet)."""
        ...

    def rate_history(self, device: str, since: float) -> Mapping[int, Sequence[Sample]]:
        """Per ifIndex, rate samples since ``since``, oldest first (for sparklines)."""
        ...

    def watch(self, devices: Sequence[str]) -> None:
        """The devices on screen: a source may keep their recent rates at full resolution."""
        ...

    def poller(self) -> PollerView: ...

    def ack(self, alarm_id: int, who: str) -> Alarm:
        """Acknowledge an active alarm; the alarm as it is now. Raises AckRefused."""
        ...

    def error_budget(self, sites: Sequence[str] | None = None) -> BudgetReport:
        """Month-to-date availability and error budgets (raises NotAvailable). May be slow: call it
        from a thread."""
        ...

    def failed_elements(self) -> Sequence[str]:
        """Devices down and links down between two devices up, now (:func:`own_failures`): what the
        resilience analyses take out of the network."""
        ...

    def drain(self) -> Delta:
        """What changed since the previous call (see :class:`Delta`)."""
        ...

    def close(self) -> None: ...


__all__ = ["EMPTY", "UNKNOWN_STATUS", "AckRefused", "Delta", "DeltaBuilder", "NotAvailable", "PollerView", "Sample",
           "SourceError", "StateSource",
           "own_failures"]
