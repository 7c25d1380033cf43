"""What the state engine says: states, state changes and alarms, as frozen records.

Every change the engine sees is an event, emitted once per transition:

- :class:`StateChange`: a device, site, link or interface changed state (or the cause of its
  state changed); ``old`` is None the first time an interface is seen changing.
- :class:`AlarmRaised`, :class:`AlarmUpdated` (text, cause or impact changed: the same alarm,
  same id), :class:`AlarmCleared`, :class:`AlarmAcked`: each carries the alarm as it is after
  the event.

States are string enums, so events serialise as they are (``dataclasses.asdict`` + JSON).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class DeviceState(StrEnum):
    UP = "up"  # answers
    DOWN = "down"  # stopped answering on its own: its upstream is fine (the failure "at the edge")
    UNREACHABLE = "unreachable"  # cut off by another failed element upstream (named in ``cause``)
    UNKNOWN = "unknown"  # not measured: never polled yet, stale, late, collector down
    MAINTENANCE = "maintenance"  # under a declared maintenance window (or cut off by an element that is)


class SiteState(StrEnum):
    UP = "up"
    DEGRADED = "degraded"  # service up, redundancy lost
    DOWN = "down"  # no service, and the failure is at the site (its routers, its accesses)
    UNREACHABLE = "unreachable"  # no service because something upstream failed (derived from the topology)
    UNKNOWN = "unknown"  # we could not measure; never "the site was down"
    MAINTENANCE = "maintenance"


class LinkState(StrEnum):
    UP = "up"
    DOWN = "down"  # an end reports it oper down, or an end device is down or unreachable
    UNKNOWN = "unknown"  # an end is not measured and nothing says it is down
    MAINTENANCE = "maintenance"


class Severity(StrEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    WARNING = "warning"


class AlarmKind(StrEnum):
    DEVICE_DOWN = "device_down"  # infrastructure router down, with what is unreachable behind it
    LINK_DOWN = "link_down"  # infrastructure link down between two routers that answer
    SITE_DOWN = "site_down"  # a site lost its service by a failure at the site
    DEGRADED = "degraded"  # a site lost its redundancy
    MONITORING = "monitoring"  # a device answers but cannot be read (credentials, decoding...)
    NOT_MEASURED = "not_measured"  # the poller is late or overloaded, or the collector is down


ElementKind = Literal["device", "site", "link", "interface"]


@dataclass(frozen=True, slots=True)
class StateChange:
    at: float
    kind: ElementKind
    element: str  # device name, site code, link id, or "DEVICE:IFNAME"
    old: str | None
    new: str
    cause: str | None = None  # the element (or poll error) blamed
    detail: str = ""  # a sentence for operators


@dataclass(frozen=True, slots=True)
class Alarm:
    id: int  # stable, increasing from 1
    raised_at: float
    element: str
    kind: AlarmKind
    severity: Severity
    cause: str | None
    text: str
    sites: int = 0  # sites unreachable because of this element
    devices: int = 0  # infrastructure devices unreachable because of this element
    updated_at: float | None = None
    cleared_at: float | None = None
    acked_by: str | None = None
    acked_at: float | None = None

    @property
    def active(self) -> bool:
        return self.cleared_at is None


@dataclass(frozen=True, slots=True)
class AlarmRaised:
    at: float
    alarm: Alarm


@dataclass(frozen=True, slots=True)
class AlarmUpdated:
    at: float
    alarm: Alarm


@dataclass(frozen=True, slots=True)
class AlarmCleared:
    at: float
    alarm: Alarm


@dataclass(frozen=True, slots=True)
class AlarmAcked:
    at: float
    alarm: Alarm


AlarmEvent = AlarmRaised | AlarmUpdated | AlarmCleared | AlarmAcked
Event = StateChange | AlarmRaised | AlarmUpdated | AlarmCleared | AlarmAcked


@dataclass(frozen=True, slots=True)
class ElementStatus:
    """The current state of one element, for queries."""

    state: str
    cause: str | None
    since: float | None  # when it entered that state (None: since the engine started)
    detail: str = ""
    root: str | None = None  # unreachable devices and sites: the failure at the edge they are behind
