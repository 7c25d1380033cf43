"""The alarm book: at most one active alarm per (kind, element), with stable ids.

:meth:`AlarmBook.set` raises an alarm, or updates it when its text, cause, severity or impact
changed (same id, acknowledgement kept); :meth:`AlarmBook.clear` clears it. Each returns the
events to emit (none when nothing changed), so identical input never repeats an event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from vigie.state.events import (
    Alarm,
    AlarmAcked,
    AlarmCleared,
    AlarmEvent,
    AlarmKind,
    AlarmRaised,
    AlarmUpdated,
    Severity,
)
from vigie.state.inputs import UnknownElement


class AlarmBook:
    def __init__(self) -> None:
        self._next_id = 1
        self._active: dict[int, Alarm] = {}
        self._by_key: dict[tuple[AlarmKind, str], int] = {}
        self._restored: set[int] = set()  # restored alarms not confirmed by an evaluation yet

    def restore(self, alarms: Sequence[Alarm], next_id: int) -> None:
        """Take back the alarms active before a restart (same ids, acknowledgements kept); new ids
        start at ``next_id`` (above every id ever recorded). Call :meth:`settle` once evaluated."""
        for alarm in alarms:
            if alarm.active:
                self._active[alarm.id] = alarm
                self._by_key[(alarm.kind, alarm.element)] = alarm.id
                self._restored.add(alarm.id)
        self._next_id = max(self._next_id, next_id, *(a.id + 1 for a in alarms))

    def settle(self, now: float) -> list[AlarmEvent]:
        """Clear the restored alarms the first evaluation did not raise again: their cause is gone."""
        events: list[AlarmEvent] = []
        for alarm_id in sorted(self._restored):
            alarm = self._active.get(alarm_id)
            if alarm is not None:
                events += self.clear(alarm.kind, alarm.element, now)
        self._restored.clear()
        return events

    def set(self, kind: AlarmKind, element: str, now: float, severity: Severity, cause: str | None, text: str,
            sites: int = 0, devices: int = 0) -> list[AlarmEvent]:
        key = (kind, element)
        alarm_id = self._by_key.get(key)
        if alarm_id is not None:
            self._restored.discard(alarm_id)
        if alarm_id is None:
            alarm = Alarm(self._next_id, now, element, kind, severity, cause, text, sites, devices)
            self._next_id += 1
            self._active[alarm.id] = alarm
            self._by_key[key] = alarm.id
            return [AlarmRaised(now, alarm)]
        old = self._active[alarm_id]
        if (old.severity, old.cause, old.text, old.sites, old.devices) == (severity, cause, text, sites, devices):
            return []
        new = replace(old, severity=severity, cause=cause, text=text, sites=sites, devices=devices, updated_at=now)
        self._active[alarm_id] = new
        return [AlarmUpdated(now, new)]

    def clear(self, kind: AlarmKind, element: str, now: float) -> list[AlarmEvent]:
        alarm_id = self._by_key.pop((kind, element), None)
        if alarm_id is None:
            return []
        alarm = replace(self._active.pop(alarm_id), cleared_at=now)
        return [AlarmCleared(now, alarm)]

    def ack(self, alarm_id: int, who: str, now: float) -> AlarmAcked:
        alarm = self._active.get(alarm_id)
        if alarm is None:
            raise UnknownElement(f"alarm {alarm_id} is not active; acknowledge one of the ids of active_alarms()")
        alarm = replace(alarm, acked_by=who, acked_at=now)
        self._active[alarm_id] = alarm
        return AlarmAcked(now, alarm)

    def get(self, kind: AlarmKind, element: str) -> Alarm | None:
        alarm_id = self._by_key.get((kind, element))
        return None if alarm_id is None else self._active[alarm_id]

    def active(self) -> list[Alarm]:
        return [self._active[i] for i in sorted(self._active)]
