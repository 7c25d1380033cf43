"""What the state engine is given besides polls: its settings, the poller's own health,
maintenance windows; and the errors it raises.

Errors (all :class:`vigie.errors.VigieError`)::

    StateError
    ├── UnknownElement      a device, site, link or alarm id the engine does not know (also a KeyError)
    └── SettingsInvalid     settings or maintenance windows that cannot be used (also a ValueError)
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from vigie.errors import VigieError


class StateError(VigieError):
    """Root of the state engine's errors."""


class UnknownElement(StateError, KeyError):
    """An element the engine does not know; the message names it."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class SettingsInvalid(StateError, ValueError):
    """Settings or windows that cannot be used; ``problems`` lists every one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True, slots=True)
class EngineSettings:
    failures_to_down: int = 3  # consecutive failed polls (timeouts) before a device is declared failed
    successes_to_up: int = 1  # consecutive answers before a failed device is back
    poll_interval_s: float = 60.0
    stale_after_intervals: float = 2.5  # no result for this many intervals: not measured (UNKNOWN)
    min_cycle_completion: float = 0.95  # below this, the poller is reported overloaded

    def __post_init__(self) -> None:
        problems = []
        if self.failures_to_down < 1:
            problems.append(f"failures_to_down={self.failures_to_down}: must be >= 1")
        if self.successes_to_up < 1:
            problems.append(f"successes_to_up={self.successes_to_up}: must be >= 1")
        if not self.poll_interval_s > 0:
            problems.append(f"poll_interval_s={self.poll_interval_s}: must be > 0")
        if not self.stale_after_intervals >= 1:
            problems.append(f"stale_after_intervals={self.stale_after_intervals}: must be >= 1 (one poll interval)")
        if not 0 <= self.min_cycle_completion <= 1:
            problems.append(f"min_cycle_completion={self.min_cycle_completion}: must be within 0..1")
        if problems:
            raise SettingsInvalid(problems)

    @property
    def stale_after_s(self) -> float:
        return self.stale_after_intervals * self.poll_interval_s


@dataclass(frozen=True, slots=True)
class PollerHealth:
    """The poller watching itself (from :class:`collectors.scheduler.CycleReport`)."""

    collector_alive: bool = True
    cycle_completion: float = 1.0  # share of the devices whose poll of the last cycle completed
    late_devices: Set[str] | None = None  # devices whose poll did not run on time: not measured now


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    """``element``: a device name, a site code, a link id, or a POP / datacentre code (all its
    devices); active on ``[start, end)``."""

    element: str
    start: float
    end: float
    reason: str = ""
