"""Resuming after a restart: the engine takes back what it had declared, and invents nothing.

A restarted monitor must not turn every element UNKNOWN then UP again (an invented outage in
every SLA report), nor forget a router that was down, nor give new ids to the alarms operators
have acknowledged. :func:`resume` seeds a fresh engine with the stored states, the devices' last
poll times and the active alarms, evaluates once, and emits only what truly differs:

- the evidence behind each stored device state is rebuilt (UP: answered; DOWN or UNREACHABLE:
  failed ``failures_to_down`` times, so one answer brings it back and one more timeout keeps it
  down), with the device's stored last poll time; interfaces from their stored states and from
  the links stored down on an interface's report;
- elements whose recomputed state (and cause) is the stored one keep their ``since`` and emit
  nothing; the others emit one change from the stored state;
- restored alarms keep their ids and acknowledgements; those the evaluation does not confirm are
  cleared; new alarm ids continue above every id recorded;
- when the monitor was stopped longer than ``stale_after``, the devices' results went stale
  while nobody watched: the resume is evaluated at the moment they did (last poll +
  ``stale_after``), so the gap shows as UNKNOWN from then, never as UP.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from vigie.state.devices import DeviceRec
from vigie.state.events import (
    Alarm,
    AlarmEvent,
    DeviceState,
    ElementKind,
    Event,
    LinkState,
    SiteState,
    StateChange,
)
from vigie.state.inputs import StateError

if TYPE_CHECKING:
    from vigie.state.engine import StateEngine


class StoredState(Protocol):
    """The last recorded state of one element (``vigie.store.LastState`` has this shape)."""

    @property
    def state(self) -> str: ...

    @property
    def since(self) -> float: ...

    @property
    def cause(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Prior:
    """What the store holds of the engine's past."""

    states: Mapping[tuple[str, str], StoredState] = field(default_factory=dict)  # (kind, element) → last
    alarms: Sequence[Alarm] = ()  # active alarms
    next_alarm_id: int = 1  # above every alarm id ever recorded
    last_polls: Mapping[str, float] = field(default_factory=dict)  # device → time of its last poll


_FAILED = {DeviceState.DOWN.value, DeviceState.UNREACHABLE.value}


def resume(engine: StateEngine, prior: Prior, now: float) -> list[Event]:
    """Seed ``engine`` (fresh: no input yet) with ``prior``; the events that truly differ."""
    if engine._started is not None:
        raise StateError("resume() must come before any observe() or tick() of the engine")
    settings = engine.settings
    last_seen = max(prior.last_polls.values(), default=None)
    at = now
    if last_seen is not None and last_seen + settings.stale_after_s < now:
        at = last_seen + settings.stale_after_s  # when the stored evidence went stale, unwatched
    at = max([at, *(s.since for s in prior.states.values())])
    engine._started = at
    itf_down = _interfaces(engine, prior)
    for rec in engine._all:
        seen = prior.last_polls.get(rec.name)
        stored = prior.states.get(("device", rec.name))
        rec.last_at = at if seen is None else seen
        if seen is None or stored is None:
            continue
        if stored.state == DeviceState.UP.value:
            rec.has_result, rec.succ = True, settings.successes_to_up
        elif stored.state in _FAILED:
            rec.has_result, rec.fails, rec.confirmed = True, settings.failures_to_down, True
        else:
            continue
        for idx, state in itf_down.get(rec.name, {}).items():
            rec.itf[idx] = state
            rec.itf_at = seen
            if idx in rec.linked:
                engine._dirty_links.add(rec.linked[idx])
        engine._set_ev(rec)
    engine._alarms.restore(prior.alarms, prior.next_alarm_id)
    scratch: list[Event] = []
    engine._at(at, scratch)
    engine._evaluate(at, scratch)
    scratch += engine.tick(at)
    events: list[Event] = [e for e in scratch if not isinstance(e, StateChange)]
    changes = _differences(engine, prior, at)
    alarms: list[AlarmEvent] = engine._alarms.settle(at)
    return changes + events + list(alarms)


def _interfaces(engine: StateEngine, prior: Prior) -> dict[str, dict[int, str]]:
    """device → {ifIndex: state}: stored interface states, and interfaces whose down report made a
    stored link down (an interface down at first sight has no change of its own)."""
    index: dict[str, dict[str, int]] = {}

    def idx_of(rec: DeviceRec, name: str) -> int | None:
        names = index.get(rec.name)
        if names is None:
            names = index[rec.name] = {n: i for i, n in rec.names.items()}
        return names.get(name)

    out: dict[str, dict[int, str]] = {}
    for (kind, element), stored in prior.states.items():
        if kind == "interface":
            ref, state = element, stored.state
        elif kind == "link" and stored.state == LinkState.DOWN.value and stored.cause and ":" in stored.cause:
            ref, state = stored.cause, "down"
        else:
            continue
        device, _, ifname = ref.partition(":")
        rec = engine._recs.get(device)
        if rec is None:
            continue
        i = idx_of(rec, ifname)
        if i is not None:
            out.setdefault(device, {}).setdefault(i, state)
    return out


def _differences(engine: StateEngine, prior: Prior, at: float) -> list[Event]:
    """One change per element whose state now is not the stored one; ``since`` restored otherwise."""
    out: list[Event] = []

    def compare(kind: ElementKind, element: str, shown: str, cause: str | None, detail: str) -> float | None:
        stored = prior.states.get((kind, element))
        old = stored.state if stored is not None else SiteState.UNKNOWN.value
        # a link whose cause alone changed is no event (the engine emits none either)
        if stored is not None and stored.state == shown and (kind == "link" or stored.cause == cause):
            return stored.since
        if stored is None and shown == old:
            return None
        out.append(StateChange(at, kind, element, old, shown, cause, detail))
        return at

    for rec in engine._all:
        rec.since = compare("device", rec.name, rec.shown.value, rec.shown_cause, rec.detail)
    for lk in engine._links.values():
        lk.since = compare("link", lk.id, lk.shown.value, lk.shown_cause, f"{lk.a} - {lk.b}")
    for site in engine._sites.values():
        site.since = compare("site", site.code, site.shown.value, site.shown_cause, site.shown_detail)
    return out


__all__ = ["Prior", "StoredState", "resume"]
