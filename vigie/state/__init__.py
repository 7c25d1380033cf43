"""The state engine: device reachability, interface and link states, site service states and
alarms, derived from polls, the poller's health, maintenance windows and the inventory's
topology. Pure: the caller passes ``now``. See :mod:`vigie.state.engine`."""

from vigie.state.engine import POLLER, StateEngine
from vigie.state.events import (
    Alarm,
    AlarmAcked,
    AlarmCleared,
    AlarmEvent,
    AlarmKind,
    AlarmRaised,
    AlarmUpdated,
    DeviceState,
    ElementStatus,
    Event,
    LinkState,
    Severity,
    SiteState,
    StateChange,
)
from vigie.state.inputs import (
    EngineSettings,
    MaintenanceWindow,
    PollerHealth,
    SettingsInvalid,
    StateError,
    UnknownElement,
)
from vigie.state.resume import Prior

__all__ = ["POLLER", "Alarm", "AlarmAcked", "AlarmCleared", "AlarmEvent", "AlarmKind", "AlarmRaised", "AlarmUpdated",
           "DeviceState", "ElementStatus", "EngineSettings", "Event", "LinkState", "MaintenanceWindow",
           "PollerHealth", "Prior", "SettingsInvalid", "Severity", "SiteState", "StateChange", "StateEngine",
           "StateError", "UnknownElement"]
